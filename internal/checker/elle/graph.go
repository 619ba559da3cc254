package elle

import (
	"sort"

	"github.com/glomers/glomers/internal/checker/scc"

	"github.com/glomers/glomers/internal/history"
)

// rel is a set of dependency relations between two transactions, one bit
// each, in Elle's order. The predicate relations never occur in rw-register
// histories but keep the cycle specifications faithful.
type rel uint8

const (
	relWW rel = 1 << iota
	relWR
	relRW
	relWWP
	relWRP
	relRWP
	relProcess
	relRealtime
)

const anyRW = relRW | relRWP

var relNames = [...]history.Keyword{"ww", "wr", "rw", "wwp", "wrp", "rwp", "process", "realtime"}

// names returns the relations in r, in bit order.
func (r rel) names() []any {
	var out []any
	for i, n := range relNames {
		if r&(1<<i) != 0 {
			out = append(out, n)
		}
	}
	return out
}

// graph is a directed graph over transactions (positions in the parsed
// history) whose edges carry relation sets. A vertex can exist without
// edges, as in Elle after a self-edge is removed.
type graph struct {
	out map[int]map[int]rel
}

func newGraph() *graph { return &graph{out: map[int]map[int]rel{}} }

func (g *graph) addVertex(a int) map[int]rel {
	m, ok := g.out[a]
	if !ok {
		m = map[int]rel{}
		g.out[a] = m
	}
	return m
}

func (g *graph) link(a, b int, r rel) {
	g.addVertex(a)[b] |= r
	g.addVertex(b)
}

func (g *graph) has(a int) bool { _, ok := g.out[a]; return ok }

func (g *graph) edge(a, b int) rel { return g.out[a][b] }

func (g *graph) size() int { return len(g.out) }

// union adds every vertex and edge of o to g.
func (g *graph) union(o *graph) {
	for a, m := range o.out {
		ga := g.addVertex(a)
		for b, r := range m {
			ga[b] |= r
		}
	}
}

// vertices returns g's vertices in ascending order.
func (g *graph) vertices() []int {
	vs := make([]int, 0, len(g.out))
	for v := range g.out {
		vs = append(vs, v)
	}
	sort.Ints(vs)
	return vs
}

// succ returns a's successors in ascending order.
func (g *graph) succ(a int) []int {
	m := g.out[a]
	vs := make([]int, 0, len(m))
	for v := range m {
		vs = append(vs, v)
	}
	sort.Ints(vs)
	return vs
}

// selectVertices returns the subgraph of g induced by vs.
func (g *graph) selectVertices(vs []int) *graph {
	keep := make(map[int]bool, len(vs))
	for _, v := range vs {
		keep[v] = true
	}
	s := newGraph()
	for _, a := range vs {
		if !g.has(a) {
			continue
		}
		sa := s.addVertex(a)
		for b, r := range g.out[a] {
			if keep[b] {
				sa[b] = r
			}
		}
	}
	return s
}

// project returns the graph of the edges of g that carry a relation in r,
// restricted to those relations. Like Elle, it has only the vertices of
// those edges.
func (g *graph) project(r rel) *graph {
	p := newGraph()
	for a, m := range g.out {
		for b, e := range m {
			if e&r != 0 {
				p.link(a, b, e&r)
			}
		}
	}
	return p
}

// extend returns a ∪ (a ; b): a, plus an edge x → z wherever x → y in a and
// y → z in b. Composed edges carry no relation.
func extend(a, b *graph) *graph {
	c := newGraph()
	c.union(a)
	for x, m := range a.out {
		for y := range m {
			for z := range b.out[y] {
				c.addVertex(x)
				if _, ok := c.out[x][z]; !ok {
					c.out[x][z] = 0
				}
				c.addVertex(z)
			}
		}
	}
	return c
}

// sccs returns the strongly connected components of g, each sorted, ordered
// by their smallest vertex. Singletons are included only if keepSingletons.
func (g *graph) sccs(keepSingletons bool) [][]int {
	comps := scc.Components(g.vertices(), g.succ)
	var out [][]int
	for _, c := range comps {
		if len(c) > 1 || keepSingletons {
			sort.Ints(c)
			out = append(out, c)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i][0] < out[j][0] })
	return out
}

// processGraph links consecutive ok operations of each process.
func processGraph(txns []txn) *graph {
	g := newGraph()
	last := map[history.Process]int{}
	for i := range txns {
		t := &txns[i]
		if !t.is(history.OK) {
			continue
		}
		if j, ok := last[t.op.Process]; ok {
			g.link(j, i, relProcess)
		}
		last[t.op.Process] = i
	}
	return g
}

// realtimeGraph links each ok operation to the completion (of any type) of
// every operation invoked after it completed. It is transitively reduced:
// an ok completion drops from the buffer the earlier oks that already link
// to it.
func realtimeGraph(txns []txn) *graph {
	g := newGraph()
	oks := map[int]bool{}
	for i := range txns {
		t := &txns[i]
		switch t.op.Type {
		case history.Invoke:
			if t.pair < 0 || len(oks) == 0 {
				continue
			}
			for a := range oks {
				g.link(a, t.pair, relRealtime)
			}
		case history.OK:
			// Only buffered oks can link to i.
			for a := range oks {
				if _, ok := g.out[a][i]; ok {
					delete(oks, a)
				}
			}
			oks[i] = true
		}
	}
	return g
}
