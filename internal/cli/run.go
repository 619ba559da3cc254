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

	"github.com/glomers/glomers/internal/history"
	"github.com/glomers/glomers/internal/preset"
	"github.com/glomers/glomers/internal/rundir"
	"github.com/glomers/glomers/internal/runner"
)

// row is one line of the summary table.
type row struct {
	id, verdict, figures string
	// officialMet is false when the run missed an official target.
	officialMet bool
	// missed names every target the run missed, official or ours, with
	// what it got.
	missed      []string
	code        int
	interrupted bool
	// judged is every target with what the run got, for targets.json.
	judged []rundir.Target
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
		r := runPreset(p, append(append([]string(nil), p.Flags...), extra...), env)
		rows = append(rows, r)
		if r.interrupted {
			break // the user asked to stop
		}
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
	if out.Interrupted != nil {
		r.verdict, r.interrupted = "interrupted", true
		return r
	}
	r = judge(p, out.Results, out.History, r.code, env.Stdout)
	r.figures += fmt.Sprintf(", %.1f ops/s", out.OpsPerSec)
	if err := (&rundir.Run{Dir: out.Dir}).WriteJSON(rundir.TargetsFile, r.judged); err != nil {
		fmt.Fprintf(env.Stderr, "glomers: %v\n", err)
	}
	return r
}

// judge prints how a finished run of p did against each target and
// returns its summary row; h is its history. code is the exit code of its
// verdict; a missed official target makes it ExitInvalid, a missed goal
// of ours does not.
func judge(p preset.Preset, res runner.Results, h []history.Op, code int, w io.Writer) row {
	r := row{id: p.ID, code: code}
	r.verdict = res.Valid.String()
	f := preset.KeyFigures(res)
	r.figures = fmt.Sprintf("ops %d, ok %.3f", f.Ops, f.OKFraction)
	if f.MsgsPerOp >= 0 {
		r.figures += fmt.Sprintf(", msgs/op %.2f", f.MsgsPerOp)
	}
	if p.Latency {
		l := preset.OKLatencies(h)
		r.figures += fmt.Sprintf(", median %d ms", l.Median.Milliseconds())
		fmt.Fprintf(w, "latency of :ok operations: median %d ms, p95 %d ms, max %d ms (%d ops)\n",
			l.Median.Milliseconds(), l.P95.Milliseconds(), l.Max.Milliseconds(), l.Count)
	}
	r.officialMet = true
	for _, t := range p.Targets {
		ok, got := t.Judge(res, h)
		mark := "met"
		switch {
		case !ok && t.Official:
			mark, r.officialMet = "MISSED (official: fails the run)", false
		case !ok:
			mark = "missed (our goal: does not fail the run)"
		}
		if !ok {
			r.missed = append(r.missed, fmt.Sprintf("%s: %s", t.Name, got))
		}
		r.judged = append(r.judged, rundir.Target{Name: t.Name, Got: got, Met: ok, Official: t.Official})
		fmt.Fprintf(w, "target %-56s %-14s %s\n", t.Name, got, mark)
	}
	if !r.officialMet && r.code == ExitValid {
		r.code = ExitInvalid
	}
	return r
}

func printSummary(w io.Writer, rows []row) {
	fmt.Fprintln(w, "\nSummary")
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "challenge\tverdict\tkey figures\tofficial limits\tmissed targets")
	for _, r := range rows {
		official := "met"
		switch {
		case r.figures == "":
			official = "-" // crashed or bad flags: the verdict says it
		case !r.officialMet:
			official = "MISSED"
		}
		missed := strings.Join(r.missed, "; ")
		if missed == "" {
			missed = "none"
			if r.figures == "" {
				missed = "-"
			}
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", r.id, r.verdict, r.figures, official, missed)
	}
	tw.Flush()
}

// worse returns the exit code that says more is wrong: an interrupt, then
// crash, then invalid, then unknown.
func worse(a, b int) int {
	rank := func(code int) int {
		r, ok := map[int]int{ExitValid: 0, ExitUnknown: 1, ExitInvalid: 2, ExitUsage: 3, ExitCrash: 4}[code]
		if !ok {
			return 5 // a signal's code: the user stopped the run
		}
		return r
	}
	if rank(b) > rank(a) {
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
