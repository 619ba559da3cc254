package cycle

import (
	"fmt"

	"github.com/glomers/glomers/internal/history"
)

// Sentence is one step of a cycle in words: why From must come before To.
type Sentence struct {
	From, To history.Op      // the two operations, completions
	FromName string          // "T1", "T2", ... as in Text
	ToName   string          //
	Type     history.Keyword // ww, wr, rw, realtime or process
	Text     string          // e.g. "T2 appended 3 after T1 appended 2 to 10"
}

// Wording renders a data step (ww, wr or rw) of a checker's cycles in
// words, naming the two operations a and b.
type Wording func(s Step, a, b string) string

// Words explains each step of c in words: the operations are named T1,
// T2, ... in cycle order, data steps are rendered by w, and realtime and
// process steps as Elle renders them. Its last sentence closes the cycle,
// which is the contradiction.
func Words(c Case, w Wording) []Sentence {
	n := len(c.Cycle) - 1
	name := func(i int) string { return fmt.Sprintf("T%d", i%n+1) }
	out := make([]Sentence, len(c.Steps))
	for i, st := range c.Steps {
		a, b := name(i), name(i+1)
		var text string
		switch st.Type {
		case "realtime":
			text = realtimeText(st, a, b)
		case "process":
			text = fmt.Sprintf("process %d executed %s before %s", st.Process, a, b)
		default:
			text = w(st, a, b)
		}
		out[i] = Sentence{From: c.Cycle[i], To: c.Cycle[i+1], FromName: a, ToName: b, Type: st.Type, Text: text}
	}
	return out
}

// realtimeText is Elle's: "T1 completed at index 3, 0.002 seconds before
// the invocation of T2, at index 5" ("just" when no time passed).
func realtimeText(st Step, a, b string) string {
	gap := " just"
	if dt := st.B.Time - st.A.Time; dt > 0 {
		gap = fmt.Sprintf(" %.3f seconds", float64(dt)/1e9)
	}
	return fmt.Sprintf("%s completed at index %d,%s before the invocation of %s, at index %d",
		a, st.A.Index, gap, b, st.B.Index)
}

// Pr prints a key or value as Clojure's pr-str would (nil, :keyword, 3,
// "s", [1 2]).
func Pr(v any) string {
	return history.Readable(v)
}

// Text renders a whole cycle the way Elle writes it to its <type>.txt
// files: "Let: T1 = ... Then: - T1 < T2, because ... - However, Tn < T1,
// because ...: a contradiction!"
func Text(c Case, w Wording) string {
	ss := Words(c, w)
	s := "Let:\n"
	for i, op := range c.Cycle[:len(c.Cycle)-1] {
		s += fmt.Sprintf("  T%d = %s\n", i+1, history.Readable(op))
	}
	s += "\nThen:\n"
	for i, st := range ss {
		if i == len(ss)-1 {
			s += fmt.Sprintf("  - However, %s < %s, because %s: a contradiction!\n", st.FromName, st.ToName, st.Text)
		} else {
			s += fmt.Sprintf("  - %s < %s, because %s.\n", st.FromName, st.ToName, st.Text)
		}
	}
	return s
}
