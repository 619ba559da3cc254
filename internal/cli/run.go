package cli

import (
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"strconv"
	"strings"
	"text/tabwriter"

	"github.com/spf13/pflag"

	"github.com/glomers/glomers/internal/preset"
	"github.com/glomers/glomers/internal/rundir"
	"github.com/glomers/glomers/internal/runner"
)

// row is one line of the summary table.
type row struct {
	id, verdict, figures, targets string
	met                           bool
	code                          int
}

func runCmd(args []string, env Env) int {
	fs := pflag.NewFlagSet("glomers run", pflag.ContinueOnError)
	fs.SetOutput(io.Discard)
	binDir := fs.String("bin-dir", defaultBinDir(), "folder holding the solution binaries")
	seed := fs.Uint64("seed", 0, "seed for the runner's random choices (default: from the clock)")
	storeDir := fs.String("store", "store", "folder that keeps the runs")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, pflag.ErrHelp) {
			fmt.Fprintf(env.Stdout, "Usage: glomers run ID|all [OPTIONS]\n\n%s", fs.FlagUsages())
			return ExitValid
		}
		fmt.Fprintf(env.Stderr, "%v\n", err)
		return ExitUsage
	}
	if fs.NArg() != 1 {
		fmt.Fprintf(env.Stderr, "glomers run takes one challenge id or all, got %q\n", fs.Args())
		return ExitUsage
	}
	var presets []preset.Preset
	if id := fs.Arg(0); id == "all" {
		presets = preset.All()
	} else {
		p, err := preset.Lookup(id)
		if err != nil {
			fmt.Fprintf(env.Stderr, "%v\n", err)
			return ExitUsage
		}
		presets = []preset.Preset{p}
	}
	var rows []row
	for _, p := range presets {
		extra := []string{"--bin", filepath.Join(*binDir, p.Binary), "--store", *storeDir}
		if *seed != 0 {
			extra = append(extra, "--seed", strconv.FormatUint(*seed, 10))
		}
		fmt.Fprintf(env.Stdout, "\n=== challenge %s (%s): glomers test %s %s\n", p.ID, p.Title, join(p.Flags), join(extra))
		rows = append(rows, runPreset(p, append(append([]string(nil), p.Flags...), extra...), env))
	}
	printSummary(env.Stdout, rows)
	code := ExitValid
	for _, r := range rows {
		code = worse(code, r.code)
	}
	return code
}

// runPreset runs one challenge and judges it against its targets.
func runPreset(p preset.Preset, args []string, env Env) row {
	r := row{id: p.ID}
	cfg, code, _, ok := parseTest(args, env)
	if !ok {
		r.verdict, r.code = "bad flags", code
		return r
	}
	cfg.Challenge = p.ID
	out, err := runner.Run(cfg)
	r.code = exitCode(out, err, env)
	if err != nil {
		r.verdict = "crashed"
		return r
	}
	r.verdict = out.Results.Valid.String()
	f := preset.KeyFigures(out.Results)
	r.figures = fmt.Sprintf("ops %d, ok %.3f", f.Ops, f.OKFraction)
	if f.MsgsPerOp >= 0 {
		r.figures += fmt.Sprintf(", msgs/op %.2f", f.MsgsPerOp)
	}
	if p.Latency {
		l := preset.OKLatencies(out.History)
		r.figures += fmt.Sprintf(", median %d ms", l.Median.Milliseconds())
		fmt.Fprintf(env.Stdout, "latency of :ok operations: median %d ms, p95 %d ms, max %d ms (%d ops)\n",
			l.Median.Milliseconds(), l.P95.Milliseconds(), l.Max.Milliseconds(), l.Count)
	}
	r.met = true
	var notes []string
	judged := []rundir.Target{}
	for _, t := range p.Targets {
		ok, got := t.Judge(out.Results, out.History)
		mark := "met"
		if !ok {
			mark, r.met = "MISSED", false
		}
		judged = append(judged, rundir.Target{Name: t.Name, Got: got, Met: ok})
		notes = append(notes, fmt.Sprintf("%s: %s (%s)", t.Name, got, mark))
		fmt.Fprintf(env.Stdout, "target %-48s %-14s %s\n", t.Name, got, mark)
	}
	if err := (&rundir.Run{Dir: out.Dir}).WriteJSON(rundir.TargetsFile, judged); err != nil {
		fmt.Fprintf(env.Stderr, "glomers: %v\n", err)
	}
	r.targets = strings.Join(notes, "; ")
	if !r.met && r.code == ExitValid {
		r.code = ExitInvalid
	}
	return r
}

func printSummary(w io.Writer, rows []row) {
	fmt.Fprintln(w, "\nSummary")
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "challenge\tverdict\tkey figures\ttargets met?")
	for _, r := range rows {
		met := "no"
		if r.met {
			met = "yes"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", r.id, r.verdict, r.figures, met)
	}
	tw.Flush()
}

// worse returns the exit code that says more is wrong: crash, then
// invalid, then unknown.
func worse(a, b int) int {
	rank := map[int]int{ExitValid: 0, ExitUnknown: 1, ExitInvalid: 2, ExitUsage: 3, ExitCrash: 4}
	if rank[b] > rank[a] {
		return b
	}
	return a
}

// presetsCmd prints the chosen challenges, one per line: id, binary, then
// the official flags. scripts/run-maelstrom.sh reads it.
func presetsCmd(args []string, env Env) int {
	if len(args) != 1 {
		fmt.Fprintln(env.Stderr, "usage: glomers presets ID|all")
		return ExitUsage
	}
	presets := preset.All()
	if args[0] != "all" {
		p, err := preset.Lookup(args[0])
		if err != nil {
			fmt.Fprintf(env.Stderr, "%v\n", err)
			return ExitUsage
		}
		presets = []preset.Preset{p}
	}
	for _, p := range presets {
		if p.Faults && args[0] == "all" {
			continue // real Maelstrom has no kill or pause
		}
		if p.Faults {
			fmt.Fprintf(env.Stderr, "challenge %s kills and pauses nodes, which real Maelstrom cannot do (its only nemesis is partition); run it with glomers run %s\n", p.ID, p.ID)
			return ExitUsage
		}
		fmt.Fprintf(env.Stdout, "%s %s %s\n", p.ID, p.Binary, join(p.Flags))
	}
	return ExitValid
}
