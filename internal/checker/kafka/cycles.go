package kafka

import (
	"fmt"
	"slices"
	"time"

	"github.com/glomers/glomers/internal/checker/cycle"
	"github.com/glomers/glomers/internal/history"
)

// buildGraph combines the ww graph (only with WWDeps), the wr graph and
// the transitively reduced realtime graph over send, poll and txn ops, on
// the shared cycle engine. A pair of ops linked several ways keeps one
// relation, in the order the original's explainers try them: ww, then wr,
// then realtime. It also returns the history the engine explains realtime
// steps with (each completion paired with its invocation).
func (a *analyzer) buildGraph() (*cycle.Graph, *cycle.History) {
	rel := map[[2]int]cycle.Rel{}
	link := func(x, y int, r cycle.Rel) {
		if x != y {
			rel[[2]int{x, y}] |= r
		}
	}
	if a.opts.WWDeps {
		for _, k := range sortedKeys(a.writerOf) {
			vo := a.orders[k]
			for v2, op2 := range a.writerOf[k] {
				if v1, ok := previous(vo, v2); ok {
					if op1, ok := a.writerOf[k][v1]; ok {
						link(op1, op2, cycle.WW)
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
				link(w, r, cycle.WR)
			}
		}
	}
	h := &cycle.History{Ops: a.h, Pair: make([]int, len(a.h))}
	for i := range h.Pair {
		h.Pair[i] = -1
	}
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
		h.Pair[i], h.Pair[inv[op.Process]] = inv[op.Process], i
		for _, p := range preds {
			link(p, i, cycle.Realtime)
		}
		if op.Type == history.OK {
			buffer = slices.DeleteFunc(buffer, func(x int) bool { return slices.Contains(preds, x) })
			buffer = append(buffer, i)
		}
	}
	g := cycle.NewGraph()
	for p, rs := range rel {
		g.Link(p[0], p[1], rs&-rs) // lowest bit: ww before wr before realtime
	}
	return g, h
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

// searchSpec is one typed cycle search and the found types that make it
// pointless.
type searchSpec struct {
	name      string
	impliedBy []string
}

// specs are the cycle types the kafka graph can show, in Elle's severity
// order.
var specs = []searchSpec{
	{"G0", nil},
	{"G1c", []string{"G0"}},
	{"G0-realtime", []string{"G0"}},
	{"G1c-realtime", []string{"G0", "G1c", "G0-realtime"}},
}

// existSpecs are the cycle-exists checks used when a search times out,
// weakest model first; stronger models are skipped once a weaker one has a
// cycle.
var existSpecs = []struct {
	model, friendly string
	rels            cycle.Rel
	weaker          []string
	ruledOutBy      []string
}{
	{"PL-1", "read-uncommitted", cycle.WW, nil, []string{"G0"}},
	{"PL-2", "read-committed", cycle.WW | cycle.WR, []string{"PL-1"}, []string{"G0", "G1c"}},
	{"strong-PL-1", "strong-read-uncommitted", cycle.WW | cycle.Realtime, []string{"PL-1"}, []string{"G0", "G0-realtime"}},
	{"strong-PL-2", "strong-read-committed", cycle.WW | cycle.WR | cycle.Realtime, []string{"PL-1", "PL-2", "strong-PL-1"},
		[]string{"G0", "G1c", "G0-realtime", "G1c-realtime"}},
}

// cycles finds the G0, G1c and realtime cycles of the dependency graph with
// the shared cycle engine, as elle's cycle search over strict-serializable
// would, and records them in a.errors. An empty graph is reported as
// empty-transaction-graph.
func (a *analyzer) cycles() {
	g, h := a.buildGraph()
	if g.Size() == 0 {
		a.errors[TypeEmptyTransactionGraph] = true
		return
	}
	timeout := a.opts.CycleSearchTimeout
	if timeout <= 0 {
		timeout = time.Second
	}
	s := &cycle.Searcher{H: h, Data: a.explainData, Extra: cycle.Realtime, Order: h.ElleOrder()}
	for _, scc := range h.ElleSCCOrder()(g.SCCs(false)) {
		a.searchSCC(s, g.SelectVertices(scc), time.Now().Add(timeout))
	}
}

// searchSCC runs the typed searches on one strongly connected component,
// walking operations in Elle's order (Jepsen's kafka checker builds its
// graphs with Elle's op-digraph).
func (a *analyzer) searchSCC(s *cycle.Searcher, g *cycle.Graph, deadline time.Time) {
	found := map[string]bool{}
	var searched []string
	for _, ss := range specs {
		if !a.opts.WWDeps && (ss.name == "G0" || ss.name == "G0-realtime") {
			continue // without ww edges these cycles cannot exist
		}
		if slices.ContainsFunc(ss.impliedBy, func(t string) bool { return found[t] }) {
			continue
		}
		spec, _ := cycle.SpecNamed(ss.name)
		path, err := cycle.Find(g, spec, deadline, s.Order)
		if err != nil {
			add(a, TypeCycleSearchTimeout, CycleSearchTimeout{
				AnomalySpecType: ss.name, DoesNotContain: append([]string{}, searched...), SCCSize: g.Size()})
			a.cycleExists(g, found)
			return
		}
		searched = append(searched, ss.name)
		if path == nil {
			continue
		}
		c, err := s.Explain(path)
		if err != nil {
			panic(fmt.Sprintf("kafka: an edge of the dependency graph has no explanation: %v", err))
		}
		found[string(c.Type)] = true
		add(a, string(c.Type), a.fromCase(c))
	}
}

// cycleExists records the cycle-exists cases of a component whose typed
// search timed out.
func (a *analyzer) cycleExists(g *cycle.Graph, found map[string]bool) {
	has := map[string]bool{}
	for _, s := range existSpecs {
		if slices.ContainsFunc(s.weaker, func(m string) bool { return has[m] }) {
			continue
		}
		sub := g.Project(s.rels).SCCs(false)
		if len(sub) == 0 {
			continue
		}
		has[s.model] = true
		if slices.ContainsFunc(s.ruledOutBy, func(t string) bool { return found[t] }) {
			continue
		}
		t := s.model + "-cycle-exists"
		var names []string
		for _, n := range s.rels.Names() {
			names = append(names, string(n.(history.Keyword)))
		}
		add(a, t, CycleExists{Type: history.Keyword(t), Not: history.Keyword(s.friendly), Subgraph: names, SCCSize: len(sub[0]), SCC: sub[0]})
	}
}

// explainData says why y depends on x through data: a ww dependency (with
// WWDeps), else a wr dependency. Mop indices are -1 when no micro-op
// matches.
func (a *analyzer) explainData(x, y int) (cycle.Step, bool) {
	px, py := &a.parsed[x], &a.parsed[y]
	if a.opts.WWDeps {
		for _, kp := range py.writes {
			for _, p2 := range kp.Pairs {
				v1, ok := previous(a.orders[kp.Key], p2.Value)
				if w, ok2 := a.writerOf[kp.Key][v1]; ok && ok2 && w == x {
					return cycle.Step{Type: "ww", Key: kp.Key, Value: v1, Value2: p2.Value,
						AMopIndex: mopIndex(px, true, kp.Key, v1), BMopIndex: mopIndex(py, true, kp.Key, p2.Value)}, true
				}
			}
		}
	}
	for _, kp := range py.reads {
		for _, p := range kp.Pairs {
			if w, ok := a.writerOf[kp.Key][p.Value]; ok && w == x {
				return cycle.Step{Type: "wr", Key: kp.Key, Value: p.Value,
					AMopIndex: mopIndex(px, true, kp.Key, p.Value), BMopIndex: mopIndex(py, false, kp.Key, p.Value)}, true
			}
		}
	}
	return cycle.Step{}, false
}

// fromCase turns an engine cycle into the kafka checker's Cycle.
func (a *analyzer) fromCase(c cycle.Case) Cycle {
	out := Cycle{Type: c.Type, Cycle: c.Cycle}
	for _, st := range c.Steps {
		s := Step{Type: st.Type}
		switch st.Type {
		case "realtime":
			ac, bi := st.A, st.B
			s.A, s.B = &ac, &bi
		default:
			s.Key = st.Key.(string)
			v := st.Value.(int64)
			s.Value = &v
			if st.Type == "ww" {
				v2 := st.Value2.(int64)
				s.Value2 = &v2
			}
			s.AMopIndex, s.BMopIndex = optIndex(st.AMopIndex), optIndex(st.BMopIndex)
		}
		out.Steps = append(out.Steps, s)
	}
	return out
}

func optIndex(i int) *int {
	if i < 0 {
		return nil
	}
	return &i
}

// toCase turns a kafka Cycle back into the engine's form.
func toCase(c Cycle) cycle.Case {
	out := cycle.Case{Type: c.Type, Cycle: c.Cycle}
	for _, s := range c.Steps {
		st := cycle.Step{Type: s.Type, Key: s.Key, AMopIndex: -1, BMopIndex: -1}
		if s.Value != nil {
			st.Value = *s.Value
		}
		if s.Value2 != nil {
			st.Value2 = *s.Value2
		}
		if s.AMopIndex != nil {
			st.AMopIndex = *s.AMopIndex
		}
		if s.BMopIndex != nil {
			st.BMopIndex = *s.BMopIndex
		}
		if s.A != nil && s.B != nil {
			st.A, st.B = *s.A, *s.B
		}
		out.Steps = append(out.Steps, st)
	}
	return out
}

// wording renders kafka's data steps in words.
func wording(s cycle.Step, a, b string) string {
	switch s.Type {
	case "ww":
		return fmt.Sprintf("%s sent %s to %s right after %s sent %s there, in the key's log order",
			b, cycle.Pr(s.Value2), cycle.Pr(s.Key), a, cycle.Pr(s.Value))
	case "wr":
		return fmt.Sprintf("%s polled %s's send of %s to %s", b, a, cycle.Pr(s.Value), cycle.Pr(s.Key))
	}
	return fmt.Sprintf("%s precedes %s (%s)", a, b, s.Type)
}

// CycleWords explains each step of a kafka cycle in words, naming the
// operations T1, T2, ... (see cycle.Words).
func CycleWords(c Cycle) []cycle.Sentence { return cycle.Words(toCase(c), wording) }

// mopIndex returns the index of the first send (or poll) micro-op of p
// that sent (or returned) v for key k, or -1.
func mopIndex(p *parsed, send bool, k string, v int64) int {
	for i, m := range p.mops {
		if send && m.Send && m.Key == k && m.Pair.Value == v {
			return i
		}
		if !send && !m.Send {
			ps, _ := lookup(m.Polls, k)
			for _, pr := range ps {
				if pr.Value == v {
					return i
				}
			}
		}
	}
	return -1
}
