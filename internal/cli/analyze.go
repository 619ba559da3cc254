package cli

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
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
	name := fs.StringP("workload", "w", "", "the history's workload (with --history; default: the file's \"workload\")")
	nodes := fs.String("nodes", "", "comma-separated node names (with --history)")
	avail := fs.String("availability", "", "minimum ok fraction (with --history): total or a number")
	models := fs.String("consistency-models", "strict-serializable", "consistency models (with --history; default: the file's options, else strict-serializable)")
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
		journal network.Events
		dir     string
	)
	if *histPath != "" {
		raw, err := os.ReadFile(*histPath)
		if err != nil {
			fmt.Fprintf(env.Stderr, "glomers analyze: %v\n", err)
			return ExitUsage
		}
		doc := readHistoryDoc(raw)
		if !fs.Changed("workload") && doc.Workload != "" {
			*name = doc.Workload
		}
		for _, k := range doc.Ignored() {
			fmt.Fprintf(env.Stderr, "glomers analyze: %s: option %q is ignored (Maelstrom's checkers never set it, so glomers has no flag for it)\n", *histPath, k)
		}
		wl := registry.New(*name)
		if wl == nil {
			fmt.Fprintf(env.Stderr, "--history needs -w with one of: %s\n", strings.Join(implemented(), ", "))
			return ExitUsage
		}
		w = wl
		if !fs.Changed("availability") && doc.Availability != "" {
			*avail = doc.Availability
		}
		if *avail != "" {
			if req, err = availability.Parse(*avail); err != nil {
				fmt.Fprintf(env.Stderr, "%v\n", err)
				return ExitUsage
			}
		}
		h, err = history.Read(bytes.NewReader(raw))
		if err != nil {
			fmt.Fprintf(env.Stderr, "glomers analyze: %s: %v\n", *histPath, err)
			return ExitUsage
		}
		opts.Nodes = doc.Nodes
		if *nodes != "" {
			opts.Nodes = regexp.MustCompile(`,\s*`).Split(*nodes, -1)
		}
		opts.ConsistencyModels = regexp.MustCompile(`\s*,\s*`).Split(strings.TrimSpace(*models), -1)
		if !fs.Changed("consistency-models") && len(doc.ConsistencyModels) > 0 {
			opts.ConsistencyModels = doc.ConsistencyModels
		}
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

// historyDoc is what a history file may say about itself besides its ops:
// a JSON object with "history", "workload" and "options", as the
// conformance corpus writes cases.
type historyDoc struct {
	Workload string         `json:"workload"`
	Options  map[string]any `json:"options"`

	ConsistencyModels []string `json:"-"`
	Nodes             []string `json:"-"`
	Availability      string   `json:"-"`
}

// readHistoryDoc reads the workload and options of a history file; a plain
// list of ops, EDN or anything unreadable has none.
func readHistoryDoc(raw []byte) historyDoc {
	var d historyDoc
	if json.Unmarshal(raw, &d) != nil {
		return historyDoc{}
	}
	strs := func(v any) []string {
		var out []string
		xs, _ := v.([]any)
		for _, x := range xs {
			if s, ok := x.(string); ok {
				out = append(out, s)
			}
		}
		return out
	}
	d.ConsistencyModels = strs(d.Options["consistency-models"])
	d.Nodes = strs(d.Options["nodes"])
	switch a := d.Options["availability"].(type) {
	case string:
		d.Availability = a
	case float64:
		d.Availability = strconv.FormatFloat(a, 'g', -1, 64)
	}
	return d
}

// Ignored lists, sorted, the options glomers cannot apply.
func (d historyDoc) Ignored() []string {
	var out []string
	for k := range d.Options {
		switch k {
		case "consistency-models", "nodes", "availability":
		default:
			out = append(out, k)
		}
	}
	sort.Strings(out)
	return out
}
