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
	path := filepath.Join(dir, explain.File)
	run := explain.Run{Name: name, Nodes: opts.Nodes, Concurrency: opts.Concurrency, History: h,
		CrashReport: readOptional(filepath.Join(dir, "crash.txt")),
		Diagnostics: readOptional(filepath.Join(dir, "diagnostics.txt")),
		Valid:       checker.Unknown,
	}
	var picErr error
	if crash != nil {
		run.Crash = crash.Error()
	}
	if results != nil {
		if results.Valid == checker.Valid {
			if err := os.Remove(path); err != nil && !errors.Is(err, os.ErrNotExist) {
				return "", fmt.Errorf("remove old %s: %w", explain.File, err)
			}
			return "", nil
		}
		run.Exceptions, run.Stats, run.Availability, run.Net, run.Workload = results.Exceptions, results.Stats, results.Availability, results.Net, results.Workload
		run.Valid = results.Valid
		run.Pictures, picErr = explain.WritePictures(dir, h, results.Workload)
	}
	text := explain.Markdown(name, run.Verdict(), explain.Explain(run))
	if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
		return text, fmt.Errorf("write %s: %w", explain.File, err)
	}
	return text, picErr
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

// explain writes the run's explanation and prints it last on the console;
// for a crash, whose report is already printed, only where to find it.
func (t *test) explain(out *Outcome, crash error) {
	var results *Results
	if crash == nil {
		results = &out.Results
	}
	text, err := Explain(t.run.Dir, t.cfg.Workload.Name, t.opts, out.History, results, crash)
	if err != nil {
		t.log.warn("the explanation is incomplete (the verdict stands): %v", err)
	}
	switch {
	case text == "":
	case crash != nil:
		t.log.raw("\nWhat happened and where to look next: %s\n", t.run.Path(explain.File))
	default:
		t.log.raw("\n%s\n(also in %s)\n", text, t.run.Path(explain.File))
	}
}
