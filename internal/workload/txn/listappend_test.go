package txn

import (
	"context"
	"reflect"
	"testing"

	"github.com/glomers/glomers/internal/checker"
	"github.com/glomers/glomers/internal/history"
	"github.com/glomers/glomers/internal/message"
	"github.com/glomers/glomers/internal/workload"
)

// Elle's list-append generator is its rw-register generator with every
// write turned into an append: with the same seed the two agree micro-op
// for micro-op.
func TestAppendGeneratorIsWriteGenerator(t *testing.T) {
	o := func() workload.Options { return workload.Options{KeyCount: 3, MaxWritesPerKey: 4, Rand: newRand(11)} }
	w, a := NewGenerator(o()), NewAppendGenerator(o())
	appends := 0
	for range 2000 {
		wt, at := w.Txn(), a.Txn()
		if len(wt) != len(at) {
			t.Fatalf("lengths differ: %v vs %v", wt, at)
		}
		for i := range wt {
			wm, am := wt[i].([]any), at[i].([]any)
			if wm[0] == Write {
				appends++
				wm = []any{Append, wm[1], wm[2]}
			}
			if !reflect.DeepEqual(wm, am) {
				t.Fatalf("micro-op %v, want %v", am, wm)
			}
		}
	}
	if appends == 0 {
		t.Fatal("no appends generated")
	}
}

// Every appended element is unique per key, as Elle requires.
func TestAppendGeneratorUnique(t *testing.T) {
	g := NewAppendGenerator(workload.Options{Rand: newRand(2)})
	seen := map[[2]int64]bool{}
	for range 20000 {
		for _, m := range g.Txn() {
			mop := m.([]any)
			if mop[0] != Append {
				continue
			}
			kv := [2]int64{mop[1].(int64), mop[2].(int64)}
			if seen[kv] {
				t.Fatalf("append %v generated twice", kv)
			}
			seen[kv] = true
		}
	}
}

func TestInvokeAppend(t *testing.T) {
	w := ListAppend()
	inv := history.Op{Type: history.Invoke, Process: 0, F: FTxn,
		Value: []any{[]any{Read, int64(9), nil}, []any{Append, int64(9), int64(4)}}}
	tests := []struct {
		name string
		txn  any
		want []any
	}{
		{"reads filled", []any{[]any{"r", float64(9), []any{float64(1), float64(2)}}, []any{"append", float64(9), float64(4)}},
			[]any{[]any{Read, int64(9), []any{int64(1), int64(2)}}, []any{Append, int64(9), int64(4)}}},
		{"read of a missing key", []any{[]any{"r", int64(9), nil}, []any{"append", int64(9), int64(4)}},
			[]any{[]any{Read, int64(9), nil}, []any{Append, int64(9), int64(4)}}},
		// Maelstrom records the node's txn as sent, even when it differs
		// from the request.
		{"altered reply kept", []any{[]any{"append", int64(9), "x"}},
			[]any{[]any{Append, int64(9), "x"}}},
		{"null txn is empty", nil, []any{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			call := func(_ context.Context, req message.Body) (message.Body, error) {
				want := message.Body{"type": "txn", "txn": []any{[]any{"r", int64(9), nil}, []any{"append", int64(9), int64(4)}}}
				if !reflect.DeepEqual(req, want) {
					t.Errorf("request %v, want %v", req, want)
				}
				return message.Body{"type": "txn_ok", "in_reply_to": int64(1), "txn": tt.txn}, nil
			}
			done, err := w.Invoke(context.Background(), call, inv)
			if err != nil {
				t.Fatal(err)
			}
			if done.Type != history.OK || !reflect.DeepEqual(done.Value, tt.want) {
				t.Errorf("completion %#v, want :ok %#v", done.Value, tt.want)
			}
		})
	}
}

// The reply schema accepts what Maelstrom's accepts (spec §1.1).
func TestAppendReplySchema(t *testing.T) {
	s := ListAppend().ReplySchemas["txn"]
	req := message.Body{"type": "txn", "msg_id": int64(1)}
	reply := func(txn any) message.Body {
		return message.Body{"type": "txn_ok", "in_reply_to": int64(1), "txn": txn}
	}
	one := func(m ...any) []any { return []any{m} }
	tests := []struct {
		name  string
		reply message.Body
		ok    bool
	}{
		{"read null", reply(one("r", 1.0, nil)), true},
		{"read empty", reply(one("r", 1.0, []any{})), true},
		{"read list", reply(one("r", 1.0, []any{1.0, 2.0})), true},
		{"append null", reply(one("append", 1.0, nil)), true},
		{"any JSON key and element", reply(one("append", "k", map[string]any{"a": 1.0})), true},
		{"txn null", reply(nil), true},
		{"txn empty", reply([]any{}), true},
		{"read of a number", reply(one("r", 1.0, 5.0)), false},
		{"short read", reply(one("r", 1.0)), false},
		{"short append", reply(one("append", 1.0)), false},
		{"write", reply(one("w", 1.0, 2.0)), false},
		{"four elements", reply(one("append", 1.0, 2.0, 3.0)), false},
		{"not a list", reply("x"), false},
		{"missing txn", message.Body{"type": "txn_ok", "in_reply_to": int64(1)}, false},
		{"extra key", message.Body{"type": "txn_ok", "in_reply_to": int64(1), "txn": []any{}, "foo": 1.0}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := s.Validate("n0", req, tt.reply); (err == nil) != tt.ok {
				t.Errorf("Validate = %v, want ok %v", err, tt.ok)
			}
		})
	}
}

func TestCheckListAppend(t *testing.T) {
	w := ListAppend()
	op := func(p history.Process, typ history.Type, mops ...[]any) history.Op {
		v := make([]any, len(mops))
		for i, m := range mops {
			v[i] = m
		}
		return history.Op{Type: typ, Process: p, F: FTxn, Value: v}
	}
	serial := []history.Op{
		op(0, history.Invoke, mop(Append, int64(1), int64(1))),
		op(0, history.OK, mop(Append, int64(1), int64(1))),
		op(1, history.Invoke, mop(Read, int64(1), nil), mop(Append, int64(1), int64(2))),
		op(1, history.OK, mop(Read, int64(1), []any{int64(1)}), mop(Append, int64(1), int64(2))),
	}
	tests := []struct {
		name   string
		h      []history.Op
		models []string
		want   checker.Validity
	}{
		{"serial", serial, nil, checker.Valid},
		// Unlike txn-rw-register, Maelstrom keeps Elle's :unknown.
		{"no edges", serial[:2], nil, checker.Unknown},
		{"stale read", append(append([]history.Op(nil), serial...),
			op(2, history.Invoke, mop(Read, int64(1), nil)),
			op(2, history.OK, mop(Read, int64(1), []any{int64(1)}))), []string{"strict-serializable"}, checker.Invalid},
		{"stale read is serializable", append(append([]history.Op(nil), serial...),
			op(2, history.Invoke, mop(Read, int64(1), nil)),
			op(2, history.OK, mop(Read, int64(1), []any{int64(1)}))), []string{"serializable"}, checker.Valid},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for i := range tt.h {
				tt.h[i].Index = i
			}
			if got := w.Check(tt.h, workload.Options{ConsistencyModels: tt.models}).Validity(); got != tt.want {
				t.Errorf("Check = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestListAppendSettings(t *testing.T) {
	w := ListAppend()
	if w.Name != "txn-list-append" || !w.ReusableClient || len(w.Idempotent) != 0 || w.NoErrorMapping || w.Final != nil || w.Setup != nil {
		t.Errorf("settings %+v", w)
	}
}
