// Package elle checks transactional histories for consistency anomalies,
// as Elle 0.2.2 does: its rw-register checker (Check, CheckMaelstrom: the
// checker behind Maelstrom's txn-rw-register workload) and its list-append
// checker (CheckListAppend: txn-list-append).
//
// rw-register infers partial version orders for each key (nil comes first;
// a transaction's read of a key precedes its write of that key);
// list-append recovers each key's whole version order from the longest
// read. Both derive write-read, write-write and read-write dependencies
// between committed transactions (plus realtime or process order when the
// chosen models make such anomalies reportable) and search the dependency
// graph for cycles with the shared engine of package cycle (G0, G1c,
// G-single, G-nonadjacent, G2 and their -process and -realtime variants).
// They also report aborted reads (G1a), intermediate reads (G1b), internal
// inconsistencies and lost updates; rw-register cyclic version orders,
// list-append incompatible orders, duplicate elements, dirty updates and
// future reads. The consistency models given say which of those anomalies
// invalidate the history; see package consistency.
package elle

import (
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/glomers/glomers/internal/checker"
	"github.com/glomers/glomers/internal/checker/cycle"
	"github.com/glomers/glomers/internal/checker/elle/consistency"
	"github.com/glomers/glomers/internal/history"
)

// DefaultCycleSearchTimeout is how long the cycle search may spend on one
// strongly connected component of the dependency graph (Elle's default).
const DefaultCycleSearchTimeout = cycle.DefaultTimeout

// Options configure Check. The zero value is Elle's default:
// strict-serializable, with only the initial-state version inference.
type Options struct {
	// ConsistencyModels the history should satisfy. nil means Elle's
	// default, strict-serializable; an empty non-nil slice means none, so
	// only Anomalies are prohibited.
	ConsistencyModels []string
	// Anomalies to prohibit in addition, with every anomaly implying them.
	Anomalies []string
	// WFRKeys assumes writes follow reads within a transaction.
	WFRKeys bool
	// SequentialKeys infers version orders from each process's order.
	SequentialKeys bool
	// LinearizableKeys infers version orders from realtime order.
	LinearizableKeys bool
	// CycleSearchTimeout bounds the cycle search in each strongly
	// connected component; 0 means DefaultCycleSearchTimeout. When it
	// runs out, a :cycle-search-timeout case is reported.
	CycleSearchTimeout time.Duration
}

// KnownModels returns every consistency model name Check accepts, sorted.
func KnownModels() []string { return consistency.KnownModels() }

// unknownTypes make a result :unknown rather than false.
var unknownTypes = []string{"empty-transaction-graph", "cycle-search-timeout"}

func (o Options) models() []string {
	if o.ConsistencyModels == nil {
		return []string{"strict-serializable"}
	}
	return o.ConsistencyModels
}

// prohibited returns the anomaly types that make a history invalid.
func (o Options) prohibited() map[string]bool {
	p := consistency.ProhibitedBy(o.models())
	if len(o.Anomalies) > 0 {
		for a := range consistency.AllImplying(o.Anomalies) {
			p[a] = true
		}
	}
	return p
}

// validModels rejects unknown consistency model names, as Elle does.
func (o Options) validModels() error {
	for _, m := range o.models() {
		if !consistency.Known(m) {
			return fmt.Errorf("unknown consistency model %q; known models are: %s",
				m, strings.Join(KnownModels(), ", "))
		}
	}
	return nil
}

// prohibitedReportable returns the anomaly types that make a history
// invalid, and those reported: the prohibited ones plus the types that
// make a result unknown.
func (o Options) prohibitedReportable() (prohibited, reportable map[string]bool) {
	prohibited = o.prohibited()
	reportable = map[string]bool{}
	for a := range prohibited {
		reportable[a] = true
	}
	for _, a := range unknownTypes {
		reportable[a] = true
	}
	return prohibited, reportable
}

// Check runs Elle's rw-register checker on h. Only client ops are
// considered. A history Elle would reject with an exception (an unknown
// model, a malformed micro-op, one value written by two ok transactions)
// gives an Unknown result with Error set.
func Check(h []history.Op, opts Options) Result {
	r, err := check(h, opts)
	if err != nil {
		return Result{Valid: checker.Unknown, Error: err.Error()}
	}
	return r
}

func check(h []history.Op, opts Options) (Result, error) {
	if err := opts.validModels(); err != nil {
		return Result{}, err
	}
	txns, err := parseHistory(h)
	if err != nil {
		return Result{}, err
	}
	prohibited, reportable := opts.prohibitedReportable()

	vgs, cyclic := inferVersions(opts, txns)
	reads, writes := extIndex(txns, false), extIndex(txns, true)
	g, err := wrGraph(txns, reads, writes)
	if err != nil {
		return Result{}, err
	}
	g.Union(wwrwGraph(vgs, reads, writes))
	anomalies := Anomalies{}
	if len(cyclic) > 0 {
		anomalies["cyclic-versions"] = cyclic
	}
	if err := searchCycles(g, txnHistory(txns), explainer{txns, vgs}.explain, opts, reportable, anomalies); err != nil {
		return Result{}, err
	}
	if cs := internalCases(txns); len(cs) > 0 {
		anomalies["internal"] = cs
	}
	if cs := g1aCases(txns); len(cs) > 0 {
		anomalies["G1a"] = cs
	}
	if cs := g1bCases(txns); len(cs) > 0 {
		anomalies["G1b"] = cs
	}
	if cs := lostUpdateCases(txns); len(cs) > 0 {
		anomalies["lost-update"] = cs
	}
	return resultMap(anomalies, prohibited, reportable), nil
}

// searchCycles adds to g the realtime graph, or else the process graph,
// when some reportable anomaly needs it, notes an empty graph, and adds
// the cycle anomalies of every strongly connected component of g to
// anomalies.
func searchCycles(g *cycle.Graph, h *cycle.History, data cycle.Explainer, opts Options, reportable map[string]bool, anomalies Anomalies) error {
	s := &cycle.Searcher{H: h, Data: data, Timeout: opts.CycleSearchTimeout, Order: h.ElleOrder(), SCCOrder: h.ElleSCCOrder()}
	switch {
	case cycle.AnyWithSuffix(reportable, "-realtime"):
		s.Extra = cycle.Realtime
		g.Union(h.RealtimeGraph())
	case cycle.AnyWithSuffix(reportable, "-process"):
		s.Extra = cycle.Process
		g.Union(h.ProcessGraph())
	}
	if g.Size() == 0 {
		anomalies["empty-transaction-graph"] = true
	}
	cases, err := s.Search(g)
	if err != nil {
		return err
	}
	for _, c := range cases {
		addCase(anomalies, c.Type, c.Case)
	}
	return nil
}

// addCase appends c to the slice of its type in a.
func addCase(a Anomalies, t history.Keyword, c any) {
	switch x := c.(type) {
	case CycleCase:
		cs, _ := a[t].([]CycleCase)
		a[t] = append(cs, x)
	case CycleExistsCase:
		cs, _ := a[t].([]CycleExistsCase)
		a[t] = append(cs, x)
	case TimeoutCase:
		cs, _ := a[t].([]TimeoutCase)
		a[t] = append(cs, x)
	}
}

// resultMap turns the anomalies found into Elle's result map.
func resultMap(anomalies Anomalies, prohibited, reportable map[string]bool) Result {
	bad := false
	all := make([]string, 0, len(anomalies))
	rep := Anomalies{}
	for t, cs := range anomalies {
		all = append(all, string(t))
		bad = bad || prohibited[string(t)]
		if reportable[string(t)] {
			rep[t] = cs
		}
	}
	removeRedundantCycleExists(rep)
	if len(rep) == 0 {
		return Result{Valid: checker.Valid}
	}
	r := Result{Valid: checker.Unknown, Anomalies: rep, hasAnomalies: true, hasBoundary: true}
	if bad {
		r.Valid = checker.Invalid
	}
	for t := range rep {
		r.AnomalyTypes = append(r.AnomalyTypes, t)
	}
	sort.Slice(r.AnomalyTypes, func(i, j int) bool { return r.AnomalyTypes[i] < r.AnomalyTypes[j] })
	not, also := consistency.Boundary(all)
	r.Not, r.AlsoNot = keywords(not), keywords(also)
	return r
}

// removeRedundantCycleExists drops the cycle-exists cases of models that
// the other anomalies already rule out.
func removeRedundantCycleExists(a Anomalies) {
	types := map[history.Keyword]bool{}
	for t := range a {
		types[t] = true
	}
	cycle.RemoveRedundantExists(types)
	for t := range a {
		if !types[t] {
			delete(a, t)
		}
	}
}

func keywords(ss []string) []history.Keyword {
	ks := make([]history.Keyword, len(ss))
	for i, s := range ss {
		ks[i] = history.Keyword(s)
	}
	return ks
}

// CheckMaelstrom is Maelstrom's txn-rw-register checker: Check with
// writes-follow-reads inference and the given models (nil or empty means
// strict-serializable), then valid only if no reportable anomaly other than
// :cycle-search-timeout was found. So :unknown becomes false, a timeout
// alone is valid, and :anomaly-types and :anomalies are always present.
func CheckMaelstrom(h []history.Op, models []string) Result {
	if len(models) == 0 {
		models = nil
	}
	r := Check(h, Options{ConsistencyModels: models, WFRKeys: true})
	if r.Error != "" {
		return r
	}
	types := []history.Keyword{}
	for _, t := range r.AnomalyTypes {
		if t != "cycle-search-timeout" {
			types = append(types, t)
		}
	}
	if r.Anomalies != nil {
		delete(r.Anomalies, "cycle-search-timeout")
	}
	r.AnomalyTypes = types
	r.Valid = checker.Of(len(types) == 0)
	r.hasAnomalies = true
	return r
}
