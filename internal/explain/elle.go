package explain

import (
	"fmt"
	"sort"
	"strings"

	"github.com/glomers/glomers/internal/checker/cycle"
	"github.com/glomers/glomers/internal/checker/elle"
	"github.com/glomers/glomers/internal/history"
)

// listAppendWorkload is the workload whose Elle results are explained in
// list-append terms.
const listAppendWorkload = "txn-list-append"

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
	"cycle-search-timeout":    "Elle gives up searching one group of interdependent transactions for a cycle after a time limit; a cycle may exist there, unnamed.",
}

// listAppendRules says what the anomaly types mean in list-append terms,
// where that differs from rw-register.
var listAppendRules = map[string]string{
	"G0":                 "Write cycle: the transactions' appends are ordered in a cycle (each appended right after the other to some key), so no serial order of them exists.",
	"G1a":                "Aborted read: a committed transaction read an element appended by a transaction that failed.",
	"G1b":                "Intermediate read: a committed transaction read a list ending with an element that its writer followed with another append to the same key in the same transaction.",
	"G1c":                "Circular information flow: transactions appended and read each other's elements in a cycle.",
	"internal":           "Within one transaction, a read of a key must show what the transaction itself read of it before, followed by the elements it has appended to it since.",
	"future-read":        "A transaction cannot read an element that it appends only later in the same transaction.",
	"lost-update":        "Two committed transactions read the same list of a key and both appended to it: each must have missed the other's append.",
	"dirty-update":       "A committed append must not come right after an append of a failed transaction in a key's order of appends: it was built on an aborted write.",
	"duplicate-elements": "Each element is appended to a key once, so a read of a key's list must hold each element at most once.",
	"incompatible-order": "All reads of a key must be prefixes of one order of its appends: of any two reads of a key, the shorter is a prefix of the longer.",
}

// listAppend reports whether the run's transactions are list appends.
func (c *context) listAppend() bool { return c.name == listAppendWorkload }

// elle explains Elle's result (txn-rw-register or txn-list-append): each
// anomaly type's rule and first case.
func (c *context) elle(r elle.Result) []Section {
	if r.Error != "" {
		return []Section{{Checker: "workload", Title: "Elle could not check the history",
			Rule: "Elle gives :unknown when it cannot analyse the history.", Evidence: []string{"error: " + r.Error}}}
	}
	var out []Section
	types := sortedKeys(r.Anomalies)
	if c.listAppend() { // reads that disagree on a key's order come first: they skew everything inferred from it
		sort.SliceStable(types, func(i, j int) bool { return types[i] == "incompatible-order" && types[j] != "incompatible-order" })
	}
	for _, t := range types {
		s := Section{Checker: "workload", Rule: c.elleRule(t), Title: t}
		cases := r.Anomalies[history.Keyword(t)]
		n, ex := c.elleCase(t, cases)
		s.Title = fmt.Sprintf("%s (%s)", t, plural(n, "case"))
		s.Evidence = append(s.Evidence, ex...)
		s.Next = c.elleNext(t)
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

func (c *context) elleRule(t string) string {
	if m, ok := strings.CutSuffix(t, "-cycle-exists"); ok {
		return "Under " + m + " the transactions' dependencies of the kinds named below must form no cycle; Elle checks that for the whole graph at once, without spelling a cycle out step by step."
	}
	base := strings.TrimSuffix(strings.TrimSuffix(t, "-realtime"), "-process")
	r, ok := elleRules[base]
	if la, found := listAppendRules[base]; found && c.listAppend() {
		r, ok = la, true
	}
	if !ok {
		return "Elle found this anomaly: see results.edn."
	}
	if base != t {
		r += " (Here the cycle also uses " + strings.TrimPrefix(t, base+"-") + " order.)"
	}
	return r
}

// elleNext says where to look next for an anomaly type.
func (c *context) elleNext(t string) []string {
	look := "timeline.html shows the transactions named above; node-logs/<node>.log shows what each node applied and when."
	if !c.listAppend() {
		return []string{look}
	}
	switch t {
	case "incompatible-order":
		return []string{"Two nodes (or two handlers) appended to the same key in different orders: each key's list needs one order, decided in one place (one node owning the key, or a compare-and-swap on lin-kv) and copied as a whole, never merged.",
			"Elle takes each key's order from its longest read, so while reads disagree the cycles reported here may all follow from this one problem: fix it first.", look}
	case "duplicate-elements":
		return []string{"An element stored twice usually comes from a retried or replicated append applied again, or from lists merged by concatenation: apply each append once.", look}
	case "G1a", "dirty-update":
		return []string{"A transaction that fails (error 30, txn-conflict) must leave no trace: apply its appends only once it commits, or undo them.", look}
	case "G1b", "internal", "future-read":
		return []string{"A transaction's reads must see its own appends in order, and other transactions must see only its final state: apply micro-ops one by one to a private copy, publish it at commit.", look}
	}
	return []string{look}
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

// elleCase returns the number of cases of anomaly type t and its first
// cases in words.
func (c *context) elleCase(t string, cases any) (int, []string) {
	one := func(n int, s string) (int, []string) { return n, []string{s} }
	switch e := cases.(type) {
	case []elle.CycleCase:
		if len(e) > 0 {
			return one(len(e), c.elleCycle(e[0]))
		}
	case []elle.G1Case:
		if len(e) > 0 {
			x := e[0]
			return one(len(e), fmt.Sprintf("%s read %s, a value written by %s%s.", c.txn(x.Op), short(x.Mop, 60), c.txn(x.Writer), map[bool]string{true: ", which failed", false: ", which later overwrote it"}[x.Writer.Type == history.Fail]))
		}
	case []elle.InternalCase:
		if len(e) > 0 {
			x := e[0]
			if c.listAppend() {
				return one(len(e), fmt.Sprintf("%s read key %s = %s, but from its own earlier micro-ops it should have seen %s (... stands for elements it could not know of).",
					c.txn(x.Op), mopPart(x.Mop, 1, 20), mopPart(x.Mop, 2, 60), short(x.Expected, 60)))
			}
			return one(len(e), fmt.Sprintf("%s did %s, but it should have seen %s from its own earlier micro-op.", c.txn(x.Op), short(x.Mop, 60), short(x.Expected, 40)))
		}
	case []elle.LostUpdateCase:
		if len(e) > 0 {
			x := e[0]
			var ts []string
			for _, op := range x.Txns {
				ts = append(ts, c.txn(op))
			}
			verb := "wrote it"
			if c.listAppend() {
				verb = "appended to it"
			}
			return one(len(e), fmt.Sprintf("these transactions all read key %s = %s and then %s: %s.", short(x.Key, 20), short(x.Value, 40), verb, strings.Join(ts, "; ")))
		}
	case []elle.CyclicVersionsCase:
		if len(e) > 0 {
			x := e[0]
			return one(len(e), fmt.Sprintf("the versions %s of key %s form a cycle (inferred from %s): replicas applied writes of that key in different orders.",
				short(x.SCC, 80), short(x.Key, 20), kwList(x.Sources)))
		}
	case bool: // empty-transaction-graph
		return one(1, fmt.Sprintf("the %d ops of the history have no dependency between any two committed transactions.", len(c.h)))
	case []elle.CycleExistsCase:
		if len(e) > 0 {
			x := e[0]
			var ops []string
			for _, i := range x.SCC {
				ops = append(ops, fmt.Sprintf("op %v", i))
			}
			return one(len(e), fmt.Sprintf("the dependencies %s of %s (%s) form a cycle, so the history is not %s.",
				short(x.Subgraph, 80), plural(x.SCCSize, "transaction"), listOps(ops, 8), string(x.Not)))
		}
	case []elle.TimeoutCase:
		if len(e) > 0 {
			return one(len(e), fmt.Sprintf("the search of a group of %d interdependent transactions for %s ran out of time.", e[0].SCCSize, e[0].AnomalySpecType))
		}
	case []elle.IncompatibleOrderCase:
		var out []string
		for i, x := range e {
			if i == maxExamples {
				out = append(out, fmt.Sprintf("… and %d more keys (results.edn :incompatible-order lists them all).", len(e)-maxExamples))
				break
			}
			out = append(out, c.incompatibleOrder(x))
		}
		return len(e), out
	case []elle.DuplicateElementsCase:
		if len(e) > 0 {
			x := e[0]
			var dups []string
			for _, d := range x.Duplicates {
				n := fmt.Sprintf("%d times", d.Count)
				if d.Count == 2 {
					n = "twice"
				}
				dups = append(dups, short(d.Element, 20)+" "+n)
			}
			return one(len(e), fmt.Sprintf("%s read key %s = %s, which holds %s.", c.txn(x.Op), mopPart(x.Mop, 1, 20), mopPart(x.Mop, 2, 80), strings.Join(dups, ", ")))
		}
	case []elle.FutureReadCase:
		if len(e) > 0 {
			x := e[0]
			return one(len(e), fmt.Sprintf("%s read key %s = %s, which already holds %s, an element this same transaction appends only later.",
				c.txn(x.Op), mopPart(x.Mop, 1, 20), mopPart(x.Mop, 2, 60), short(x.Element, 20)))
		}
	case []elle.DirtyUpdateCase:
		if len(e) > 0 {
			return one(len(e), c.dirtyUpdate(e[0]))
		}
	case []elle.AppendReadCase:
		if len(e) > 0 {
			x := e[0]
			k := mopPart(x.Mop, 1, 20)
			if t == "G1a" {
				return one(len(e), fmt.Sprintf("%s read key %s = %s, which holds %s, appended by %s, which failed.",
					c.txn(x.Op), k, mopPart(x.Mop, 2, 60), short(x.Element, 20), c.txn(x.Writer)))
			}
			return one(len(e), fmt.Sprintf("%s read key %s = %s, ending with %s, which %s appended and then followed with another append to key %s: the read saw the middle of that transaction.",
				c.txn(x.Op), k, mopPart(x.Mop, 2, 60), short(x.Element, 20), c.txn(x.Writer), k))
		}
	}
	return 1, nil
}

// listOps joins up to n op names and says how many more there are.
func listOps(ops []string, n int) string {
	if len(ops) <= n {
		return strings.Join(ops, ", ")
	}
	return strings.Join(ops[:n], ", ") + fmt.Sprintf(" and %d more", len(ops)-n)
}

// mopPart prints part i of a micro-op [f key value], cut to n runes.
func mopPart(m elle.Mop, i, n int) string {
	if i >= len(m) {
		return "?"
	}
	return short(m[i], n)
}

// txn names a transaction: "op 12 (process 3 on n1, [[r 1 nil] [w 2 3]])".
func (c *context) txn(op history.Op) string {
	return fmt.Sprintf("op %d (%s, %s)", op.Index, c.who(op.Process), short(op.Value, 80))
}

// elleCycle puts a cycle in the checker's words (elle.CycleWords or
// elle.ListAppendCycleWords).
func (c *context) elleCycle(cy elle.CycleCase) string {
	if len(cy.Cycle) < 2 || len(cy.Steps) == 0 {
		return ""
	}
	words := elle.CycleWords
	if c.listAppend() {
		words = elle.ListAppendCycleWords
	}
	keys := make([]string, len(cy.Steps))
	for i, st := range cy.Steps {
		if st.Type == "ww" || st.Type == "wr" || st.Type == "rw" {
			keys[i] = short(st.Key, 20)
		}
	}
	return c.cycleInWords(cy.Cycle, words(cy), keys)
}

// cycleInWords puts a dependency cycle in a checker's own words: its ops
// (first and last the same) named T1, T2, ... with process, node and
// value, then one line per step, saying on which key (keys[i], when not
// "") and why one op comes before the next.
func (c *context) cycleInWords(ops []history.Op, ss []cycle.Sentence, keys []string) string {
	if len(ops) < 2 || len(ss) == 0 {
		return ""
	}
	var b strings.Builder
	fmt.Fprintf(&b, "a cycle of %d transactions, each of which must come before the next:", len(ops)-1)
	for i, op := range ops[:len(ops)-1] {
		fmt.Fprintf(&b, "\nT%d = %s", i+1, c.txn(op))
	}
	for i, s := range ss {
		however, onKey := "", ""
		if i == len(ss)-1 && i > 0 {
			however = "however, "
		}
		if i < len(keys) && keys[i] != "" {
			onKey = " on key " + keys[i]
		}
		fmt.Fprintf(&b, "\n%d. %s%s < %s%s, because %s", i+1, however, s.FromName, s.ToName, onKey, s.Text)
	}
	fmt.Fprintf(&b, "\nand so %s would have to come before itself: no order of these transactions explains what they read.", ss[0].FromName)
	return b.String()
}

// incompatibleOrder names the two reads of a key that no one order of
// appends can give, and the ops that did them.
func (c *context) incompatibleOrder(x elle.IncompatibleOrderCase) string {
	if len(x.Values) != 2 {
		return fmt.Sprintf("key %s was read in incompatible orders: %s.", short(x.Key, 20), short(x.Values, 120))
	}
	a, b := x.Values[0], x.Values[1]
	k := short(x.Key, 20)
	n := 0
	for n < len(a) && n < len(b) && sameValue(a[n], b[n]) {
		n++
	}
	s := fmt.Sprintf("key %s was read as %s by %s, and as %s by %s", k, short(a, 400), c.readerOf(x.Key, a), short(b, 400), c.readerOf(x.Key, b))
	if n < len(a) && n < len(b) {
		s += fmt.Sprintf(": the reads agree on the first %s, then one has %s where the other has %s", plural(n, "element"), short(a[n], 20), short(b[n], 20))
	}
	return s + fmt.Sprintf(". Neither is a prefix of the other, so no single order of appends to key %s gives both reads.", k)
}

// readerOf names the first client op whose transaction read list from
// key k, or says that none was found.
func (c *context) readerOf(k any, list []any) string {
	want := history.Readable(list)
	for _, op := range c.h {
		if !op.IsClient() || (op.Type != history.OK && op.Type != history.Info) {
			continue
		}
		mops, _ := op.Value.([]any)
		for _, m := range mops {
			mop, ok := m.([]any)
			if !ok || len(mop) != 3 || strings.Trim(history.Plain(mop[0]), ":") != "r" || !sameValue(mop[1], k) {
				continue
			}
			if history.Readable(mop[2]) == want {
				return c.txn(op)
			}
		}
	}
	return "a transaction (not found in the history)"
}

// dirtyUpdate names the failed append and the committed one that followed
// it in a key's order.
func (c *context) dirtyUpdate(x elle.DirtyUpdateCase) string {
	k := short(x.Key, 20)
	if len(x.Txns) < 2 || len(x.Values) < 2 {
		return fmt.Sprintf("key %s: %s.", k, short(x.Values, 80))
	}
	aborted, _ := x.Txns[0].(history.Op)
	committed, _ := x.Txns[len(x.Txns)-1].(history.Op)
	v0, v1 := short(x.Values[0], 20), short(x.Values[len(x.Values)-1], 20)
	between := ""
	if len(x.Values) > 2 {
		between = " (with only appends that failed or whose outcome is unknown between them)"
	}
	return fmt.Sprintf("in key %s's order of appends (%s), %s appended %s and failed, yet %s, which committed, appended %s right after it%s.",
		k, short(x.Values, 60), c.txn(aborted), v0, c.txn(committed), v1, between)
}

// sameValue reports whether a and b print alike (histories hold whole
// numbers as int64, as the checker compares them).
func sameValue(a, b any) bool { return history.Readable(a) == history.Readable(b) }
