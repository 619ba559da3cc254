// Package exceptions is Jepsen's :exceptions checker: it groups the :info
// operations that ended in a client exception by the exception's type. It
// is always valid; it is there to be read.
package exceptions

import (
	"fmt"
	"sort"

	"github.com/glomers/glomers/internal/checker"
	"github.com/glomers/glomers/internal/history"
)

// Group is one exception type with how often it happened and one example.
type Group struct {
	Count   int        `edn:"count" json:"count"`
	Class   string     `edn:"class" json:"class"`
	Example history.Op `edn:"example" json:"example"`
}

// Result is the :exceptions result.
type Result struct {
	Valid      checker.Validity `edn:"valid?" json:"valid"`
	Exceptions []Group          `edn:"exceptions,omitempty" json:"exceptions,omitempty"`
}

// Validity returns Valid.
func (r Result) Validity() checker.Validity { return r.Valid }

// Check groups the exceptions in h, most frequent first.
func Check(h []history.Op) Result {
	byClass := map[string]*Group{}
	for _, op := range h {
		if op.Type != history.Info || op.Exception == nil {
			continue
		}
		class := classOf(op.Exception)
		g := byClass[class]
		if g == nil {
			g = &Group{Class: class, Example: op}
			byClass[class] = g
		}
		g.Count++
	}
	r := Result{Valid: checker.Valid}
	for _, g := range byClass {
		r.Exceptions = append(r.Exceptions, *g)
	}
	sort.Slice(r.Exceptions, func(i, j int) bool {
		a, b := r.Exceptions[i], r.Exceptions[j]
		if a.Count != b.Count {
			return a.Count > b.Count
		}
		return a.Class < b.Class
	})
	return r
}

// classOf returns the exception's type as a plain name: a keyword type
// and a string type (as read back from JSON) give the same class.
func classOf(exc any) string {
	switch e := exc.(type) {
	case map[history.Keyword]any:
		exc = e["type"]
	case map[string]any:
		exc = e["type"]
	}
	if k, ok := exc.(history.Keyword); ok {
		return string(k)
	}
	return fmt.Sprint(exc)
}
