// Package cycle is the dependency-graph and cycle engine shared by the
// transactional checkers (Elle's rw-register and list-append, and Jepsen's
// kafka checker, which reuses Elle's): a graph over operations whose edges
// carry relation sets (ww, wr, rw, realtime, process, ...), its strongly
// connected components, Elle's typed breadth-first cycle search with its
// cycle-exists pre-pass, the explanation of each step of a cycle (as data
// and in words) and the classification of a cycle (G0, G1c, G-single-item,
// G-nonadjacent-item, G2-item and their -process and -realtime variants).
//
// Vertices are positions in a History (a slice of client operations,
// invocations included). The search walks vertices and successors in a
// given Order: Elle's own (History.ElleOrder, the iteration order of the
// bifurcan hash sets Elle's graphs keep operations in, hashed by index),
// so the cycles found are the ones Elle reports, or ascending position.
package cycle

import (
	"sort"

	"github.com/glomers/glomers/internal/checker/scc"
	"github.com/glomers/glomers/internal/history"
)

// Rel is a set of dependency relations between two operations, one bit
// each, in Elle's order. The predicate relations never occur in our
// histories but keep the cycle specifications faithful.
type Rel uint8

// The relations.
const (
	WW Rel = 1 << iota
	WR
	RW
	WWP
	WRP
	RWP
	Process
	Realtime
)

// AnyRW is every anti-dependency relation.
const AnyRW = RW | RWP

var relNames = [...]history.Keyword{"ww", "wr", "rw", "wwp", "wrp", "rwp", "process", "realtime"}

// Names returns the relations in r, as keywords, in bit order.
func (r Rel) Names() []any {
	var out []any
	for i, n := range relNames {
		if r&(1<<i) != 0 {
			out = append(out, n)
		}
	}
	return out
}

// Graph is a directed graph over operations (positions in a History) whose
// edges carry relation sets. A vertex can exist without edges, as in Elle
// after a self-edge is removed.
type Graph struct {
	out map[int]map[int]Rel
}

// NewGraph returns an empty graph.
func NewGraph() *Graph { return &Graph{out: map[int]map[int]Rel{}} }

// AddVertex adds a without edges, if absent, and returns its out-edges.
func (g *Graph) AddVertex(a int) map[int]Rel {
	m, ok := g.out[a]
	if !ok {
		m = map[int]Rel{}
		g.out[a] = m
	}
	return m
}

// Link adds r to the edge a → b.
func (g *Graph) Link(a, b int, r Rel) {
	g.AddVertex(a)[b] |= r
	g.AddVertex(b)
}

// Has reports whether a is a vertex.
func (g *Graph) Has(a int) bool { _, ok := g.out[a]; return ok }

// Edge returns the relations of a → b (0 if there is none).
func (g *Graph) Edge(a, b int) Rel { return g.out[a][b] }

// HasEdge reports whether a → b exists, even with no relation.
func (g *Graph) HasEdge(a, b int) bool { _, ok := g.out[a][b]; return ok }

// Size returns the number of vertices.
func (g *Graph) Size() int { return len(g.out) }

// Union adds every vertex and edge of o to g.
func (g *Graph) Union(o *Graph) {
	for a, m := range o.out {
		ga := g.AddVertex(a)
		for b, r := range m {
			ga[b] |= r
		}
	}
}

// rels returns every relation some edge of g carries.
func (g *Graph) rels() Rel {
	var r Rel
	for _, m := range g.out {
		for _, e := range m {
			r |= e
		}
	}
	return r
}

// Vertices returns g's vertices in ascending order.
func (g *Graph) Vertices() []int {
	vs := make([]int, 0, len(g.out))
	for v := range g.out {
		vs = append(vs, v)
	}
	sort.Ints(vs)
	return vs
}

// Succ returns a's successors in ascending order.
func (g *Graph) Succ(a int) []int {
	m := g.out[a]
	vs := make([]int, 0, len(m))
	for v := range m {
		vs = append(vs, v)
	}
	sort.Ints(vs)
	return vs
}

// SelectVertices returns the subgraph of g induced by vs.
func (g *Graph) SelectVertices(vs []int) *Graph {
	keep := make(map[int]bool, len(vs))
	for _, v := range vs {
		keep[v] = true
	}
	s := NewGraph()
	for _, a := range vs {
		if !g.Has(a) {
			continue
		}
		sa := s.AddVertex(a)
		for b, r := range g.out[a] {
			if keep[b] {
				sa[b] = r
			}
		}
	}
	return s
}

// Project returns the graph of the edges of g that carry a relation in r,
// restricted to those relations. Like Elle, it has only the vertices of
// those edges.
func (g *Graph) Project(r Rel) *Graph {
	p := NewGraph()
	for a, m := range g.out {
		for b, e := range m {
			if e&r != 0 {
				p.Link(a, b, e&r)
			}
		}
	}
	return p
}

// extend returns a ∪ (a ; b): a, plus an edge x → z wherever x → y in a and
// y → z in b. Composed edges carry no relation.
func extend(a, b *Graph) *Graph {
	c := NewGraph()
	c.Union(a)
	for x, m := range a.out {
		for y := range m {
			for z := range b.out[y] {
				c.AddVertex(x)
				if _, ok := c.out[x][z]; !ok {
					c.out[x][z] = 0
				}
				c.AddVertex(z)
			}
		}
	}
	return c
}

// SCCs returns the strongly connected components of g, each sorted,
// ordered by their smallest vertex. Singletons are included only if
// keepSingletons.
func (g *Graph) SCCs(keepSingletons bool) [][]int {
	comps := scc.Components(g.Vertices(), g.Succ)
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

// History is the operations a graph's vertices stand for: Ops[i] is
// vertex i, and Pair[i] the position of its invocation (for a completion)
// or completion (for an invocation), or -1.
type History struct {
	Ops  []history.Op
	Pair []int
}

// NewHistory pairs the invocations and completions of ops by process.
func NewHistory(ops []history.Op) *History {
	h := &History{Ops: ops, Pair: make([]int, len(ops))}
	open := map[history.Process]int{}
	for i, op := range ops {
		h.Pair[i] = -1
		if op.Type == history.Invoke {
			open[op.Process] = i
		} else if j, ok := open[op.Process]; ok {
			h.Pair[i], h.Pair[j] = j, i
			delete(open, op.Process)
		}
	}
	return h
}

// ProcessGraph links consecutive ok operations of each process.
func (h *History) ProcessGraph() *Graph {
	g := NewGraph()
	last := map[history.Process]int{}
	for i, op := range h.Ops {
		if op.Type != history.OK {
			continue
		}
		if j, ok := last[op.Process]; ok {
			g.Link(j, i, Process)
		}
		last[op.Process] = i
	}
	return g
}

// RealtimeGraph links each ok operation to the completion (of any type) of
// every operation invoked after it completed. It is transitively reduced:
// an ok completion drops from the buffer the earlier oks that already link
// to it.
func (h *History) RealtimeGraph() *Graph {
	g := NewGraph()
	oks := map[int]bool{}
	for i, op := range h.Ops {
		switch op.Type {
		case history.Invoke:
			if h.Pair[i] < 0 || len(oks) == 0 {
				continue
			}
			for a := range oks {
				g.Link(a, h.Pair[i], Realtime)
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
