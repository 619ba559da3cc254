package elle

import (
	"math"
	"math/rand"
	"reflect"
	"sort"
	"strings"
	"testing"

	"olympos.io/encoding/edn"

	"github.com/glomers/glomers/internal/checker"
	"github.com/glomers/glomers/internal/history"
)

// laTxn parses the shorthand of Elle's list-append tests: micro-ops
// separated by spaces, "ax1" appends 1 to x, "rx12" reads x = [1 2], "rx"
// reads nil and "rx-" reads []. Keys x, y, z are 10, 20, 30.
func laTxn(s string) []any {
	var mops []any
	for _, m := range strings.Fields(s) {
		k := int64(m[1]-'x'+1) * 10
		switch {
		case m[0] == 'a':
			mops = append(mops, []any{history.Keyword("append"), k, int64(m[2] - '0')})
		case len(m) == 2:
			mops = append(mops, []any{history.Keyword("r"), k, nil})
		case m[2:] == "-":
			mops = append(mops, []any{history.Keyword("r"), k, []any{}})
		default:
			l := []any{}
			for _, c := range m[2:] {
				l = append(l, int64(c-'0'))
			}
			mops = append(mops, []any{history.Keyword("r"), k, l})
		}
	}
	return mops
}

// invocationOf returns a txn's request: its reads set to nil.
func invocationOf(v []any) []any {
	out := make([]any, len(v))
	for i, m := range v {
		t := m.([]any)
		if t[0] == history.Keyword("r") {
			out[i] = []any{t[0], t[1], nil}
		} else {
			out[i] = t
		}
	}
	return out
}

// laHist runs txns one after another, each on its own process, with an
// invocation before each completion. A txn prefixed "fail:" or "info:"
// completes with that type.
func laHist(txns ...string) []history.Op {
	var h []history.Op
	for p, s := range txns {
		typ := history.OK
		if i := strings.Index(s, ":"); i >= 0 {
			typ, s = history.Type(s[:i]), s[i+1:]
		}
		v := laTxn(s)
		inv := invocationOf(v)
		if typ != history.OK {
			v = inv
		}
		h = append(h,
			history.Op{Type: history.Invoke, Process: history.Process(p), F: "txn", Value: inv},
			history.Op{Type: typ, Process: history.Process(p), F: "txn", Value: v})
	}
	for i := range h {
		h[i].Index, h[i].Time = i, int64(i)*1e6
	}
	return h
}

// laEdges returns the ww, wr and rw edges between completions, as
// "a->b:rels" with a and b the txn numbers (0, 1, ...), sorted.
func laEdges(t *testing.T, h []history.Op) []string {
	txns, err := parseAppends(h)
	if err != nil {
		t.Fatal(err)
	}
	var possible []int
	for i := range txns {
		if txns[i].is(history.OK) || txns[i].is(history.Info) {
			possible = append(possible, i)
		}
	}
	g := newListGraph(txns, possible, appendOrders(sortedValues(txns, possible))).graph()
	var out []string
	for _, a := range g.Vertices() {
		for _, b := range g.Succ(a) {
			var rels []string
			for _, r := range g.Edge(a, b).Names() {
				rels = append(rels, string(r.(history.Keyword)))
			}
			out = append(out, strings.Join([]string{itoa(txns[a].op.Index / 2), "->", itoa(txns[b].op.Index / 2), ":", strings.Join(rels, ",")}, ""))
		}
	}
	sort.Strings(out)
	return out
}

func itoa(i int) string { return string(rune('0' + i)) }

// TestListAppendGraph checks the dependency graphs of Elle's graph tests
// (spec §6), ww, wr and rw together.
func TestListAppendGraph(t *testing.T) {
	tests := []struct {
		name string
		txns []string
		want []string
	}{
		{"empty", nil, nil},
		{"one append", []string{"ax1"}, nil},
		{"one read", []string{"rx"}, nil},
		{"append, append, read", []string{"ax1", "ax2", "rx12"}, []string{"0->1:ww", "1->2:wr"}},
		{"append, read, append, read", []string{"ax1", "rx1", "ax2", "rx12"},
			[]string{"0->1:wr", "0->2:ww", "1->2:rw", "2->3:wr"}},
		{"append, read", []string{"ax1", "rx1"}, []string{"0->1:wr"}},
		{"read nil, append, read", []string{"rx", "ax1", "rx1"}, []string{"0->1:rw", "1->2:wr"}},
		{"appends out of order", []string{"ax2", "ax1", "rx12"}, []string{"0->2:wr", "1->0:ww"}},
		{"Adya figure 3", []string{"az1 ax1 ay1", "rx1 ay2", "ry12 az3", "rz13"},
			[]string{"0->1:ww,wr", "0->2:ww", "1->2:wr", "2->3:wr"}},
		{"ww cycle", []string{"ax1 ay1", "ax2 ay2", "rx12 ry21"},
			[]string{"0->1:ww", "0->2:wr", "1->0:ww", "1->2:wr"}},
		{"wr and ww cycle", []string{"ax1 ry1", "ax2 ay1", "rx12"},
			[]string{"0->1:ww", "1->0:wr", "1->2:wr"}},
		{"rw and wr", []string{"rx ay1", "ry ax1", "rx1 ry1"},
			[]string{"0->1:rw", "0->2:wr", "1->0:rw", "1->2:wr"}},
		{"info writer, its nil read ignored", []string{"info:ax2 ry", "ax1 ay1", "rx12 ry1"},
			[]string{"0->2:wr", "1->0:ww", "1->2:wr"}},
		{"one unread append", []string{"rx", "ax1"}, []string{"0->1:rw"}},
		{"two unread appends", []string{"rx", "ax1", "ax2"}, []string{"0->1:rw", "0->2:rw"}},
		{"failed writer is not in the graph", []string{"fail:ax1", "rx1"}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := laEdges(t, laHist(tt.txns...)); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("edges %v, want %v", got, tt.want)
			}
		})
	}
}

func TestCheckListAppend(t *testing.T) {
	ser := []string{"serializable"}
	tests := []struct {
		name  string
		txns  []string
		opts  Options
		valid checker.Validity
		types []string
	}{
		{"serial appends and reads", []string{"rx", "ax1 ay1", "rx1 ry1", "ax2", "rx12 ry1 ay2", "ry12"},
			Options{}, checker.Valid, nil},
		{"one txn: empty graph", []string{"ax1"}, Options{ConsistencyModels: ser}, checker.Unknown,
			[]string{"empty-transaction-graph"}},
		{"two reads disagree on the order", []string{"ax1", "ax2", "rx12", "rx21"}, Options{ConsistencyModels: ser},
			checker.Invalid, []string{"incompatible-order"}},
		{"duplicated element", []string{"ax1", "ax2", "rx121"}, Options{ConsistencyModels: ser},
			checker.Invalid, []string{"duplicate-elements"}},
		{"lost update", []string{"ax0", "rx0 ax1", "rx0 ax2", "rx012"}, Options{},
			checker.Invalid, []string{"G-single-item", "lost-update"}},
		{"dirty update", []string{"fail:ax1", "ax2", "rx12"}, Options{ConsistencyModels: []string{}, Anomalies: []string{"dirty-update"}},
			checker.Invalid, []string{"dirty-update"}},
		{"future read", []string{"rx1 ax1"}, Options{ConsistencyModels: ser},
			checker.Invalid, []string{"empty-transaction-graph", "future-read"}},
		// Both reads also make a G-single-item: the first read precedes
		// the append (rw), the second follows it (wr).
		{"read [] then [1] is internal", []string{"rx- rx1", "ax1"}, Options{ConsistencyModels: ser},
			checker.Invalid, []string{"G-single-item", "internal"}},
		{"read nil then [1] is not internal", []string{"rx rx1", "ax1"}, Options{ConsistencyModels: ser},
			checker.Invalid, []string{"G-single-item"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := CheckListAppend(laHist(tt.txns...), tt.opts)
			if r.Valid != tt.valid || !reflect.DeepEqual(types(r), tt.types) {
				t.Errorf("got %s %v, want %s %v\n%s", r.Valid, types(r), tt.valid, tt.types, mustJSON(r))
			}
		})
	}
}

// A read of an element nobody appended stops Elle 0.2.2 with an assertion;
// the result is unknown, and the error says which key, element and op.
func TestListAppendNoWriter(t *testing.T) {
	r := CheckListAppend(laHist("ax1", "rx17"), Options{})
	if r.Valid != checker.Unknown {
		t.Fatalf("valid %s, want unknown", r.Valid)
	}
	for _, w := range []string{"no transaction wrote key 10 element 7", "op 3 read 7 from key 10", "a node returned an element no client sent"} {
		if !strings.Contains(r.Error, w) {
			t.Errorf("error %q lacks %q", r.Error, w)
		}
	}
}

func TestListAppendMalformed(t *testing.T) {
	h := laHist("ax1")
	h[1].Value = []any{[]any{"w", int64(10), int64(1)}}
	r := CheckListAppend(h, Options{})
	if r.Valid != checker.Unknown || !strings.Contains(r.Error, "other than appends or reads") || !strings.Contains(r.Error, "op 1") {
		t.Errorf("got %s", mustJSON(r))
	}
	r = CheckListAppend(laHist("ax1"), Options{ConsistencyModels: []string{"bogus"}})
	if r.Valid != checker.Unknown || !strings.Contains(r.Error, `unknown consistency model "bogus"`) {
		t.Errorf("got %s", mustJSON(r))
	}
}

// Keys and elements may be any JSON value, as Maelstrom's schema allows.
func TestListAppendAnyJSON(t *testing.T) {
	a := func(k, v any) []any { return []any{history.Keyword("append"), k, v} }
	rd := func(k any, l ...any) []any { return []any{history.Keyword("r"), k, l} }
	var h []history.Op
	for p, v := range [][]any{
		{a("k", "one")},
		{a("k", map[string]any{"x": 1.0})},
		{rd("k", "one", map[string]any{"x": 1.0}), a([]any{1.0}, 2.5)},
		{rd([]any{1.0}, 2.5)},
	} {
		h = append(h, history.Op{Type: history.Invoke, Process: history.Process(p), F: "txn", Value: invocationOf(v)},
			history.Op{Type: history.OK, Process: history.Process(p), F: "txn", Value: v})
	}
	for i := range h {
		h[i].Index = i
	}
	if r := CheckListAppend(h, Options{}); r.Valid != checker.Valid {
		t.Errorf("got %s", mustJSON(r))
	}
}

func TestListAppendEncoding(t *testing.T) {
	r := CheckListAppend(laHist("ax1", "ax2", "rx121", "fail:ax3", "rx1213"), Options{ConsistencyModels: []string{"read-committed"}})
	b, err := edn.Marshal(r)
	if err != nil {
		t.Fatal(err)
	}
	for _, w := range []string{":duplicates{1 2}", ":duplicate-elements[{:op{:index 5", ":G1a[{:op{:index 9", ":element 3}"} {
		if !strings.Contains(string(b), w) {
			t.Errorf("EDN lacks %q:\n%s", w, b)
		}
	}
	if j := mustJSON(r); !strings.Contains(j, `"duplicates":{"1":2}`) {
		t.Errorf("JSON lacks the duplicates map: %s", j)
	}
	d := CheckListAppend(laHist("fail:ax1", "ax2", "rx12"), Options{ConsistencyModels: []string{}, Anomalies: []string{"dirty-update"}})
	b, err = edn.Marshal(d)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(b), ":txns[{:index 1") || !strings.Contains(string(b), "}...{:index 3") {
		t.Errorf("dirty update txns are not [aborted ... committed]: %s", b)
	}
}

// TestListAppendCycleWords checks the words of each step of a cycle.
func TestListAppendCycleWords(t *testing.T) {
	// Elle's G-single case: op 3 reads y empty before op 1's append to y,
	// and a read of x = [1 2] puts op 1's append to x before op 3's. The
	// search must start with the rw edge, so the cycle starts at op 3, as
	// Elle's does.
	h := laHist("ax1 ay1", "ax2 ry", "rx12")
	r := CheckListAppend(h, Options{ConsistencyModels: []string{"serializable"}})
	cs, _ := r.Anomalies["G-single-item"].([]CycleCase)
	if len(cs) != 1 {
		t.Fatalf("want one G-single-item, got %s", mustJSON(r))
	}
	var got []string
	for _, s := range ListAppendCycleWords(cs[0]) {
		got = append(got, s.FromName+"<"+s.ToName+" "+string(s.Type)+": "+s.Text)
	}
	want := []string{
		"T1<T2 rw: T1 observed the initial (nil) state of 20, which T2 created by appending 1",
		"T2<T1 ww: T1 appended 2 after T2 appended 1 to 10",
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("words:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	text := ListAppendCycleText(cs[0])
	for _, w := range []string{"Let:\n  T1 = {:index 3", "  T2 = {:index 1,", "Then:\n  - T1 < T2, because T1 observed the initial (nil) state of 20, which T2 created by appending 1.\n",
		"  - However, T2 < T1, because T1 appended 2 after T2 appended 1 to 10: a contradiction!"} {
		if !strings.Contains(text, w) {
			t.Errorf("text lacks %q:\n%s", w, text)
		}
	}
}

// listAppendHistory is a list-append history of n transactions from Elle's
// generator's distribution (lengths 1-4, reads and appends, 10 active keys
// with 16 appends each), executed one at a time by a correct store at
// completion; window transactions are in flight at once (one per
// process), so the realtime graph is not a chain.
func listAppendHistory(n, window int, seed int64) []history.Op {
	rng := rand.New(rand.NewSource(seed))
	active := []int64{0, 1, 2, 3, 4, 5, 6, 7, 8, 9}
	next := map[int64]int64{}
	lists := map[int64][]any{}
	scale := 2 * (math.Exp2(float64(len(active))) - 1)
	var h []history.Op
	pending := make([][]any, 0, window) // invocation values in flight, oldest first
	procs := make([]history.Process, 0, window)
	complete := func() {
		inv := pending[0]
		done := make([]any, len(inv))
		for i, m := range inv {
			t := m.([]any)
			k := t[1].(int64)
			if t[0] == history.Keyword("append") {
				lists[k] = append(lists[k], t[2])
				done[i] = t
			} else if l, ok := lists[k]; ok {
				done[i] = []any{t[0], k, append([]any{}, l...)}
			} else {
				done[i] = t
			}
		}
		h = append(h, history.Op{Index: len(h), Time: int64(len(h)), Type: history.OK, Process: procs[0], F: "txn", Value: done})
		pending, procs = pending[1:], procs[1:]
	}
	for i := 0; i < n; i++ {
		var inv []any
		for l := 1 + rng.Intn(4); l > 0; {
			ki := min(int(math.Floor(math.Log2(rng.Float64()*scale+2)-1)), len(active)-1)
			k := active[ki]
			if rng.Intn(2) == 0 {
				inv = append(inv, []any{history.Keyword("r"), k, nil})
			} else {
				v := next[k] + 1
				if v > 16 {
					active[ki] = slicesMax(active) + 1
					continue
				}
				next[k] = v
				inv = append(inv, []any{history.Keyword("append"), k, v})
			}
			l--
		}
		if len(pending) == window {
			complete()
		}
		p := history.Process(i % (window + 1))
		for _, q := range procs {
			if q == p {
				p = history.Process(window + 1 + i) // keep processes distinct
			}
		}
		pending, procs = append(pending, inv), append(procs, p)
		h = append(h, history.Op{Index: len(h), Time: int64(len(h)), Type: history.Invoke, Process: p, F: "txn", Value: inv})
	}
	for len(pending) > 0 {
		complete()
	}
	return h
}

func TestListAppendGeneratedHistoryValid(t *testing.T) {
	for _, w := range []int{1, 5} {
		if r := CheckListAppend(listAppendHistory(2000, w, 1), Options{}); r.Valid != checker.Valid {
			t.Errorf("window %d: got %s", w, mustJSON(r)[:min(2000, len(mustJSON(r)))])
		}
	}
}

// BenchmarkCheckListAppend20k checks 20,000 transactions, five in flight
// at a time, under strict-serializable (run with -benchmem for memory).
func BenchmarkCheckListAppend20k(b *testing.B) {
	h := listAppendHistory(20000, 5, 1)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if r := CheckListAppend(h, Options{}); r.Valid != checker.Valid {
			b.Fatalf("invalid: %v", r.AnomalyTypes)
		}
	}
}

// An append invoked but never completed is the only one of its key: Elle's
// dirty-update pass orders it and finds no writer.
func TestListAppendTruncated(t *testing.T) {
	h := laHist("ax1", "rx1")
	h = append(h, history.Op{Index: len(h), Type: history.Invoke, Process: 9, F: "txn", Value: laTxn("ay5")})
	r := CheckListAppend(h, Options{})
	if r.Valid != checker.Unknown || !strings.Contains(r.Error, "the only append to key 20, of 5, was invoked but never completed") {
		t.Errorf("got %s", mustJSON(r))
	}
}
