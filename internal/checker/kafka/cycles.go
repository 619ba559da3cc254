package kafka

import (
	"slices"
	"time"

	"github.com/glomers/glomers/internal/checker/scc"

	"github.com/glomers/glomers/internal/history"
)

// Edge labels. A pair of ops linked several ways gets one label, in the
// order the original's explainers try them: ww, then wr, then realtime.
const (
	ww uint8 = 1 << iota
	wr
	rt
)

// graph is the dependency graph between completions (positions in h).
type graph struct {
	out    map[int][]edge
	invoke map[int]int // completion position -> invocation position
}

type edge struct {
	to    int
	label uint8
}

// buildGraph combines the ww graph (only with WWDeps), the wr graph and
// the transitively reduced realtime graph over send, poll and txn ops.
func (a *analyzer) buildGraph() *graph {
	rel := map[[2]int]uint8{}
	link := func(x, y int, l uint8) {
		if x != y {
			rel[[2]int{x, y}] |= l
		}
	}
	if a.opts.WWDeps {
		for _, k := range sortedKeys(a.writerOf) {
			vo := a.orders[k]
			for v2, op2 := range a.writerOf[k] {
				if v1, ok := previous(vo, v2); ok {
					if op1, ok := a.writerOf[k][v1]; ok {
						link(op1, op2, ww)
					} else {
						a.noWriter[kv{k, v1}] = true
					}
				}
			}
		}
	}
	for k, byV := range a.readersOf {
		for v, readers := range byV {
			w, ok := a.writerOf[k][v]
			if !ok {
				a.noWriter[kv{k, v}] = true
				continue
			}
			for _, r := range readers {
				link(w, r, wr)
			}
		}
	}
	g := &graph{out: map[int][]edge{}, invoke: map[int]int{}}
	var buffer []int                       // recent :ok completions
	pending := map[history.Process][]int{} // process -> buffer at invocation
	inv := map[history.Process]int{}
	for _, i := range a.client {
		op := a.h[i]
		if op.F != "send" && op.F != "poll" && op.F != "txn" {
			continue
		}
		if op.Type == history.Invoke {
			pending[op.Process] = slices.Clone(buffer)
			inv[op.Process] = i
			continue
		}
		preds, ok := pending[op.Process]
		if !ok {
			continue
		}
		delete(pending, op.Process)
		g.invoke[i] = inv[op.Process]
		for _, p := range preds {
			link(p, i, rt)
		}
		if op.Type == history.OK {
			buffer = slices.DeleteFunc(buffer, func(x int) bool { return slices.Contains(preds, x) })
			buffer = append(buffer, i)
		}
	}
	for p, ls := range rel {
		l := ls & -ls // lowest bit: ww before wr before rt
		g.out[p[0]] = append(g.out[p[0]], edge{p[1], l})
	}
	for v := range g.out {
		slices.SortFunc(g.out[v], func(x, y edge) int { return x.to - y.to })
	}
	return g
}

// previous returns the message before v in the version order.
func previous(vo *VersionOrder, v int64) (int64, bool) {
	if vo == nil {
		return 0, false
	}
	i, ok := vo.ByValue[v]
	if !ok || i == 0 {
		return 0, false
	}
	return vo.ByIndex[i-1], true
}

// A cycleSpec is one typed cycle search: which labels it may use and which
// it must use.
type cycleSpec struct {
	name      string
	allowed   uint8
	need      uint8
	impliedBy []string // found types that make this search pointless
}

// specs are the cycle types the kafka graph can show, in Elle's severity
// order.
var specs = []cycleSpec{
	{"G0", ww, 0, nil},
	{"G1c", ww | wr, wr, []string{"G0"}},
	{"G0-realtime", ww | rt, rt, []string{"G0"}},
	{"G1c-realtime", ww | wr | rt, wr | rt, []string{"G0", "G1c", "G0-realtime"}},
}

// existSpecs are the cycle-exists checks used when a search times out,
// weakest model first; stronger models are skipped once a weaker one has a
// cycle.
var existSpecs = []struct {
	model, friendly string
	labels          uint8
	weaker          []string
	ruledOutBy      []string
}{
	{"PL-1", "read-uncommitted", ww, nil, []string{"G0"}},
	{"PL-2", "read-committed", ww | wr, []string{"PL-1"}, []string{"G0", "G1c"}},
	{"strong-PL-1", "strong-read-uncommitted", ww | rt, []string{"PL-1"}, []string{"G0", "G0-realtime"}},
	{"strong-PL-2", "strong-read-committed", ww | wr | rt, []string{"PL-1", "PL-2", "strong-PL-1"},
		[]string{"G0", "G1c", "G0-realtime", "G1c-realtime"}},
}

// cycles finds the G0, G1c and realtime cycles of the dependency graph, as
// elle's cycle search over strict-serializable would, and records them in
// a.errors. An empty graph is reported as empty-transaction-graph.
func (a *analyzer) cycles() {
	g := a.buildGraph()
	if len(g.out) == 0 {
		a.errors[TypeEmptyTransactionGraph] = true
		return
	}
	timeout := a.opts.CycleSearchTimeout
	if timeout <= 0 {
		timeout = time.Second
	}
	for _, scc := range sccs(g, ww|wr|rt, nil) {
		a.searchSCC(g, scc, time.Now().Add(timeout))
	}
}

// searchSCC runs the typed searches on one strongly connected component.
func (a *analyzer) searchSCC(g *graph, scc []int, deadline time.Time) {
	in := map[int]bool{}
	for _, v := range scc {
		in[v] = true
	}
	found := map[string]bool{}
	var searched []string
	for _, s := range specs {
		if !a.opts.WWDeps && (s.name == "G0" || s.name == "G0-realtime") {
			continue // without ww edges these cycles cannot exist
		}
		if slices.ContainsFunc(s.impliedBy, func(t string) bool { return found[t] }) {
			continue
		}
		path, ok, timedOut := findCycle(g, scc, in, s, deadline)
		if timedOut {
			add(a, TypeCycleSearchTimeout, CycleSearchTimeout{
				AnomalySpecType: s.name, DoesNotContain: append([]string{}, searched...), SCCSize: len(scc)})
			a.cycleExists(g, scc, in, found)
			return
		}
		searched = append(searched, s.name)
		if !ok {
			continue
		}
		c := a.explain(g, path)
		found[string(c.Type)] = true
		add(a, string(c.Type), c)
	}
}

// findCycle looks for a shortest cycle through one vertex of scc that
// uses only s.allowed labels and every s.need label, trying start
// vertices from the highest history position down.
func findCycle(g *graph, scc []int, in map[int]bool, s cycleSpec, deadline time.Time) (path []int, ok, timedOut bool) {
	type state struct {
		v    int
		mask uint8
	}
	starts := slices.Clone(scc)
	slices.Sort(starts)
	slices.Reverse(starts)
	steps := 0
	for _, start := range starts {
		root := state{start, 0}
		parent := map[state]state{root: root}
		queue := []state{root}
		for len(queue) > 0 {
			cur := queue[0]
			queue = queue[1:]
			if steps++; steps%1024 == 0 && time.Now().After(deadline) {
				return nil, false, true
			}
			for _, e := range g.out[cur.v] {
				if e.label&s.allowed == 0 || !in[e.to] {
					continue
				}
				next := state{e.to, cur.mask | (e.label & (wr | rt))}
				if e.to == start {
					if next.mask&s.need != s.need {
						continue
					}
					path = []int{start}
					for x := cur; x != root; x = parent[x] {
						path = append(path, x.v)
					}
					path = append(path, start)
					slices.Reverse(path)
					return path, true, false
				}
				if _, seen := parent[next]; !seen {
					parent[next] = cur
					queue = append(queue, next)
				}
			}
		}
	}
	return nil, false, false
}

// cycleExists records the cycle-exists cases of a component whose typed
// search timed out.
func (a *analyzer) cycleExists(g *graph, scc []int, in map[int]bool, found map[string]bool) {
	has := map[string]bool{}
	for _, s := range existSpecs {
		if slices.ContainsFunc(s.weaker, func(m string) bool { return has[m] }) {
			continue
		}
		sub := sccs(g, s.labels, in)
		if len(sub) == 0 {
			continue
		}
		has[s.model] = true
		if slices.ContainsFunc(s.ruledOutBy, func(t string) bool { return found[t] }) {
			continue
		}
		t := s.model + "-cycle-exists"
		var names []string
		for _, l := range []uint8{ww, wr, rt} {
			if s.labels&l != 0 {
				names = append(names, labelName(l))
			}
		}
		add(a, t, CycleExists{Type: history.Keyword(t), Not: history.Keyword(s.friendly), Subgraph: names, SCCSize: len(sub[0]), SCC: sub[0]})
	}
}

func labelName(l uint8) string {
	switch l {
	case ww:
		return "ww"
	case wr:
		return "wr"
	}
	return "realtime"
}

// explain turns a cycle of positions into a Cycle with one step per edge,
// and classifies it.
func (a *analyzer) explain(g *graph, path []int) Cycle {
	c := Cycle{}
	var hasWR, hasRT bool
	for j := 0; j+1 < len(path); j++ {
		x, y := path[j], path[j+1]
		c.Cycle = append(c.Cycle, a.h[x])
		st := a.step(g, x, y)
		switch st.Type {
		case "wr":
			hasWR = true
		case "realtime":
			hasRT = true
		}
		c.Steps = append(c.Steps, st)
	}
	c.Cycle = append(c.Cycle, a.h[path[len(path)-1]])
	c.Type = "G0"
	if hasWR {
		c.Type = "G1c"
	}
	if hasRT {
		c.Type += "-realtime"
	}
	return c
}

// step explains why x precedes y: a ww dependency, a wr dependency, or
// realtime order.
func (a *analyzer) step(g *graph, x, y int) Step {
	px, py := &a.parsed[x], &a.parsed[y]
	if a.opts.WWDeps {
		for _, kp := range py.writes {
			for _, p2 := range kp.Pairs {
				v1, ok := previous(a.orders[kp.Key], p2.Value)
				if w, ok2 := a.writerOf[kp.Key][v1]; ok && ok2 && w == x {
					v2 := p2.Value
					return Step{Type: "ww", Key: kp.Key, Value: &v1, Value2: &v2,
						AMopIndex: mopIndex(px, true, kp.Key, v1), BMopIndex: mopIndex(py, true, kp.Key, v2)}
				}
			}
		}
	}
	for _, kp := range py.reads {
		for _, p := range kp.Pairs {
			if w, ok := a.writerOf[kp.Key][p.Value]; ok && w == x {
				v := p.Value
				return Step{Type: "wr", Key: kp.Key, Value: &v,
					AMopIndex: mopIndex(px, true, kp.Key, v), BMopIndex: mopIndex(py, false, kp.Key, v)}
			}
		}
	}
	ac := a.h[x]
	bi := a.h[g.invoke[y]]
	return Step{Type: "realtime", A: &ac, B: &bi}
}

// mopIndex returns the index of the first send (or poll) micro-op of p
// that sent (or returned) v for key k.
func mopIndex(p *parsed, send bool, k string, v int64) *int {
	for i, m := range p.mops {
		if send && m.Send && m.Key == k && m.Pair.Value == v {
			return &i
		}
		if !send && !m.Send {
			ps, _ := lookup(m.Polls, k)
			for _, pr := range ps {
				if pr.Value == v {
					return &i
				}
			}
		}
	}
	return nil
}

// sccs returns the strongly connected components with more than one
// vertex of g restricted to edges with the given labels (and to the
// vertices in within, when it is non-nil), each sorted, in order of their
// smallest vertex.
func sccs(g *graph, labels uint8, within map[int]bool) [][]int {
	var verts []int
	for v := range g.out {
		if within == nil || within[v] {
			verts = append(verts, v)
		}
	}
	slices.Sort(verts)
	succ := func(v int) []int {
		var out []int
		for _, e := range g.out[v] {
			if e.label&labels != 0 && (within == nil || within[e.to]) {
				out = append(out, e.to)
			}
		}
		return out
	}
	var out [][]int
	for _, comp := range scc.Components(verts, succ) {
		if len(comp) > 1 {
			slices.Sort(comp)
			out = append(out, comp)
		}
	}
	slices.SortFunc(out, func(x, y []int) int { return x[0] - y[0] })
	return out
}
