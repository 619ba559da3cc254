package elle

import "github.com/glomers/glomers/internal/history"

// internalCases finds ok transactions that read, for some key, a value
// other than the one they last wrote or read. As in Elle 0.2.2, a
// remembered nil is never compared, so [r k nil] [r k 1] is not flagged.
func internalCases(txns []txn) []InternalCase {
	var cases []InternalCase
	for i := range txns {
		t := &txns[i]
		if !t.is(history.OK) {
			continue
		}
		state := map[any]any{}
		for _, m := range t.mops {
			if !m.write {
				if s := state[m.key]; s != nil && s != m.value {
					cases = append(cases, InternalCase{Op: t.op, Mop: m.export(), Expected: s})
					break
				}
			}
			state[m.key] = m.value
		}
	}
	return cases
}

// writeIndex maps key → value → position of an op that wrote it.
type writeIndex map[any]map[any]int

func (w writeIndex) put(k, v any, i int) {
	if w[k] == nil {
		w[k] = map[any]int{}
	}
	w[k][v] = i
}

func (w writeIndex) get(k, v any) (int, bool) {
	i, ok := w[k][v]
	return i, ok
}

// failedWrites indexes every write micro-op of failed ops.
func failedWrites(txns []txn) writeIndex {
	w := writeIndex{}
	for i := range txns {
		if txns[i].is(history.Fail) {
			for _, m := range txns[i].mops {
				if m.write {
					w.put(m.key, m.value, i)
				}
			}
		}
	}
	return w
}

// intermediateWrites indexes every write that the same op later
// overwrote, over ops of every type (invocations included, as in Elle; a
// completion, coming later, wins).
func intermediateWrites(txns []txn) writeIndex {
	w := writeIndex{}
	for i := range txns {
		final := map[any]any{}
		for _, m := range txns[i].mops {
			if !m.write {
				continue
			}
			if prev := final[m.key]; prev != nil {
				w.put(m.key, prev, i)
			}
			final[m.key] = m.value
		}
	}
	return w
}

// readCases reports every read micro-op of an ok op whose (key, value)
// appears in writers, skipping writers that are the reader itself when
// skipSelf is set.
func readCases(txns []txn, writers writeIndex, skipSelf bool) []G1Case {
	var cases []G1Case
	for i := range txns {
		t := &txns[i]
		if !t.is(history.OK) {
			continue
		}
		for _, m := range t.mops {
			if m.write {
				continue
			}
			w, ok := writers.get(m.key, m.value)
			if !ok || (skipSelf && txns[w].op.Index == t.op.Index) {
				continue
			}
			cases = append(cases, G1Case{Op: t.op, Mop: m.export(), Writer: txns[w].op})
		}
	}
	return cases
}

// g1aCases finds ok reads of values written by failed ops (aborted reads).
func g1aCases(txns []txn) []G1Case { return readCases(txns, failedWrites(txns), false) }

// g1bCases finds ok reads of values some other op overwrote within itself
// (intermediate reads).
func g1bCases(txns []txn) []G1Case { return readCases(txns, intermediateWrites(txns), true) }

// lostUpdateCases finds values of a key that two or more ok transactions
// read before writing that key.
func lostUpdateCases(txns []txn) []LostUpdateCase {
	byKV := map[any]map[any][]history.Op{}
	for i := range txns {
		t := &txns[i]
		if !t.is(history.OK) {
			continue
		}
		reads := map[any]any{}
		written := map[any]bool{}
		for _, m := range t.mops {
			v, read := reads[m.key]
			switch {
			case m.write && !written[m.key]:
				if read {
					if byKV[m.key] == nil {
						byKV[m.key] = map[any][]history.Op{}
					}
					byKV[m.key][v] = append(byKV[m.key][v], t.op)
					written[m.key] = true
				}
			case !read:
				reads[m.key] = m.value
			}
		}
	}
	var cases []LostUpdateCase
	for _, k := range sortedKeys(byKV) {
		for _, v := range sortedKeys(byKV[k]) {
			if ops := byKV[k][v]; len(ops) >= 2 {
				cases = append(cases, LostUpdateCase{Key: k, Value: v, Txns: ops})
			}
		}
	}
	return cases
}
