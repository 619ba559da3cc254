package explain

import (
	"encoding/json"
	"fmt"
	"reflect"
	"slices"
	"sort"
	"strings"

	"github.com/glomers/glomers/internal/checker"
	"github.com/glomers/glomers/internal/history"
	"github.com/glomers/glomers/internal/nemesis"
)

// context answers the questions every explanation asks of a history:
// which node a process talked to, an op's invocation and completion, and
// which partitions were active when.
type context struct {
	name        string // the workload's name
	h           []history.Op
	nodes       []string
	concurrency int
	pos         map[int]int // op index -> position in h
	partner     map[int]int // invocation index <-> completion index
	partitions  []partition
	faults      []nodeFault
	pictures    map[int64]string
	end         int64 // time of the last op
}

// partition is one grudge and when it was in force; To is -1 while it
// still was at the end of the history.
type partition struct {
	From, To int64
	FromOp   int
	Grudge   map[string][]string
}

func newContext(r Run) *context {
	c := &context{name: r.Name, h: r.History, nodes: r.Nodes, concurrency: r.Concurrency,
		pos: map[int]int{}, partner: map[int]int{}, pictures: r.Pictures}
	open := map[history.Process]int{}
	for i, op := range r.History {
		c.pos[op.Index] = i
		c.end = max(c.end, op.Time)
		if !op.IsClient() {
			c.nemesis(op)
			c.nodeFaultOp(op)
			continue
		}
		if op.Type == history.Invoke {
			open[op.Process] = op.Index
			continue
		}
		if inv, ok := open[op.Process]; ok {
			c.partner[inv], c.partner[op.Index] = op.Index, inv
			delete(open, op.Process)
		}
	}
	return c
}

// nemesis records the partitions from the nemesis's completions:
// [:isolated grudge] starts one, :network-healed ends it.
func (c *context) nemesis(op history.Op) {
	n := len(c.partitions)
	switch {
	case op.F == nemesis.FStart:
		v, ok := op.Value.([]any)
		if !ok || len(v) != 2 {
			return
		}
		if n > 0 && c.partitions[n-1].To < 0 {
			c.partitions[n-1].To = op.Time
		}
		c.partitions = append(c.partitions, partition{From: op.Time, To: -1, FromOp: op.Index, Grudge: grudgeOf(v[1])})
	case op.F == nemesis.FStop && op.Value != nil:
		if n > 0 && c.partitions[n-1].To < 0 {
			c.partitions[n-1].To = op.Time
		}
	}
}

// grudgeOf reads a grudge however the history holds it: as built, or as
// decoded from EDN or JSON.
func grudgeOf(v any) map[string][]string {
	out := map[string][]string{}
	add := func(k string, vs any) {
		switch x := vs.(type) {
		case []string:
			out[k] = append(out[k], x...)
		case []any:
			for _, s := range x {
				out[k] = append(out[k], fmt.Sprint(s))
			}
		default: // an EDN set decodes as a map from element to true
			if rv := reflect.ValueOf(vs); rv.Kind() == reflect.Map {
				for _, e := range rv.MapKeys() {
					out[k] = append(out[k], fmt.Sprint(e.Interface()))
				}
			}
		}
	}
	switch g := v.(type) {
	case nemesis.Grudge:
		for k, vs := range g {
			add(k, vs)
		}
	case map[string][]string:
		for k, vs := range g {
			add(k, vs)
		}
	case map[string]any:
		for k, vs := range g {
			add(k, vs)
		}
	case map[history.Keyword]any:
		for k, vs := range g {
			add(string(k), vs)
		}
	}
	return out
}

// describe says which nodes a grudge cuts off from which.
func (p partition) describe() string {
	if len(p.Grudge) == 0 {
		return "no messages dropped"
	}
	// Group receivers that drop the same senders.
	bySenders := map[string][]string{}
	for recv, senders := range p.Grudge {
		s := slices.Clone(senders)
		sort.Strings(s)
		k := strings.Join(s, " ")
		bySenders[k] = append(bySenders[k], recv)
	}
	var parts []string
	for senders, recvs := range bySenders {
		sort.Strings(recvs)
		parts = append(parts, fmt.Sprintf("%s heard nothing from %s", strings.Join(recvs, " "), senders))
	}
	sort.Strings(parts)
	return strings.Join(parts, "; ")
}

// active returns the partitions in force at some time in [from, to]; to
// < 0 means the end of the history.
func (c *context) active(from, to int64) []partition {
	if to < 0 {
		to = c.end
	}
	var out []partition
	for _, p := range c.partitions {
		pTo := p.To
		if pTo < 0 {
			pTo = c.end
		}
		if p.From <= to && pTo >= from {
			out = append(out, p)
		}
	}
	return out
}

// partitionsBetween describes the partitions in force at some time in
// [from, to]; to < 0 means the end of the history.
func (c *context) partitionsBetween(from, to int64) []string {
	var out []string
	for _, p := range c.active(from, to) {
		end := "the end"
		if p.To >= 0 {
			end = secs(p.To)
		}
		out = append(out, fmt.Sprintf("%s to %s (op %d): %s", secs(p.From), end, p.FromOp, p.describe()))
	}
	return out
}

// partitionRefs names the partitions in force at some time in [from, to]
// by the op that started them; to < 0 means the end of the history.
func (c *context) partitionRefs(from, to int64) string {
	var refs []string
	for _, p := range c.active(from, to) {
		refs = append(refs, fmt.Sprintf("op %d", p.FromOp))
	}
	switch {
	case len(c.partitions) == 0:
		return "none (no partitions in this run)"
	case len(refs) == 0:
		return "none"
	}
	return fmt.Sprintf("%d (started by %s)", len(refs), strings.Join(refs, ", "))
}

// node returns the node process p sent its requests to, or "".
func (c *context) node(p history.Process) string {
	if p < 0 || c.concurrency <= 0 || len(c.nodes) == 0 {
		return ""
	}
	thread := int(p) % c.concurrency
	return c.nodes[thread%len(c.nodes)]
}

// who names a process and its node: "process 3 on n1".
func (c *context) who(p history.Process) string {
	if n := c.node(p); n != "" {
		return fmt.Sprintf("process %d on %s", p, n)
	}
	return "process " + p.String()
}

// op returns the op with index i.
func (c *context) op(i int) (history.Op, bool) {
	p, ok := c.pos[i]
	if !ok {
		return history.Op{}, false
	}
	return c.h[p], true
}

// invocation returns the invocation of op (op itself if it is one).
func (c *context) invocation(op history.Op) history.Op {
	if op.Type == history.Invoke {
		if h, ok := c.op(op.Index); ok {
			return h
		}
		return op
	}
	if i, ok := c.partner[op.Index]; ok {
		if inv, ok := c.op(i); ok {
			return inv
		}
	}
	return op
}

// completion returns the completion of an invocation, if any.
func (c *context) completion(inv history.Op) (history.Op, bool) {
	if inv.Type != history.Invoke {
		return inv, true
	}
	if i, ok := c.partner[inv.Index]; ok {
		return c.op(i)
	}
	return history.Op{}, false
}

// span describes an op from invocation to completion: "op 12 → op 15
// (process 3 on n1, 1.203 s to 1.250 s)".
func (c *context) span(op history.Op) string {
	inv := c.invocation(op)
	done, ok := c.completion(inv)
	if !ok {
		return fmt.Sprintf("op %d (%s, invoked at %s, never completed)", inv.Index, c.who(inv.Process), secs(inv.Time))
	}
	if done.Index == inv.Index {
		return fmt.Sprintf("op %d (%s, at %s)", inv.Index, c.who(inv.Process), secs(inv.Time))
	}
	return fmt.Sprintf("op %d → op %d (%s, %s to %s, %s)", inv.Index, done.Index, c.who(inv.Process),
		secs(inv.Time), secs(done.Time), done.Type)
}

// secs prints nanoseconds since the start as seconds.
func secs(ns int64) string { return fmt.Sprintf("%.3f s", float64(ns)/1e9) }

// short prints a value as EDN, cut to n runes.
func short(v any, n int) string {
	s := history.Readable(v)
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n-1]) + "…"
}

// plural returns "1 value" or "3 values".
func plural(n int, word string) string {
	if n == 1 {
		return "1 " + word
	}
	return fmt.Sprintf("%d %ss", n, word)
}

// errorField returns a result's error, when its JSON form has one.
func errorField(res checker.Result) string {
	b, err := json.Marshal(res)
	if err != nil {
		return ""
	}
	var m struct {
		Error any `json:"error"`
	}
	if json.Unmarshal(b, &m) != nil || m.Error == nil {
		return ""
	}
	return fmt.Sprint(m.Error)
}

// sortedKeys returns a keyword-keyed map's keys as sorted strings.
func sortedKeys[V any](m map[history.Keyword]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, string(k))
	}
	sort.Strings(keys)
	return keys
}

// listInts prints up to n integers and how many more there are.
func listInts(vs []int64, n int) string {
	parts := make([]string, 0, min(n, len(vs)))
	for i, v := range vs {
		if i == n {
			break
		}
		parts = append(parts, fmt.Sprint(v))
	}
	s := strings.Join(parts, ", ")
	if len(vs) > n {
		s += fmt.Sprintf(" and %d more", len(vs)-n)
	}
	return s
}
