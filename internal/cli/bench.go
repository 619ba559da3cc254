package cli

import (
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"strconv"
	"text/tabwriter"
	"time"

	"github.com/spf13/pflag"

	"github.com/glomers/glomers/internal/checker/setfull"
	"github.com/glomers/glomers/internal/preset"
	"github.com/glomers/glomers/internal/runner"
)

// benchAliases name the benchmarks by workload.
var benchAliases = map[string]string{"broadcast": "3e"}

// benchCmd runs one challenge several times and prints a table of its
// figures: messages per operation, latencies where the workload measures
// them, and the verdict.
func benchCmd(args []string, env Env) int {
	if len(args) > 0 && args[0] == "hostile" {
		return benchHostileCmd(args[1:], env)
	}
	fs := pflag.NewFlagSet("glomers bench", pflag.ContinueOnError)
	fs.SetOutput(io.Discard)
	runs := fs.Int("runs", 5, "how many runs")
	binDir := fs.String("bin-dir", defaultBinDir(), "folder holding the solution binaries")
	storeDir := fs.String("store", "store", "folder that keeps the runs")
	nemesis := fs.Bool("partition", false, "add --nemesis partition to the challenge's flags")
	seeds := fs.UintSlice("seeds", nil, "run once with each of these seeds (comma-separated) instead of --runs unseeded runs")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, pflag.ErrHelp) {
			fmt.Fprintf(env.Stdout, "Usage: glomers bench ID|broadcast [--runs N | --seeds S1,S2,...] [--partition]\n\n%s", fs.FlagUsages())
			return ExitValid
		}
		fmt.Fprintf(env.Stderr, "%v\n", err)
		return ExitUsage
	}
	if fs.NArg() != 1 || *runs <= 0 {
		fmt.Fprintln(env.Stderr, "usage: glomers bench ID|broadcast [--runs N | --seeds S1,S2,...] [--partition]")
		return ExitUsage
	}
	id := fs.Arg(0)
	if alias, ok := benchAliases[id]; ok {
		id = alias
	}
	p, err := preset.Lookup(id)
	if err != nil {
		fmt.Fprintf(env.Stderr, "%v\n", err)
		return ExitUsage
	}
	flags := append(append([]string(nil), p.Flags...), "--bin", filepath.Join(*binDir, p.Binary), "--store", *storeDir)
	if *nemesis {
		flags = append(flags, "--nemesis", "partition")
	}
	quiet := Env{Stdout: io.Discard, Stderr: env.Stderr, Interrupt: env.Interrupt}
	type run struct {
		label string
		extra []string
	}
	var plan []run
	for i := 1; i <= *runs && len(*seeds) == 0; i++ {
		plan = append(plan, run{label: strconv.Itoa(i)})
	}
	for _, seed := range *seeds {
		plan = append(plan, run{label: fmt.Sprintf("seed %d", seed), extra: []string{"--seed", strconv.FormatUint(uint64(seed), 10)}})
	}
	var (
		rows          [][]string
		okSum, msgSum float64
		measured      int
		latencyOfOps  bool
	)
	code := ExitValid
	for i, r := range plan {
		fmt.Fprintf(env.Stderr, "bench %s: run %d of %d (%s)\n", p.ID, i+1, len(plan), r.label)
		cfg, c, _, ok := parseTest(append(append([]string(nil), flags...), r.extra...), quiet)
		if !ok {
			return c
		}
		out, err := runner.Run(cfg)
		code = worse(code, exitCode(out, err, env))
		if err != nil {
			rows = append(rows, []string{r.label, "-", "-", "-", "-", "-", "crashed"})
			continue
		}
		row, fromOps := benchRow(r.label, out)
		latencyOfOps = latencyOfOps || fromOps
		rows = append(rows, row)
		f := preset.KeyFigures(out.Results)
		okSum, msgSum, measured = okSum+f.OKFraction, msgSum+f.MsgsPerOp, measured+1
		if out.Interrupted != nil {
			break // the user asked to stop
		}
	}
	if measured > 1 {
		n := float64(measured)
		rows = append(rows, []string{"mean", strconv.FormatFloat(okSum/n, 'f', 3, 64), strconv.FormatFloat(msgSum/n, 'f', 2, 64), "", "", "", ""})
	}
	fmt.Fprintf(env.Stdout, "\nchallenge %s: glomers test %s\n", p.ID, join(flags))
	if latencyOfOps {
		fmt.Fprintln(env.Stdout, "latencies: invocation to :ok completion of client operations")
	} else {
		fmt.Fprintln(env.Stdout, "latencies: the workload's stable latencies")
	}
	tw := tabwriter.NewWriter(env.Stdout, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "run\tok-fraction\tmsgs-per-op\tmedian ms\tp95 ms\tmax ms\tvalid\t")
	for _, r := range rows {
		for _, c := range r {
			fmt.Fprintf(tw, "%s\t", c)
		}
		fmt.Fprintln(tw)
	}
	tw.Flush()
	return code
}

// benchRow formats one run's figures. Latencies are the set-full stable
// latencies when the workload has them (fromOps false), else the
// latencies of the :ok client operations.
func benchRow(label string, out *runner.Outcome) (row []string, fromOps bool) {
	r := out.Results
	f := preset.KeyFigures(r)
	row = []string{label, strconv.FormatFloat(f.OKFraction, 'f', 3, 64), strconv.FormatFloat(f.MsgsPerOp, 'f', 2, 64), "-", "-", "-", r.Valid.String()}
	if s, ok := r.Workload.(setfull.Result); ok && s.StableLatencies != nil {
		q := s.StableLatencies
		row[3], row[4], row[5] = strconv.FormatInt(q.Median, 10), strconv.FormatInt(q.P95, 10), strconv.FormatInt(q.Max, 10)
		return row, false
	}
	if l := preset.OKLatencies(out.History); l.Count > 0 {
		ms := func(d time.Duration) string { return strconv.FormatInt(d.Milliseconds(), 10) }
		row[3], row[4], row[5] = ms(l.Median), ms(l.P95), ms(l.Max)
		return row, true
	}
	return row, false
}
