// Package preset lists the Gossip Glomers challenges with their official
// flags (../shared/spec/challenges.md) and our targets for each.
package preset

import (
	"fmt"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/glomers/glomers/internal/checker"
	"github.com/glomers/glomers/internal/checker/availability"
	"github.com/glomers/glomers/internal/checker/netstats"
	"github.com/glomers/glomers/internal/checker/stats"
	"github.com/glomers/glomers/internal/history"
	"github.com/glomers/glomers/internal/runner"
)

// Preset is one challenge.
type Preset struct {
	ID     string   // challenge id, e.g. "3e"
	Title  string   // short description
	Binary string   // the solution binary in bin/
	Flags  []string // official flags, after --bin
	// Targets judge a finished run; the preset passes when every one does.
	Targets []Target
	// Faults marks our fault presets (kills and pauses), which real
	// Maelstrom cannot run.
	Faults bool
	// Latency adds the median latency of :ok operations to the run's key
	// figures.
	Latency bool
}

// Target is one goal a run is judged against, by Check from its results
// or by CheckHistory from its history. An official target is the
// challenge's own requirement (a valid verdict, Fly.io's stated limits):
// missing it fails the run. Any other target is the project's own goal,
// shown as met or missed but never failing the run.
type Target struct {
	Name         string
	Official     bool
	Check        func(r runner.Results) (ok bool, got string)
	CheckHistory func(h []history.Op) (ok bool, got string)
}

// Judge applies the target to a finished run.
func (t Target) Judge(r runner.Results, h []history.Op) (ok bool, got string) {
	if t.CheckHistory != nil {
		return t.CheckHistory(h)
	}
	return t.Check(r)
}

// Figures are the key numbers of a run, for the summary table.
type Figures struct {
	Ops        int
	OKFraction float64
	MsgsPerOp  float64 // server messages per operation; -1 if unknown
}

// KeyFigures extracts the summary numbers from results.
func KeyFigures(r runner.Results) Figures {
	f := Figures{MsgsPerOp: -1}
	if a, ok := r.Availability.(availability.Result); ok {
		f.OKFraction = a.OKFraction
	}
	if n, ok := r.Net.(netstats.Result); ok && n.Servers.MsgsPerOp != nil {
		f.MsgsPerOp = *n.Servers.MsgsPerOp
	}
	if s, ok := r.Stats.(stats.Result); ok {
		f.Ops = s.Count
	}
	return f
}

// Latencies are quantiles of the time from invocation to :ok completion.
type Latencies struct {
	Count            int
	Median, P95, Max time.Duration
}

// OKLatencies measures the client operations of h that completed :ok.
func OKLatencies(h []history.Op) Latencies {
	var ds []time.Duration
	for _, p := range history.Pairs(h) {
		if p.Invoke.IsClient() && p.Completion != nil && p.Completion.Type == history.OK {
			ds = append(ds, time.Duration(p.Completion.Time-p.Invoke.Time))
		}
	}
	if len(ds) == 0 {
		return Latencies{}
	}
	slices.Sort(ds)
	at := func(q float64) time.Duration { return ds[min(len(ds)-1, int(q*float64(len(ds))))] }
	return Latencies{Count: len(ds), Median: at(0.5), P95: at(0.95), Max: ds[len(ds)-1]}
}

// Valid is the target every challenge has: the checkers find no anomaly.
var Valid = Target{Name: "valid", Official: true, Check: func(r runner.Results) (bool, string) {
	return r.Valid == checker.Valid, r.Valid.String()
}}

// All returns every preset, in challenge order.
func All() []Preset { return append([]Preset(nil), all...) }

// Lookup returns the preset with the given id.
func Lookup(id string) (Preset, error) {
	for _, p := range all {
		if strings.EqualFold(p.ID, id) {
			return p, nil
		}
	}
	ids := make([]string, len(all))
	for i, p := range all {
		ids[i] = p.ID
	}
	sort.Strings(ids)
	return Preset{}, fmt.Errorf("no challenge %q (known: %s, all)", id, strings.Join(ids, ", "))
}
