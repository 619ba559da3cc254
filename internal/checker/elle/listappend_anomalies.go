package elle

import (
	"bytes"
	"encoding/json"
	"fmt"
	"sort"

	"olympos.io/encoding/edn"

	"github.com/glomers/glomers/internal/history"
)

// ellipsis is Elle's '... symbol: the unknown prefix of an expected list
// in internal cases, and the gap in dirty-update txns.
const ellipsis = edn.Symbol("...")

// AppendReadCase is a G1a (aborted read) or G1b (intermediate read) in a
// list-append history: Op's read Mop saw Element, which Writer appended
// and then aborted (G1a) or followed with another append to the same key
// (G1b).
type AppendReadCase struct {
	Op      history.Op `edn:"op" json:"op"`
	Mop     Mop        `edn:"mop" json:"mop"`
	Writer  history.Op `edn:"writer" json:"writer"`
	Element any        `edn:"element" json:"element"`
}

// FutureReadCase is a transaction whose read Mop saw Element, which the
// same transaction appends only later.
type FutureReadCase struct {
	Op      history.Op `edn:"op" json:"op"`
	Mop     Mop        `edn:"mop" json:"mop"`
	Element any        `edn:"element" json:"element"`
}

// DirtyUpdateCase is a committed append that directly follows, in Key's
// version order, an append of an aborted transaction: Values runs from
// the aborted element to the committed one, Txns is [aborted ... committed].
type DirtyUpdateCase struct {
	Key    any   `edn:"key" json:"key"`
	Values []any `edn:"values" json:"values"`
	Txns   []any `edn:"txns" json:"txns"`
}

// DuplicateElementsCase is a read Mop in Op that saw some elements more
// than once (Duplicates: element → count).
type DuplicateElementsCase struct {
	Op         history.Op `edn:"op" json:"op"`
	Mop        Mop        `edn:"mop" json:"mop"`
	Duplicates Counts     `edn:"duplicates" json:"duplicates"`
}

// Counts maps elements to how often they occur, in ascending element
// order; it prints as a map ({1 2} in EDN, {"1": 2} in JSON).
type Counts []ElementCount

// ElementCount is one entry of Counts.
type ElementCount struct {
	Element any
	Count   int
}

// MarshalEDN writes {element count ...}.
func (c Counts) MarshalEDN() ([]byte, error) {
	var b bytes.Buffer
	b.WriteByte('{')
	for i, e := range c {
		if i > 0 {
			b.WriteString(", ")
		}
		k, err := edn.Marshal(e.Element)
		if err != nil {
			return nil, err
		}
		fmt.Fprintf(&b, "%s %d", k, e.Count)
	}
	b.WriteByte('}')
	return b.Bytes(), nil
}

// MarshalJSON writes {"element": count, ...}.
func (c Counts) MarshalJSON() ([]byte, error) {
	var b bytes.Buffer
	b.WriteByte('{')
	for i, e := range c {
		if i > 0 {
			b.WriteByte(',')
		}
		k := history.Plain(e.Element)
		if s, ok := e.Element.(string); ok {
			k = s
		}
		kb, _ := json.Marshal(k)
		fmt.Fprintf(&b, "%s:%d", kb, e.Count)
	}
	b.WriteByte('}')
	return b.Bytes(), nil
}

// appendG1aCases finds ok reads that saw elements appended by failed
// transactions: one case per element.
func appendG1aCases(txns []atxn) []AppendReadCase {
	failed := writeIndex{}
	for i := range txns {
		if !txns[i].is(history.Fail) {
			continue
		}
		for _, m := range txns[i].mops {
			if m.append {
				failed.put(m.key, m.elem, i)
			}
		}
	}
	var cases []AppendReadCase
	for i := range txns {
		t := &txns[i]
		if !t.is(history.OK) {
			continue
		}
		for _, m := range t.mops {
			if m.append || failed[m.key] == nil {
				continue
			}
			for _, e := range m.list {
				if w, ok := failed.get(m.key, e); ok {
					cases = append(cases, AppendReadCase{Op: t.op, Mop: m.export(), Writer: txns[w].op, Element: e})
				}
			}
		}
	}
	return cases
}

// appendG1bCases finds ok reads whose last element another transaction
// appended and then followed with another append to the same key. The
// index covers ops of every type, invocations included; the last op in
// history order wins, so a completion reading its own intermediate append
// is fine.
func appendG1bCases(txns []atxn) []AppendReadCase {
	im := writeIndex{}
	for i := range txns {
		final := map[any]any{}
		for _, m := range txns[i].mops {
			if !m.append {
				continue
			}
			if e, ok := final[m.key]; ok {
				im.put(m.key, e, i)
			}
			final[m.key] = m.elem
		}
	}
	var cases []AppendReadCase
	for i := range txns {
		t := &txns[i]
		if !t.is(history.OK) {
			continue
		}
		for _, m := range t.mops {
			e, ok := m.last()
			if m.append || !ok {
				continue
			}
			if w, ok := im.get(m.key, e); ok && w != i {
				cases = append(cases, AppendReadCase{Op: t.op, Mop: m.export(), Writer: txns[w].op, Element: e})
			}
		}
	}
	return cases
}

// appendInternalCases finds, in each ok transaction, the first read that
// disagrees with what the transaction itself appended or read before
// (internal), and the first append of an element it already read (future
// read).
func appendInternalCases(txns []atxn) ([]InternalCase, []FutureReadCase) {
	var internal []InternalCase
	var future []FutureReadCase
	for i := range txns {
		t := &txns[i]
		if !t.is(history.OK) {
			continue
		}
		if c, ok := internalCase(t); ok {
			internal = append(internal, c)
		}
		if c, ok := futureReadCase(t); ok {
			future = append(future, c)
		}
	}
	return internal, future
}

// expectation is what a transaction knows of a key: nothing (absent), a
// read of nil (isNil), a whole list, or a list's tail after an unknown
// prefix.
type expectation struct {
	isNil   bool
	unknown bool // list is the tail after an unknown prefix
	list    []any
}

func (x expectation) export() any {
	if x.isNil {
		return nil
	}
	if x.unknown {
		return append([]any{ellipsis}, x.list...)
	}
	return append([]any{}, x.list...)
}

func internalCase(t *atxn) (InternalCase, bool) {
	state := map[any]expectation{}
	for _, m := range t.mops {
		s, known := state[m.key]
		if m.append {
			switch {
			case !known:
				s = expectation{unknown: true}
			case s.isNil:
				s = expectation{}
			}
			s.list = append(append([]any{}, s.list...), m.elem)
			state[m.key] = s
			continue
		}
		if known && !s.isNil {
			bad := false
			if s.unknown {
				i := len(m.list) - len(s.list)
				bad = m.isNil || i < 0 || listKey(m.list[i:]) != listKey(s.list)
			} else {
				bad = m.isNil || listKey(m.list) != listKey(s.list)
			}
			if bad {
				return InternalCase{Op: t.op, Mop: m.export(), Expected: s.export()}, true
			}
		}
		state[m.key] = expectation{isNil: m.isNil, list: m.list}
	}
	return InternalCase{}, false
}

func futureReadCase(t *atxn) (FutureReadCase, bool) {
	for i, m := range t.mops {
		if !m.append {
			continue
		}
		for _, r := range t.mops[:i] {
			if r.append || r.key != m.key {
				continue
			}
			for _, e := range r.list {
				if e == m.elem {
					return FutureReadCase{Op: t.op, Mop: r.export(), Element: m.elem}, true
				}
			}
		}
	}
	return FutureReadCase{}, false
}

// duplicateCases finds reads (of the given ops) that saw some element
// more than once.
func duplicateCases(txns []atxn, ops []int) []DuplicateElementsCase {
	var cases []DuplicateElementsCase
	for _, i := range ops {
		t := &txns[i]
		for _, m := range t.mops {
			if m.append || len(m.list) < 2 {
				continue
			}
			if !hasDuplicates(m.list) {
				continue
			}
			n := map[any]int{}
			for _, e := range m.list {
				n[e]++
			}
			var dups Counts
			for e, c := range n {
				if c > 1 {
					dups = append(dups, ElementCount{e, c})
				}
			}
			sort.Slice(dups, func(a, b int) bool { return lessValue(dups[a].Element, dups[b].Element) })
			cases = append(cases, DuplicateElementsCase{Op: t.op, Mop: m.export(), Duplicates: dups})
		}
	}
	return cases
}

// hasDuplicates reports whether some element occurs twice in l.
func hasDuplicates(l []any) bool {
	if len(l) > 64 {
		seen := make(map[any]bool, len(l))
		for _, e := range l {
			if seen[e] {
				return true
			}
			seen[e] = true
		}
		return false
	}
	for i := range l {
		for j := i + 1; j < len(l); j++ {
			if l[i] == l[j] {
				return true
			}
		}
	}
	return false
}

// NoWriterError says that a read saw an element no transaction appended,
// where Elle 0.2.2 fails an assertion ("No transaction wrote k v") and the
// whole check becomes unknown.
type NoWriterError struct {
	Key, Element any
	Reader       history.Op // an op whose read saw it
}

func (e *NoWriterError) Error() string {
	if e.Reader.Index < 0 {
		return fmt.Sprintf("no transaction wrote key %s element %s: the only append to key %s, of %s, was invoked but never completed "+
			"(a truncated history; Elle 0.2.2 stops here with an assertion, so the result is unknown)",
			history.Readable(e.Key), history.Readable(e.Element), history.Readable(e.Key), history.Readable(e.Element))
	}
	return fmt.Sprintf("no transaction wrote key %s element %s: op %d read %s from key %s, but no transaction (ok, info or fail) "+
		"appended that element; a node returned an element no client sent (Elle 0.2.2 stops here with an assertion, so the "+
		"result is unknown). Look at how op %d's node builds its reply for key %s",
		history.Readable(e.Key), history.Readable(e.Element), e.Reader.Index, history.Readable(e.Element),
		history.Readable(e.Key), e.Reader.Index, history.Readable(e.Key))
}

// dirtyUpdateCases finds committed appends that directly follow (perhaps
// after info ones) an aborted append in a key's version order, which is
// built from the reads of every op here, failed ones included.
func dirtyUpdateCases(txns []atxn, ops []int) ([]DirtyUpdateCase, error) {
	writer := writeIndex{}
	for _, i := range ops {
		t := &txns[i]
		if t.is(history.Invoke) {
			continue
		}
		for _, m := range t.mops {
			if m.append {
				writer.put(m.key, m.elem, i)
			}
		}
	}
	orders := appendOrders(sortedValues(txns, ops))
	var cases []DirtyUpdateCase
	for _, k := range sortedKeys(orders) {
		t1, t1Type := -1, history.OK
		var vs []any
		for _, v := range orders[k].values {
			vs = append(vs, v)
			t2, ok := writer.get(k, v)
			if !ok {
				return nil, &NoWriterError{Key: k, Element: v, Reader: firstReader(txns, ops, k, v)}
			}
			switch t2Type := txns[t2].op.Type; {
			case t2Type == history.OK && t1Type == history.Fail:
				cases = append(cases, DirtyUpdateCase{Key: k, Values: vs, Txns: []any{txns[t1].op, ellipsis, txns[t2].op}})
				fallthrough
			case t2Type == history.OK, t2Type == history.Fail && t1Type != history.Fail:
				t1, t1Type, vs = t2, t2Type, []any{v}
			}
		}
	}
	return cases, nil
}

// firstReader returns the first op whose read of k saw e.
func firstReader(txns []atxn, ops []int, k, e any) history.Op {
	for _, i := range ops {
		for _, m := range txns[i].mops {
			if m.append || m.key != k {
				continue
			}
			for _, x := range m.list {
				if x == e {
					return txns[i].op
				}
			}
		}
	}
	return history.Op{Index: -1}
}

// appendLostUpdates finds ok transactions that read the same value of a
// key (their first read of it) and then appended to it.
func appendLostUpdates(txns []atxn, ops []int) []LostUpdateCase {
	type group struct {
		key   any
		value any
		txns  []history.Op
	}
	var groups []*group
	byKV := map[any]map[string]*group{}
	for _, i := range ops {
		t := &txns[i]
		if !t.is(history.OK) {
			continue
		}
		first := map[any]amop{}
		joined := map[any]bool{}
		for _, m := range t.mops {
			r, read := first[m.key]
			if !m.append {
				if !read {
					first[m.key] = m
				}
				continue
			}
			if !read || joined[m.key] {
				continue
			}
			joined[m.key] = true
			vk := "nil"
			if !r.isNil {
				vk = listKey(r.list)
			}
			if byKV[m.key] == nil {
				byKV[m.key] = map[string]*group{}
			}
			g := byKV[m.key][vk]
			if g == nil {
				g = &group{key: m.key, value: r.export()[2]}
				byKV[m.key][vk] = g
				groups = append(groups, g)
			}
			g.txns = append(g.txns, t.op)
		}
	}
	sort.SliceStable(groups, func(i, j int) bool { return lessValue(groups[i].key, groups[j].key) })
	var cases []LostUpdateCase
	for _, g := range groups {
		if len(g.txns) >= 2 {
			cases = append(cases, LostUpdateCase{Key: g.key, Value: g.value, Txns: g.txns})
		}
	}
	return cases
}
