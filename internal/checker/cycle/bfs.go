package cycle

import "time"

// rwMode says how a path may take rw edges that are not otherwise legal.
type rwMode uint8

const (
	rwNone             rwMode = iota // no more
	rwSingle                         // exactly one, then none
	rwNonadjacentFree                // one, if the last edge was not one
	rwNonadjacentTaken               // the last edge was one
)

// path is a path explored by the cycle search, as a linked list from its
// last vertex back to its first, with the state of its cycle spec.
type path struct {
	prev   *path
	v      int
	want   []Rel // required relation groups not yet taken
	wantRW int   // rw edges still needed
	mode   rwMode
	legal  Rel
}

// newPath returns the empty path for a spec.
func newPath(s Spec) path {
	p := path{legal: s.legal, want: s.required, mode: rwNone}
	switch {
	case s.single != 0:
		p.wantRW = 1
	case s.multiple != 0:
		p.wantRW = 2
	}
	switch {
	case s.nonadjacent != 0:
		p.mode = rwNonadjacentFree
	case s.single&AnyRW != 0:
		p.mode = rwSingle
	}
	return p
}

func (p *path) start(v int) *path {
	q := *p
	q.prev, q.v = nil, v
	return &q
}

func (p *path) length() int {
	n := 0
	for q := p; q != nil; q = q.prev {
		n++
	}
	return n
}

func (p *path) first() int {
	q := p
	for q.prev != nil {
		q = q.prev
	}
	return q.v
}

// ops returns the path's vertices from first to last.
func (p *path) ops() []int {
	out := make([]int, p.length())
	i := len(out) - 1
	for q := p; q != nil; q = q.prev {
		out[i] = q.v
		i--
	}
	return out
}

// isLoop reports whether the last vertex was visited before.
func (p *path) isLoop() bool {
	for q := p.prev; q != nil; q = q.prev {
		if q.v == p.v {
			return true
		}
	}
	return false
}

// valid reports whether the path has met its spec.
func (p *path) valid() bool {
	return len(p.want) == 0 && p.wantRW == 0 && p.mode != rwNonadjacentTaken
}

func (p *path) wantMask() Rel {
	var m Rel
	for _, r := range p.want {
		m |= r
	}
	return m
}

// checkOff removes the first wanted group that r satisfies.
func checkOff(want []Rel, r Rel) []Rel {
	for i, w := range want {
		if w&r != 0 {
			out := append([]Rel(nil), want[:i]...)
			return append(out, want[i+1:]...)
		}
	}
	return want
}

// stepRel extends p to v along the single relation r, or returns nil if
// the spec forbids it.
func (p *path) stepRel(r Rel, v int) *path {
	q := *p
	q.prev, q.v = p, v
	isRW := r&AnyRW != 0
	switch {
	case r&p.legal != 0:
		if isRW && q.wantRW > 0 {
			q.wantRW--
		}
		if q.mode == rwNonadjacentTaken {
			q.mode = rwNonadjacentFree
		}
	case isRW && p.mode == rwSingle:
		q.wantRW, q.mode = 0, rwNone
	case isRW && p.mode == rwNonadjacentFree:
		if q.wantRW > 0 {
			q.wantRW--
		}
		q.mode = rwNonadjacentTaken
	default:
		return nil
	}
	q.want = checkOff(p.want, r)
	return &q
}

// step extends p along an edge carrying rels to v. rw relations and wanted
// relations each give their own path; of the merely legal relations one is
// enough, since they all lead to the same state. A path's first step must
// take an rw edge if it wants one, or else a wanted relation if it has any.
func (p *path) step(rels Rel, v int) []*path {
	var out []*path
	var rwMask Rel
	if p.wantRW > 0 || p.mode == rwSingle || p.mode == rwNonadjacentFree {
		rwMask = AnyRW
	}
	wantMask := p.wantMask() &^ rwMask
	legalMask := p.legal &^ rwMask &^ wantMask
	first := p.prev == nil
	each := func(rs Rel, one bool) {
		for i := 0; i < 8; i++ {
			if r := rs & (1 << i); r != 0 {
				if q := p.stepRel(r, v); q != nil {
					out = append(out, q)
					if one {
						return
					}
				}
			}
		}
	}
	each(rels&rwMask, false)
	if p.wantRW > 0 && first {
		return out
	}
	each(rels&wantMask, false)
	if len(p.want) > 0 && first {
		return out
	}
	each(rels&legalMask, true)
	return out
}

// bfs searches breadth-first for a cycle along simple paths, as Elle does.
type bfs struct {
	g        *Graph
	init     path
	deadline time.Time
	steps    int
	order    Order
	succ     map[*Graph]map[int][]int // successors in order, per graph searched
}

// successors returns v's successors in g, in the search's order.
func (b *bfs) successors(g *Graph, v int) []int {
	if b.order == nil {
		return g.Succ(v)
	}
	if b.succ == nil {
		b.succ = map[*Graph]map[int][]int{}
	}
	m := b.succ[g]
	if m == nil {
		m = map[int][]int{}
		b.succ[g] = m
	}
	s, ok := m[v]
	if !ok {
		s = b.order(g.Succ(v))
		m[v] = s
	}
	return s
}

func (b *bfs) expired() bool {
	b.steps++
	return b.steps%256 == 0 && time.Now().After(b.deadline)
}

// from searches g for a cycle through v matching the spec.
func (b *bfs) from(g *Graph, v int) ([]int, error) {
	paths := []*path{b.init.start(v)}
	for len(paths) > 0 {
		var open []*path
		for _, p := range paths {
			if b.expired() {
				return nil, ErrTimeout
			}
			if !p.isLoop() {
				open = append(open, p)
				continue
			}
			if !p.valid() {
				continue
			}
			if p.first() == p.v {
				return p.ops(), nil
			}
			c, err := b.trim(g, p)
			if c != nil || err != nil {
				return c, err
			}
		}
		paths = paths[:0:0]
		for _, p := range open {
			for _, w := range b.successors(g, p.v) {
				if b.expired() {
					return nil, ErrTimeout
				}
				paths = append(paths, p.step(g.Edge(p.v, w), w)...)
			}
		}
	}
	return nil, nil
}

// trim handles a valid loop that closed on a vertex other than its start:
// it searches again within the loop's vertices only.
func (b *bfs) trim(g *Graph, p *path) ([]int, error) {
	ops := p.ops()
	pin := ops[len(ops)-1]
	i := 0
	for ops[i] != pin {
		i++
	}
	loop := ops[i:]
	sub := g.SelectVertices(loop)
	for _, v := range loop {
		c, err := b.from(sub, v)
		if c != nil || err != nil {
			return c, err
		}
	}
	return nil, nil
}
