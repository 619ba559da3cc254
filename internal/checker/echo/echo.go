// Package echo is Maelstrom's echo checker: every completion must carry,
// under "echo", the value its invocation sent.
package echo

import (
	"reflect"

	"github.com/glomers/glomers/internal/checker"
	"github.com/glomers/glomers/internal/history"
)

// Result is the echo checker's result. Each error is Maelstrom's
// ["Expected a message with :echo" sent "But received" reply].
type Result struct {
	Valid  checker.Validity `edn:"valid?" json:"valid"`
	Errors [][]any          `edn:"errors" json:"errors"`
}

// Validity returns the verdict.
func (r Result) Validity() checker.Validity { return r.Valid }

// Check compares each client invocation with its completion. Failed,
// indeterminate and missing completions do not carry the echo, so they
// count as mismatches, as in Maelstrom.
func Check(h []history.Op) Result {
	r := Result{Errors: [][]any{}}
	for _, p := range history.Pairs(h) {
		if !p.Invoke.IsClient() {
			continue
		}
		var got, echoed any
		if p.Completion != nil {
			got = p.Completion.Value
			echoed = echoOf(got)
		}
		if !reflect.DeepEqual(echoed, p.Invoke.Value) {
			r.Errors = append(r.Errors, []any{"Expected a message with :echo", p.Invoke.Value, "But received", got})
		}
	}
	r.Valid = checker.Of(len(r.Errors) == 0)
	return r
}

func echoOf(v any) any {
	switch m := v.(type) {
	case map[history.Keyword]any:
		return m["echo"]
	case map[string]any:
		return m["echo"]
	}
	return nil
}
