// Package explain turns the checkers' results of a run that is not valid
// into words: for each checker that failed, the rule it enforces in one
// sentence, the smallest concrete evidence (op indices, times, processes
// and the nodes they talked to) and where to look next. It is plain data
// to text: the runner writes the text to explanation.md and prints it, the
// web page shows it.
//
// Which node an op was sent to follows from how the runner binds clients:
// worker thread t talks to node Nodes[t mod len(Nodes)] for the whole run,
// and process p belongs to thread p mod Concurrency (a thread takes a new
// process after an indeterminate completion), exactly as in Maelstrom.
package explain

import (
	"fmt"
	"strings"

	"github.com/glomers/glomers/internal/checker"
	"github.com/glomers/glomers/internal/history"
)

// File is the name of the explanation in a run folder.
const File = "explanation.md"

// DiagnosticsChecker names the section that repeats diagnostics.txt.
const DiagnosticsChecker = "diagnostics"

// Run is what an explanation is built from: the run's options, its
// history and each checker's result (nil when the checker did not run).
type Run struct {
	Name        string // the workload's name
	Nodes       []string
	Concurrency int
	History     []history.Op

	Exceptions, Stats, Availability, Net, Workload checker.Result
	Valid                                          checker.Validity

	// Crash is why the test crashed before analysis, or "".
	Crash string
	// CrashReport and Diagnostics are the contents of crash.txt and
	// diagnostics.txt in the run folder, when present.
	CrashReport, Diagnostics string
	// Pictures maps a lin-kv key to the file (in the run folder) that
	// visualizes its history.
	Pictures map[int64]string
}

// Section explains one failed checker.
type Section struct {
	Checker  string   // results key: workload, stats, availability, ... or crash
	Title    string   // what went wrong, in a line
	Rule     string   // the rule the checker enforces, one sentence
	Evidence []string // facts, each naming ops, times, processes, nodes, values
	Next     []string // where to look next
}

// Verdict is the word for the run's outcome: "crashed", or the verdict.
func (r Run) Verdict() string {
	if r.Crash != "" {
		return "crashed"
	}
	return map[checker.Validity]string{checker.Invalid: "invalid", checker.Unknown: "unknown", checker.Valid: "valid"}[r.Valid]
}

// Explain returns a section per checker whose verdict is not valid, and one
// for a crash. A valid run gives none.
func Explain(r Run) []Section {
	c := newContext(r)
	var out []Section
	if r.Crash != "" || r.CrashReport != "" {
		out = append(out, crashSection(r))
	}
	if r.Workload != nil && r.Workload.Validity() != checker.Valid {
		out = append(out, c.workload(r.Workload)...)
	}
	if r.Stats != nil && r.Stats.Validity() != checker.Valid {
		out = append(out, c.stats(r.Stats))
	}
	if r.Availability != nil && r.Availability.Validity() != checker.Valid {
		out = append(out, c.availability(r.Availability))
	}
	for _, x := range []struct {
		name string
		res  checker.Result
	}{{"exceptions", r.Exceptions}, {"net", r.Net}} {
		if x.res != nil && x.res.Validity() != checker.Valid {
			out = append(out, unknownSection(x.name, x.res))
		}
	}
	if len(out) > 0 && r.Diagnostics != "" && r.CrashReport == "" {
		out = append(out, Section{
			Checker: DiagnosticsChecker, Title: "what glomers noticed about the nodes' messages",
			Rule:     "Nodes must answer every request once, with in_reply_to, in the reply's schema, one JSON message per stdout line.",
			Evidence: lines(r.Diagnostics),
			Next:     []string{"diagnostics.txt in the run folder has the full list."},
		})
	}
	return out
}

// workload dispatches on the workload checker's result type.
func (c *context) workload(res checker.Result) []Section {
	switch x := res.(type) {
	case checker.Crashed:
		return []Section{unknownSection("workload", x)}
	}
	if s := c.workloadSections(res); s != nil {
		return s
	}
	return []Section{unknownSection("workload", res)}
}

// Markdown renders the sections under a heading that names the workload
// and the verdict ("invalid", "unknown", "crashed"), as explanation.md
// holds them. An op is always written "op N", which the web page links to
// the timeline.
func Markdown(workload, verdict string, sections []Section) string {
	var b strings.Builder
	if verdict != "crashed" {
		verdict = "is " + verdict
	}
	fmt.Fprintf(&b, "# Why this %s run %s\n", workload, verdict)
	if len(sections) == 0 {
		b.WriteString("\nNothing failed.\n")
		return b.String()
	}
	for _, s := range sections {
		fmt.Fprintf(&b, "\n## %s: %s\n\n", s.Checker, s.Title)
		if s.Rule != "" {
			fmt.Fprintf(&b, "Rule: %s\n", s.Rule)
		}
		if len(s.Evidence) > 0 {
			b.WriteString("\nEvidence:\n")
			for _, e := range s.Evidence {
				fmt.Fprintf(&b, "- %s\n", strings.ReplaceAll(e, "\n", "\n  "))
			}
		}
		if len(s.Next) > 0 {
			b.WriteString("\nWhere to look next:\n")
			for _, n := range s.Next {
				fmt.Fprintf(&b, "- %s\n", n)
			}
		}
	}
	return b.String()
}

// unknownSection explains a checker that could not decide, or failed in a
// way this package has no words for, by its error.
func unknownSection(name string, res checker.Result) Section {
	s := Section{Checker: name, Next: []string{"results.edn has the checker's full output."}}
	switch x := res.(type) {
	case checker.Crashed:
		s.Title = "the checker could not run"
		s.Rule = "A checker that throws gives :unknown, as in Jepsen: no anomaly was found, but the history could not be judged."
		s.Evidence = []string{"error: " + x.Error}
		s.Next = append([]string{"The error usually names an op whose value has an unexpected shape: compare it with the workload's reply schema."}, s.Next...)
		return s
	}
	if res.Validity() == checker.Unknown {
		s.Title = "the verdict is unknown"
		s.Rule = "The checker could not decide either way (a search ran out of time, or the history holds too little)."
	} else {
		s.Title = "the checker found the run invalid"
	}
	if e := errorField(res); e != "" {
		s.Evidence = append(s.Evidence, "error: "+e)
	}
	return s
}

// crashSection explains a test that stopped before analysis.
func crashSection(r Run) Section {
	s := Section{Checker: "crash", Title: "the test crashed before it could be analysed",
		Rule: "Every node must start, answer init with init_ok and keep running until the runner stops it; a node that exits or never answers ends the test (exit code 255)."}
	if r.CrashReport != "" { // it holds the cause, with the node's output
		s.Evidence = append(s.Evidence, "crash.txt:\n"+strings.TrimRight(r.CrashReport, "\n"))
	} else if r.Crash != "" {
		s.Evidence = append(s.Evidence, "cause: "+r.Crash)
	}
	if r.Diagnostics != "" {
		s.Evidence = append(s.Evidence, "diagnostics.txt:\n"+strings.TrimRight(r.Diagnostics, "\n"))
	}
	s.Next = []string{
		"node-logs/<node>.log holds each node's stderr; jepsen.log the runner's side.",
		"Run the node by hand and paste the init message from jepsen.log on its stdin to see it fail.",
	}
	return s
}

func lines(s string) []string {
	var out []string
	for _, l := range strings.Split(strings.TrimRight(s, "\n"), "\n") {
		if strings.TrimSpace(l) != "" {
			out = append(out, l)
		}
	}
	return out
}
