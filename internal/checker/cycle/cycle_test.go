package cycle

import (
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/glomers/glomers/internal/history"
)

func TestClassify(t *testing.T) {
	st := func(types ...history.Keyword) []Step {
		out := make([]Step, len(types))
		for i, ty := range types {
			out[i] = Step{Type: ty}
		}
		return out
	}
	tests := []struct {
		steps []Step
		want  history.Keyword
	}{
		{st("ww", "ww"), "G0"},
		{st("ww", "wr"), "G1c"},
		{st("rw", "wr"), "G-single-item"},
		{st("rw", "ww", "rw", "wr"), "G-nonadjacent-item"},
		{st("rw", "rw"), "G2-item"},
		{st("rw", "ww", "rw"), "G2-item"}, // last and first are adjacent
		{st("ww", "process"), "G0-process"},
		{st("rw", "wr", "realtime", "process"), "G-single-item-realtime"},
	}
	for _, tt := range tests {
		if got, err := Classify(tt.steps); err != nil || got != tt.want {
			t.Errorf("Classify(%s) = %s, %v; want %s", stepTypes(tt.steps), got, err, tt.want)
		}
	}
	if _, err := Classify(st("realtime", "realtime")); err == nil {
		t.Error("a cycle of realtime steps alone must not classify")
	}
}

// ring returns a graph with the edges 0→1→…→n-1→0, all of relation r,
// except edge i → i+1 which gets last.
func ring(n int, r Rel, i int, last Rel) *Graph {
	g := NewGraph()
	for a := 0; a < n; a++ {
		rel := r
		if a == i {
			rel = last
		}
		g.Link(a, (a+1)%n, rel)
	}
	return g
}

func TestFind(t *testing.T) {
	far := time.Now().Add(time.Minute)
	g0, _ := SpecNamed("G0")
	g1c, _ := SpecNamed("G1c")
	single, _ := SpecNamed("G-single-item")
	tests := []struct {
		name  string
		g     *Graph
		spec  Spec
		order Order
		want  []int
	}{
		{"ww ring is G0", ring(3, WW, 0, WW), g0, nil, []int{0, 1, 2, 0}},
		{"descending starts at the highest vertex", ring(3, WW, 0, WW), g0, Descending, []int{2, 0, 1, 2}},
		{"G1c needs a wr edge", ring(3, WW, 0, WW), g1c, nil, nil},
		{"G1c starts at its wr edge", ring(3, WW, 1, WR), g1c, nil, []int{1, 2, 0, 1}},
		// A single-rw search must start with its rw edge.
		{"G-single-item starts at the rw edge", ring(3, WW, 1, RW), single, nil, []int{1, 2, 0, 1}},
		{"no rw, no G-single", ring(3, WR, 1, WR), single, nil, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Find(tt.g, tt.spec, far, tt.order)
			if err != nil || !reflect.DeepEqual(got, tt.want) {
				t.Errorf("Find = %v, %v; want %v", got, err, tt.want)
			}
		})
	}
}

func TestPossibleWith(t *testing.T) {
	for _, tt := range []struct {
		spec    string
		present Rel
		want    bool
	}{
		{"G0", WW, true},
		{"G1c", WW, false},
		{"G1c-process", WW | WR, false},
		{"G1c-process", WW | WR | Process, true},
		{"G-single-item", WW | WR, false},
		{"G2-item", RW, true},
	} {
		s, _ := SpecNamed(tt.spec)
		if got := s.possibleWith(tt.present); got != tt.want {
			t.Errorf("%s with %v: %v, want %v", tt.spec, tt.present.Names(), got, tt.want)
		}
	}
}

func ops(types ...history.Type) []history.Op {
	out := make([]history.Op, len(types))
	for i, ty := range types {
		out[i] = history.Op{Index: i, Type: ty, Process: history.Process(i / 2 % 2)}
	}
	return out
}

func edges(g *Graph) [][2]int {
	var out [][2]int
	for _, a := range g.Vertices() {
		for _, b := range g.Succ(a) {
			out = append(out, [2]int{a, b})
		}
	}
	return out
}

func TestRealtimeAndProcessGraphs(t *testing.T) {
	// p0 runs 0-1, p1 runs 2-3 (after 1), p0 runs 4-5 (after 3) and p1
	// runs 6-7 (a failure, invoked after 5).
	h := NewHistory(ops(history.Invoke, history.OK, history.Invoke, history.OK,
		history.Invoke, history.OK, history.Invoke, history.Fail))
	if got, want := edges(h.RealtimeGraph()), [][2]int{{1, 3}, {3, 5}, {5, 7}}; !reflect.DeepEqual(got, want) {
		t.Errorf("realtime edges %v, want %v (transitively reduced, into the failure)", got, want)
	}
	if got, want := edges(h.ProcessGraph()), [][2]int{{1, 5}}; !reflect.DeepEqual(got, want) {
		t.Errorf("process edges %v, want %v (ok ops only)", got, want)
	}
}

func TestWords(t *testing.T) {
	a := history.Op{Index: 3, Time: 3e9, Type: history.OK, F: "txn"}
	bInv := history.Op{Index: 4, Time: 5e9, Type: history.Invoke, F: "txn"}
	b := history.Op{Index: 5, Time: 6e9, Type: history.OK, F: "txn"}
	c := Case{Cycle: []history.Op{b, a, b}, Type: "G-single-item-realtime", Steps: []Step{
		{Type: "rw", Key: int64(10), Value: int64(1), Value2: int64(2)},
		{Type: "realtime", A: a, B: bInv},
	}}
	words := func(s Step, x, y string) string { return x + " " + string(s.Type) + " " + y }
	got := Words(c, words)
	if len(got) != 2 || got[0].Text != "T1 rw T2" || got[0].From.Index != 5 || got[0].To.Index != 3 ||
		got[1].Text != "T2 completed at index 3, 2.000 seconds before the invocation of T1, at index 4" {
		t.Errorf("words %+v", got)
	}
	text := Text(c, words)
	if !strings.Contains(text, "  - However, T2 < T1, because T2 completed at index 3, 2.000 seconds before") {
		t.Errorf("text:\n%s", text)
	}
}
