package kafka

import (
	"encoding/json"
	"maps"
	"math/rand"
	"slices"
	"strconv"
	"strings"
	"testing"

	"olympos.io/encoding/edn"

	"github.com/glomers/glomers/internal/checker"
	"github.com/glomers/glomers/internal/history"
)

// builder writes histories tersely. Each call appends an invocation and
// its completion at consecutive times.
type builder struct{ h []history.Op }

func (b *builder) op(p int, t history.Type, f string, v any) {
	b.h = append(b.h, history.Op{Index: len(b.h), Time: int64(len(b.h)) * 1e6,
		Type: t, Process: history.Process(p), F: history.Keyword(f), Value: v})
}

// send sends msg to k; an :ok completion reports offset off.
func (b *builder) send(p int, t history.Type, k string, off, msg int64) {
	b.op(p, history.Invoke, "send", []any{[]any{"send", k, msg}})
	if t == history.OK {
		b.op(p, t, "send", []any{[]any{"send", k, []any{off, msg}}})
	} else {
		b.op(p, t, "send", []any{[]any{"send", k, msg}})
	}
}

// poll polls; an :ok completion returns read, a map of key to
// [offset msg] pairs.
func (b *builder) poll(p int, t history.Type, read map[string][][2]int64) {
	b.op(p, history.Invoke, "poll", []any{[]any{"poll"}})
	if t != history.OK {
		b.op(p, t, "poll", []any{[]any{"poll"}})
		return
	}
	m := map[string]any{}
	for k, ps := range read {
		l := []any{}
		for _, pr := range ps {
			l = append(l, []any{pr[0], pr[1]})
		}
		m[k] = l
	}
	b.op(p, t, "poll", []any{[]any{"poll", m}})
}

// txn runs one op with several micro-ops; invoke and completion values are
// given as is.
func (b *builder) txn(p int, t history.Type, f string, inv, done []any) {
	b.op(p, history.Invoke, f, inv)
	b.op(p, t, f, done)
}

type pr = [][2]int64

func TestAnomalies(t *testing.T) {
	cases := []struct {
		name  string
		opts  Options
		build func(b *builder)
		want  []string // error types that must be present
		valid checker.Validity
	}{
		{"valid", Options{}, func(b *builder) {
			b.send(0, history.OK, "x", 0, 1)
			b.send(1, history.OK, "x", 1, 2)
			b.poll(2, history.OK, map[string]pr{"x": {{0, 1}}})
			b.poll(2, history.OK, map[string]pr{"x": {{1, 2}}})
		}, nil, checker.Valid},
		{"duplicate", Options{}, func(b *builder) {
			b.send(0, history.OK, "x", 0, 1)
			b.send(0, history.Info, "x", 0, 1)
			b.poll(1, history.OK, map[string]pr{"x": {{0, 1}, {1, 1}}})
		}, []string{TypeDuplicate}, checker.Invalid},
		{"inconsistent-offsets", Options{}, func(b *builder) {
			b.send(0, history.OK, "x", 0, 1)
			b.send(1, history.OK, "x", 0, 2)
			b.poll(2, history.OK, map[string]pr{"x": {{0, 1}}})
		}, []string{TypeInconsistentOffsets}, checker.Invalid},
		{"lost-write", Options{}, func(b *builder) {
			b.send(0, history.OK, "x", 0, 1)
			b.send(0, history.OK, "x", 1, 2)
			b.poll(1, history.OK, map[string]pr{"x": {{1, 2}}})
		}, []string{TypeLostWrite, TypeUnseen}, checker.Invalid},
		{"poll-skip", Options{}, func(b *builder) {
			b.send(0, history.OK, "x", 0, 1)
			b.send(0, history.OK, "x", 1, 2)
			b.send(0, history.OK, "x", 2, 3)
			b.poll(1, history.OK, map[string]pr{"x": {{0, 1}}})
			b.poll(1, history.OK, map[string]pr{"x": {{2, 3}}})
			b.poll(2, history.OK, map[string]pr{"x": {{0, 1}, {1, 2}, {2, 3}}})
		}, []string{TypePollSkip}, checker.Invalid},
		{"poll-skip allowed with subscribe", Options{Subscribe: true}, func(b *builder) {
			b.send(0, history.OK, "x", 0, 1)
			b.send(0, history.OK, "x", 1, 2)
			b.send(0, history.OK, "x", 2, 3)
			b.poll(1, history.OK, map[string]pr{"x": {{0, 1}}})
			b.poll(1, history.OK, map[string]pr{"x": {{2, 3}}})
			b.poll(2, history.OK, map[string]pr{"x": {{0, 1}, {1, 2}, {2, 3}}})
		}, []string{TypePollSkip}, checker.Valid},
		{"nonmonotonic-poll", Options{}, func(b *builder) {
			b.send(0, history.OK, "x", 0, 1)
			b.send(0, history.OK, "x", 1, 2)
			b.poll(1, history.OK, map[string]pr{"x": {{0, 1}, {1, 2}}})
			b.poll(1, history.OK, map[string]pr{"x": {{1, 2}}})
		}, []string{TypeNonmonotonicPoll}, checker.Invalid},
		{"nonmonotonic-send", Options{}, func(b *builder) {
			b.send(0, history.OK, "x", 1, 1)
			b.send(0, history.OK, "x", 0, 2)
			b.poll(1, history.OK, map[string]pr{"x": {{0, 2}, {1, 1}}})
		}, []string{TypeNonmonotonicSend}, checker.Invalid},
		{"int-poll-skip", Options{}, func(b *builder) {
			b.send(0, history.OK, "x", 0, 1)
			b.send(0, history.OK, "x", 1, 2)
			b.send(0, history.OK, "x", 2, 3)
			b.poll(1, history.OK, map[string]pr{"x": {{0, 1}, {2, 3}}})
			b.poll(2, history.OK, map[string]pr{"x": {{1, 2}}})
		}, []string{TypeIntPollSkip}, checker.Invalid},
		{"int-nonmonotonic-poll", Options{}, func(b *builder) {
			b.send(0, history.OK, "x", 0, 1)
			b.send(0, history.OK, "x", 1, 2)
			b.poll(1, history.OK, map[string]pr{"x": {{1, 2}, {0, 1}}})
		}, []string{TypeIntNonmonotonicPoll}, checker.Invalid},
		{"int-send-skip is allowed", Options{}, func(b *builder) {
			b.txn(0, history.OK, "send",
				[]any{[]any{"send", "x", 1}, []any{"send", "x", 3}},
				[]any{[]any{"send", "x", []any{0, 1}}, []any{"send", "x", []any{2, 3}}})
			b.send(1, history.OK, "x", 1, 2)
			b.poll(2, history.OK, map[string]pr{"x": {{0, 1}, {1, 2}, {2, 3}}})
		}, []string{TypeIntSendSkip}, checker.Valid},
		{"int-nonmonotonic-send", Options{}, func(b *builder) {
			b.txn(0, history.OK, "send",
				[]any{[]any{"send", "x", 3}, []any{"send", "x", 1}},
				[]any{[]any{"send", "x", []any{1, 3}}, []any{"send", "x", []any{0, 1}}})
			b.poll(2, history.OK, map[string]pr{"x": {{0, 1}, {1, 3}}})
		}, []string{TypeIntNonmonotonicSend}, checker.Invalid},
		{"precommitted-read", Options{}, func(b *builder) {
			b.send(1, history.OK, "y", 0, 5)
			b.txn(0, history.OK, "txn",
				[]any{[]any{"send", "x", 1}, []any{"poll"}},
				[]any{[]any{"send", "x", []any{0, 1}}, []any{"poll", map[string]any{"x": []any{[]any{0, 1}}, "y": []any{[]any{0, 5}}}}})
		}, []string{TypePrecommittedRead}, checker.Invalid},
		{"G1a", Options{}, func(b *builder) {
			b.send(0, history.Fail, "x", 0, 1)
			b.poll(1, history.OK, map[string]pr{"x": {{0, 1}}})
		}, []string{TypeG1a}, checker.Invalid},
		{"G1c-realtime (future read)", Options{}, func(b *builder) {
			b.poll(1, history.OK, map[string]pr{"x": {{0, 1}}})
			b.send(0, history.OK, "x", 0, 1)
		}, []string{"G1c-realtime"}, checker.Invalid},
		{"G1c (wr cycle in txns)", Options{}, func(b *builder) {
			b.op(0, history.Invoke, "txn", []any{[]any{"send", "x", 1}, []any{"poll"}})
			b.op(1, history.Invoke, "txn", []any{[]any{"send", "y", 2}, []any{"poll"}})
			b.op(0, history.OK, "txn", []any{[]any{"send", "x", []any{0, 1}}, []any{"poll", map[string]any{"y": []any{[]any{0, 2}}}}})
			b.op(1, history.OK, "txn", []any{[]any{"send", "y", []any{0, 2}}, []any{"poll", map[string]any{"x": []any{[]any{0, 1}}}}})
		}, []string{"G1c"}, checker.Invalid},
		{"G0 with ww-deps is allowed", Options{WWDeps: true}, func(b *builder) {
			b.op(0, history.Invoke, "send", []any{[]any{"send", "x", 1}, []any{"send", "y", 1}})
			b.op(1, history.Invoke, "send", []any{[]any{"send", "x", 2}, []any{"send", "y", 2}})
			b.op(0, history.OK, "send", []any{[]any{"send", "x", []any{0, 1}}, []any{"send", "y", []any{1, 1}}})
			b.op(1, history.OK, "send", []any{[]any{"send", "x", []any{1, 2}}, []any{"send", "y", []any{0, 2}}})
			b.poll(2, history.OK, map[string]pr{"x": {{0, 1}, {1, 2}}, "y": {{0, 2}, {1, 1}}})
		}, []string{"G0"}, checker.Valid},
		{"unseen", Options{}, func(b *builder) {
			b.send(0, history.OK, "x", 0, 1)
			b.send(0, history.OK, "x", 1, 2)
			b.poll(1, history.OK, map[string]pr{"x": {{0, 1}}})
		}, []string{TypeUnseen}, checker.Invalid},
		{"no writer", Options{}, func(b *builder) {
			b.send(0, history.OK, "x", 0, 1)
			b.poll(1, history.OK, map[string]pr{"x": {{0, 1}, {1, 9}}})
		}, []string{TypeNoWriter}, checker.Invalid},
		{"no writer of a message that is not an integer", Options{}, func(b *builder) {
			// Maelstrom's poll_ok schema accepts any message; no send wrote
			// this one, as Elle's wr graph finds (no-writer-of-value).
			b.send(0, history.OK, "x", 0, 1)
			b.op(1, history.Invoke, "poll", []any{[]any{"poll"}})
			b.op(1, history.OK, "poll", []any{[]any{"poll", map[string]any{"x": []any{[]any{0, 1}, []any{1, map[string]any{}}}}}})
		}, []string{TypeNoWriter}, checker.Invalid},
		{"empty transaction graph", Options{}, func(b *builder) {
			b.op(0, history.Invoke, "assign", []any{"x"})
			b.op(0, history.OK, "assign", []any{"x"})
		}, []string{TypeEmptyTransactionGraph}, checker.Invalid},
		{"key only polled empty is a warning", Options{}, func(b *builder) {
			b.send(0, history.OK, "x", 0, 1)
			b.poll(1, history.OK, map[string]pr{"x": {{0, 1}}, "y": {}})
		}, nil, checker.Valid},
		{"crashes and info polls are fine", Options{}, func(b *builder) {
			b.send(0, history.OK, "x", 5_000_000, 1)
			b.op(0, history.Invoke, "crash", nil)
			b.op(0, history.Info, "crash", nil)
			b.send(1, history.Info, "x", 0, 2)
			b.poll(2, history.Info, nil)
			b.op(3, history.Invoke, "assign", []any{"x"})
			b.op(3, history.OK, "assign", []any{"x"})
			b.poll(3, history.OK, map[string]pr{"x": {{5_000_000, 1}}})
		}, nil, checker.Valid},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var b builder
			c.build(&b)
			r := Check(b.h, c.opts)
			for _, w := range c.want {
				if !slices.Contains(r.ErrorTypes, history.Keyword(w)) {
					t.Errorf("want error type %s, got %v", w, r.ErrorTypes)
				}
			}
			if c.want == nil && len(r.ErrorTypes) != 0 {
				t.Errorf("want no errors, got %s", js(r))
			}
			if r.Valid != c.valid {
				t.Errorf("valid = %v, want %v: %s", r.Valid, c.valid, js(r))
			}
			if _, err := edn.Marshal(r); err != nil {
				t.Errorf("EDN: %v", err)
			}
			if _, err := json.Marshal(r); err != nil {
				t.Errorf("JSON: %v", err)
			}
		})
	}
}

func TestWarningForEmptyPolledKey(t *testing.T) {
	var b builder
	b.send(0, history.OK, "x", 0, 1)
	b.poll(1, history.OK, map[string]pr{"x": {{0, 1}}, "y": {}})
	r := Check(b.h, Options{})
	if len(r.Warnings) != 1 || !strings.Contains(r.Warnings[0], `"y"`) {
		t.Fatalf("warnings = %q", r.Warnings)
	}
}

func TestResultShape(t *testing.T) {
	var b builder
	b.send(0, history.OK, "x", 0, 1)
	b.send(0, history.OK, "x", 1, 2)
	b.op(1, history.Invoke, "send", []any{[]any{"send", "x", 3}})
	b.h = append(b.h, history.Op{Index: len(b.h), Time: 9e9, Type: history.Info, Process: 1,
		F: "send", Value: []any{[]any{"send", "x", 3}}, Error: history.Keyword("net-timeout")})
	b.poll(2, history.OK, map[string]pr{"x": {{1, 2}}})
	r := Check(b.h, Options{})
	out, err := edn.Marshal(r)
	if err != nil {
		t.Fatal(err)
	}
	s := string(out)
	for _, want := range []string{":valid? false", ":lost-write{:count 1", ":bad-error-types[:lost-write :unseen]",
		":info-txn-causes[:net-timeout]", ":unseen{:time", ":worst-realtime-lag{:time"} {
		if !strings.Contains(s, want) {
			t.Errorf("EDN lacks %q:\n%s", want, s)
		}
	}
}

func TestCondense(t *testing.T) {
	var skips []PollSkip
	for d := 2; d < 20; d++ {
		skips = append(skips, PollSkip{Delta: d})
	}
	s := condense(skips, false)
	got := s.Errs.([]PollSkip)
	if s.Count != 18 || len(got) != 8 || got[0].Delta != 12 || got[7].Delta != 19 {
		t.Errorf("poll-skip condensed to %d %+v", s.Count, got)
	}
	var nm []Nonmonotonic
	for d := 0; d > -20; d-- {
		nm = append(nm, Nonmonotonic{Delta: d})
	}
	got2 := condense(nm, false).Errs.([]Nonmonotonic)
	if len(got2) != 8 || got2[0].Delta != -19 {
		t.Errorf("nonmonotonic condensed to %+v", got2)
	}
	if all := condense(nm, true).Errs.([]Nonmonotonic); len(all) != 20 {
		t.Errorf("all-errors kept %d", len(all))
	}
}

func TestRealtimeLag(t *testing.T) {
	var b builder
	b.send(0, history.OK, "x", 0, 1) // time 1ms: offset 0 exists
	b.send(0, history.OK, "x", 1, 2) // time 3ms: offset 1 exists
	b.poll(1, history.OK, map[string]pr{"x": {{0, 1}}})
	b.poll(1, history.OK, map[string]pr{"x": {{1, 2}}})
	an := Analyze(b.h, Options{})
	// The first poll is invoked at 4ms and saw offset 0; offset 1 existed
	// from 3ms on, so it lagged 1ms.
	if l := an.WorstRealtimeLag; !l.Found || l.Lag != 1e6 || l.Key != "x" || l.Process != 1 || l.Time != 4e6 {
		t.Errorf("worst lag = %+v", l)
	}
}

// sparseHistory generates a valid history of n ops: sends to rotating keys
// at sparse offsets in the millions, and per-process polls that read each
// key's log in order, then a final poll of everything.
func sparseHistory(n int, seed int64) []history.Op {
	rng := rand.New(rand.NewSource(seed))
	var b builder
	type entry struct{ off, msg int64 }
	logs := map[string][]entry{}
	next := map[string]int64{}
	var keys []string
	pos := map[int]map[string]int{} // process -> key -> next index to read
	key := func() string {
		if len(keys) == 0 || rng.Intn(16) == 0 {
			k := strconv.Itoa(len(keys))
			keys = append(keys, k)
			next[k] = 1_000_000 + rng.Int63n(1_000_000)
		}
		return keys[len(keys)-1-min(len(keys)-1, rng.Intn(4))]
	}
	for len(b.h) < n-2 {
		p := rng.Intn(10)
		k := key()
		if rng.Intn(2) == 0 {
			off := next[k]
			next[k] += 1 + rng.Int63n(100_000)
			msg := int64(len(logs[k]) + 1)
			logs[k] = append(logs[k], entry{off, msg})
			b.send(p, history.OK, k, off, msg)
			continue
		}
		if pos[p] == nil {
			pos[p] = map[string]int{}
		}
		i := pos[p][k]
		j := min(len(logs[k]), i+1+rng.Intn(5))
		var ps pr
		for _, e := range logs[k][i:j] {
			ps = append(ps, [2]int64{e.off, e.msg})
		}
		pos[p][k] = j
		b.poll(p, history.OK, map[string]pr{k: ps})
	}
	all := map[string]pr{}
	for k, l := range logs {
		for _, e := range l {
			all[k] = append(all[k], [2]int64{e.off, e.msg})
		}
	}
	b.poll(99, history.OK, all)
	return b.h
}

func TestLargeSparseHistoryIsValid(t *testing.T) {
	h := sparseHistory(40_000, 1)
	r := Check(h, Options{})
	if r.Valid != checker.Valid {
		t.Fatalf("generated history is invalid: %v %v", r.ErrorTypes, r.Warnings)
	}
}

func BenchmarkCheck40k(b *testing.B) {
	h := sparseHistory(40_000, 1)
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		if r := Check(h, Options{}); r.Valid != checker.Valid {
			b.Fatal(r.ErrorTypes)
		}
	}
}

func TestLargeHistoryWithFutureRead(t *testing.T) {
	h := sparseHistory(40_000, 2)
	var first [2]int64
	for _, op := range h {
		if op.Type == history.OK && op.F == "send" {
			p := list(list(op.Value)[0])
			off := list(p[2])
			first = [2]int64{off[0].(int64), off[1].(int64)}
			break
		}
	}
	var b builder
	b.poll(200, history.OK, map[string]pr{"0": {first}})
	for _, op := range h {
		op.Index += len(b.h)
		b.h = append(b.h, op)
	}
	an := Analyze(b.h, Options{})
	cs, _ := an.Errors["G1c-realtime"].([]Cycle)
	if len(cs) == 0 {
		t.Fatalf("no G1c-realtime; errors: %v", slices.Sorted(maps.Keys(an.Errors)))
	}
	if cs[0].Steps[0].Type != "wr" && cs[0].Steps[len(cs[0].Steps)-1].Type != "wr" {
		t.Errorf("cycle has no wr step: %s", js(cs[0].Steps))
	}
}
