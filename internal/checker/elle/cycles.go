package elle

import (
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/glomers/glomers/internal/checker/elle/consistency"
	"github.com/glomers/glomers/internal/history"
)

// cycleSpec describes a kind of cycle the search looks for, after Elle's
// cycle anomaly specifications.
type cycleSpec struct {
	name        history.Keyword
	legal       rel   // relations the cycle may always use
	required    []rel // the cycle needs an edge in each of these
	single      rel   // exactly one edge of these (rw)
	multiple    rel   // at least two edges of these (rw)
	nonadjacent rel   // these (rw) may not follow one another
	typed       bool  // the explained cycle must have type name
}

// all returns every relation the spec may use.
func (s cycleSpec) all() rel {
	r := s.legal | s.single | s.multiple | s.nonadjacent
	for _, q := range s.required {
		r |= q
	}
	return r
}

// cycleSpecs lists the base cycle anomalies plus their -process and
// -realtime variants, in the order Elle searches them (by severity).
var cycleSpecs = func() []cycleSpec {
	data := relWW | relWWP | relWR | relWRP
	base := []cycleSpec{
		{name: "G0", legal: relWW | relWWP},
		{name: "G1c", legal: data, required: []rel{relWR | relWRP}},
		{name: "G-single-item", legal: data, single: relRW, typed: true},
		{name: "G-single", legal: data, single: anyRW, typed: true},
		{name: "G-nonadjacent-item", legal: data, nonadjacent: relRW, multiple: relRW, typed: true},
		{name: "G-nonadjacent", legal: data, nonadjacent: anyRW, multiple: anyRW, typed: true},
		{name: "G2-item", legal: data | relRW, multiple: relRW, typed: true},
		{name: "G2", legal: data | anyRW, multiple: anyRW, typed: true},
	}
	var specs []cycleSpec
	for _, s := range base {
		specs = append(specs, s)
		for _, v := range []struct {
			suffix string
			r      rel
		}{{"-process", relProcess}, {"-realtime", relRealtime}} {
			w := s
			w.name = s.name + history.Keyword(v.suffix)
			w.legal |= v.r
			w.required = append(append([]rel(nil), s.required...), v.r)
			specs = append(specs, w)
		}
	}
	sort.Slice(specs, func(i, j int) bool {
		return consistency.CompareSeverity(string(specs[i].name), string(specs[j].name)) < 0
	})
	return specs
}()

// isCycleType reports whether t names a cycle anomaly.
func isCycleType(t string) bool {
	for _, s := range cycleSpecs {
		if string(s.name) == t {
			return true
		}
	}
	return false
}

// existsSpec is a model and the subgraph that must be acyclic for it to
// hold. ext, when set, extends base by one step through ext.
type existsSpec struct {
	model     string
	base, ext rel
}

var existsSpecs = func() []existsSpec {
	ww, data, all := relWW|relWWP, relWW|relWWP|relWR|relWRP, relWW|relWWP|relWR|relWRP|anyRW
	return []existsSpec{
		{model: "PL-1", base: ww},
		{model: "PL-2", base: data},
		{model: "PL-SI", base: data, ext: anyRW},
		{model: "PL-2.99", base: data | relRW},
		{model: "PL-3", base: all},
		{model: "strong-session-PL-1", base: ww | relProcess},
		{model: "strong-session-PL-2", base: data | relProcess},
		{model: "strong-session-snapshot-isolation", base: data | relProcess, ext: anyRW},
		{model: "strong-session-serializable", base: all | relProcess},
		{model: "strong-PL-1", base: ww | relRealtime},
		{model: "strong-PL-2", base: data | relRealtime},
		{model: "strong-snapshot-isolation", base: data | relRealtime, ext: anyRW},
		{model: "PL-SS", base: all | relRealtime},
	}
}()

func (e existsSpec) typ() history.Keyword { return history.Keyword(e.model + "-cycle-exists") }

// subgraph prints the spec as Elle does: [:union :ww ...] or
// [:extension [:union ...] [:union ...]].
func (e existsSpec) subgraph() []any {
	union := func(r rel) []any { return append([]any{history.Keyword("union")}, r.names()...) }
	if e.ext == 0 {
		return union(e.base)
	}
	return []any{history.Keyword("extension"), union(e.base), union(e.ext)}
}

var errTimeout = errors.New("cycle search timed out")

// searcher finds and explains cycles in a transaction graph.
type searcher struct {
	txns    []txn
	vgs     versionGraphs
	extra   rel // relRealtime or relProcess when that graph was added
	timeout time.Duration
}

// typedCase is an anomaly case with the type it is reported under.
type typedCase struct {
	typ history.Keyword
	c   any
}

// searchSCC looks for cycle anomalies in g, one strongly connected
// component of the transaction graph.
func (s *searcher) searchSCC(g *graph) ([]typedCase, error) {
	exists := cycleExists(g, s.txns)
	redundant := impossibleCycleTypes(exists)
	var out []typedCase
	for _, e := range exists {
		out = append(out, typedCase{e.Type, e})
	}
	deadline := time.Now().Add(s.timeout)
	var searched []history.Keyword
	var found []CycleCase
	for _, spec := range cycleSpecs {
		if redundant[string(spec.name)] {
			continue
		}
		searched = append(searched, spec.name)
		c, err := s.find(g, spec, deadline)
		if errors.Is(err, errTimeout) {
			return s.timedOut(g, searched, found, out)
		}
		if err != nil {
			return nil, err
		}
		if c != nil {
			found = append(found, *c)
			for a := range consistency.AllImplied([]string{string(spec.name)}) {
				redundant[a] = true
			}
		}
	}
	for _, c := range found {
		out = append(out, typedCase{c.Type, c})
	}
	return out, nil
}

// timedOut builds the cases of a search that ran out of time: a timeout
// case, a fallback cycle, and whatever was found before.
func (s *searcher) timedOut(g *graph, searched []history.Keyword, found []CycleCase, exists []typedCase) ([]typedCase, error) {
	foundTypes := map[history.Keyword]bool{}
	for _, c := range found {
		foundTypes[c.Type] = true
	}
	notContain := []history.Keyword{}
	for _, t := range searched[:len(searched)-1] {
		if !foundTypes[t] {
			notContain = append(notContain, t)
		}
	}
	fallback, err := s.explain(fallbackCycle(g))
	if err != nil {
		return nil, err
	}
	out := []typedCase{
		{"cycle-search-timeout", TimeoutCase{
			Type:            "cycle-search-timeout",
			AnomalySpecType: searched[len(searched)-1],
			DoesNotContain:  notContain,
			SCCSize:         g.size(),
		}},
		{fallback.Type, fallback},
	}
	out = append(out, exists...)
	for _, c := range found {
		out = append(out, typedCase{c.Type, c})
	}
	return out, nil
}

// cycleExists checks, for each model in turn, whether the subgraph that
// must be acyclic under it has a cycle, skipping models already ruled out.
func cycleExists(g *graph, txns []txn) []CycleExistsCase {
	var cases []CycleExistsCase
	ruledOut := map[string]bool{}
	for _, e := range existsSpecs {
		if ruledOut[e.model] {
			continue
		}
		sg := g.project(e.base)
		if e.ext != 0 {
			sg = extend(sg, g.project(e.ext))
		}
		var comps [][]int
		for _, c := range sg.sccs(true) {
			if len(c) > 1 || sg.out[c[0]] != nil && hasEdge(sg, c[0], c[0]) {
				comps = append(comps, c)
			}
		}
		if len(comps) == 0 {
			continue
		}
		sort.SliceStable(comps, func(i, j int) bool { return len(comps[i]) < len(comps[j]) })
		scc := make(valueSet, len(comps[0]))
		for i, v := range comps[0] {
			scc[i] = int64(txns[v].op.Index)
		}
		sortValues(scc)
		cases = append(cases, CycleExistsCase{
			Type:     e.typ(),
			Not:      history.Keyword(consistency.Friendly(e.model)),
			Subgraph: e.subgraph(),
			SCCSize:  len(scc),
			SCC:      scc,
		})
		for m := range consistency.ImpossibleModels([]string{e.model}) {
			ruledOut[m] = true
		}
	}
	return cases
}

func hasEdge(g *graph, a, b int) bool { _, ok := g.out[a][b]; return ok }

// impossibleCycleTypes returns the cycle anomalies that cannot be in the
// component: those prohibited by the models whose subgraph was acyclic.
func impossibleCycleTypes(cases []CycleExistsCase) map[string]bool {
	var nots []string
	for _, c := range cases {
		nots = append(nots, string(c.Not))
	}
	impossible := consistency.ImpossibleModels(nots)
	var possible []string
	for _, e := range existsSpecs {
		if !impossible[e.model] {
			possible = append(possible, e.model)
		}
	}
	out := map[string]bool{}
	for a := range consistency.ProhibitedBy(possible) {
		if isCycleType(a) {
			out[a] = true
		}
	}
	return out
}

// fallbackCycle finds some cycle in a strongly connected graph by walking
// from its first vertex until it meets itself.
func fallbackCycle(g *graph) []int {
	start := g.vertices()[0]
	path := []int{start}
	seen := map[int]int{start: 0}
	for {
		next := g.succ(path[len(path)-1])
		for _, v := range next {
			if i, ok := seen[v]; ok {
				return append(append([]int(nil), path[i:]...), v)
			}
		}
		v := next[0]
		seen[v] = len(path)
		path = append(path, v)
	}
}

// find searches g for a cycle matching spec and explains it. It returns
// nil if there is none, or if the cycle found has another type.
func (s *searcher) find(g *graph, spec cycleSpec, deadline time.Time) (*CycleCase, error) {
	fg := g.project(spec.all())
	b := bfs{g: fg, init: newPath(spec), deadline: deadline}
	for _, v := range fg.vertices() {
		cycle, err := b.from(fg, v)
		if err != nil {
			return nil, err
		}
		if cycle == nil {
			continue
		}
		c, err := s.explain(cycle)
		if err != nil {
			return nil, err
		}
		if spec.typed && c.Type != spec.name {
			return nil, nil
		}
		return &c, nil
	}
	return nil, nil
}

// explain explains each step of a cycle and classifies it.
func (s *searcher) explain(cycle []int) (CycleCase, error) {
	c := CycleCase{Cycle: make([]history.Op, len(cycle))}
	for i, v := range cycle {
		c.Cycle[i] = s.txns[v].op
	}
	for i := 0; i+1 < len(cycle); i++ {
		st, ok := s.explainPair(cycle[i], cycle[i+1])
		if !ok {
			return c, fmt.Errorf("unable to explain the relationship between %s and %s",
				history.Readable(s.txns[cycle[i]].op), history.Readable(s.txns[cycle[i+1]].op))
		}
		c.Steps = append(c.Steps, st)
	}
	t, err := classify(c.Steps)
	c.Type = t
	return c, err
}

// explainPair says why b depends on a, trying explanations in Elle's order:
// wr, ww, rw, then realtime or process.
func (s *searcher) explainPair(a, b int) (Step, bool) {
	ta, tb := &s.txns[a], &s.txns[b]
	for _, w := range ta.writes {
		if r, ok := tb.extRead(w.key); ok && r == w.value {
			return Step{Type: "wr", Key: w.key, Value: w.value,
				AMopIndex: ta.mopIndex(true, w.key, w.value), BMopIndex: tb.mopIndex(false, w.key, w.value)}, true
		}
	}
	for _, x := range []struct {
		typ   history.Keyword
		write bool
		kvs   []kv
	}{{"ww", true, ta.writes}, {"rw", false, ta.reads}} {
		for _, e := range x.kvs {
			if _, ok := s.vgs[e.key]; !ok {
				continue
			}
			v2, ok := tb.extWrite(e.key)
			if ok && v2 != nil && s.vgs.precedes(e.key, e.value, v2) {
				return Step{Type: x.typ, Key: e.key, Value: e.value, Value2: v2,
					AMopIndex: ta.mopIndex(x.write, e.key, e.value), BMopIndex: tb.mopIndex(true, e.key, v2)}, true
			}
		}
	}
	switch s.extra {
	case relRealtime:
		if tb.pair >= 0 && ta.op.Index < s.txns[tb.pair].op.Index {
			return Step{Type: "realtime", A: ta.op, B: s.txns[tb.pair].op}, true
		}
	case relProcess:
		if ta.op.Process == tb.op.Process && ta.op.Index < tb.op.Index {
			return Step{Type: "process", Process: ta.op.Process}, true
		}
	}
	return Step{}, false
}

// classify names a cycle by its steps: one rw is G-single-item, several
// are G2-item if two are adjacent (around the cycle) and
// G-nonadjacent-item if not; otherwise a wr makes G1c and ww alone G0. A
// realtime step adds -realtime, else a process step adds -process.
func classify(steps []Step) (history.Keyword, error) {
	n := map[history.Keyword]int{}
	adjacent := false
	for i, st := range steps {
		n[st.Type]++
		prev := steps[(i+len(steps)-1)%len(steps)]
		if st.Type == "rw" && prev.Type == "rw" {
			adjacent = true
		}
	}
	var t string
	switch {
	case n["rw"] == 1:
		t = "G-single-item"
	case n["rw"] > 1 && adjacent:
		t = "G2-item"
	case n["rw"] > 1:
		t = "G-nonadjacent-item"
	case n["wr"] > 0:
		t = "G1c"
	case n["ww"] > 0:
		t = "G0"
	default:
		return "", fmt.Errorf("don't know how to classify a cycle with steps %v", stepTypes(steps))
	}
	switch {
	case n["realtime"] > 0:
		t += "-realtime"
	case n["process"] > 0:
		t += "-process"
	}
	return history.Keyword(t), nil
}

func stepTypes(steps []Step) string {
	ts := make([]string, len(steps))
	for i, s := range steps {
		ts[i] = string(s.Type)
	}
	return strings.Join(ts, " ")
}
