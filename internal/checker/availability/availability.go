// Package availability is Maelstrom's :availability checker: the fraction
// of client invocations that completed :ok, against --availability.
package availability

import (
	"fmt"
	"strconv"

	"github.com/glomers/glomers/internal/checker"
	"github.com/glomers/glomers/internal/history"
)

// Requirement is the minimum ok-fraction a run must reach. The zero value
// requires nothing.
type Requirement struct {
	Set   bool    // whether --availability was given
	Total bool    // "total": every invocation must succeed
	Min   float64 // otherwise the least fraction allowed
}

// Parse reads an --availability value: "total" or a number in [0, 1].
func Parse(s string) (Requirement, error) {
	if s == "total" {
		return Requirement{Set: true, Total: true, Min: 1}, nil
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || !(f >= 0 && f <= 1) { // also rejects NaN
		return Requirement{}, fmt.Errorf("--availability must be \"total\" or a number from 0 to 1, got %q", s)
	}
	return Requirement{Set: true, Min: f}, nil
}

// String returns the flag value that gives r, or "" for none.
func (r Requirement) String() string {
	switch {
	case !r.Set:
		return ""
	case r.Total:
		return "total"
	}
	return strconv.FormatFloat(r.Min, 'g', -1, 64)
}

// Result is the :availability result.
type Result struct {
	Valid      checker.Validity `edn:"valid?" json:"valid"`
	OKFraction float64          `edn:"ok-fraction" json:"ok-fraction"`
}

// Validity returns the verdict.
func (r Result) Validity() checker.Validity { return r.Valid }

// Check computes ok / invoke over h (nemesis ops are :info and so count
// in neither) and compares it with req. With no invocations the fraction is
// 1.
func Check(h []history.Op, req Requirement) Result {
	var invokes, oks int
	for _, op := range h {
		switch op.Type {
		case history.Invoke:
			invokes++
		case history.OK:
			oks++
		}
	}
	frac := 1.0
	if invokes > 0 {
		frac = float64(oks) / float64(invokes)
	}
	valid := true
	if req.Set {
		valid = frac >= req.Min
	}
	return Result{Valid: checker.Of(valid), OKFraction: frac}
}
