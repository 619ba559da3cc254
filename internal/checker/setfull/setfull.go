// Package setfull is Jepsen's set-full checker (jepsen.checker/set-full in
// its zero-argument form, so not linearizable), which judges Maelstrom's
// g-set and broadcast workloads: every element that was added, or seen by a
// read, must show up in every read that begins after it became known.
//
// Each element ends up stable (the last read to begin saw it), lost (a read
// that began after it was known, and after the last read that saw it,
// missed it) or never read. The semantics, including Jepsen's quirks, are
// those of ../../../shared/spec/checkers.md §1.
package setfull

import (
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"

	"github.com/glomers/glomers/internal/checker"
	"github.com/glomers/glomers/internal/history"
)

// The outcomes of an element.
const (
	Stable    history.Keyword = "stable"
	Lost      history.Keyword = "lost"
	NeverRead history.Keyword = "never-read"
)

// worstStaleCount is how many stale elements :worst-stale lists.
const worstStaleCount = 8

// Element is the verdict on one element, as Jepsen reports it in
// :worst-stale. Known is the completion that made it known (its add's :ok
// or the first :ok read that saw it); LastAbsent is the invocation of the
// last read that missed it.
type Element struct {
	Element       int64           `edn:"element" json:"element"`
	Outcome       history.Keyword `edn:"outcome" json:"outcome"`
	StableLatency *int64          `edn:"stable-latency" json:"stable-latency"`
	LostLatency   *int64          `edn:"lost-latency" json:"lost-latency"`
	Known         *history.Op     `edn:"known" json:"known"`
	LastAbsent    *history.Op     `edn:"last-absent" json:"last-absent"`
}

// Result is the set-full result, with exactly the keys Jepsen reports.
// StableLatencies and LostLatencies are absent when there is no stable or
// no lost element.
type Result struct {
	Valid           checker.Validity `edn:"valid?" json:"valid"`
	AttemptCount    int              `edn:"attempt-count" json:"attempt-count"`
	StableCount     int              `edn:"stable-count" json:"stable-count"`
	LostCount       int              `edn:"lost-count" json:"lost-count"`
	Lost            []int64          `edn:"lost" json:"lost"`
	NeverReadCount  int              `edn:"never-read-count" json:"never-read-count"`
	NeverRead       []int64          `edn:"never-read" json:"never-read"`
	StaleCount      int              `edn:"stale-count" json:"stale-count"`
	Stale           []int64          `edn:"stale" json:"stale"`
	WorstStale      []Element        `edn:"worst-stale" json:"worst-stale"`
	StableLatencies *Quantiles       `edn:"stable-latencies,omitempty" json:"stable-latencies,omitempty"`
	LostLatencies   *Quantiles       `edn:"lost-latencies,omitempty" json:"lost-latencies,omitempty"`
	DuplicatedCount int              `edn:"duplicated-count" json:"duplicated-count"`
	Duplicated      map[int64]int    `edn:"duplicated" json:"duplicated"`
}

// Validity returns the verdict.
func (r Result) Validity() checker.Validity { return r.Valid }

// Quantiles are latencies in whole milliseconds at the points 0, 0.5,
// 0.95, 0.99 and 1 (Jepsen's frequency-distribution).
type Quantiles struct {
	Min, Median, P95, P99, Max int64
}

// quantilePoints are Jepsen's points, as it prints them (0 and 1 are
// integers, the others doubles).
var quantilePoints = []struct {
	label string
	p     float64
}{{"0", 0}, {"0.5", 0.5}, {"0.95", 0.95}, {"0.99", 0.99}, {"1", 1}}

func (q Quantiles) values() []int64 { return []int64{q.Min, q.Median, q.P95, q.P99, q.Max} }

// MarshalEDN writes {0 x, 0.5 x, 0.95 x, 0.99 x, 1 x}.
func (q Quantiles) MarshalEDN() ([]byte, error) { return q.marshal(""), nil }

// MarshalJSON writes {"0": x, "0.5": x, "0.95": x, "0.99": x, "1": x}.
func (q Quantiles) MarshalJSON() ([]byte, error) { return q.marshal(`"`), nil }

func (q Quantiles) marshal(quote string) []byte {
	sep := " "
	if quote != "" {
		sep = ":"
	}
	parts := make([]string, len(quantilePoints))
	for i, v := range q.values() {
		parts[i] = quote + quantilePoints[i].label + quote + sep + strconv.FormatInt(v, 10)
	}
	return []byte("{" + strings.Join(parts, ", ") + "}")
}

// quantiles computes Jepsen's frequency distribution of xs: for each point
// p, the element at floor(n*p) of the sorted list, capped at the last one.
// It returns nil for an empty list.
func quantiles(xs []int64) *Quantiles {
	if len(xs) == 0 {
		return nil
	}
	s := append([]int64(nil), xs...)
	sort.Slice(s, func(i, j int) bool { return s[i] < s[j] })
	n := len(s)
	at := func(p float64) int64 { return s[min(n-1, int(math.Floor(float64(n)*p)))] }
	return &Quantiles{Min: at(0), Median: at(0.5), P95: at(0.95), P99: at(0.99), Max: at(1)}
}

// state is what the input pass knows about one element.
type state struct {
	known       *history.Op // completion that made it known
	lastPresent *history.Op // invocation of the last read that saw it
	lastAbsent  *history.Op // invocation of the last read that missed it
}

// Check runs set-full over h. Ops whose :f is add are the additions
// (Maelstrom's g-set uses :add; its broadcast checker rewrites :broadcast
// to :add first, which is the same as passing "broadcast" here); :read ops
// return the whole set. Elements must be integers, as they are in every
// Maelstrom workload: Jepsen keeps them in a sorted map and throws on
// values it cannot compare, and Check panics likewise (checker.Safely turns
// that into :unknown).
func Check(h []history.Op, add history.Keyword) Result {
	elements := map[int64]*state{}
	invocations := map[history.Process]history.Op{}
	for i := range h {
		op := &h[i]
		if !op.IsClient() {
			continue
		}
		if op.Type == history.Invoke {
			invocations[op.Process] = *op
		}
		switch {
		case op.F == add && op.Type == history.Invoke:
			// A repeated add of the same value starts the element afresh,
			// as Jepsen's assoc does.
			elements[element(op.Value)] = &state{}
		case op.F == add && op.Type == history.OK:
			v := element(op.Value)
			e := elements[v]
			if e == nil {
				// An :ok add without an invocation; Jepsen's update would
				// create the record from nil.
				e = &state{}
				elements[v] = e
			}
			if e.known == nil {
				e.known = op
			}
		case op.F == "read" && op.Type == history.OK:
			inv, ok := invocations[op.Process]
			if !ok {
				panic(fmt.Sprintf("set-full: read completion %d has no invocation", op.Index))
			}
			read(elements, &inv, op)
		}
	}
	return results(elements)
}

// read applies an :ok read (its invocation inv and completion done) to
// every element added so far.
func read(elements map[int64]*state, inv, done *history.Op) {
	seen := map[int64]bool{}
	if done.Value != nil {
		vs, ok := done.Value.([]any)
		if !ok {
			panic(fmt.Sprintf("set-full: read %d returned %T, not a list", done.Index, done.Value))
		}
		for _, v := range vs {
			seen[element(v)] = true
		}
	}
	for v, e := range elements {
		if seen[v] {
			if e.known == nil {
				e.known = done
			}
			if e.lastPresent == nil || e.lastPresent.Index < inv.Index {
				e.lastPresent = inv
			}
		} else if e.lastAbsent == nil || e.lastAbsent.Index < inv.Index {
			e.lastAbsent = inv
		}
	}
}

// element converts an element to an integer.
func element(v any) int64 {
	switch x := v.(type) {
	case int64:
		return x
	case int:
		return int64(x)
	case float64:
		if x == math.Trunc(x) {
			return int64(x)
		}
	}
	panic(fmt.Sprintf("set-full: element %v (%T) is not an integer", v, v))
}

func index(op *history.Op) int {
	if op == nil {
		return -1
	}
	return op.Index
}

// outcome judges one element (set-full-element-results).
func outcome(v int64, e *state) Element {
	r := Element{Element: v, Known: e.known, LastAbsent: e.lastAbsent}
	stable := e.lastPresent != nil && index(e.lastAbsent) < index(e.lastPresent)
	lost := e.known != nil && e.lastAbsent != nil &&
		index(e.lastPresent) < index(e.lastAbsent) && e.known.Index < e.lastAbsent.Index
	switch {
	case stable:
		r.Outcome = Stable
		var t int64
		if e.lastAbsent != nil {
			t = e.lastAbsent.Time + 1
		}
		r.StableLatency = latency(t, e.known.Time)
	case lost:
		r.Outcome = Lost
		var t int64
		if e.lastPresent != nil {
			t = e.lastPresent.Time + 1
		}
		r.LostLatency = latency(t, e.known.Time)
	default:
		r.Outcome = NeverRead
	}
	return r
}

// latency is max(0, t-known) in whole milliseconds, truncated.
func latency(t, known int64) *int64 {
	ms := max(0, t-known) / 1_000_000
	return &ms
}

// results aggregates the per-element outcomes (set-full-results).
func results(elements map[int64]*state) Result {
	vs := make([]int64, 0, len(elements))
	for v := range elements {
		vs = append(vs, v)
	}
	sort.Slice(vs, func(i, j int) bool { return vs[i] < vs[j] })

	r := Result{
		AttemptCount: len(vs),
		Lost:         []int64{}, NeverRead: []int64{}, Stale: []int64{},
		WorstStale: []Element{},
		// Jepsen's duplicate detection keeps read values whose frequency
		// is below 1, which never happens: :duplicated is always empty.
		// Kept on purpose (checkers.md §1.6).
		Duplicated: map[int64]int{},
	}
	var stale []Element
	var stableLat, lostLat []int64
	for _, v := range vs {
		el := outcome(v, elements[v])
		switch el.Outcome {
		case Stable:
			r.StableCount++
			stableLat = append(stableLat, *el.StableLatency)
			if *el.StableLatency > 0 {
				stale = append(stale, el)
				r.Stale = append(r.Stale, v)
			}
		case Lost:
			r.Lost = append(r.Lost, v)
			lostLat = append(lostLat, *el.LostLatency)
		default:
			r.NeverRead = append(r.NeverRead, v)
		}
	}
	r.LostCount, r.NeverReadCount, r.StaleCount = len(r.Lost), len(r.NeverRead), len(stale)

	// Worst stale: sorted by latency (stable, so ties stay in element
	// order), reversed, so ties come out in descending element order.
	sort.SliceStable(stale, func(i, j int) bool { return *stale[i].StableLatency < *stale[j].StableLatency })
	for i := len(stale) - 1; i >= 0 && len(r.WorstStale) < worstStaleCount; i-- {
		r.WorstStale = append(r.WorstStale, stale[i])
	}
	r.StableLatencies = quantiles(stableLat)
	r.LostLatencies = quantiles(lostLat)

	// Jepsen's docstring says :unknown means no lost or stale elements;
	// its code, followed here, says no stable element.
	switch {
	case r.LostCount > 0:
		r.Valid = checker.Invalid
	case r.StableCount == 0:
		r.Valid = checker.Unknown
	default:
		r.Valid = checker.Valid
	}
	return r
}
