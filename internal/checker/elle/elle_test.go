package elle

import (
	"encoding/json"
	"math"
	"math/rand"
	"reflect"
	"strings"
	"testing"
	"time"

	"olympos.io/encoding/edn"

	"github.com/glomers/glomers/internal/checker"
	"github.com/glomers/glomers/internal/history"
)

// txnOp describes one transaction for hist: its process, completion type
// and micro-ops written as "r x 1", "w y 2", "r x _" (nil).
type txnOp struct {
	p    int
	typ  history.Type
	mops string
}

// hist builds a history in which each transaction is invoked and completes
// before the next one starts, unless overlap is set, in which case every
// invocation comes first and the completions follow in order.
func hist(overlap bool, ts ...txnOp) []history.Op {
	var invokes, completes []history.Op
	for _, t := range ts {
		var v, iv []any
		for _, m := range strings.Split(t.mops, ",") {
			f := strings.Fields(m)
			k := int64(f[1][0] - 'a' + 1)
			var x any
			if f[2] != "_" {
				x = int64(f[2][0] - '0')
			}
			v = append(v, []any{history.Keyword(f[0]), k, x})
			if f[0] == "r" {
				iv = append(iv, []any{history.Keyword(f[0]), k, nil})
			} else {
				iv = append(iv, []any{history.Keyword(f[0]), k, x})
			}
		}
		invokes = append(invokes, history.Op{Type: history.Invoke, Process: history.Process(t.p), F: "txn", Value: iv})
		completes = append(completes, history.Op{Type: t.typ, Process: history.Process(t.p), F: "txn", Value: v})
	}
	var h []history.Op
	if overlap {
		h = append(invokes, completes...)
	} else {
		for i := range invokes {
			h = append(h, invokes[i], completes[i])
		}
	}
	for i := range h {
		h[i].Index = i
		h[i].Time = int64(i) * 1e6
	}
	return h
}

var ok, fail = history.OK, history.Fail

func types(r Result) []string {
	var ts []string
	for _, t := range r.AnomalyTypes {
		ts = append(ts, string(t))
	}
	return ts
}

func TestAnomalies(t *testing.T) {
	rc := []string{"read-committed"}
	ser := []string{"serializable"}
	tests := []struct {
		name  string
		h     []history.Op
		opts  Options
		valid checker.Validity
		types []string
		not   []string
	}{
		{"serial ok", hist(false, txnOp{0, ok, "w a 1"}, txnOp{0, ok, "r a 1,w a 2"}, txnOp{1, ok, "r a 2"}),
			Options{WFRKeys: true}, checker.Valid, nil, nil},
		{"concurrent writes, no version order between them", hist(true, txnOp{0, ok, "w a 1,w b 2"}, txnOp{1, ok, "w a 2,w b 1"}, txnOp{2, ok, "r a 2,r b 2"}),
			Options{ConsistencyModels: ser, SequentialKeys: true}, checker.Valid, nil, nil},
		{"G1a", hist(false, txnOp{0, fail, "w a 1"}, txnOp{1, ok, "r a 1"}),
			Options{ConsistencyModels: rc}, checker.Invalid, []string{"G1a", "empty-transaction-graph"}, []string{"read-committed"}},
		{"G1b", hist(false, txnOp{0, ok, "w a 1,w a 2"}, txnOp{1, ok, "r a 1"}),
			Options{ConsistencyModels: rc}, checker.Invalid, []string{"G1b", "empty-transaction-graph"}, []string{"read-committed"}},
		{"G1c", hist(true, txnOp{0, ok, "w a 1,r b 1"}, txnOp{1, ok, "w b 1,r a 1"}),
			Options{ConsistencyModels: rc}, checker.Invalid, []string{"G1c"}, []string{"read-committed"}},
		{"G1c under read-uncommitted", hist(true, txnOp{0, ok, "w a 1,r b 1"}, txnOp{1, ok, "w b 1,r a 1"}),
			Options{ConsistencyModels: []string{"read-uncommitted"}}, checker.Valid, nil, nil},
		{"internal", hist(false, txnOp{0, ok, "w a 1,r a 2"}),
			Options{ConsistencyModels: ser}, checker.Invalid, []string{"empty-transaction-graph", "internal"}, []string{"read-atomic"}},
		{"nil then value is not internal in 0.2.2", hist(false, txnOp{0, ok, "r a _,r a 1"}),
			Options{ConsistencyModels: []string{}, Anomalies: []string{"internal"}}, checker.Unknown, []string{"empty-transaction-graph"}, nil},
		{"lost update", hist(true, txnOp{0, ok, "r a _,w a 1"}, txnOp{1, ok, "r a _,w a 2"}),
			Options{ConsistencyModels: []string{"cursor-stability"}}, checker.Invalid, []string{"lost-update"}, []string{"cursor-stability", "update-atomic"}},
		{"G-single-item", hist(true, txnOp{0, ok, "r a _,r b 1"}, txnOp{1, ok, "w b 1,w a 2"}),
			Options{ConsistencyModels: ser}, checker.Invalid, []string{"G-single-item"}, []string{"consistent-view", "repeatable-read"}},
		{"G-single-item allowed by read committed", hist(true, txnOp{0, ok, "r a _,r b 1"}, txnOp{1, ok, "w b 1,w a 2"}),
			Options{ConsistencyModels: rc}, checker.Valid, nil, nil},
		{"G2-item write skew", hist(true, txnOp{0, ok, "r a _,r b _,w a 1"}, txnOp{1, ok, "r a _,r b _,w b 1"}),
			Options{ConsistencyModels: ser}, checker.Invalid, []string{"G2-item"}, []string{"repeatable-read"}},
		{"read then a later write", hist(false, txnOp{0, ok, "r a _"}, txnOp{1, ok, "w a 1"}),
			Options{}, checker.Valid, nil, nil},
		{"stale read is G-single-item-realtime", hist(false, txnOp{0, ok, "w a 1"}, txnOp{1, ok, "r a _"}),
			Options{}, checker.Invalid, []string{"G-single-item-realtime"}, []string{"strong-snapshot-isolation"}},
		{"stale read is fine when serializable", hist(false, txnOp{0, ok, "w a 1"}, txnOp{1, ok, "r a _"}),
			Options{ConsistencyModels: ser}, checker.Valid, nil, nil},
		{"cyclic versions", hist(false, txnOp{0, ok, "w a 1"}, txnOp{0, ok, "w a 2"}, txnOp{0, ok, "r a 1"}),
			Options{SequentialKeys: true}, checker.Invalid, []string{"cyclic-versions"}, []string{"read-uncommitted"}},
		{"G-single-item-process", hist(false, txnOp{0, ok, "w a 1"}, txnOp{0, ok, "r a _"}),
			Options{ConsistencyModels: []string{"strong-session-snapshot-isolation"}}, checker.Invalid,
			[]string{"G-single-item-process"}, []string{"strong-session-snapshot-isolation"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := Check(tt.h, tt.opts)
			if r.Error != "" {
				t.Fatalf("error: %s", r.Error)
			}
			if r.Valid != tt.valid || !reflect.DeepEqual(types(r), tt.types) {
				t.Errorf("got %v %v, want %v %v\n%s", r.Valid, types(r), tt.valid, tt.types, mustJSON(r))
			}
			if tt.not != nil {
				var not []string
				for _, m := range r.Not {
					not = append(not, string(m))
				}
				if !reflect.DeepEqual(not, tt.not) {
					t.Errorf("not = %v, want %v", not, tt.not)
				}
			}
		})
	}
}

func TestG0Cycle(t *testing.T) {
	h := hist(false, txnOp{0, ok, "w a 1,w b 2"}, txnOp{1, ok, "w a 2,w b 1"}, txnOp{0, ok, "r a 2"}, txnOp{1, ok, "r b 2"})
	r := Check(h, Options{ConsistencyModels: []string{"read-uncommitted"}, SequentialKeys: true})
	cs, _ := r.Anomalies["G0"].([]CycleCase)
	if r.Valid != checker.Invalid || len(cs) != 1 {
		t.Fatalf("got %s", mustJSON(r))
	}
	var idx []int
	for _, op := range cs[0].Cycle {
		idx = append(idx, op.Index)
	}
	if !reflect.DeepEqual(idx, []int{1, 3, 1}) {
		t.Errorf("cycle %v, want [1 3 1]", idx)
	}
}

func TestErrors(t *testing.T) {
	dup := hist(false, txnOp{0, ok, "w a 1"}, txnOp{1, ok, "w a 1"}, txnOp{0, ok, "r a 1"})
	for name, r := range map[string]Result{
		"duplicate writes": Check(dup, Options{}),
		"unknown model":    Check(nil, Options{ConsistencyModels: []string{"bogus"}}),
		"bad micro-op":     Check([]history.Op{{Type: history.OK, Value: []any{[]any{"x", 1, 2}}}}, Options{}),
	} {
		if r.Valid != checker.Unknown || r.Error == "" {
			t.Errorf("%s: got %s", name, mustJSON(r))
		}
	}
}

func TestCheckMaelstrom(t *testing.T) {
	clean := hist(false, txnOp{0, ok, "w a 1"}, txnOp{1, ok, "r a 1,w a 2"})
	r := CheckMaelstrom(clean, nil)
	if got := mustJSON(r); got != `{"valid":true,"anomaly-types":[],"anomalies":null}` {
		t.Errorf("clean JSON = %s", got)
	}
	if b, _ := edn.Marshal(r); !strings.Contains(string(b), ":anomaly-types()") && !strings.Contains(string(b), ":anomaly-types ()") {
		t.Errorf("clean EDN = %s", b)
	}
	// Only invocations: :empty-transaction-graph, unknown in Elle, false here.
	r = CheckMaelstrom(hist(true, txnOp{0, ok, "w a 1"})[:1], []string{"serializable"})
	if r.Valid != checker.Invalid || !reflect.DeepEqual(types(r), []string{"empty-transaction-graph"}) {
		t.Errorf("empty graph: %s", mustJSON(r))
	}
	// Writes follow reads: T1 reads b=1 and writes b=2; T2 read a from T1
	// and b=1, which T1 overwrote.
	wfr := hist(false, txnOp{0, ok, "w b 1"}, txnOp{0, ok, "r b 1,w a 1,w b 2"}, txnOp{1, ok, "r a 1,r b 1"})
	if r := CheckMaelstrom(wfr, []string{"serializable"}); r.Valid != checker.Invalid {
		t.Errorf("wfr: %s", mustJSON(r))
	}
}

func TestTimeout(t *testing.T) {
	h := denseCycles(40)
	start := time.Now()
	r := Check(h, Options{ConsistencyModels: []string{"serializable"}, CycleSearchTimeout: time.Nanosecond})
	if time.Since(start) > 10*time.Second {
		t.Errorf("took %v", time.Since(start))
	}
	cs, _ := r.Anomalies["cycle-search-timeout"].([]TimeoutCase)
	if len(cs) == 0 {
		t.Fatalf("no timeout reported: %v", types(r))
	}
	if r.Valid != checker.Invalid {
		t.Errorf("valid = %v; the fallback cycle is prohibited", r.Valid)
	}
	m := CheckMaelstrom(h, []string{"serializable"})
	if _, ok := m.Anomalies["cycle-search-timeout"]; ok {
		t.Errorf("maelstrom kept the timeout")
	}
}

// denseCycles builds n concurrent txns, each reading every key before
// writing its own: lots of rw edges and a large SCC.
func denseCycles(n int) []history.Op {
	var h []history.Op
	for i := 0; i < n; i++ {
		var v []any
		for k := 0; k < n; k++ {
			v = append(v, []any{history.Keyword("r"), int64(k), nil})
		}
		v = append(v, []any{history.Keyword("w"), int64(i), int64(1)})
		h = append(h, history.Op{Type: history.Invoke, Process: history.Process(i), F: "txn", Value: v})
	}
	for i := 0; i < n; i++ {
		c := h[i]
		c.Type = history.OK
		h = append(h, c)
	}
	for i := range h {
		h[i].Index = i
	}
	return h
}

func TestEncoding(t *testing.T) {
	h := hist(true, txnOp{0, ok, "w a 1,r b 1"}, txnOp{1, ok, "w b 1,r a 1"})
	r := Check(h, Options{ConsistencyModels: []string{"read-committed"}})
	var m map[string]any
	if err := json.Unmarshal([]byte(mustJSON(r)), &m); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"valid", "anomaly-types", "anomalies", "not", "also-not"} {
		if _, ok := m[k]; !ok {
			t.Errorf("JSON lacks %q", k)
		}
	}
	b, err := edn.Marshal(r)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range []string{":valid? false", ":G1c", ":not #{:read-committed}", ":steps", ":a-mop-index"} {
		if !strings.Contains(strings.ReplaceAll(string(b), "#{", " #{"), strings.ReplaceAll(s, " ", "")) &&
			!strings.Contains(string(b), s) {
			t.Errorf("EDN %s lacks %s", b, s)
		}
	}
}

func TestKnownModels(t *testing.T) {
	ms := KnownModels()
	has := map[string]bool{}
	for _, m := range ms {
		has[m] = true
	}
	for _, m := range []string{"strict-serializable", "serializable", "read-committed", "snapshot-isolation", "PL-SS"} {
		if !has[m] {
			t.Errorf("KnownModels lacks %s", m)
		}
	}
}

// serialHistory generates n transactions run one at a time by 5 processes:
// 1-4 micro-ops, 10 active keys chosen with an exponential distribution,
// per-key increasing write values (at most 16 per key), reads returning
// the current value. It is strict serializable.
func serialHistory(n int, seed int64) []history.Op {
	rng := rand.New(rand.NewSource(seed))
	active := make([]int64, 10)
	for i := range active {
		active[i] = int64(i)
	}
	state := map[int64]int64{} // last value written
	next := map[int64]int64{}  // next value to write
	scale := (math.Pow(2, 10) - 1) * 2
	var h []history.Op
	for i := 0; i < n; i++ {
		var inv, done []any
		for l := 1 + rng.Intn(4); l > 0; {
			ki := int(math.Floor(math.Log(rng.Float64()*scale+2)/math.Log(2) - 1))
			k := active[min(ki, len(active)-1)]
			if rng.Intn(2) == 0 {
				var v any
				if x, ok := state[k]; ok {
					v = x
				}
				inv = append(inv, []any{history.Keyword("r"), k, nil})
				done = append(done, []any{history.Keyword("r"), k, v})
			} else {
				v := next[k] + 1
				if v > 16 {
					active[ki] = slicesMax(active) + 1
					continue
				}
				next[k], state[k] = v, v
				inv = append(inv, []any{history.Keyword("w"), k, v})
				done = append(done, []any{history.Keyword("w"), k, v})
			}
			l--
		}
		p := history.Process(i % 5)
		h = append(h, history.Op{Index: len(h), Time: int64(len(h)), Type: history.Invoke, Process: p, F: "txn", Value: inv})
		h = append(h, history.Op{Index: len(h), Time: int64(len(h)), Type: history.OK, Process: p, F: "txn", Value: done})
	}
	return h
}

func slicesMax(xs []int64) int64 {
	m := xs[0]
	for _, x := range xs {
		m = max(m, x)
	}
	return m
}

func TestSerialHistoryValid(t *testing.T) {
	r := CheckMaelstrom(serialHistory(2000, 1), nil)
	if r.Valid != checker.Valid {
		t.Errorf("got %s", mustJSON(r)[:min(2000, len(mustJSON(r)))])
	}
}

func BenchmarkCheckMaelstrom20k(b *testing.B) {
	h := serialHistory(20000, 1)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if r := CheckMaelstrom(h, nil); r.Valid != checker.Valid {
			b.Fatalf("invalid: %v", r.AnomalyTypes)
		}
	}
}

// TestOpaqueValues: Maelstrom's txn_ok schema allows values of any type and
// Elle compares them as data, so a node that reads {} is judged, not
// refused, and equal data are the same version.
func TestOpaqueValues(t *testing.T) {
	w := func(k, v any) []any { return []any{history.Keyword("w"), k, v} }
	r := func(k, v any) []any { return []any{history.Keyword("r"), k, v} }
	h := []history.Op{
		{Type: history.Invoke, Process: 0, F: "txn", Value: []any{w(int64(1), int64(1))}},
		{Type: history.OK, Process: 0, F: "txn", Value: []any{w(int64(1), int64(1))}},
		{Type: history.Invoke, Process: 1, F: "txn", Value: []any{r(int64(1), nil)}},
		{Type: history.OK, Process: 1, F: "txn", Value: []any{r(int64(1), map[string]any{})}},
		{Type: history.Invoke, Process: 0, F: "txn", Value: []any{w(map[string]any{"b": 1.5, "a": true}, []any{"x"})}},
		{Type: history.OK, Process: 0, F: "txn", Value: []any{w(map[string]any{"b": 1.5, "a": true}, []any{"x"})}},
		{Type: history.Invoke, Process: 1, F: "txn", Value: []any{r(map[string]any{"a": true, "b": 1.5}, nil)}},
		{Type: history.OK, Process: 1, F: "txn", Value: []any{r(map[string]any{"a": true, "b": 1.5}, []any{"x"})}},
	}
	for i := range h {
		h[i].Index, h[i].Time = i, int64(i)*1e6
	}
	res := CheckMaelstrom(h, []string{"read-uncommitted"})
	if res.Valid != checker.Valid {
		t.Fatalf("{} values under read-uncommitted: %s", mustJSON(res))
	}
	txns, err := parseHistory(h)
	if err != nil {
		t.Fatal(err)
	}
	if got := txns[7].reads[0].key; got != txns[5].writes[0].key || got != Opaque(`{"a":true,"b":1.5}`) {
		t.Errorf("equal object keys parsed as %v and %v", got, txns[5].writes[0].key)
	}
	if b, err := edn.Marshal(Opaque(`{"a":[1]}`)); err != nil || string(b) != `{"a"[1]}` {
		t.Errorf("EDN of an opaque value = %s, %v", b, err)
	}
}
