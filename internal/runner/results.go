package runner

import (
	"sync"

	"github.com/glomers/glomers/internal/checker"
	"github.com/glomers/glomers/internal/checker/availability"
	"github.com/glomers/glomers/internal/checker/exceptions"
	"github.com/glomers/glomers/internal/checker/netstats"
	"github.com/glomers/glomers/internal/checker/stats"
	"github.com/glomers/glomers/internal/history"
	"github.com/glomers/glomers/internal/network"
	"github.com/glomers/glomers/internal/workload"
)

// Results is the results map of a run, in Maelstrom's shape.
type Results struct {
	Exceptions   checker.Result   `edn:"exceptions" json:"exceptions"`
	Stats        checker.Result   `edn:"stats" json:"stats"`
	Availability checker.Result   `edn:"availability" json:"availability"`
	Net          checker.Result   `edn:"net" json:"net"`
	Workload     checker.Result   `edn:"workload" json:"workload"`
	Valid        checker.Validity `edn:"valid?" json:"valid"`
	// Interrupted names the signal that stopped the test early (SIGINT or
	// SIGTERM): the checkers saw only the operations that completed
	// before it, and no final phase ran. Not in Maelstrom's results.
	Interrupted string `edn:"interrupted,omitempty" json:"interrupted,omitempty"`
}

// Analyze runs every checker on a history and network journal, in
// parallel, each one guarded so that a checker that panics gives unknown
// rather than crashing the analysis.
func Analyze(w *workload.Workload, o workload.Options, req availability.Requirement, h []history.Op, journal network.Events) Results {
	var r Results
	jobs := []struct {
		dst   *checker.Result
		check func() checker.Result
	}{
		{&r.Exceptions, func() checker.Result { return exceptions.Check(h) }},
		{&r.Stats, func() checker.Result { return stats.Check(h) }},
		{&r.Availability, func() checker.Result { return availability.Check(h, req) }},
		{&r.Net, func() checker.Result { return netstats.Check(journal, h) }},
		{&r.Workload, func() checker.Result { return w.Check(h, o) }},
	}
	var wg sync.WaitGroup
	for _, j := range jobs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			*j.dst = checker.Safely(j.check)
		}()
	}
	wg.Wait()
	r.Valid = checker.Merge(r.Exceptions.Validity(), r.Stats.Validity(), r.Availability.Validity(), r.Net.Validity(), r.Workload.Validity())
	return r
}

// Verdict returns Maelstrom's closing line for a verdict.
func Verdict(v checker.Validity) string {
	switch v {
	case checker.Valid:
		return "Everything looks good! ヽ(‘ー`)ノ"
	case checker.Invalid:
		return "Analysis invalid! (ﾉಥ益ಥ）ﾉ ┻━┻"
	}
	return "Errors occurred during analysis, but no anomalies found. ಠ~ಠ"
}
