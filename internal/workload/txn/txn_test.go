package txn

import (
	"context"
	"errors"
	"math"
	"math/rand/v2"
	"reflect"
	"testing"

	"github.com/glomers/glomers/internal/checker"
	"github.com/glomers/glomers/internal/history"
	"github.com/glomers/glomers/internal/message"
	"github.com/glomers/glomers/internal/workload"
)

func newRand(seed uint64) *rand.Rand { return rand.New(rand.NewPCG(seed, seed)) }

func TestExpIndex(t *testing.T) {
	for _, n := range []int{1, 2, 3, 10} {
		r := newRand(uint64(n))
		const draws = 200000
		counts := make([]int, n)
		for range draws {
			i := ExpIndex(r, n)
			if i < 0 || i >= n {
				t.Fatalf("ExpIndex(%d) = %d, out of range", n, i)
			}
			counts[i]++
		}
		total := math.Exp2(float64(n)) - 1
		for i, c := range counts {
			want := math.Exp2(float64(i)) / total
			if got := float64(c) / draws; math.Abs(got-want) > 0.01 {
				t.Errorf("n=%d: P(%d) = %.4f, want %.4f", n, i, got, want)
			}
		}
	}
}

func TestGeneratorDistribution(t *testing.T) {
	tests := []struct {
		maxLen, wantMax int
	}{
		{0, DefaultMaxTxnLength},
		{1, 1},
		{4, 4},
		{7, 7},
	}
	for _, tt := range tests {
		g := NewGenerator(workload.Options{MaxTxnLength: tt.maxLen, MaxWritesPerKey: 1 << 30, Rand: newRand(7)})
		const txns = 40000
		lengths := make([]int, tt.wantMax+1)
		var reads, writes int
		for range txns {
			txn := g.Txn()
			if len(txn) < 1 || len(txn) > tt.wantMax {
				t.Fatalf("max %d: length %d", tt.maxLen, len(txn))
			}
			lengths[len(txn)]++
			for _, m := range txn {
				if m.([]any)[0] == Read {
					reads++
				} else {
					writes++
				}
			}
		}
		for l := 1; l <= tt.wantMax; l++ {
			if got, want := float64(lengths[l])/txns, 1/float64(tt.wantMax); math.Abs(got-want) > 0.015 {
				t.Errorf("max %d: P(length %d) = %.3f, want %.3f", tt.maxLen, l, got, want)
			}
		}
		if got := float64(reads) / float64(reads+writes); math.Abs(got-0.5) > 0.01 {
			t.Errorf("max %d: read share %.3f, want 0.5", tt.maxLen, got)
		}
	}
}

func TestGeneratorKeys(t *testing.T) {
	g := NewGenerator(workload.Options{KeyCount: 0, MaxWritesPerKey: 1 << 30, Rand: newRand(3)})
	counts := map[int64]int{}
	var n int
	for range 20000 {
		for _, m := range g.Txn() {
			counts[m.([]any)[1].(int64)]++
			n++
		}
	}
	if len(counts) != DefaultKeyCount {
		t.Errorf("keys used %v, want 0..%d", counts, DefaultKeyCount-1)
	}
	// The last slot, key 9, is the likeliest: about half the micro-ops.
	if got := float64(counts[9]) / float64(n); math.Abs(got-512.0/1023) > 0.01 {
		t.Errorf("key 9 share %.3f, want %.3f", got, 512.0/1023)
	}
}

// writes returns the [k v] pairs of every write in txns, in order.
func writes(txns [][]any) [][2]int64 {
	var out [][2]int64
	for _, txn := range txns {
		for _, m := range txn {
			mop := m.([]any)
			if mop[0] == Write {
				out = append(out, [2]int64{mop[1].(int64), mop[2].(int64)})
			} else if mop[2] != nil {
				panic("a read with a value")
			}
		}
	}
	return out
}

func TestGeneratorRotation(t *testing.T) {
	// One active key and writes only would be a fixed sequence; with reads
	// mixed in, the writes still are.
	g := NewGenerator(workload.Options{KeyCount: 1, MaxWritesPerKey: 2, MaxTxnLength: 3, Rand: newRand(1)})
	var txns [][]any
	for range 50 {
		txns = append(txns, g.Txn())
	}
	got := writes(txns)
	for i, w := range got {
		want := [2]int64{int64(i / 2), int64(i%2 + 1)}
		if w != want {
			t.Fatalf("write %d = %v, want %v (all: %v)", i, w, want, got)
		}
	}
	if len(got) < 20 {
		t.Errorf("only %d writes in 50 txns", len(got))
	}
}

func TestGeneratorValues(t *testing.T) {
	tests := []struct{ keyCount, maxWrites int }{
		{3, 1}, {3, 4}, {10, 16}, {0, 0},
	}
	for _, tt := range tests {
		g := NewGenerator(workload.Options{KeyCount: tt.keyCount, MaxWritesPerKey: tt.maxWrites, Rand: newRand(9)})
		limit := int64(orDefault(tt.maxWrites, DefaultMaxWritesPerKey))
		next := map[int64]int64{}
		retired := map[int64]bool{} // written up to the limit
		for range 5000 {
			for _, w := range writes([][]any{g.Txn()}) {
				k, v := w[0], w[1]
				if v != next[k]+1 || v > limit {
					t.Fatalf("%+v: write %v, want value %d (limit %d)", tt, w, next[k]+1, limit)
				}
				next[k] = v
				if v == limit {
					retired[k] = true
				}
			}
			if len(g.active) != orDefault(tt.keyCount, DefaultKeyCount) {
				t.Fatalf("%+v: %d active keys", tt, len(g.active))
			}
		}
		if len(retired) == 0 {
			t.Errorf("%+v: no key was ever retired", tt)
		}
	}
}

func TestRetire(t *testing.T) {
	tests := []struct {
		active []int64
		slot   int
		want   []int64
	}{
		{[]int64{0, 1, 2}, 2, []int64{0, 1, 3}},
		{[]int64{0, 1, 2}, 0, []int64{3, 1, 2}},
		{[]int64{4, 7, 5}, 1, []int64{4, 8, 5}},
		{[]int64{0}, 0, []int64{1}},
	}
	for _, tt := range tests {
		g := &Generator{active: append([]int64(nil), tt.active...), next: map[int64]int64{}}
		g.next[tt.active[tt.slot]] = 17
		g.retire(tt.slot)
		if !reflect.DeepEqual(g.active, tt.want) || len(g.next) != 0 {
			t.Errorf("retire(%v, slot %d) = %v, next %v; want %v", tt.active, tt.slot, g.active, g.next, tt.want)
		}
	}
}

func TestGeneratorSeeded(t *testing.T) {
	a := NewGenerator(workload.Options{Rand: newRand(5)})
	b := NewGenerator(workload.Options{Rand: newRand(5)})
	for range 100 {
		if x, y := a.Txn(), b.Txn(); !reflect.DeepEqual(x, y) {
			t.Fatalf("same seed, different txns: %v vs %v", x, y)
		}
	}
}

func TestInvoke(t *testing.T) {
	w := RWRegister()
	inv := history.Op{Type: history.Invoke, Process: 0, F: FTxn,
		Value: []any{[]any{Read, int64(1), nil}, []any{Write, int64(1), int64(3)}, []any{Read, int64(2), nil}}}
	call := func(_ context.Context, req message.Body) (message.Body, error) {
		want := message.Body{"type": "txn", "txn": []any{[]any{"r", int64(1), nil}, []any{"w", int64(1), int64(3)}, []any{"r", int64(2), nil}}}
		if !reflect.DeepEqual(req, want) {
			t.Errorf("request %v, want %v", req, want)
		}
		return message.Body{"type": "txn_ok", "in_reply_to": int64(1),
			"txn": []any{[]any{"r", float64(1), float64(2)}, []any{"w", int64(1), int64(3)}, []any{"r", int64(2), nil}}}, nil
	}
	done, err := w.Invoke(context.Background(), call, inv)
	if err != nil {
		t.Fatal(err)
	}
	want := []any{[]any{Read, int64(1), int64(2)}, []any{Write, int64(1), int64(3)}, []any{Read, int64(2), nil}}
	if done.Type != history.OK || !reflect.DeepEqual(done.Value, want) {
		t.Errorf("completion %+v, want :ok %v", done, want)
	}

	null := func(context.Context, message.Body) (message.Body, error) {
		return message.Body{"type": "txn_ok", "in_reply_to": int64(1), "txn": nil}, nil
	}
	if done, err := w.Invoke(context.Background(), null, inv); err != nil || done.Type != history.OK || !reflect.DeepEqual(done.Value, []any{}) {
		t.Errorf("null txn: %+v, %v; want :ok with an empty txn, as Maelstrom records it", done, err)
	}

	boom := errors.New("boom")
	failing := func(context.Context, message.Body) (message.Body, error) { return nil, boom }
	if got, err := w.Invoke(context.Background(), failing, inv); !errors.Is(err, boom) || !reflect.DeepEqual(got.Value, inv.Value) {
		t.Errorf("RPC error: got %+v, %v; want the invocation and the error", got, err)
	}
}

func TestReplySchema(t *testing.T) {
	s := RWRegister().ReplySchemas["txn"]
	req := message.Body{"type": "txn", "msg_id": int64(1)}
	tests := []struct {
		name  string
		reply message.Body
		ok    bool
	}{
		{"reads filled", message.Body{"type": "txn_ok", "in_reply_to": int64(1), "txn": []any{[]any{"r", int64(1), int64(2)}, []any{"w", int64(1), int64(3)}}}, true},
		{"empty", message.Body{"type": "txn_ok", "in_reply_to": int64(1), "txn": []any{}}, true},
		{"null txn ([...] accepts nil)", message.Body{"type": "txn_ok", "in_reply_to": int64(1), "txn": nil}, true},
		{"values of any type", message.Body{"type": "txn_ok", "in_reply_to": int64(1), "txn": []any{
			[]any{"r", int64(1), map[string]any{}}, []any{"w", "k", []any{true}}, []any{"r", nil, 1.5}}}, true},
		{"null micro-op", message.Body{"type": "txn_ok", "in_reply_to": int64(1), "txn": []any{nil}}, false},
		{"long micro-op", message.Body{"type": "txn_ok", "in_reply_to": int64(1), "txn": []any{[]any{"r", int64(1), nil, nil}}}, false},
		{"missing txn", message.Body{"type": "txn_ok", "in_reply_to": int64(1)}, false},
		{"not a list", message.Body{"type": "txn_ok", "in_reply_to": int64(1), "txn": "x"}, false},
		{"short micro-op", message.Body{"type": "txn_ok", "in_reply_to": int64(1), "txn": []any{[]any{"r", int64(1)}}}, false},
		{"bad function", message.Body{"type": "txn_ok", "in_reply_to": int64(1), "txn": []any{[]any{"append", int64(1), int64(2)}}}, false},
		{"extra key", message.Body{"type": "txn_ok", "in_reply_to": int64(1), "txn": []any{}, "ts": int64(4)}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := s.Validate("n0", req, tt.reply); (err == nil) != tt.ok {
				t.Errorf("Validate = %v, want ok %v", err, tt.ok)
			}
		})
	}
}

func mop(f history.Keyword, k, v any) []any { return []any{f, k, v} }

func TestCheck(t *testing.T) {
	w := RWRegister()
	op := func(p history.Process, typ history.Type, mops ...[]any) history.Op {
		v := make([]any, len(mops))
		for i, m := range mops {
			v[i] = m
		}
		return history.Op{Type: typ, Process: p, F: FTxn, Value: v}
	}
	ok := []history.Op{
		op(0, history.Invoke, mop(Write, int64(1), int64(1))),
		op(0, history.OK, mop(Write, int64(1), int64(1))),
		op(1, history.Invoke, mop(Read, int64(1), nil), mop(Write, int64(1), int64(2))),
		op(1, history.OK, mop(Read, int64(1), int64(1)), mop(Write, int64(1), int64(2))),
	}
	// An aborted write seen by a reader; the clean part keeps the
	// transaction graph from being empty, which Maelstrom calls invalid.
	aborted := append(append([]history.Op(nil), ok...),
		op(2, history.Invoke, mop(Write, int64(2), int64(1))),
		op(2, history.Fail, mop(Write, int64(2), int64(1))),
		op(3, history.Invoke, mop(Read, int64(2), nil)),
		op(3, history.OK, mop(Read, int64(2), int64(1))),
	)
	tests := []struct {
		name   string
		h      []history.Op
		models []string
		want   checker.Validity
	}{
		{"clean", ok, []string{"read-committed"}, checker.Valid},
		{"no edges", ok[:2], []string{"read-committed"}, checker.Invalid},
		{"aborted read under read-committed", aborted, []string{"read-committed"}, checker.Invalid},
		{"aborted read under read-uncommitted", aborted, []string{"read-uncommitted"}, checker.Valid},
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

func TestSettings(t *testing.T) {
	w := RWRegister()
	if w.Name != "txn-rw-register" || !w.ReusableClient || len(w.Idempotent) != 0 || w.NoErrorMapping || w.Final != nil || w.Setup != nil {
		t.Errorf("settings %+v", w)
	}
}
