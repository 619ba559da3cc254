package elle

import (
	"fmt"

	"github.com/glomers/glomers/internal/checker/cycle"
	"github.com/glomers/glomers/internal/history"
)

// listGraph holds the indices list-append's dependency graph is built
// from, over the ok and info ops.
type listGraph struct {
	txns    []atxn
	ops     []int                 // ok and info ops, in history order
	orders  map[any]*order        // each key's version order
	writer  writeIndex            // key → element → op that appended it (last wins)
	readers map[any]map[any][]int // key → last element read (or Init) → ops
}

func newListGraph(txns []atxn, ops []int, orders map[any]*order) *listGraph {
	lg := &listGraph{txns: txns, ops: ops, orders: orders,
		writer: writeIndex{}, readers: map[any]map[any][]int{}}
	for _, i := range ops {
		t := &txns[i]
		for _, m := range t.mops {
			switch {
			case m.append:
				lg.writer.put(m.key, m.elem, i)
			case m.isNil && t.is(history.Info):
				// an info op's nil read is the unfilled request
			default:
				e := any(Init)
				if l, ok := m.last(); ok {
					e = l
				}
				if lg.readers[m.key] == nil {
					lg.readers[m.key] = map[any][]int{}
				}
				lg.readers[m.key][e] = append(lg.readers[m.key][e], i)
			}
		}
	}
	return lg
}

// prev returns the element appended to k just before e: its predecessor
// in k's version order (Init if first), or, for an element never read, the
// last element of the order (Init if there is none).
func (lg *listGraph) prev(k, e any) any {
	o := lg.orders[k]
	if o == nil || len(o.values) == 0 {
		return Init
	}
	if i, ok := o.pos[e]; ok {
		if i == 0 {
			return Init
		}
		return o.values[i-1]
	}
	return o.values[len(o.values)-1]
}

// wwDep returns the other op that appended the element before op's
// append m.
func (lg *listGraph) wwDep(op int, m amop) (int, any, bool) {
	p := lg.prev(m.key, m.elem)
	if p == Init {
		return 0, p, false
	}
	w, ok := lg.writer.get(m.key, p)
	return w, p, ok && w != op
}

// wrDep returns the other op that appended the last element op's read m
// saw.
func (lg *listGraph) wrDep(op int, m amop) (int, bool) {
	e, ok := m.last()
	if !ok {
		return 0, false
	}
	w, ok := lg.writer.get(m.key, e)
	return w, ok && w != op
}

// graph returns the ww, wr and rw edges between the ok and info ops.
func (lg *listGraph) graph() *cycle.Graph {
	g := cycle.NewGraph()
	for _, i := range lg.ops {
		for _, m := range lg.txns[i].mops {
			if !m.append {
				if w, ok := lg.wrDep(i, m); ok {
					g.Link(w, i, cycle.WR)
				}
				continue
			}
			if w, _, ok := lg.wwDep(i, m); ok {
				g.Link(w, i, cycle.WW)
			}
			for _, r := range lg.readers[m.key][lg.prev(m.key, m.elem)] {
				if r != i {
					g.Link(r, i, cycle.RW)
				}
			}
		}
	}
	return g
}

// explain says why b depends on a, trying list-append's explanations in
// Elle's order: ww, wr, rw; within each, b's micro-ops in order.
func (lg *listGraph) explain(a, b int) (Step, bool) {
	ta, tb := &lg.txns[a], &lg.txns[b]
	for _, m := range tb.mops {
		if !m.append {
			continue
		}
		if w, p, ok := lg.wwDep(b, m); ok && w == a {
			return Step{Type: "ww", Key: m.key, Value: p, Value2: m.elem,
				AMopIndex: ta.appendIndex(m.key, p), BMopIndex: tb.appendIndex(m.key, m.elem)}, true
		}
	}
	for _, m := range tb.mops {
		if m.append {
			continue
		}
		if w, ok := lg.wrDep(b, m); ok && w == a {
			e, _ := m.last()
			return Step{Type: "wr", Key: m.key, Value: e,
				AMopIndex: ta.appendIndex(m.key, e), BMopIndex: tb.readIndex(m)}, true
		}
	}
	for j, m := range tb.mops {
		if !m.append {
			continue
		}
		p := lg.prev(m.key, m.elem)
		for _, r := range lg.readers[m.key][p] {
			if r == a && r != b {
				return Step{Type: "rw", Key: m.key, Value: p, Value2: m.elem,
					AMopIndex: ta.readOf(m.key, p), BMopIndex: j}, true
			}
		}
	}
	return Step{}, false
}

// readIndex returns the position of the first micro-op of t equal to the
// read m (Elle's index-of), or -1.
func (t *atxn) readIndex(m amop) int {
	for i, x := range t.mops {
		if !x.append && x.key == m.key && x.isNil == m.isNil && listKey(x.list) == listKey(m.list) {
			return i
		}
	}
	return -1
}

// readOf returns the position of t's first read of k that ended with e
// (for Init: that saw k empty or nil), or -1.
func (t *atxn) readOf(k, e any) int {
	for i, m := range t.mops {
		if m.append || m.key != k {
			continue
		}
		l, ok := m.last()
		if (e == Init && !ok) || (ok && l == e) {
			return i
		}
	}
	return -1
}

// appendWording renders list-append steps as Elle does.
func appendWording(s Step, a, b string) string {
	k, v, v2 := cycle.Pr(s.Key), cycle.Pr(s.Value), cycle.Pr(s.Value2)
	switch s.Type {
	case "ww":
		return fmt.Sprintf("%s appended %s after %s appended %s to %s", b, v2, a, v, k)
	case "wr":
		return fmt.Sprintf("%s observed %s's append of %s to key %s", b, a, v, k)
	case "rw":
		if s.Value == Init {
			return fmt.Sprintf("%s observed the initial (nil) state of %s, which %s created by appending %s", a, k, b, v2)
		}
		return fmt.Sprintf("%s did not observe %s's append of %s to %s", a, b, v2, k)
	}
	return fmt.Sprintf("%s precedes %s (%s)", a, b, s.Type)
}

// ListAppendCycleWords explains each step of a list-append cycle in
// words, naming the operations T1, T2, ... (see cycle.Words).
func ListAppendCycleWords(c CycleCase) []cycle.Sentence { return cycle.Words(c, appendWording) }

// ListAppendCycleText renders a list-append cycle as Elle's <type>.txt
// files do.
func ListAppendCycleText(c CycleCase) string { return cycle.Text(c, appendWording) }
