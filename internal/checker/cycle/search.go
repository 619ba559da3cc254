package cycle

import (
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/glomers/glomers/internal/checker/elle/consistency"
	"github.com/glomers/glomers/internal/checker/hashorder"
	"github.com/glomers/glomers/internal/history"
)

// DefaultTimeout is how long the cycle search may spend on one strongly
// connected component (Elle's default).
const DefaultTimeout = time.Second

// Spec describes a kind of cycle the search looks for, after Elle's cycle
// anomaly specifications.
type Spec struct {
	Name        history.Keyword
	legal       Rel   // relations the cycle may always use
	required    []Rel // the cycle needs an edge in each of these
	single      Rel   // exactly one edge of these (rw)
	multiple    Rel   // at least two edges of these (rw)
	nonadjacent Rel   // these (rw) may not follow one another
	typed       bool  // the explained cycle must have type Name
}

// all returns every relation the spec may use.
func (s Spec) all() Rel {
	r := s.legal | s.single | s.multiple | s.nonadjacent
	for _, q := range s.required {
		r |= q
	}
	return r
}

// possibleWith reports whether a graph whose edges carry only the
// relations in present can hold such a cycle: it needs an edge of every
// required group, and rw edges if it must have one or more. Elle searches
// anyway, and on a large component its search of paths that can never
// close then runs until the timeout; skipping it finds the same cycles.
func (s Spec) possibleWith(present Rel) bool {
	for _, r := range s.required {
		if present&r == 0 {
			return false
		}
	}
	if rw := s.single | s.multiple; rw != 0 && present&rw == 0 {
		return false
	}
	return true
}

// Specs lists the base cycle anomalies plus their -process and -realtime
// variants, in the order Elle searches them (by severity).
var Specs = func() []Spec {
	data := WW | WWP | WR | WRP
	base := []Spec{
		{Name: "G0", legal: WW | WWP},
		{Name: "G1c", legal: data, required: []Rel{WR | WRP}},
		{Name: "G-single-item", legal: data, single: RW, typed: true},
		{Name: "G-single", legal: data, single: AnyRW, typed: true},
		{Name: "G-nonadjacent-item", legal: data, nonadjacent: RW, multiple: RW, typed: true},
		{Name: "G-nonadjacent", legal: data, nonadjacent: AnyRW, multiple: AnyRW, typed: true},
		{Name: "G2-item", legal: data | RW, multiple: RW, typed: true},
		{Name: "G2", legal: data | AnyRW, multiple: AnyRW, typed: true},
	}
	var specs []Spec
	for _, s := range base {
		specs = append(specs, s)
		for _, v := range []struct {
			suffix string
			r      Rel
		}{{"-process", Process}, {"-realtime", Realtime}} {
			w := s
			w.Name = s.Name + history.Keyword(v.suffix)
			w.legal |= v.r
			w.required = append(append([]Rel(nil), s.required...), v.r)
			specs = append(specs, w)
		}
	}
	sort.Slice(specs, func(i, j int) bool {
		return consistency.CompareSeverity(string(specs[i].Name), string(specs[j].Name)) < 0
	})
	return specs
}()

// SpecNamed returns the spec of a cycle anomaly type.
func SpecNamed(name string) (Spec, bool) {
	for _, s := range Specs {
		if string(s.Name) == name {
			return s, true
		}
	}
	return Spec{}, false
}

// IsCycleType reports whether t names a cycle anomaly.
func IsCycleType(t string) bool {
	_, ok := SpecNamed(t)
	return ok
}

// AnyWithSuffix reports whether some cycle anomaly type in set ends with
// suffix (-realtime or -process): whether that graph must be built.
func AnyWithSuffix(set map[string]bool, suffix string) bool {
	for _, s := range Specs {
		if set[string(s.Name)] && strings.HasSuffix(string(s.Name), suffix) {
			return true
		}
	}
	return false
}

// existsSpec is a model and the subgraph that must be acyclic for it to
// hold. ext, when set, extends base by one step through ext.
type existsSpec struct {
	model     string
	base, ext Rel
}

var existsSpecs = func() []existsSpec {
	ww, data, all := WW|WWP, WW|WWP|WR|WRP, WW|WWP|WR|WRP|AnyRW
	return []existsSpec{
		{model: "PL-1", base: ww},
		{model: "PL-2", base: data},
		{model: "PL-SI", base: data, ext: AnyRW},
		{model: "PL-2.99", base: data | RW},
		{model: "PL-3", base: all},
		{model: "strong-session-PL-1", base: ww | Process},
		{model: "strong-session-PL-2", base: data | Process},
		{model: "strong-session-snapshot-isolation", base: data | Process, ext: AnyRW},
		{model: "strong-session-serializable", base: all | Process},
		{model: "strong-PL-1", base: ww | Realtime},
		{model: "strong-PL-2", base: data | Realtime},
		{model: "strong-snapshot-isolation", base: data | Realtime, ext: AnyRW},
		{model: "PL-SS", base: all | Realtime},
	}
}()

func (e existsSpec) typ() history.Keyword { return history.Keyword(e.model + "-cycle-exists") }

// subgraph prints the spec as Elle does: [:union :ww ...] or
// [:extension [:union ...] [:union ...]].
func (e existsSpec) subgraph() []any {
	union := func(r Rel) []any { return append([]any{history.Keyword("union")}, r.Names()...) }
	if e.ext == 0 {
		return union(e.base)
	}
	return []any{history.Keyword("extension"), union(e.base), union(e.ext)}
}

// RemoveRedundantExists drops from types the cycle-exists types of models
// that the other anomalies already rule out, as Elle's result map does.
func RemoveRedundantExists(types map[history.Keyword]bool) {
	var others []string
	for t := range types {
		if !strings.HasSuffix(string(t), "-cycle-exists") {
			others = append(others, string(t))
		}
	}
	impossible := consistency.RuledOut(others)
	for _, e := range existsSpecs {
		if impossible[e.model] {
			delete(types, e.typ())
		}
	}
}

// ErrTimeout is returned by Find when the deadline passes.
var ErrTimeout = errors.New("cycle search timed out")

// Explainer says why operation b depends on operation a through a data
// dependency (ww, wr or rw), trying the relations in the checker's own
// order, or false if it cannot.
type Explainer func(a, b int) (Step, bool)

// Searcher finds and explains cycles in a transaction graph.
type Searcher struct {
	H       *History
	Data    Explainer
	Extra   Rel // Realtime or Process when that graph was added
	Timeout time.Duration
	Order   Order // how the search walks vertices; nil is ascending position
	// SCCOrder orders the strongly connected components searched; nil is
	// by smallest vertex.
	SCCOrder func(comps [][]int) [][]int
}

// Typed is an anomaly case with the type it is reported under: a Case,
// an ExistsCase or a TimeoutCase.
type Typed struct {
	Type history.Keyword
	Case any
}

// Search looks for cycle anomalies in every strongly connected component
// of g, in the order SCCOrder gives (by smallest vertex if nil).
func (s *Searcher) Search(g *Graph) ([]Typed, error) {
	var out []Typed
	comps := g.SCCs(false)
	if s.SCCOrder != nil {
		comps = s.SCCOrder(comps)
	}
	for _, c := range comps {
		cs, err := s.SearchSCC(g.SelectVertices(c))
		if err != nil {
			return nil, err
		}
		out = append(out, cs...)
	}
	return out, nil
}

// SearchSCC looks for cycle anomalies in g, one strongly connected
// component of the transaction graph: at most one cycle per type, typed
// searches in Elle's severity order, a type skipped once a type implying it
// was found or the cycle-exists pass ruled it out.
func (s *Searcher) SearchSCC(g *Graph) ([]Typed, error) {
	exists := s.cycleExists(g)
	redundant := impossibleCycleTypes(exists)
	var out []Typed
	for _, e := range exists {
		out = append(out, Typed{e.Type, e})
	}
	timeout := s.Timeout
	if timeout <= 0 {
		timeout = DefaultTimeout
	}
	deadline := time.Now().Add(timeout)
	present := g.rels()
	var searched []history.Keyword
	var found []Case
	for _, spec := range Specs {
		if redundant[string(spec.Name)] {
			continue
		}
		searched = append(searched, spec.Name)
		if !spec.possibleWith(present) {
			continue // e.g. a -process cycle where no process edge exists
		}
		c, err := s.find(g, spec, deadline)
		if errors.Is(err, ErrTimeout) {
			return s.timedOut(g, searched, found, out)
		}
		if err != nil {
			return nil, err
		}
		if c != nil {
			found = append(found, *c)
			for a := range consistency.AllImplied([]string{string(spec.Name)}) {
				redundant[a] = true
			}
		}
	}
	for _, c := range found {
		out = append(out, Typed{c.Type, c})
	}
	return out, nil
}

// timedOut builds the cases of a search that ran out of time: a timeout
// case, a fallback cycle, and whatever was found before.
func (s *Searcher) timedOut(g *Graph, searched []history.Keyword, found []Case, exists []Typed) ([]Typed, error) {
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
	fallback, err := s.Explain(fallbackCycle(g))
	if err != nil {
		return nil, err
	}
	out := []Typed{
		{"cycle-search-timeout", TimeoutCase{
			Type:            "cycle-search-timeout",
			AnomalySpecType: searched[len(searched)-1],
			DoesNotContain:  notContain,
			SCCSize:         g.Size(),
		}},
		{fallback.Type, fallback},
	}
	out = append(out, exists...)
	for _, c := range found {
		out = append(out, Typed{c.Type, c})
	}
	return out, nil
}

// cycleExists checks, for each model in turn, whether the subgraph that
// must be acyclic under it has a cycle, skipping models already ruled out.
func (s *Searcher) cycleExists(g *Graph) []ExistsCase {
	var cases []ExistsCase
	ruledOut := map[string]bool{}
	for _, e := range existsSpecs {
		if ruledOut[e.model] {
			continue
		}
		sg := g.Project(e.base)
		if e.ext != 0 {
			sg = extend(sg, g.Project(e.ext))
		}
		var comps [][]int
		for _, c := range sg.SCCs(true) {
			if len(c) > 1 || sg.HasEdge(c[0], c[0]) {
				comps = append(comps, c)
			}
		}
		if len(comps) == 0 {
			continue
		}
		sort.SliceStable(comps, func(i, j int) bool { return len(comps[i]) < len(comps[j]) })
		idx := make([]int, len(comps[0]))
		for i, v := range comps[0] {
			idx[i] = s.H.Ops[v].Index
		}
		sort.Ints(idx)
		set := make(ValueSet, len(idx))
		for i, x := range idx {
			set[i] = int64(x)
		}
		cases = append(cases, ExistsCase{
			Type:     e.typ(),
			Not:      history.Keyword(consistency.Friendly(e.model)),
			Subgraph: e.subgraph(),
			SCCSize:  len(set),
			SCC:      set,
		})
		for m := range consistency.ImpossibleModels([]string{e.model}) {
			ruledOut[m] = true
		}
	}
	return cases
}

// impossibleCycleTypes returns the cycle anomalies that cannot be in the
// component: those prohibited by the models whose subgraph was acyclic.
func impossibleCycleTypes(cases []ExistsCase) map[string]bool {
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
		if IsCycleType(a) {
			out[a] = true
		}
	}
	return out
}

// fallbackCycle finds some cycle in a strongly connected graph by walking
// from its first vertex until it meets itself.
func fallbackCycle(g *Graph) []int {
	start := g.Vertices()[0]
	path := []int{start}
	seen := map[int]int{start: 0}
	for {
		next := g.Succ(path[len(path)-1])
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
func (s *Searcher) find(g *Graph, spec Spec, deadline time.Time) (*Case, error) {
	cycle, err := Find(g, spec, deadline, s.Order)
	if err != nil || cycle == nil {
		return nil, err
	}
	c, err := s.Explain(cycle)
	if err != nil {
		return nil, err
	}
	if spec.typed && c.Type != spec.Name {
		return nil, nil
	}
	return &c, nil
}

// Order arranges vertices for the cycle search; nil means ascending
// position.
type Order func(vs []int) []int

// Descending orders vertices from the highest position down.
func Descending(vs []int) []int {
	out := append([]int(nil), vs...)
	sort.Sort(sort.Reverse(sort.IntSlice(out)))
	return out
}

// ElleOrder is the order in which Elle walks a graph's vertices and each
// vertex's successors: the iteration order of the bifurcan hash sets its
// graphs keep them in, operations hashed by their index.
func (h *History) ElleOrder() Order {
	hashes := make([]int32, len(h.Ops))
	for i, op := range h.Ops {
		hashes[i] = int32(hashorder.Long(int64(op.Index)))
	}
	hash := func(v int) int32 { return hashes[v] }
	return func(vs []int) []int { return hashorder.Bifurcan(vs, hash) }
}

// ElleSCCOrder is the order in which Elle searches the strongly connected
// components of its graph: the iteration order of the bifurcan hash set
// holding them, each component hashed by the sum of its operations'
// hashes.
func (h *History) ElleSCCOrder() func(comps [][]int) [][]int {
	return func(comps [][]int) [][]int {
		idx := make([]int, len(comps))
		for i := range idx {
			idx[i] = i
		}
		hash := func(i int) int32 {
			var sum int32
			for _, v := range comps[i] {
				sum += int32(hashorder.Long(int64(h.Ops[v].Index)))
			}
			return sum
		}
		out := make([][]int, 0, len(comps))
		for _, i := range hashorder.Bifurcan(idx, hash) {
			out = append(out, comps[i])
		}
		return out
	}
}

// Find returns the first cycle matching spec that a breadth-first search
// from each vertex of g in turn finds, walking vertices and successors in
// the given order, as a list of vertices whose first and last are the
// same; nil if there is none; ErrTimeout after the deadline.
func Find(g *Graph, spec Spec, deadline time.Time, order Order) ([]int, error) {
	fg := g.Project(spec.all())
	b := bfs{g: fg, init: newPath(spec), deadline: deadline, order: order}
	vs := fg.Vertices()
	if order != nil {
		vs = order(vs)
	}
	for _, v := range vs {
		cycle, err := b.from(fg, v)
		if err != nil || cycle != nil {
			return cycle, err
		}
	}
	return nil, nil
}

// Explain explains each step of a cycle of vertices and classifies it.
func (s *Searcher) Explain(cycle []int) (Case, error) {
	c := Case{Cycle: make([]history.Op, len(cycle))}
	for i, v := range cycle {
		c.Cycle[i] = s.H.Ops[v]
	}
	for i := 0; i+1 < len(cycle); i++ {
		st, ok := s.explainPair(cycle[i], cycle[i+1])
		if !ok {
			return c, fmt.Errorf("unable to explain the relationship between %s and %s",
				history.Readable(s.H.Ops[cycle[i]]), history.Readable(s.H.Ops[cycle[i+1]]))
		}
		c.Steps = append(c.Steps, st)
	}
	t, err := Classify(c.Steps)
	c.Type = t
	return c, err
}

// explainPair says why b depends on a: a data dependency first, then
// realtime or process order when that graph is in use.
func (s *Searcher) explainPair(a, b int) (Step, bool) {
	if st, ok := s.Data(a, b); ok {
		return st, true
	}
	ta, tb := s.H.Ops[a], s.H.Ops[b]
	switch s.Extra {
	case Realtime:
		if p := s.H.Pair[b]; p >= 0 && ta.Index < s.H.Ops[p].Index {
			return Step{Type: "realtime", A: ta, B: s.H.Ops[p]}, true
		}
	case Process:
		if ta.Process == tb.Process && ta.Index < tb.Index {
			return Step{Type: "process", Process: ta.Process}, true
		}
	}
	return Step{}, false
}

// Classify names a cycle by its steps: one rw is G-single-item, several
// are G2-item if two are adjacent (around the cycle) and
// G-nonadjacent-item if not; otherwise a wr makes G1c and ww alone G0. A
// realtime step adds -realtime, else a process step adds -process.
func Classify(steps []Step) (history.Keyword, error) {
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
