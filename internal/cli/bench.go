package cli

import (
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"strconv"
	"text/tabwriter"

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
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, pflag.ErrHelp) {
			fmt.Fprintf(env.Stdout, "Usage: glomers bench ID|broadcast [--runs N] [--partition]\n\n%s", fs.FlagUsages())
			return ExitValid
		}
		fmt.Fprintf(env.Stderr, "%v\n", err)
		return ExitUsage
	}
	if fs.NArg() != 1 || *runs <= 0 {
		fmt.Fprintln(env.Stderr, "usage: glomers bench ID|broadcast [--runs N] [--partition]")
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
	var rows [][]string
	code := ExitValid
	for i := 1; i <= *runs; i++ {
		fmt.Fprintf(env.Stderr, "bench %s: run %d of %d\n", p.ID, i, *runs)
		cfg, c, _, ok := parseTest(flags, quiet)
		if !ok {
			return c
		}
		out, err := runner.Run(cfg)
		code = worse(code, exitCode(out, err, env))
		if err != nil {
			rows = append(rows, []string{strconv.Itoa(i), "-", "-", "-", "-", "crashed"})
			continue
		}
		rows = append(rows, benchRow(i, out.Results))
		if out.Interrupted != nil {
			break
		}
	}
	fmt.Fprintf(env.Stdout, "\nchallenge %s: glomers test %s\n", p.ID, join(flags))
	tw := tabwriter.NewWriter(env.Stdout, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "run\tmsgs-per-op\tmedian ms\tp95 ms\tmax ms\tvalid\t")
	for _, r := range rows {
		for _, c := range r {
			fmt.Fprintf(tw, "%s\t", c)
		}
		fmt.Fprintln(tw)
	}
	tw.Flush()
	return code
}

// benchRow formats one run's figures; latencies are the set-full stable
// latencies, when the workload has them.
func benchRow(run int, r runner.Results) []string {
	f := preset.KeyFigures(r)
	row := []string{strconv.Itoa(run), strconv.FormatFloat(f.MsgsPerOp, 'f', 2, 64), "-", "-", "-", r.Valid.String()}
	if s, ok := r.Workload.(setfull.Result); ok && s.StableLatencies != nil {
		q := s.StableLatencies
		row[2], row[3], row[4] = strconv.FormatInt(q.Median, 10), strconv.FormatInt(q.P95, 10), strconv.FormatInt(q.Max, 10)
	}
	return row
}
