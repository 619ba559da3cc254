package explain

import (
	"fmt"
	"strings"

	"github.com/glomers/glomers/internal/checker/elle"
	"github.com/glomers/glomers/internal/history"
)

// elleRules says what each anomaly type means, in one sentence.
var elleRules = map[string]string{
	"G0":                      "Write cycle: transactions' writes are ordered in a cycle, so no serial order of them exists (dirty writes).",
	"G1a":                     "Aborted read: a transaction read a value written by a transaction that failed.",
	"G1b":                     "Intermediate read: a transaction read a value that its writer later overwrote within the same transaction.",
	"G1c":                     "Circular information flow: transactions wrote and read each other's values in a cycle.",
	"G-single":                "Read skew: a cycle with exactly one anti-dependency (a read that missed a later write).",
	"G-single-item":           "Read skew on single keys: a cycle with exactly one anti-dependency, each edge on one key (a transaction missed a write it should have seen).",
	"G-nonadjacent-item":      "A cycle of single-key edges whose anti-dependencies are never adjacent.",
	"G2":                      "Anti-dependency cycle: transactions each missed another's write, in a cycle.",
	"G-nonadjacent":           "A cycle whose anti-dependencies are never adjacent: snapshot isolation forbids it.",
	"G2-item":                 "Anti-dependency cycle: transactions each missed another's write, in a cycle (write skew).",
	"internal":                "Within one transaction, a read must see the transaction's own latest write (or its own earlier read) of that key.",
	"lost-update":             "Two committed transactions read the same version of a key and both wrote it: one update was lost.",
	"cyclic-versions":         "The versions of a key must have one order; the reads and writes imply a cycle among them.",
	"dirty-update":            "A transaction wrote over a value written by a transaction that failed.",
	"duplicate-writes":        "Each value is written once; Elle needs that to tell versions apart.",
	"empty-transaction-graph": "Elle found no dependency between any two transactions, so there was nothing to order (information; the other anomalies decide the verdict).",
}

// elle explains Elle's rw-register result: each anomaly's first case.
func (c *context) elle(r elle.Result) []Section {
	if r.Error != "" {
		return []Section{{Checker: "workload", Title: "Elle could not check the history",
			Rule: "Elle gives :unknown when it cannot analyse the history.", Evidence: []string{"error: " + r.Error}}}
	}
	var out []Section
	for _, t := range sortedKeys(r.Anomalies) {
		s := Section{Checker: "workload", Rule: elleRule(t), Title: t}
		cases := r.Anomalies[history.Keyword(t)]
		n, ex := c.elleCase(cases)
		s.Title = fmt.Sprintf("%s (%s)", t, plural(n, "case"))
		if ex != "" {
			s.Evidence = append(s.Evidence, ex)
		}
		s.Next = []string{"timeline.html shows the transactions named above; node-logs/<node>.log shows what each node applied and when."}
		out = append(out, s)
	}
	if len(out) > 0 && len(r.Not) > 0 {
		also := kwList(r.AlsoNot[:min(len(r.AlsoNot), 6)])
		if n := len(r.AlsoNot); n > 6 {
			also += fmt.Sprintf(" and %d stronger models", n-6)
		}
		out[0].Evidence = append(out[0].Evidence, "so the history is not "+kwList(r.Not)+" (nor "+also+").")
	}
	return out
}

func elleRule(t string) string {
	base := strings.TrimSuffix(strings.TrimSuffix(t, "-realtime"), "-process")
	if r, ok := elleRules[base]; ok {
		if base != t {
			r += " (Here the cycle also uses " + strings.TrimPrefix(t, base+"-") + " order.)"
		}
		return r
	}
	return "Elle found this anomaly: see results.edn."
}

func kwList(ks []history.Keyword) string {
	parts := make([]string, len(ks))
	for i, k := range ks {
		parts[i] = string(k)
	}
	if len(parts) == 0 {
		return "anything else"
	}
	return strings.Join(parts, ", ")
}

// elleCase returns the number of cases and the first one in words.
func (c *context) elleCase(cases any) (int, string) {
	switch e := cases.(type) {
	case []elle.CycleCase:
		if len(e) > 0 {
			return len(e), c.elleCycle(e[0])
		}
	case []elle.G1Case:
		if len(e) > 0 {
			x := e[0]
			return len(e), fmt.Sprintf("%s read %s, a value written by %s%s.", c.txn(x.Op), short(x.Mop, 60), c.txn(x.Writer), map[bool]string{true: ", which failed", false: ", which later overwrote it"}[x.Writer.Type == history.Fail])
		}
	case []elle.InternalCase:
		if len(e) > 0 {
			x := e[0]
			return len(e), fmt.Sprintf("%s did %s, but it should have seen %s from its own earlier micro-op.", c.txn(x.Op), short(x.Mop, 60), short(x.Expected, 40))
		}
	case []elle.LostUpdateCase:
		if len(e) > 0 {
			x := e[0]
			var ts []string
			for _, op := range x.Txns {
				ts = append(ts, c.txn(op))
			}
			return len(e), fmt.Sprintf("these transactions all read key %s = %s and then wrote it: %s.", short(x.Key, 20), short(x.Value, 20), strings.Join(ts, "; "))
		}
	case []elle.CyclicVersionsCase:
		if len(e) > 0 {
			x := e[0]
			return len(e), fmt.Sprintf("the versions %s of key %s form a cycle (inferred from %s): replicas applied writes of that key in different orders.",
				short(x.SCC, 80), short(x.Key, 20), kwList(x.Sources))
		}
	case bool: // empty-transaction-graph
		return 1, fmt.Sprintf("the %d ops of the history have no dependency between any two committed transactions.", len(c.h))
	case []elle.CycleExistsCase:
		if len(e) > 0 {
			return len(e), fmt.Sprintf("a cycle exists among %d transactions (%s), but the search ran out of time before naming it.", e[0].SCCSize, short(e[0].SCC, 80))
		}
	}
	return 1, ""
}

// txn names a transaction: "op 12 (process 3 on n1, [[r 1 nil] [w 2 3]])".
func (c *context) txn(op history.Op) string {
	return fmt.Sprintf("op %d (%s, %s)", op.Index, c.who(op.Process), short(op.Value, 80))
}

// elleCycle puts a cycle in words, one step per edge.
func (c *context) elleCycle(cy elle.CycleCase) string {
	var b strings.Builder
	fmt.Fprintf(&b, "a cycle of %d transactions, each of which must come before the next:", len(cy.Steps))
	for i, st := range cy.Steps {
		if i+1 >= len(cy.Cycle) {
			break
		}
		a, z := cy.Cycle[i], cy.Cycle[i+1]
		fmt.Fprintf(&b, "\n%d. %s before %s: ", i+1, c.txn(a), fmt.Sprintf("op %d", z.Index))
		k := short(st.Key, 20)
		switch st.Type {
		case "ww":
			fmt.Fprintf(&b, "op %d wrote key %s = %s, and op %d wrote the next version %s", a.Index, k, short(st.Value, 20), z.Index, short(st.Value2, 20))
		case "wr":
			fmt.Fprintf(&b, "op %d wrote key %s = %s, and op %d read that value", a.Index, k, short(st.Value, 20), z.Index)
		case "rw":
			fmt.Fprintf(&b, "op %d read key %s = %s, and op %d wrote the next version %s, which op %d did not see", a.Index, k, short(st.Value, 20), z.Index, short(st.Value2, 20), a.Index)
		case "realtime":
			fmt.Fprintf(&b, "op %d completed at %s, before op %d began at %s", a.Index, secs(st.A.Time), z.Index, secs(st.B.Time))
		case "process":
			fmt.Fprintf(&b, "process %s ran op %d, then op %d", st.Process, a.Index, z.Index)
		default:
			fmt.Fprintf(&b, "%s dependency", string(st.Type))
		}
	}
	if n := len(cy.Cycle); n > 0 {
		fmt.Fprintf(&b, "\nand so op %d would have to come before itself: no order of these transactions explains what they read.", cy.Cycle[n-1].Index)
	}
	return b.String()
}
