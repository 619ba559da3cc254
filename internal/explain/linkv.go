package explain

import (
	"fmt"
	"math"
	"slices"

	"github.com/glomers/glomers/internal/checker"
	"github.com/glomers/glomers/internal/checker/linearizable"
	"github.com/glomers/glomers/internal/history"
)

// PictureFile is the name of the porcupine visualization of a lin-kv key.
func PictureFile(key int64) string { return fmt.Sprintf("linear-%d.html", key) }

// maxConcurrent caps the concurrent ops listed per failing key.
const maxConcurrent = 12

// linKV explains a lin-kv result: per failing key, the op porcupine could
// not place, the ops concurrent with it and the picture.
func (c *context) linKV(r linearizable.Result) []Section {
	if r.Error != "" {
		return []Section{{Checker: "workload", Title: "the history could not be checked",
			Rule: "Every lin-kv op must be a read, write or cas of a [key value] tuple.", Evidence: []string{"error: " + r.Error}}}
	}
	var out []Section
	keys := make([]int64, 0, len(r.Results))
	for k := range r.Results {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		kr := r.Results[k]
		if kr.Valid == checker.Valid {
			continue
		}
		a := kr.Linearizable
		s := Section{Checker: "workload",
			Rule: "Each key is a register: there must be one order of its operations, consistent with real time (an op that completed before another began comes first), in which every read returns the latest write and every cas succeeds only if the register held its from value."}
		if kr.Valid == checker.Unknown {
			s.Title = fmt.Sprintf("key %d: unknown (%s)", k, a.Error)
			s.Next = []string{"The search ran out of time: a shorter run (--time-limit) or a lower --rate gives porcupine fewer concurrent ops."}
			out = append(out, s)
			continue
		}
		s.Title = fmt.Sprintf("key %d is not linearizable", k)
		if a.Op != nil {
			s.Evidence = append(s.Evidence, fmt.Sprintf("no order of key %d's %d ops can include %s: %s.", k, a.OpCount, c.span(*a.Op), c.describeRegisterOp(*a.Op)))
		}
		if a.PreviousOK != nil {
			state := "nil (never written)"
			if a.Value != nil {
				state = short(a.Value, 40)
			}
			s.Evidence = append(s.Evidence, fmt.Sprintf("the longest linearizable prefix found has %d ops and ends with %s, leaving the register at %s.", a.Linearized, c.span(*a.PreviousOK), state))
		}
		if a.Op != nil {
			s.Evidence = append(s.Evidence, c.concurrent(k, *a.Op)...)
		}
		if f, ok := c.pictures[k]; ok {
			s.Evidence = append(s.Evidence, fmt.Sprintf("porcupine's picture of key %d: [%s](%s) (hover over an op to see the partial linearizations; its time axis is the history's op order).", k, f, f))
		}
		s.Next = []string{
			"A read that returns an older value usually comes from a node answering from its own copy instead of going through one authority (lin-kv, or a leader).",
			"A cas that succeeded against a value the register no longer held means two nodes decided concurrently: compare the nodes named above in node-logs/<node>.log.",
		}
		out = append(out, s)
	}
	if len(out) == 0 {
		return nil
	}
	return out
}

// describeRegisterOp says what an op of a register did.
func (c *context) describeRegisterOp(op history.Op) string {
	inv := c.invocation(op)
	_, v := tupleValue(inv.Value)
	switch inv.F {
	case linearizable.Read:
		if done, ok := c.completion(inv); ok && done.Type == history.OK {
			_, rv := tupleValue(done.Value)
			return "a read that returned " + short(rv, 40)
		}
		return "a read"
	case linearizable.Write:
		return "a write of " + short(v, 40)
	case linearizable.CAS:
		if ft, ok := v.([]any); ok && len(ft) == 2 {
			return fmt.Sprintf("a cas from %s to %s", short(ft[0], 20), short(ft[1], 20))
		}
	}
	return string(inv.F)
}

// concurrent lists the ops on key whose intervals overlap op's.
func (c *context) concurrent(key int64, op history.Op) []string {
	inv := c.invocation(op)
	end := int64(math.MaxInt64)
	if done, ok := c.completion(inv); ok && done.Type != history.Info {
		end = int64(done.Index)
	}
	var out []string
	n := 0
	for _, p := range history.Pairs(c.h) {
		o := p.Invoke
		if !o.IsClient() || o.Index == inv.Index {
			continue
		}
		if k, _ := tupleValue(o.Value); k != key {
			continue
		}
		oEnd := int64(math.MaxInt64)
		if p.Completion != nil && p.Completion.Type != history.Info {
			oEnd = int64(p.Completion.Index)
			if p.Completion.Type == history.Fail {
				continue // did not happen
			}
		}
		if int64(o.Index) > end || oEnd < int64(inv.Index) {
			continue
		}
		n++
		if n <= maxConcurrent {
			out = append(out, fmt.Sprintf("concurrent with it: %s, %s.", c.span(o), c.describeRegisterOp(o)))
		}
	}
	if n > maxConcurrent {
		out = append(out, fmt.Sprintf("… %d concurrent ops in all.", n))
	}
	if n == 0 {
		out = append(out, "no other op on this key overlapped it in time, so the ops before it fix what it must have seen.")
	}
	for _, p := range c.before(key, inv, 3) {
		out = append(out, fmt.Sprintf("before it: %s, %s.", c.span(p), c.describeRegisterOp(p)))
	}
	return out
}

// before returns the last n :ok ops on key that completed before inv was
// invoked, oldest first.
func (c *context) before(key int64, inv history.Op, n int) []history.Op {
	var out []history.Op
	for i := len(c.h) - 1; i >= 0 && len(out) < n; i-- {
		op := c.h[i]
		if op.Index >= inv.Index || op.Type != history.OK || !op.IsClient() {
			continue
		}
		if k, _ := tupleValue(op.Value); k == key {
			out = append(out, op)
		}
	}
	slices.Reverse(out)
	return out
}

// tupleValue unwraps [k v]; k is -1 when the value is no tuple.
func tupleValue(v any) (int64, any) {
	t, ok := v.([]any)
	if !ok || len(t) != 2 {
		return -1, v
	}
	k, ok := asInt(t[0])
	if !ok {
		return -1, t[1]
	}
	return k, t[1]
}
