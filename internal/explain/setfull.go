package explain

import (
	"fmt"
	"sort"
	"strings"

	"github.com/glomers/glomers/internal/checker/setfull"
	"github.com/glomers/glomers/internal/history"
)

// maxExamples is how many cases of one kind an explanation spells out.
const maxExamples = 3

// setRead is an :ok read: its invocation and the elements it returned.
type setRead struct {
	inv, done history.Op
	seen      map[int64]bool
}

// setHistory is what set-full's explanation needs from a history.
type setHistory struct {
	adds  map[int64]history.Op // element -> the last add invocation of it
	reads []setRead            // in invocation order
}

func (c *context) setHistory() setHistory {
	sh := setHistory{adds: map[int64]history.Op{}}
	for _, op := range c.h {
		if !op.IsClient() {
			continue
		}
		switch {
		case op.Type == history.Invoke && (op.F == "add" || op.F == "broadcast"):
			if v, ok := asInt(op.Value); ok {
				sh.adds[v] = op
			}
		case op.Type == history.OK && op.F == "read":
			vs, _ := op.Value.([]any)
			r := setRead{inv: c.invocation(op), done: op, seen: map[int64]bool{}}
			for _, v := range vs {
				if n, ok := asInt(v); ok {
					r.seen[n] = true
				}
			}
			sh.reads = append(sh.reads, r)
		}
	}
	sort.SliceStable(sh.reads, func(i, j int) bool { return sh.reads[i].inv.Index < sh.reads[j].inv.Index })
	return sh
}

// lastRead returns the last read (by invocation) that saw or missed v.
func (sh setHistory) lastRead(v int64, saw bool) (setRead, bool) {
	for i := len(sh.reads) - 1; i >= 0; i-- {
		if sh.reads[i].seen[v] == saw {
			return sh.reads[i], true
		}
	}
	return setRead{}, false
}

// setFull explains set-full (broadcast and g-set).
func (c *context) setFull(r setfull.Result) []Section {
	sh := c.setHistory()
	s := Section{Checker: "workload"}
	s.Rule = "Every value a client added (once the add was acknowledged, or once any read returned it) must appear in every read that begins after that; a value missing from the last reads is lost."
	switch {
	case r.LostCount > 0:
		s.Title = fmt.Sprintf("%s of %d acknowledged were lost: %s", plural(r.LostCount, "value"), r.AttemptCount, listInts(r.Lost, 10))
	default:
		s.Title = "no value ever showed up in a read (:unknown)"
		s.Evidence = append(s.Evidence, fmt.Sprintf("%d values were added and %d reads succeeded, but no read returned an added value, so set-full has nothing stable to judge.", r.AttemptCount, len(sh.reads)))
	}
	missedOn := map[string]int{}
	for i, v := range r.Lost {
		last, ok := sh.lastRead(v, false)
		if ok {
			missedOn[c.node(last.inv.Process)]++
		}
		if i >= maxExamples {
			continue
		}
		var miss *setRead
		if ok {
			miss = &last
		}
		s.Evidence = append(s.Evidence, c.lostValue(sh, v, miss))
	}
	if len(r.Lost) > maxExamples {
		s.Evidence = append(s.Evidence, fmt.Sprintf("… and %d more lost values (results.edn :lost lists them all).", len(r.Lost)-maxExamples))
	}
	if ps := c.partitionsBetween(0, -1); len(ps) > 0 {
		s.Evidence = append(s.Evidence, "the partitions of this run: "+strings.Join(ps, " | "))
	}
	if kp := c.killsAndPauses(); kp != "" {
		s.Evidence = append(s.Evidence, kp)
	}
	if len(missedOn) > 0 && c.concurrency > 0 {
		s.Evidence = append(s.Evidence, "the last read that missed each lost value was served by: "+countsText(missedOn))
	}
	for i, v := range r.NeverRead {
		if i >= 3 {
			s.Evidence = append(s.Evidence, fmt.Sprintf("… %d never-read values in all.", len(r.NeverRead)))
			break
		}
		if add, ok := sh.adds[v]; ok {
			s.Evidence = append(s.Evidence, fmt.Sprintf("value %d was never read (not an error by itself): added by %s, and no read began after it was known.", v, c.span(add)))
		}
	}
	for i, e := range r.WorstStale {
		if i >= 2 {
			break
		}
		line := fmt.Sprintf("value %d was stale (not an error by itself): reads missed it for %d ms after it was known", e.Element, deref(e.StableLatency))
		if e.Known != nil {
			line += fmt.Sprintf(" (op %d at %s)", e.Known.Index, secs(e.Known.Time))
		}
		if e.LastAbsent != nil {
			line += fmt.Sprintf(", the last of them %s; every read that began later saw it", c.span(*e.LastAbsent))
		}
		s.Evidence = append(s.Evidence, line+".")
	}
	s.Next = []string{"Follow a lost value in messages.svg and net-journal.json: did the node that received the add forward it to every other node, and did those messages arrive?"}
	if len(c.partitions) > 0 {
		s.Next = append(s.Next, "A message sent while a partition was active is dropped silently: a node must keep resending until each neighbour acknowledges it (see the partitions listed above).")
	}
	if c.killed() {
		s.Next = append(s.Next, killHint)
	}
	s.Next = append(s.Next, "node-logs/<node>.log for the node whose reads missed the value; timeline.html to see the reads around it.")
	return []Section{s}
}

// lostValue spells out one lost value: its add, the reads around it and
// the partitions since.
func (c *context) lostValue(sh setHistory, v int64, lastMiss *setRead) string {
	var b strings.Builder
	fmt.Fprintf(&b, "value %d", v)
	known := int64(-1)
	if add, ok := sh.adds[v]; ok {
		fmt.Fprintf(&b, " was added by %s", c.span(add))
		if done, ok := c.completion(add); ok && done.Type == history.OK {
			known = done.Time
		}
	} else {
		b.WriteString(" was never added by a client, yet a read returned it")
	}
	if saw, ok := sh.lastRead(v, true); ok {
		fmt.Fprintf(&b, "; the last read that returned it was %s", c.span(saw.done))
		if known < 0 {
			known = saw.done.Time
		}
	} else {
		b.WriteString("; no read ever returned it")
	}
	if lastMiss != nil {
		fmt.Fprintf(&b, "; the last read that missed it was %s", c.span(lastMiss.done))
	}
	if known >= 0 {
		fmt.Fprintf(&b, "; partitions active after it was known at %s: %s", secs(known), c.partitionRefs(known, -1))
	}
	b.WriteString(".")
	return b.String()
}

// countsText prints "n1: 3, n2: 1", sorted by node.
func countsText(m map[string]int) string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	parts := make([]string, len(keys))
	for i, k := range keys {
		name := k
		if name == "" {
			name = "(unknown node)"
		}
		parts[i] = fmt.Sprintf("%s: %d", name, m[k])
	}
	return strings.Join(parts, ", ")
}

func deref(p *int64) int64 {
	if p == nil {
		return 0
	}
	return *p
}

// asInt reads an integer element however the history holds it.
func asInt(v any) (int64, bool) {
	switch x := v.(type) {
	case int64:
		return x, true
	case int:
		return int64(x), true
	case float64:
		if x == float64(int64(x)) {
			return int64(x), true
		}
	}
	return 0, false
}
