package txn

import (
	"context"

	"github.com/glomers/glomers/internal/checker"
	"github.com/glomers/glomers/internal/checker/elle"
	"github.com/glomers/glomers/internal/history"
	"github.com/glomers/glomers/internal/workload"
)

// Append is the list-append write micro-op, as recorded in the history.
const Append history.Keyword = "append"

var appendReplySchemas = map[string]workload.Schema{
	"txn": {Type: "txn_ok", Fields: map[string]workload.Field{
		"txn": {Shape: `[["r", key, [...] or null], ["append", key, value], ...]`, Test: IsAppendTxn}}},
}

// ListAppend returns Maelstrom's txn-list-append workload: transactions of
// ["r", k, null] and ["append", k, v] micro-ops, the generator of Elle's
// list-append (its rw-register generator with writes turned into appends,
// so every appended element is unique per key), no final phase, and
// Elle's list-append checker with the chosen consistency models, its
// result reported unchanged (an :unknown verdict stays unknown).
func ListAppend() *workload.Workload {
	return &workload.Workload{
		Name:           "txn-list-append",
		Idempotent:     map[history.Keyword]bool{},
		ReusableClient: true,
		Generator: func(o workload.Options) workload.Generator {
			g := NewAppendGenerator(o)
			return workload.GeneratorFunc(func(int) (history.Op, bool) {
				return history.Op{F: FTxn, Value: g.Txn()}, true
			})
		},
		ReplySchemas: appendReplySchemas,
		Invoke:       invokeAppend,
		Check: func(h []history.Op, o workload.Options) checker.Result {
			models := o.ConsistencyModels
			if len(models) == 0 {
				models = nil
			}
			return elle.CheckListAppend(h, elle.Options{ConsistencyModels: models})
		},
	}
}

// NewAppendGenerator returns the list-append generator for o: NewGenerator's
// transactions with every write an append.
func NewAppendGenerator(o workload.Options) *Generator {
	g := NewGenerator(o)
	g.write = Append
	return g
}

// invokeAppend sends op's transaction and completes op with the one the
// node returns, as Maelstrom records it: whatever the node sent (it is not
// compared with the request), with f as a keyword; "txn": null gives an
// empty transaction.
func invokeAppend(ctx context.Context, call workload.RPC, op history.Op) (history.Op, error) {
	reply, err := callTxn(ctx, call, op)
	if err != nil {
		return op, err
	}
	got, _ := reply["txn"].([]any) // IsAppendTxn checked the shape; null is empty
	done := make([]any, len(got))
	for i, m := range got {
		t := m.([]any)
		v := whole(t[2])
		if l, ok := t[2].([]any); ok {
			els := make([]any, len(l))
			for j, e := range l {
				els[j] = whole(e)
			}
			v = els
		}
		done[i] = []any{history.Keyword(t[0].(string)), whole(t[1]), v}
	}
	op.Type = history.OK
	op.Value = done
	return op, nil
}

// IsAppendTxn accepts Maelstrom's txn-list-append reply: null, or a list
// of ["r", key, list-or-null] and ["append", key, value] triples, keys and
// values any JSON.
func IsAppendTxn(v any) bool {
	if v == nil {
		return true
	}
	mops, ok := v.([]any)
	if !ok {
		return false
	}
	for _, m := range mops {
		t, ok := m.([]any)
		if !ok || len(t) != 3 {
			return false
		}
		switch t[0] {
		case "append":
		case "r":
			if _, isList := t[2].([]any); t[2] != nil && !isList {
				return false
			}
		default:
			return false
		}
	}
	return true
}
