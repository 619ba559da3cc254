package elle

import (
	"fmt"

	"github.com/glomers/glomers/internal/checker/cycle"
	"github.com/glomers/glomers/internal/history"
)

// txnHistory gives the cycle engine the parsed history's ops and pairs.
func txnHistory(txns []txn) *cycle.History {
	h := &cycle.History{Ops: make([]history.Op, len(txns)), Pair: make([]int, len(txns))}
	for i := range txns {
		h.Ops[i], h.Pair[i] = txns[i].op, txns[i].pair
	}
	return h
}

// explainer says why one rw-register transaction depends on another.
type explainer struct {
	txns []txn
	vgs  versionGraphs
}

// explain tries Elle's rw-register explanations in order: wr, ww, rw.
func (x explainer) explain(a, b int) (Step, bool) {
	ta, tb := &x.txns[a], &x.txns[b]
	for _, w := range ta.writes {
		if r, ok := tb.extRead(w.key); ok && r == w.value {
			return Step{Type: "wr", Key: w.key, Value: w.value,
				AMopIndex: ta.mopIndex(true, w.key, w.value), BMopIndex: tb.mopIndex(false, w.key, w.value)}, true
		}
	}
	for _, e := range []struct {
		typ   history.Keyword
		write bool
		kvs   []kv
	}{{"ww", true, ta.writes}, {"rw", false, ta.reads}} {
		for _, m := range e.kvs {
			if _, ok := x.vgs[m.key]; !ok {
				continue
			}
			v2, ok := tb.extWrite(m.key)
			if ok && v2 != nil && x.vgs.precedes(m.key, m.value, v2) {
				return Step{Type: e.typ, Key: m.key, Value: m.value, Value2: v2,
					AMopIndex: ta.mopIndex(e.write, m.key, m.value), BMopIndex: tb.mopIndex(true, m.key, v2)}, true
			}
		}
	}
	return Step{}, false
}

// wording renders rw-register steps as Elle does.
func wording(s Step, a, b string) string {
	k, v, v2 := cycle.Pr(s.Key), cycle.Pr(s.Value), cycle.Pr(s.Value2)
	switch s.Type {
	case "wr":
		return fmt.Sprintf("%s wrote %s = %s, which was read by %s", a, k, v, b)
	case "ww":
		return fmt.Sprintf("%s set key %s to %s, and %s set it to %s, which came later in the version order", a, k, v, b, v2)
	case "rw":
		return fmt.Sprintf("%s read key %s = %s, and %s set it to %s, which came later in the version order", a, k, v, b, v2)
	}
	return fmt.Sprintf("%s precedes %s (%s)", a, b, s.Type)
}

// CycleWords explains each step of an rw-register cycle in words, naming
// the operations T1, T2, ... (see cycle.Words).
func CycleWords(c CycleCase) []cycle.Sentence { return cycle.Words(c, wording) }

// CycleText renders an rw-register cycle as Elle's <type>.txt files do.
func CycleText(c CycleCase) string { return cycle.Text(c, wording) }
