// Package counter is Maelstrom's pn-counter checker, which g-counter
// reuses unchanged. Every :ok final read must equal the sum of the :ok adds
// plus the deltas of any subset of the :info adds; :fail adds count for
// nothing, and reads that are not final, or not :ok, are not checked.
package counter

import (
	"fmt"
	"math"
	"sort"

	"github.com/glomers/glomers/internal/checker"
	"github.com/glomers/glomers/internal/history"
)

// Result is the counter checker's result.
type Result struct {
	Valid checker.Validity `edn:"valid?" json:"valid"`
	// Errors are the final reads whose value is not acceptable, or nil.
	Errors []history.Op `edn:"errors" json:"errors"`
	// FinalReads are the values of the :ok final reads, in history order.
	FinalReads []int64 `edn:"final-reads" json:"final-reads"`
	// Acceptable are the acceptable values as ascending, disjoint,
	// non-adjacent inclusive [lower upper] ranges.
	Acceptable []Range `edn:"acceptable" json:"acceptable"`
}

// Validity returns the verdict.
func (r Result) Validity() checker.Validity { return r.Valid }

// Range is an inclusive range of integers [lower upper].
type Range [2]int64

// Check judges a counter history. It panics, like Maelstrom's assertion,
// when an add's delta or an :ok final read's value is not an integer; run
// it under checker.Safely.
func Check(h []history.Op) Result {
	var definite int64
	var info []int64
	for _, op := range h {
		if op.F != "add" {
			continue
		}
		switch op.Type {
		case history.OK:
			definite += mustInt(op, "add delta")
		case history.Info:
			info = append(info, mustInt(op, "add delta"))
		}
	}
	acceptable := []Range{{definite, definite}}
	for _, d := range info {
		acceptable = union(acceptable, shift(acceptable, d))
	}
	r := Result{FinalReads: []int64{}, Acceptable: acceptable}
	for _, op := range h {
		if op.F != "read" || op.Type != history.OK || !op.Final {
			continue
		}
		v := mustInt(op, "read value")
		r.FinalReads = append(r.FinalReads, v)
		if !contains(acceptable, v) {
			r.Errors = append(r.Errors, op)
		}
	}
	r.Valid = checker.Of(len(r.Errors) == 0)
	return r
}

// mustInt returns op's value as an integer (a whole float64 counts: JSON
// histories may hold one); anything else panics, as Maelstrom asserts.
func mustInt(op history.Op, what string) int64 {
	switch v := op.Value.(type) {
	case int64:
		return v
	case int:
		return int64(v)
	case float64:
		if v == math.Trunc(v) && math.Abs(v) < 1<<63 {
			return int64(v)
		}
	}
	panic(fmt.Sprintf("counter: %s %v (%T) of op %d is not an integer", what, op.Value, op.Value, op.Index))
}

func shift(rs []Range, d int64) []Range {
	out := make([]Range, len(rs))
	for i, r := range rs {
		out[i] = Range{r[0] + d, r[1] + d}
	}
	return out
}

// union merges two range sets, coalescing overlapping and adjacent ranges.
func union(a, b []Range) []Range {
	all := append(append([]Range(nil), a...), b...)
	sort.Slice(all, func(i, j int) bool { return all[i][0] < all[j][0] })
	var out []Range
	for _, r := range all {
		if n := len(out); n > 0 && r[0] <= out[n-1][1]+1 {
			out[n-1][1] = max(out[n-1][1], r[1])
			continue
		}
		out = append(out, r)
	}
	return out
}

func contains(rs []Range, v int64) bool {
	i := sort.Search(len(rs), func(i int) bool { return rs[i][1] >= v })
	return i < len(rs) && rs[i][0] <= v
}
