// Package txn is Maelstrom's txn-rw-register workload: clients send
// transactions of register reads and writes, nodes answer with the reads
// filled in, and Elle's rw-register checker looks for the anomalies the
// chosen consistency models prohibit.
package txn

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/glomers/glomers/internal/checker"
	"github.com/glomers/glomers/internal/checker/elle"
	"github.com/glomers/glomers/internal/history"
	"github.com/glomers/glomers/internal/message"
	"github.com/glomers/glomers/internal/workload"
)

// FTxn is the workload's only function.
const FTxn history.Keyword = "txn"

// The micro-op functions, as recorded in the history.
const (
	Read  history.Keyword = "r"
	Write history.Keyword = "w"
)

// Defaults used when an option is zero, as in Maelstrom and Elle.
const (
	DefaultKeyCount        = 10
	DefaultMaxTxnLength    = 4
	DefaultMaxWritesPerKey = 16
)

var replySchemas = map[string]workload.Schema{
	"txn": {Type: "txn_ok", Fields: map[string]workload.Field{"txn": {Shape: `[["r", key, value], ["w", key, value], ...]`, Test: IsTxn}}},
}

// RWRegister returns the txn-rw-register workload.
func RWRegister() *workload.Workload {
	return &workload.Workload{
		Name:           "txn-rw-register",
		Idempotent:     map[history.Keyword]bool{},
		ReusableClient: true,
		Generator: func(o workload.Options) workload.Generator {
			g := NewGenerator(o)
			return workload.GeneratorFunc(func(int) (history.Op, bool) {
				return history.Op{F: FTxn, Value: g.Txn()}, true
			})
		},
		ReplySchemas: replySchemas,
		Invoke:       invoke,
		Check: func(h []history.Op, o workload.Options) checker.Result {
			return elle.CheckMaelstrom(h, o.ConsistencyModels)
		},
	}
}

// invoke sends op's transaction as ["r"|"w", k, v] triples and completes op
// with the transaction the node returns, its functions as keywords again.
func invoke(ctx context.Context, call workload.RPC, op history.Op) (history.Op, error) {
	reply, err := callTxn(ctx, call, op)
	if err != nil {
		return op, err
	}
	got, _ := reply["txn"].([]any) // IsTxn checked the shape; null is empty
	done := make([]any, len(got))
	for i, m := range got {
		t := m.([]any)
		done[i] = []any{history.Keyword(t[0].(string)), whole(t[1]), whole(t[2])}
	}
	op.Type = history.OK
	op.Value = done
	return op, nil
}

// callTxn sends op's transaction as a txn request, each micro-op as
// [f, k, v] with f a string, and returns the reply.
func callTxn(ctx context.Context, call workload.RPC, op history.Op) (message.Body, error) {
	mops, ok := op.Value.([]any)
	if !ok {
		return nil, fmt.Errorf("txn: invocation value %v is not a list of micro-ops", op.Value)
	}
	wire := make([]any, len(mops))
	for i, m := range mops {
		t, ok := m.([]any)
		if !ok || len(t) != 3 {
			return nil, fmt.Errorf("txn: micro-op %v is not [f k v]", m)
		}
		f, ok := t[0].(history.Keyword)
		if !ok {
			return nil, fmt.Errorf("txn: micro-op %v has no keyword function", m)
		}
		wire[i] = []any{string(f), t[1], t[2]}
	}
	return call(ctx, message.Body{"type": "txn", "txn": wire})
}

// whole turns a JSON number without a fraction into an int64, as
// Maelstrom's JSON reader gives longs; anything else is kept.
func whole(v any) any {
	if f, ok := v.(float64); ok && f == math.Trunc(f) && math.Abs(f) < 1<<63 {
		return int64(f)
	}
	return v
}

// IsTxn accepts what Maelstrom's txn_ok schema does: a list (or null) of
// ["r", key, value] or ["w", key, value] triples, keys and values of any
// type.
func IsTxn(v any) bool {
	return workload.IsSeq(v, func(m any) bool {
		t, ok := m.([]any)
		return ok && len(t) == 3 && (t[0] == "r" || t[0] == "w")
	})
}

// Generator draws transactions as Elle's wr-txns does: each has a length
// uniform in [1, MaxTxnLength], each micro-op is a read or a write with
// equal odds, on one of KeyCount active keys chosen with an exponential
// distribution (slot i is twice as likely as slot i-1). Each key's writes
// are 1, 2, 3…; a key that would exceed MaxWritesPerKey is retired and its
// slot given a fresh key, one above the highest active key.
type Generator struct {
	write     history.Keyword // Write, or Append for list-append
	rand      *rand.Rand
	maxLen    int
	maxWrites int64
	active    []int64         // the active keys, by slot
	next      map[int64]int64 // the next value to write, per key; absent means 1
}

// NewGenerator returns a generator for o, with Maelstrom's defaults for
// zero options.
func NewGenerator(o workload.Options) *Generator {
	g := &Generator{
		write:     Write,
		rand:      o.Rand,
		maxLen:    orDefault(o.MaxTxnLength, DefaultMaxTxnLength),
		maxWrites: int64(orDefault(o.MaxWritesPerKey, DefaultMaxWritesPerKey)),
		active:    make([]int64, orDefault(o.KeyCount, DefaultKeyCount)),
		next:      map[int64]int64{},
	}
	for i := range g.active {
		g.active[i] = int64(i)
	}
	return g
}

func orDefault(v, def int) int {
	if v <= 0 {
		return def
	}
	return v
}

// Txn returns the next transaction: a list of [f k v] micro-ops with f the
// keyword r or w (append, for an append generator), and v nil for reads.
func (g *Generator) Txn() []any {
	n := 1 + g.rand.IntN(g.maxLen)
	txn := make([]any, 0, n)
	for len(txn) < n {
		write := g.rand.IntN(2) == 1
		slot := ExpIndex(g.rand, len(g.active))
		k := g.active[slot]
		if !write {
			txn = append(txn, []any{Read, k, nil})
			continue
		}
		v := g.next[k]
		if v == 0 {
			v = 1
		}
		if v > g.maxWrites {
			g.retire(slot)
			continue // draw this micro-op again
		}
		g.next[k] = v + 1
		txn = append(txn, []any{g.write, k, v})
	}
	return txn
}

// retire replaces the key in slot with one above the highest active key.
func (g *Generator) retire(slot int) {
	old := g.active[slot]
	top := g.active[0]
	for _, k := range g.active {
		top = max(top, k)
	}
	g.active[slot] = top + 1
	delete(g.next, old)
}

// ExpIndex draws an index in [0, n) with P(i) proportional to 2^i, as
// Elle's exponential key distribution with base 2 does.
func ExpIndex(r *rand.Rand, n int) int {
	scale := 2 * (math.Exp2(float64(n)) - 1)
	i := int(math.Floor(math.Log2(r.Float64()*scale+2) - 1))
	return min(max(i, 0), n-1)
}
