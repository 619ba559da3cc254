package cli

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strings"

	"github.com/spf13/pflag"

	"github.com/glomers/glomers/internal/checker"
	"github.com/glomers/glomers/internal/checker/availability"
	"github.com/glomers/glomers/internal/explain"
	"github.com/glomers/glomers/internal/history"
	"github.com/glomers/glomers/internal/network"
	"github.com/glomers/glomers/internal/rundir"
	"github.com/glomers/glomers/internal/runner"
	"github.com/glomers/glomers/internal/workload"
	"github.com/glomers/glomers/internal/workload/registry"
)

// analyzeCmd re-runs the checkers on a stored run, or on a history file.
func analyzeCmd(args []string, env Env) int {
	fs := pflag.NewFlagSet("glomers analyze", pflag.ContinueOnError)
	fs.SetOutput(io.Discard)
	runPath := fs.StringP("test", "t", "", "run folder to analyse (default: the store's latest)")
	storeDir := fs.String("store", "store", "folder that keeps the runs")
	histPath := fs.String("history", "", "analyse this history file (EDN or JSON ops) instead of a stored run")
	name := fs.StringP("workload", "w", "", "the history's workload (with --history)")
	nodes := fs.String("nodes", "", "comma-separated node names (with --history)")
	avail := fs.String("availability", "", "minimum ok fraction (with --history): total or a number")
	models := fs.String("consistency-models", "strict-serializable", "consistency models (with --history)")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, pflag.ErrHelp) {
			fmt.Fprintf(env.Stdout, "Usage: glomers analyze [-t RUN_FOLDER] | --history FILE -w WORKLOAD\n\n%s", fs.FlagUsages())
			return ExitValid
		}
		fmt.Fprintf(env.Stderr, "%v\n", err)
		return ExitUsage
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(env.Stderr, "glomers analyze takes no positional arguments, got %q\n", fs.Args())
		return ExitUsage
	}
	var (
		w       *workload.Workload
		opts    workload.Options
		req     availability.Requirement
		h       []history.Op
		journal []network.Event
		dir     string
	)
	if *histPath != "" {
		wl := registry.New(*name)
		if wl == nil {
			fmt.Fprintf(env.Stderr, "--history needs -w with one of: %s\n", strings.Join(implemented(), ", "))
			return ExitUsage
		}
		w = wl
		var err error
		if *avail != "" {
			if req, err = availability.Parse(*avail); err != nil {
				fmt.Fprintf(env.Stderr, "%v\n", err)
				return ExitUsage
			}
		}
		f, err := os.Open(*histPath)
		if err != nil {
			fmt.Fprintf(env.Stderr, "glomers analyze: %v\n", err)
			return ExitUsage
		}
		h, err = history.Read(f)
		f.Close()
		if err != nil {
			fmt.Fprintf(env.Stderr, "glomers analyze: %s: %v\n", *histPath, err)
			return ExitUsage
		}
		if *nodes != "" {
			opts.Nodes = regexp.MustCompile(`,\s*`).Split(*nodes, -1)
		}
		opts.ConsistencyModels = regexp.MustCompile(`\s*,\s*`).Split(strings.TrimSpace(*models), -1)
	} else {
		dir = *runPath
		if dir == "" {
			dir = filepath.Join(*storeDir, "latest")
		}
		run, err := rundir.Load(dir)
		if err != nil {
			fmt.Fprintf(env.Stderr, "glomers analyze: %v\n", err)
			return ExitUsage
		}
		wl := registry.New(run.Record.Name)
		if wl == nil {
			fmt.Fprintf(env.Stderr, "glomers analyze: %s is a %q run, a workload glomers does not implement\n", dir, run.Record.Name)
			return ExitUsage
		}
		w, opts, h, journal = wl, run.Record.Options(), run.History, run.Journal
		if req, err = run.Record.Requirement(); err != nil {
			fmt.Fprintf(env.Stderr, "glomers analyze: %s/test.json: %v\n", dir, err)
			return ExitUsage
		}
	}
	results := runner.Analyze(w, opts, req, h, journal)
	b, err := rundir.EDN(results)
	if err != nil {
		fmt.Fprintf(env.Stderr, "glomers analyze: %v\n", err)
		return ExitCrash
	}
	fmt.Fprintf(env.Stdout, "%s\n\n%s\n", b, runner.Verdict(results.Valid))
	if dir == "" && results.Valid != checker.Valid {
		// A loose history: explain it on the console only.
		fmt.Fprintf(env.Stdout, "\n%s", runner.ExplainText(w.Name, opts, h, results))
	}
	if dir != "" {
		run := &rundir.Run{Dir: dir}
		if err := run.WriteEDN("results.edn", results); err != nil {
			fmt.Fprintf(env.Stderr, "glomers analyze: %v\n", err)
			return ExitCrash
		}
		if err := run.WriteJSON("results.json", results); err != nil {
			fmt.Fprintf(env.Stderr, "glomers analyze: %v\n", err)
			return ExitCrash
		}
		text, err := runner.Explain(dir, w.Name, opts, h, &results, nil)
		if err != nil {
			fmt.Fprintf(env.Stderr, "glomers analyze: the explanation is incomplete: %v\n", err)
		}
		if text != "" {
			fmt.Fprintf(env.Stdout, "\n%s\n(also in %s)\n", text, filepath.Join(dir, explain.File))
		}
	}
	return exitCode(&runner.Outcome{Dir: dir, Results: results}, nil, env)
}
