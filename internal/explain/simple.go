package explain

import (
	"fmt"
	"sort"
	"strings"

	"github.com/glomers/glomers/internal/checker"
	"github.com/glomers/glomers/internal/checker/availability"
	"github.com/glomers/glomers/internal/checker/counter"
	"github.com/glomers/glomers/internal/checker/echo"
	"github.com/glomers/glomers/internal/checker/elle"
	"github.com/glomers/glomers/internal/checker/kafka"
	"github.com/glomers/glomers/internal/checker/linearizable"
	"github.com/glomers/glomers/internal/checker/setfull"
	"github.com/glomers/glomers/internal/checker/stats"
	"github.com/glomers/glomers/internal/checker/uniqueids"
	"github.com/glomers/glomers/internal/history"
)

// workloadSections explains the workload checker's result, or returns nil
// for a result type it does not know.
func (c *context) workloadSections(res checker.Result) []Section {
	switch x := res.(type) {
	case setfull.Result:
		return c.setFull(x)
	case counter.Result:
		return []Section{c.counter(x)}
	case uniqueids.Result:
		return []Section{c.uniqueIDs(x)}
	case echo.Result:
		return []Section{c.echo(x)}
	case kafka.Result:
		return c.kafka(x)
	case elle.Result:
		return c.elle(x)
	case linearizable.Result:
		return c.linKV(x)
	}
	return nil
}

// counter explains the pn-counter checker (g-counter, pn-counter).
func (c *context) counter(r counter.Result) Section {
	s := Section{Checker: "workload",
		Rule: "After the final wait every node's final read must equal the sum of the acknowledged adds, plus any subset of the adds whose outcome is unknown (:info); failed adds count for nothing."}
	var okSum int64
	var okCount, infoCount int
	for _, op := range c.h {
		if op.F != "add" || !op.IsClient() {
			continue
		}
		d, _ := asInt(op.Value)
		switch op.Type {
		case history.OK:
			okSum += d
			okCount++
		case history.Info:
			infoCount++
		}
	}
	s.Evidence = append(s.Evidence, fmt.Sprintf("%d adds were acknowledged, summing to %d; %d had an unknown outcome; acceptable final values: %s.",
		okCount, okSum, infoCount, rangesText(r.Acceptable)))
	bad := map[int]bool{}
	for _, e := range r.Errors {
		bad[e.Index] = true
	}
	var low, high int
	for _, op := range c.h {
		if op.F != "read" || op.Type != history.OK || !op.Final {
			continue
		}
		v, _ := asInt(op.Value)
		verdict := "acceptable"
		if bad[op.Index] {
			switch {
			case len(r.Acceptable) > 0 && v < r.Acceptable[0][0]:
				verdict = fmt.Sprintf("TOO LOW by %d", r.Acceptable[0][0]-v)
				low++
			case len(r.Acceptable) > 0 && v > r.Acceptable[len(r.Acceptable)-1][1]:
				verdict = fmt.Sprintf("TOO HIGH by %d", v-r.Acceptable[len(r.Acceptable)-1][1])
				high++
			default:
				verdict = "NOT ACCEPTABLE (between the acceptable ranges)"
			}
		}
		s.Evidence = append(s.Evidence, fmt.Sprintf("final read %s returned %d: %s", c.span(op), v, verdict))
	}
	s.Title = fmt.Sprintf("%s of %d not acceptable", plural(len(r.Errors), "final read"), len(r.FinalReads))
	if low > 0 {
		s.Next = append(s.Next, "Too low usually means some increments never reached that node: it answers from its own count, or it read a stale value from seq-kv (seq-kv reads may be stale; write something unique first, or use a compare-and-swap loop) and kept it.")
	}
	if high > 0 {
		s.Next = append(s.Next, "Too high usually means an add was counted twice: a retried add applied again, or one node's total added to a sum that already included it.")
	}
	s.Next = append(s.Next, "Compare the final reads per node with the adds each node received (timeline.html), and check node-logs/<node>.log for what each node last read from the other nodes or from seq-kv.")
	return s
}

func rangesText(rs []counter.Range) string {
	parts := make([]string, len(rs))
	for i, r := range rs {
		if r[0] == r[1] {
			parts[i] = fmt.Sprint(r[0])
		} else {
			parts[i] = fmt.Sprintf("%d to %d", r[0], r[1])
		}
	}
	if len(parts) == 0 {
		return "none"
	}
	return strings.Join(parts, ", ")
}

// uniqueIDs explains the unique-ids checker: the first ids, in order of
// completion, that came back a second time, each with the first two ops
// that returned it. Ops are paired by process, so how invocations and
// completions interleave does not matter.
func (c *context) uniqueIDs(r uniqueids.Result) Section {
	s := Section{Checker: "workload",
		Rule:  "Every acknowledged generate must return an id that no other generate returned, across all nodes.",
		Title: fmt.Sprintf("%s returned more than once (%d ids acknowledged)", plural(r.DuplicatedCount, "id"), r.AcknowledgedCount)}
	var generated []history.Op
	count := map[string]int{}
	for _, op := range c.h {
		if op.F == "generate" && op.Type == history.OK && op.IsClient() {
			generated = append(generated, op)
			count[history.Readable(op.Value)]++
		}
	}
	first := map[string]history.Op{}
	shown := 0
	for _, op := range generated {
		k := history.Readable(op.Value)
		prev, dup := first[k]
		if !dup {
			first[k] = op
			continue
		}
		if count[k] == 0 { // already shown
			continue
		}
		n := count[k]
		count[k] = 0
		times := "twice"
		if n > 2 {
			times = fmt.Sprintf("%d times", n)
		}
		if shown == 0 {
			s.Title = fmt.Sprintf("id %s was returned %s (first of %s)", short(op.Value, 60), times, plural(r.DuplicatedCount, "duplicated id"))
		}
		more := ""
		if n > 2 {
			more = ", and by " + plural(n-2, "more op")
		}
		s.Evidence = append(s.Evidence, fmt.Sprintf("id %s was returned by %s and again by %s%s.", short(op.Value, 60), c.span(prev), c.span(op), more))
		shown++
		if shown == maxExamples {
			break
		}
	}
	s.Next = []string{
		"Build ids from something unique per node (its node id from init) plus a counter that never repeats, or from a random value large enough never to collide.",
		"If both ops above ran on different nodes, the nodes share a counter but not a prefix; on the same node, the counter is not safe under concurrent requests (handlers run concurrently).",
	}
	return s
}

// echo explains the echo checker.
func (c *context) echo(r echo.Result) Section {
	s := Section{Checker: "workload",
		Rule:  "Every echo request must be answered with an echo_ok whose echo field is exactly the echo sent.",
		Title: fmt.Sprintf("%s did not come back as sent", plural(len(r.Errors), "echo"))}
	shown := 0
	for _, p := range history.Pairs(c.h) {
		if !p.Invoke.IsClient() || shown == maxExamples {
			continue
		}
		var got any
		if p.Completion != nil {
			got = p.Completion.Value
			if m, ok := got.(map[history.Keyword]any); ok {
				got = m["echo"]
			}
			if m, ok := got.(map[string]any); ok {
				got = m["echo"]
			}
		}
		if history.Readable(got) == history.Readable(p.Invoke.Value) {
			continue
		}
		shown++
		line := fmt.Sprintf("%s sent %s", c.span(p.Invoke), short(p.Invoke.Value, 80))
		switch {
		case p.Completion == nil:
			line += ", and no reply came before the test ended"
		case p.Completion.Type != history.OK:
			line += fmt.Sprintf(", and ended %s", p.Completion.Type)
			if p.Completion.Error != nil {
				line += " with error " + short(p.Completion.Error, 120)
			}
		default:
			line += fmt.Sprintf(", but the reply's echo was %s", short(got, 80))
		}
		s.Evidence = append(s.Evidence, line+".")
	}
	s.Next = []string{"A timeout usually means the reply lacked in_reply_to, went to the wrong client (reply to the request's src), or sat in a stdout buffer: see diagnostics.txt and node-logs/<node>.log."}
	return s
}

// stats explains the stats checker: functions that never succeeded.
func (c *context) stats(res checker.Result) Section {
	s := Section{Checker: "stats",
		Rule: "Every kind of operation (each :f) must succeed at least once; a function with no :ok at all usually means the node never answers it correctly."}
	r, ok := res.(stats.Result)
	if !ok {
		return unknownSection("stats", res)
	}
	var failing []string
	for _, f := range sortedKeys(r.ByF) {
		cnt := r.ByF[history.Keyword(f)]
		if cnt.Valid == checker.Valid || stats.Exempt[history.Keyword(f)] {
			continue
		}
		failing = append(failing, ":"+f)
		line := fmt.Sprintf(":%s never succeeded: %d ops, %d ok, %d fail, %d info", f, cnt.Count, cnt.OKCount, cnt.FailCount, cnt.InfoCount)
		if op, ok := c.firstError(history.Keyword(f)); ok {
			line += fmt.Sprintf("; the first one, %s, ended with %s", c.span(op), errorText(op))
		}
		s.Evidence = append(s.Evidence, line+".")
	}
	s.Title = "no successful " + strings.Join(failing, ", ")
	s.Next = []string{"jepsen.log shows each request and the reply (or its absence); diagnostics.txt lists replies glomers rejected and why."}
	return s
}

// firstError returns the first completion of f that is not :ok.
func (c *context) firstError(f history.Keyword) (history.Op, bool) {
	for _, op := range c.h {
		if op.IsClient() && op.F == f && (op.Type == history.Fail || op.Type == history.Info) {
			return op, true
		}
	}
	return history.Op{}, false
}

func errorText(op history.Op) string {
	if op.Error != nil {
		return "error " + short(op.Error, 200)
	}
	return string(op.Type)
}

// availability explains a missed --availability.
func (c *context) availability(res checker.Result) Section {
	s := Section{Checker: "availability",
		Rule: "The share of invocations that completed :ok must reach --availability."}
	r, ok := res.(availability.Result)
	if !ok {
		return unknownSection("availability", res)
	}
	s.Title = fmt.Sprintf("only %.3f of operations succeeded", r.OKFraction)
	type tally struct {
		n     int
		first history.Op
	}
	byF := map[history.Keyword]*tally{}
	var fs []string
	for _, op := range c.h {
		if !op.IsClient() || op.Type == history.Invoke || op.Type == history.OK {
			continue
		}
		t := byF[op.F]
		if t == nil {
			t = &tally{first: op}
			byF[op.F] = t
			fs = append(fs, string(op.F))
		}
		t.n++
	}
	sort.Strings(fs)
	for _, f := range fs {
		t := byF[history.Keyword(f)]
		s.Evidence = append(s.Evidence, fmt.Sprintf(":%s did not succeed %d times; the first, %s, ended with %s.", f, t.n, c.span(t.first), errorText(t.first)))
	}
	s.Next = []string{"Errors during partitions are expected for a CP design; timeouts (:info) everywhere mean requests go unanswered: check that every handler replies, also when it must first ask other nodes."}
	return s
}
