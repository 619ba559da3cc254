package elle

import (
	"encoding/json"
	"fmt"
	"sort"
	"strconv"
	"strings"

	"olympos.io/encoding/edn"

	"github.com/glomers/glomers/internal/checker"
	"github.com/glomers/glomers/internal/checker/cycle"
	"github.com/glomers/glomers/internal/checker/hashorder"
	"github.com/glomers/glomers/internal/history"
)

// Init is Elle's marker for the initial, empty state of a list, as it
// appears in the rw steps of list-append cycles.
const Init history.Keyword = "elle.list-append/init"

// amop is a parsed list-append micro-op: an append of elem to key, or a
// read of key that saw list (nil, and isNil set, for a read of null).
type amop struct {
	append bool
	key    any
	elem   any
	list   []any
	isNil  bool
}

// last returns a read's last element, or false for an empty read.
func (m amop) last() (any, bool) {
	if len(m.list) == 0 {
		return nil, false
	}
	return m.list[len(m.list)-1], true
}

// export returns the micro-op as reported in anomalies.
func (m amop) export() Mop {
	if m.append {
		return Mop{history.Keyword("append"), m.key, m.elem}
	}
	if m.isNil {
		return Mop{history.Keyword("r"), m.key, nil}
	}
	return Mop{history.Keyword("r"), m.key, append([]any{}, m.list...)}
}

// atxn is one client operation of a list-append history.
type atxn struct {
	op   history.Op
	mops []amop
}

func (t *atxn) is(ty history.Type) bool { return t.op.Type == ty }

// appendIndex returns the position in t of the first append of e to k,
// or -1 (Elle's index-of).
func (t *atxn) appendIndex(k, e any) int {
	for i, m := range t.mops {
		if m.append && m.key == k && m.elem == e {
			return i
		}
	}
	return -1
}

// parseAppends keeps the client ops of h and parses their micro-ops.
func parseAppends(h []history.Op) ([]atxn, error) {
	txns := make([]atxn, 0, len(h))
	var bad []string
	for _, op := range h {
		if !op.IsClient() {
			continue
		}
		t := atxn{op: op}
		if err := t.parse(); err != nil {
			if len(bad) < 8 {
				bad = append(bad, fmt.Sprintf("op %d (%v)", op.Index, err))
			}
			continue
		}
		txns = append(txns, t)
	}
	if len(bad) > 0 {
		return nil, fmt.Errorf("history contained operations other than appends or reads: %s", strings.Join(bad, "; "))
	}
	return txns, nil
}

func (t *atxn) parse() error {
	if t.op.Value == nil {
		return nil
	}
	ms, ok := t.op.Value.([]any)
	if !ok {
		return fmt.Errorf("transaction must be a list of micro-ops, got %T", t.op.Value)
	}
	t.mops = make([]amop, len(ms))
	for i, x := range ms {
		m, err := parseAppendMop(x)
		if err != nil {
			return err
		}
		t.mops[i] = m
	}
	return nil
}

func parseAppendMop(x any) (amop, error) {
	xs, ok := x.([]any)
	if !ok || len(xs) < 2 || len(xs) > 3 {
		return amop{}, fmt.Errorf("micro-op must be [f key value], got %s", history.Readable(x))
	}
	var f string
	switch y := xs[0].(type) {
	case string:
		f = strings.TrimPrefix(y, ":")
	case history.Keyword:
		f = string(y)
	}
	var v any
	if len(xs) == 3 {
		v = xs[2]
	}
	k := element(xs[1])
	switch f {
	case "append":
		return amop{append: true, key: k, elem: element(v)}, nil
	case "r":
		if v == nil {
			return amop{key: k, isNil: true}, nil
		}
		l, ok := v.([]any)
		if !ok {
			return amop{}, fmt.Errorf("a read must return a list or null, got %s", history.Readable(x))
		}
		list := make([]any, len(l))
		for i, e := range l {
			list[i] = element(e)
		}
		return amop{key: k, list: list}, nil
	}
	return amop{}, fmt.Errorf("micro-op function must be r or append, got %s", history.Readable(x))
}

// element makes a key or list element comparable: integers of every
// representation become int64; strings, keywords, booleans and other
// numbers stay; anything else (lists, maps) becomes its JSON text.
func element(x any) any {
	if v, err := normalize(x); err == nil {
		return v
	}
	switch y := x.(type) {
	case bool, float64:
		return y
	}
	b, err := json.Marshal(x)
	if err != nil {
		return fmt.Sprint(x)
	}
	return rawValue(b)
}

// rawValue is a JSON value that is neither a number nor a string, kept as
// its text so it can be compared; it prints as the value it holds.
type rawValue string

// MarshalJSON writes the value itself.
func (r rawValue) MarshalJSON() ([]byte, error) { return []byte(r), nil }

// MarshalEDN writes the value as EDN.
func (r rawValue) MarshalEDN() ([]byte, error) {
	var v any
	if err := json.Unmarshal([]byte(r), &v); err != nil {
		return nil, err
	}
	return edn.Marshal(v)
}

// CheckListAppend runs Elle's list-append checker on h, as Maelstrom's
// txn-list-append workload does (Elle's result map unchanged). Only client
// ops are considered. A history Elle would reject with an exception (an
// unknown model, a micro-op other than r and append, one element appended
// twice to a key, a read of an element nobody appended) gives an Unknown
// result with Error set.
func CheckListAppend(h []history.Op, opts Options) Result {
	r, err := checkListAppend(h, opts)
	if err != nil {
		return Result{Valid: checker.Unknown, Error: err.Error()}
	}
	return r
}

func checkListAppend(h []history.Op, opts Options) (Result, error) {
	if err := opts.validModels(); err != nil {
		return Result{}, err
	}
	txns, err := parseAppends(h)
	if err != nil {
		return Result{}, err
	}
	if err := uniqueAppends(txns); err != nil {
		return Result{}, err
	}
	prohibited, reportable := opts.prohibitedReportable()

	all := make([]int, len(txns))
	var possible []int
	for i := range txns {
		all[i] = i
		if txns[i].is(history.OK) || txns[i].is(history.Info) {
			possible = append(possible, i)
		}
	}
	anomalies := Anomalies{}
	dirty, err := dirtyUpdateCases(txns, all)
	if err != nil {
		return Result{}, err
	}

	sv := sortedValues(txns, possible)
	orders := appendOrders(sv)
	lg := newListGraph(txns, possible, orders)
	if err := searchCycles(lg.graph(), appendHistory(txns), lg.explain, opts, reportable, anomalies); err != nil {
		return Result{}, err
	}
	if cs := duplicateCases(txns, possible); len(cs) > 0 {
		anomalies["duplicate-elements"] = cs
	}
	if cs := incompatibleOrders(sv); len(cs) > 0 {
		anomalies["incompatible-order"] = cs
	}
	internal, future := appendInternalCases(txns)
	if len(internal) > 0 {
		anomalies["internal"] = internal
	}
	if len(future) > 0 {
		anomalies["future-read"] = future
	}
	if len(dirty) > 0 {
		anomalies["dirty-update"] = dirty
	}
	if cs := appendG1aCases(txns); len(cs) > 0 {
		anomalies["G1a"] = cs
	}
	if cs := appendG1bCases(txns); len(cs) > 0 {
		anomalies["G1b"] = cs
	}
	if cs := appendLostUpdates(txns, possible); len(cs) > 0 {
		anomalies["lost-update"] = cs
	}
	return resultMap(anomalies, prohibited, reportable), nil
}

// appendHistory gives the cycle engine the list-append ops and pairs.
func appendHistory(txns []atxn) *cycle.History {
	ops := make([]history.Op, len(txns))
	for i := range txns {
		ops[i] = txns[i].op
	}
	return cycle.NewHistory(ops)
}

// DuplicateAppendsError is Elle's :duplicate-appends exception: an
// invocation appended an element that an earlier invocation had already
// appended to the same key, which breaks the version-order inference.
type DuplicateAppendsError struct {
	Op         history.Op
	Key, Value any
}

func (e *DuplicateAppendsError) Error() string {
	return fmt.Sprintf("duplicate-appends: op %d appends %s to key %s, which an earlier transaction already appended; "+
		"list-append needs every appended element to be unique per key (value %s appended to key %s multiple times!)",
		e.Op.Index, history.Readable(e.Value), history.Readable(e.Key), history.Readable(e.Value), history.Readable(e.Key))
}

// uniqueAppends checks that no invocation appends an element an earlier
// invocation appended to the same key (completions are not checked, as
// in Elle).
func uniqueAppends(txns []atxn) error {
	seen := map[any]map[any]bool{}
	for i := range txns {
		t := &txns[i]
		if !t.is(history.Invoke) {
			continue
		}
		for _, m := range t.mops {
			if !m.append {
				continue
			}
			if seen[m.key] == nil {
				seen[m.key] = map[any]bool{}
			}
			if seen[m.key][m.elem] {
				return &DuplicateAppendsError{Op: t.op, Key: m.key, Value: m.elem}
			}
			seen[m.key][m.elem] = true
		}
	}
	return nil
}

// listKey is a comparable form of a list of elements: their JSON text
// (written directly for the usual integers).
func listKey(l []any) string {
	b := make([]byte, 0, 4*len(l)+2)
	b = append(b, '[')
	for i, e := range l {
		if i > 0 {
			b = append(b, ',')
		}
		n, ok := e.(int64)
		if !ok {
			j, _ := json.Marshal(l)
			return string(j)
		}
		b = strconv.AppendInt(b, n, 10)
	}
	return string(append(b, ']'))
}

// sortedValues returns, for each key, the distinct non-empty lists that
// reads of the given ops saw, sorted by length (ties as Elle's hash set
// orders them, see sortReads); a key never read non-empty but appended exactly once gets
// the one-element list of that append (Elle's single-append shortcut).
func sortedValues(txns []atxn, ops []int) map[any][][]any {
	out := map[any][][]any{}
	seen := map[any]map[string]bool{}
	appends := map[any][]any{}
	for _, i := range ops {
		for _, m := range txns[i].mops {
			if m.append {
				appends[m.key] = append(appends[m.key], m.elem)
				continue
			}
			if len(m.list) == 0 {
				continue
			}
			lk := listKey(m.list)
			if seen[m.key] == nil {
				seen[m.key] = map[string]bool{}
			}
			if !seen[m.key][lk] {
				seen[m.key][lk] = true
				out[m.key] = append(out[m.key], m.list)
			}
		}
	}
	for k, es := range appends {
		if _, read := out[k]; !read && len(es) == 1 {
			out[k] = [][]any{{es[0]}}
		}
	}
	for _, vs := range out {
		sortReads(vs)
	}
	return out
}

// sortReads sorts a key's distinct reads (in order of first appearance) by
// length, and reads of equal length in the order Elle's Clojure hash set
// iterates them, when every element is an integer, string, boolean or nil
// (otherwise by first appearance).
func sortReads(vs [][]any) {
	hashes := make([]uint32, len(vs))
	known := true
	for i, v := range vs {
		h, ok := hashorder.List(v)
		hashes[i], known = h, known && ok
	}
	idx := make([]int, len(vs))
	for i := range idx {
		idx[i] = i
	}
	sort.SliceStable(idx, func(a, b int) bool {
		x, y := idx[a], idx[b]
		if len(vs[x]) != len(vs[y]) {
			return len(vs[x]) < len(vs[y])
		}
		return known && hashorder.ClojureLess(hashes[x], hashes[y])
	})
	sorted := make([][]any, len(vs))
	for i, j := range idx {
		sorted[i] = vs[j]
	}
	copy(vs, sorted)
}

// order is one key's version order: the elements of its longest read,
// duplicates dropped, and each element's position.
type order struct {
	values []any
	pos    map[any]int
}

// appendOrders builds each key's version order from its sorted values.
func appendOrders(sv map[any][][]any) map[any]*order {
	out := make(map[any]*order, len(sv))
	for k, vs := range sv {
		o := &order{pos: map[any]int{}}
		for _, e := range vs[len(vs)-1] {
			if _, dup := o.pos[e]; !dup {
				o.pos[e] = len(o.values)
				o.values = append(o.values, e)
			}
		}
		out[k] = o
	}
	return out
}

// IncompatibleOrderCase is a key whose reads cannot come from one order
// of appends: neither of Values is a prefix of the other.
type IncompatibleOrderCase struct {
	Key    any     `edn:"key" json:"key"`
	Values [][]any `edn:"values" json:"values"`
}

// incompatibleOrders compares each key's sorted values pairwise in order
// and reports the first pair where the shorter is not a prefix of the
// longer. Keys come in sorted order.
func incompatibleOrders(sv map[any][][]any) []IncompatibleOrderCase {
	var cases []IncompatibleOrderCase
	for _, k := range sortedKeys(sv) {
		vs := sv[k]
		for i := 0; i+1 < len(vs); i++ {
			if !isPrefix(vs[i], vs[i+1]) {
				cases = append(cases, IncompatibleOrderCase{Key: k, Values: [][]any{vs[i], vs[i+1]}})
				break
			}
		}
	}
	return cases
}

func isPrefix(a, b []any) bool {
	if len(a) > len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}
