package elle

import (
	"fmt"
	"sort"

	"github.com/glomers/glomers/internal/checker/cycle"
	"github.com/glomers/glomers/internal/checker/scc"

	"github.com/glomers/glomers/internal/history"
)

// vgraph is one key's version graph: each value points to the values known
// to come after it. nil is the initial version.
type vgraph map[any]map[any]bool

// versionGraphs maps each key to its version graph.
type versionGraphs map[any]vgraph

func (vgs versionGraphs) link(k, a, b any) {
	vgs.add(k, a)[b] = true
	vgs.add(k, b)
}

// add makes sure k's graph has version v and returns v's successors.
func (vgs versionGraphs) add(k, v any) map[any]bool {
	vg, ok := vgs[k]
	if !ok {
		vg = vgraph{}
		vgs[k] = vg
	}
	if vg[v] == nil {
		vg[v] = map[any]bool{}
	}
	return vg[v]
}

// precedes reports whether a → b is an edge of k's version graph.
func (vgs versionGraphs) precedes(k, a, b any) bool { return vgs[k][a][b] }

func mergeVersionGraphs(a, b versionGraphs) versionGraphs {
	out := versionGraphs{}
	for _, vgs := range []versionGraphs{a, b} {
		for k, vg := range vgs {
			for v, next := range vg {
				out.add(k, v)
				for w := range next {
					out.link(k, v, w)
				}
			}
		}
	}
	return out
}

func sortedKeys[V any](m map[any]V) []any {
	ks := make([]any, 0, len(m))
	for k := range m {
		ks = append(ks, k)
	}
	sortValues(ks)
	return ks
}

// cyclicVersions returns a case for every strongly connected component of
// more than one version in any key's version graph.
func cyclicVersions(vgs versionGraphs) []CyclicVersionsCase {
	var cases []CyclicVersionsCase
	for _, k := range sortedKeys(vgs) {
		vg := vgs[k]
		comps := scc.Components(sortedKeys(vg), func(v any) []any { return sortedKeys(vg[v]) })
		var big [][]any
		for _, c := range comps {
			if len(c) > 1 {
				sortValues(c)
				big = append(big, c)
			}
		}
		sort.Slice(big, func(i, j int) bool { return lessValue(big[i][0], big[j][0]) })
		for _, c := range big {
			cases = append(cases, CyclicVersionsCase{Key: k, SCC: c})
		}
	}
	return cases
}

// inferVersions builds the version graphs from the analyzers the options
// enable, in Elle's order. An analyzer whose graphs would make some key's
// version order cyclic is dropped entirely, and the cycles are reported.
func inferVersions(opts Options, txns []txn) (versionGraphs, []CyclicVersionsCase) {
	type analyzer struct {
		name history.Keyword
		f    func() versionGraphs
	}
	as := []analyzer{{"initial-state", func() versionGraphs { return initialStateVersions(txns) }}}
	if opts.WFRKeys {
		as = append(as, analyzer{"wfr-keys", func() versionGraphs { return wfrVersions(txns) }})
	}
	if opts.SequentialKeys {
		as = append(as, analyzer{"sequential-keys", func() versionGraphs { return txnGraphVersions(txnHistory(txns).ProcessGraph(), txns) }})
	}
	if opts.LinearizableKeys {
		as = append(as, analyzer{"linearizable-keys", func() versionGraphs { return txnGraphVersions(txnHistory(txns).RealtimeGraph(), txns) }})
	}
	var sources []history.Keyword
	graphs := versionGraphs{}
	var cases []CyclicVersionsCase
	for _, a := range as {
		srcs := append(append([]history.Keyword(nil), sources...), a.name)
		merged := mergeVersionGraphs(graphs, a.f())
		if cs := cyclicVersions(merged); len(cs) > 0 {
			for _, c := range cs {
				c.Sources = srcs
				cases = append(cases, c)
			}
			continue
		}
		sources, graphs = srcs, merged
	}
	return graphs, cases
}

// initialStateVersions puts nil before every value an ok or info op wrote
// and every value an ok op read.
func initialStateVersions(txns []txn) versionGraphs {
	vgs := versionGraphs{}
	for i := range txns {
		t := &txns[i]
		if !t.is(history.OK) && !t.is(history.Info) {
			continue
		}
		kvs := t.writes
		if t.is(history.OK) {
			kvs = append(append([]kv(nil), t.writes...), t.reads...)
		}
		for _, e := range kvs {
			if e.value != nil {
				vgs.link(e.key, nil, e.value)
			}
		}
	}
	return vgs
}

// wfrVersions assumes writes follow reads inside a transaction: an ok op's
// external read of k comes before its external write of k.
func wfrVersions(txns []txn) versionGraphs {
	vgs := versionGraphs{}
	for i := range txns {
		t := &txns[i]
		if !t.is(history.OK) {
			continue
		}
		for _, r := range t.reads {
			if r.value == nil {
				continue
			}
			if w, ok := t.extWrite(r.key); ok && w != nil {
				vgs.link(r.key, r.value, w)
			}
		}
	}
	return vgs
}

// extKeys returns the keys t is known to have touched externally: reads
// and writes of an ok op, writes of an info op.
func (t *txn) extKeys() []any {
	var ks []any
	switch t.op.Type {
	case history.OK:
		for _, e := range t.reads {
			ks = append(ks, e.key)
		}
		for _, e := range t.writes {
			if _, ok := t.extRead(e.key); !ok {
				ks = append(ks, e.key)
			}
		}
	case history.Info:
		for _, e := range t.writes {
			ks = append(ks, e.key)
		}
	}
	return ks
}

// txnGraphVersions infers version orders from an order over transactions
// (process or realtime) in which every edge points forward in the history,
// assuming that if T1 < T2 then T1's versions precede T2's. For each op a
// and key k, it finds the first ops after a that touched k, and links a's
// last version of k to their first.
func txnGraphVersions(g *cycle.Graph, txns []txn) versionGraphs {
	// down[a][k] is the set of first ops after a that touched k.
	down := map[int]map[any]map[int]bool{}
	vs := g.Vertices()
	for i := len(vs) - 1; i >= 0; i-- {
		a := vs[i]
		d := map[any]map[int]bool{}
		for _, n := range g.Succ(a) {
			own := map[any]bool{}
			for _, k := range txns[n].extKeys() {
				own[k] = true
				addTo(d, k, n)
			}
			for k, bs := range down[n] {
				if own[k] {
					continue
				}
				for b := range bs {
					addTo(d, k, b)
				}
			}
		}
		down[a] = d
	}
	vgs := versionGraphs{}
	for _, a := range vs {
		ta := &txns[a]
		for _, k := range sortedKeys(down[a]) {
			v1, ok := lastVersion(ta, k)
			if !ok {
				continue
			}
			for _, b := range sortedInts(down[a][k]) {
				v2, ok := firstVersion(&txns[b], k)
				if ok && v2 != v1 {
					vgs.link(k, v1, v2)
				}
			}
		}
	}
	return vgs
}

func addTo(d map[any]map[int]bool, k any, b int) {
	if d[k] == nil {
		d[k] = map[int]bool{}
	}
	d[k][b] = true
}

func sortedInts(m map[int]bool) []int {
	out := make([]int, 0, len(m))
	for v := range m {
		out = append(out, v)
	}
	sort.Ints(out)
	return out
}

// lastVersion is the version of k that t left: an ok op's write, else its
// read (nil if it did not touch k, as in Elle), or an info op's write.
func lastVersion(t *txn, k any) (any, bool) {
	switch t.op.Type {
	case history.OK:
		if w, ok := t.extWrite(k); ok && w != nil {
			return w, true
		}
		r, _ := t.extRead(k)
		return r, true
	case history.Info:
		return t.extWrite(k)
	}
	return nil, false
}

// firstVersion is the version of k that t first saw: an ok op's non-nil
// read, else its write (else nil), or an info op's write.
func firstVersion(t *txn, k any) (any, bool) {
	switch t.op.Type {
	case history.OK:
		if r, ok := t.extRead(k); ok && r != nil {
			return r, true
		}
		w, _ := t.extWrite(k)
		return w, true
	case history.Info:
		return t.extWrite(k)
	}
	return nil, false
}

// index maps key → value → positions of the ok ops that externally read
// (or wrote) that value.
type index map[any]map[any][]int

func extIndex(txns []txn, writes bool) index {
	idx := index{}
	for i := range txns {
		t := &txns[i]
		if !t.is(history.OK) {
			continue
		}
		kvs := t.reads
		if writes {
			kvs = t.writes
		}
		for _, e := range kvs {
			if idx[e.key] == nil {
				idx[e.key] = map[any][]int{}
			}
			idx[e.key][e.value] = append(idx[e.key][e.value], i)
		}
	}
	return idx
}

// wrGraph links the single ok writer of each value to every ok op that
// externally read it. A value with several ok writers is an error, as in
// Elle.
func wrGraph(txns []txn, reads, writes index) (*cycle.Graph, error) {
	g := cycle.NewGraph()
	for _, k := range sortedKeys(reads) {
		for _, v := range sortedKeys(reads[k]) {
			ws := writes[k][v]
			switch {
			case len(ws) == 1:
				for _, r := range reads[k][v] {
					g.Link(ws[0], r, cycle.WR)
				}
			case len(ws) > 1:
				ops := make([]string, len(ws))
				for i, w := range ws {
					ops[i] = history.Readable(txns[w].op)
				}
				return nil, fmt.Errorf("key %s had value %s written by more than one op: %v",
					history.Readable(k), history.Readable(v), ops)
			}
		}
	}
	return g, nil
}

// wwrwGraph derives ww and rw edges from the version graphs: for each
// version edge v1 → v2 of a key, the writers of v1 precede the writers of
// v2 (ww) and the readers of v1 precede the writers of v2 (rw). Self-edges
// are dropped but their vertex stays, as in Elle.
func wwrwGraph(vgs versionGraphs, reads, writes index) *cycle.Graph {
	g := cycle.NewGraph()
	link := func(as, bs []int, r cycle.Rel) {
		if len(as) == 0 || len(bs) == 0 {
			return
		}
		for _, a := range as {
			for _, b := range bs {
				if a == b {
					g.AddVertex(a)
				} else {
					g.Link(a, b, r)
				}
			}
		}
	}
	for k, vg := range vgs {
		for v1, next := range vg {
			for v2 := range next {
				link(writes[k][v1], writes[k][v2], cycle.WW)
				link(reads[k][v1], writes[k][v2], cycle.RW)
			}
		}
	}
	return g
}
