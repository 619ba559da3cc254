// Package workload defines what a workload gives the runner: the operations
// to invoke, how each one becomes an RPC to a node, and the checker that
// judges the history. Each workload lives in a sub-package.
package workload

import (
	"context"
	"fmt"
	"math/rand/v2"
	"sort"
	"strings"
	"time"

	"github.com/glomers/glomers/internal/checker"
	"github.com/glomers/glomers/internal/client"
	"github.com/glomers/glomers/internal/history"
	"github.com/glomers/glomers/internal/jsonvalue"
	"github.com/glomers/glomers/internal/message"
)

// Options are the test options a workload may use.
type Options struct {
	Nodes           []string
	Concurrency     int
	KeyCount        int
	MaxTxnLength    int
	MaxWritesPerKey int
	Topology        string
	// ConsistencyModels are the models txn checkers check against.
	ConsistencyModels []string
	Latency           time.Duration
	Rand              *rand.Rand // seeded from --seed; only used by one goroutine at a time
	// Now and Sleep, if set, are the clock generators read and pause on
	// (the simulator's virtual clock); otherwise real time.
	Now   func() time.Duration
	Sleep func(time.Duration)
}

// RPC sends one request to a node and returns its reply body. Errors are
// client.ErrTimeout, *client.RPCError or *client.MalformedReplyError.
type RPC func(ctx context.Context, body message.Body) (message.Body, error)

// Workload is one Maelstrom workload.
type Workload struct {
	Name string
	// Idempotent lists the functions whose timeouts and indefinite errors
	// still mean the operation did not happen (:fail rather than :info).
	Idempotent map[history.Keyword]bool
	// NoErrorMapping makes every RPC error an indeterminate exception, as
	// for g-set and the counters.
	NoErrorMapping bool
	// ReusableClient keeps a worker's client across :info completions.
	ReusableClient bool
	// Validate, if set, rejects options the workload cannot run with
	// (the CLI reports it as a bad argument).
	Validate func(o Options) error
	// RPCTimeout, if set, is how long a client waits for each reply;
	// otherwise client.DefaultTimeout (5 s).
	RPCTimeout func(o Options) time.Duration
	// Setup, if set, runs once per node before the main phase.
	Setup func(ctx context.Context, o Options, node string, call RPC) error
	// Generator returns the main-phase source of invocations.
	Generator func(o Options) Generator
	// Final, if set, returns the final-phase invocations of one worker
	// thread; the runner heals the network and waits 10 s first.
	Final func(o Options, thread int) []history.Op
	// FinalGenerator, if set, is used instead of Final: after the heal and
	// the 10 s wait, each worker thread, keeping the process it ended the
	// main phase with, runs the invocations Next(thread) returns, one at a
	// time, until Next returns false. Next is called from every thread at
	// once and may block briefly to pace its thread.
	FinalGenerator func(o Options) Generator
	// ReplySchemas gives, per request type, the reply the node must send.
	// The runner rejects other replies as malformed.
	ReplySchemas map[string]Schema
	// Invoke performs op against a node and returns its completion.
	Invoke func(ctx context.Context, call RPC, op history.Op) (history.Op, error)
	// Check judges a history.
	Check func(h []history.Op, o Options) checker.Result
}

// Generator produces main-phase invocations (F and Value set).
type Generator interface {
	// Next returns the next invocation for a free worker thread, or false
	// when there are no more.
	Next(thread int) (history.Op, bool)
}

// Updater is implemented by generators that must see every completion, as
// Jepsen's generators do through update: lin-kv counts the processes that
// have worked on each key, and a thread's process changes after :info.
type Updater interface {
	// Update is called with each main-phase client completion, after it
	// is recorded, from the worker goroutines: concurrently with Next.
	Update(completion history.Op)
}

// GeneratorFunc adapts a function to Generator.
type GeneratorFunc func(thread int) (history.Op, bool)

// Next calls f.
func (f GeneratorFunc) Next(thread int) (history.Op, bool) { return f(thread) }

// Schema describes a reply body: the type it must have and its other
// fields. Maelstrom's schemas are closed, so a key not listed (besides
// msg_id and in_reply_to) makes the reply malformed.
type Schema struct {
	Type   string
	Fields map[string]Field
}

// Field is what one key of a reply must hold.
type Field struct {
	// Shape shows the value to a reader, as it would appear in JSON
	// with placeholders, e.g. "(integer)" or "[...]".
	Shape string
	// Test accepts the values the key may hold.
	Test func(any) bool
}

// Common fields, as Maelstrom's schemas s/Any, [s/Any] and s/Int.
var (
	AnyField  = Field{"(any value)", Any}
	ListField = Field{"[...]", IsAnySeq} // null accepted too
	IntField  = Field{"(integer)", IsInt}
)

// Shape shows the reply s expects to req, as JSON with placeholders: the
// keys in order (type, in_reply_to, then the others by name), in_reply_to
// set to req's msg_id.
func (s Schema) Shape(req message.Body) string {
	var b strings.Builder
	fmt.Fprintf(&b, `{"type": %q, "in_reply_to": `, s.Type)
	if id, ok := req.Int("msg_id"); ok {
		fmt.Fprintf(&b, "%d", id)
	} else {
		b.WriteString("(the request's msg_id)")
	}
	keys := make([]string, 0, len(s.Fields))
	for k := range s.Fields {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		fmt.Fprintf(&b, ", %q: %s", k, s.Fields[k].Shape)
	}
	b.WriteString("}")
	return b.String()
}

// Validate checks reply against s.
func (s Schema) Validate(node string, req, reply message.Body) error {
	if _, ok := req["msg_id"]; !ok {
		// The reply matched the request, so its in_reply_to is the
		// msg_id the request was sent with.
		if id, ok := reply.Int("in_reply_to"); ok {
			sent := message.Body{"msg_id": id}
			for k, v := range req {
				sent[k] = v
			}
			req = sent
		}
	}
	bad := func(format string, a ...any) error {
		return &client.MalformedReplyError{Node: node, Request: req, Reply: reply, Expected: s.Shape(req), Reason: fmt.Sprintf(format, a...)}
	}
	if t := reply.Type(); t != s.Type {
		return bad("expected type %q, got %s", s.Type, jsonvalue.Text(reply["type"]))
	}
	if _, ok := reply.Int("in_reply_to"); !ok {
		return bad("in_reply_to must be an integer")
	}
	if v, present := reply["msg_id"]; present {
		if _, ok := reply.Int("msg_id"); !ok {
			return bad("msg_id must be an integer, got %s", jsonvalue.Text(v))
		}
	}
	for k, f := range s.Fields {
		v, present := reply[k]
		if !present {
			return bad("missing key %q", k)
		}
		if !f.Test(v) {
			return bad("key %q should be %s, got %s", k, f.Shape, jsonvalue.Text(v))
		}
	}
	var extra []string
	for k := range reply {
		if _, ok := s.Fields[k]; !ok && k != "type" && k != "msg_id" && k != "in_reply_to" {
			extra = append(extra, k)
		}
	}
	if len(extra) > 0 {
		sort.Strings(extra)
		return bad("unexpected key(s) %s (Maelstrom's response schemas are closed)", strings.Join(extra, ", "))
	}
	return nil
}

// The type tests below follow Prismatic Schema, which Maelstrom's defrpc
// schemas use: a sequence schema such as [s/Any] accepts nil (JSON null) as
// well as a list, a map schema does not, and s/Int is Clojure's integer?,
// which a JSON number with a fraction or an exponent (1.0, 1e3) fails.

// Any accepts every JSON value, null included (s/Any).
func Any(any) bool { return true }

// IsSeq accepts a JSON array or null, as a sequence schema does; elem, if
// not nil, must accept every element.
func IsSeq(v any, elem func(any) bool) bool {
	if v == nil {
		return true
	}
	xs, ok := v.([]any)
	if !ok {
		return false
	}
	if elem != nil {
		for _, x := range xs {
			if !elem(x) {
				return false
			}
		}
	}
	return true
}

// IsAnySeq accepts a JSON array of anything, or null ([s/Any]).
func IsAnySeq(v any) bool { return IsSeq(v, nil) }

// IsMap accepts a JSON object (never null) whose values all pass elem
// ({String elem}); JSON object keys are always strings.
func IsMap(v any, elem func(any) bool) bool {
	m, ok := v.(map[string]any)
	if !ok {
		return false
	}
	for _, x := range m {
		if !elem(x) {
			return false
		}
	}
	return true
}

// IsInt accepts a JSON integer (s/Int): a number written without a
// fraction or an exponent that fits 64 bits.
func IsInt(v any) bool { _, ok := v.(int64); return ok }

// Keywordize returns body with keyword keys, as Maelstrom records a reply
// body in the history.
func Keywordize(body message.Body) map[history.Keyword]any {
	out := make(map[history.Keyword]any, len(body))
	for k, v := range body {
		out[history.Keyword(k)] = v
	}
	return out
}

// SortValues sorts a read's elements as a set would list them: numbers
// ascending (integers exactly), anything else after them, in place.
func SortValues(vs []any) {
	num := func(v any) (float64, bool) {
		switch x := v.(type) {
		case int64:
			return float64(x), true
		case float64:
			return x, true
		}
		return 0, false
	}
	sort.SliceStable(vs, func(i, j int) bool {
		a, aok := num(vs[i])
		b, bok := num(vs[j])
		if !aok || !bok {
			return aok && !bok
		}
		if ai, ok := vs[i].(int64); ok {
			if bi, ok := vs[j].(int64); ok {
				return ai < bi
			}
		}
		return a < b
	})
}

// SortedSeq returns a copy of a read's list (checked by IsAnySeq), sorted
// by SortValues, or nil for a null list: Maelstrom records a null read
// as nil, which the set checkers read as empty.
func SortedSeq(v any) any {
	xs, ok := v.([]any)
	if !ok {
		return nil
	}
	out := append([]any{}, xs...)
	SortValues(out)
	return out
}

// AddsAndReads mixes, uniformly at random, adds of 0, 1, 2, … (unique and
// increasing across all threads, under the function add) with reads: the
// generator of broadcast and g-set.
func AddsAndReads(o Options, add, read history.Keyword) Generator {
	var next int64
	return GeneratorFunc(func(int) (history.Op, bool) {
		if o.Rand.IntN(2) == 0 {
			return history.Op{F: read}, true
		}
		v := next
		next++
		return history.Op{F: add, Value: v}, true
	})
}

// Timeout returns how long a client of w waits for a reply.
func (w *Workload) Timeout(o Options) time.Duration {
	if w.RPCTimeout != nil {
		return w.RPCTimeout(o)
	}
	return client.DefaultTimeout
}
