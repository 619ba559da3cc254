package runner

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/glomers/glomers/internal/checker"
	"github.com/glomers/glomers/internal/explain"
	"github.com/glomers/glomers/internal/history"
	"github.com/glomers/glomers/internal/workload"
)

// Explain writes explanation.md into the run folder dir for a run that is
// not valid (results nil means it crashed, with crash as the cause), with
// porcupine's picture of each failing lin-kv key, and returns its text.
// For a valid run it removes any old explanation and returns "".
func Explain(dir, name string, opts workload.Options, h []history.Op, results *Results, crash error) (string, error) {
	run, sections, err := writeExplanation(dir, name, opts, h, results, crash)
	if sections == nil {
		return "", err
	}
	return explain.Markdown(name, run.Verdict(), sections), err
}

// writeExplanation does Explain's work and returns the sections written;
// none for a valid run.
func writeExplanation(dir, name string, opts workload.Options, h []history.Op, results *Results, crash error) (explain.Run, []explain.Section, error) {
	path := filepath.Join(dir, explain.File)
	run := explain.Run{Name: name, Nodes: opts.Nodes, Concurrency: opts.Concurrency, History: h,
		CrashReport: readOptional(filepath.Join(dir, CrashFile)),
		Diagnostics: readOptional(filepath.Join(dir, DiagnosticsFile)),
		Valid:       checker.Unknown,
	}
	var picErr error
	switch {
	case crash != nil:
		run.Crash = crash.Error()
	case run.CrashReport != "":
		// A crashed run analysed again: the crash is still why it ended.
		run.Crash = "the test crashed (crash.txt)"
	}
	if results != nil {
		if results.Valid == checker.Valid && run.Crash == "" {
			if err := os.Remove(path); err != nil && !errors.Is(err, os.ErrNotExist) {
				return run, nil, fmt.Errorf("remove old %s: %w", explain.File, err)
			}
			return run, nil, nil
		}
		run.Exceptions, run.Stats, run.Availability, run.Net, run.Workload = results.Exceptions, results.Stats, results.Availability, results.Net, results.Workload
		run.Valid = results.Valid
		run.Pictures, picErr = explain.WritePictures(dir, results.Workload)
	}
	sections := explain.Explain(run)
	text := explain.Markdown(name, run.Verdict(), sections)
	if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
		return run, sections, fmt.Errorf("write %s: %w", explain.File, err)
	}
	return run, sections, picErr
}

// ExplainText returns the explanation of an analysed history that has no
// run folder, without lin-kv pictures.
func ExplainText(name string, opts workload.Options, h []history.Op, results Results) string {
	run := explain.Run{Name: name, Nodes: opts.Nodes, Concurrency: opts.Concurrency, History: h,
		Exceptions: results.Exceptions, Stats: results.Stats, Availability: results.Availability,
		Net: results.Net, Workload: results.Workload, Valid: results.Valid}
	return explain.Markdown(name, run.Verdict(), explain.Explain(run))
}

// readOptional returns a file's contents, or "" when it cannot be read.
func readOptional(path string) string {
	b, err := os.ReadFile(path)
	if err != nil {
		return ""
	}
	return string(b)
}

// explain writes the run's explanation and prints it last on the console,
// without the diagnostics printed just before it; for a crash, whose report
// is printed already, only where to find it.
func (t *test) explain(out *Outcome, crash error) {
	var results *Results
	if crash == nil {
		results = &out.Results
	}
	run, sections, err := writeExplanation(t.run.Dir, t.cfg.Workload.Name, t.opts, out.History, results, crash)
	if err != nil {
		t.log.warn("the explanation is incomplete (the verdict stands): %v", err)
	}
	switch {
	case sections == nil:
	case crash != nil:
		t.log.raw("\nWhat happened and where to look next: %s\n", t.run.Path(explain.File))
	default:
		var shown []explain.Section
		for _, s := range sections {
			if s.Checker != explain.DiagnosticsChecker {
				shown = append(shown, s)
			}
		}
		t.log.raw("\n%s\n(also in %s)\n", explain.Markdown(run.Name, run.Verdict(), shown), t.run.Path(explain.File))
	}
}
