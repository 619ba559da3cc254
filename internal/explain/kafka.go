package explain

import (
	"fmt"
	"strings"

	"github.com/glomers/glomers/internal/checker/kafka"
	"github.com/glomers/glomers/internal/history"
)

// kafkaRules says, per error type, what the rule is in one sentence.
var kafkaRules = map[string]string{
	kafka.TypeDuplicate:             "A message is sent once, so it may sit at only one offset of its key.",
	kafka.TypeInconsistentOffsets:   "An offset of a key holds one message: every send and poll must agree on which.",
	kafka.TypeIntPollSkip:           "One poll must return consecutive messages of a key: nothing in the log may lie between two messages it returns.",
	kafka.TypeIntSendSkip:           "Messages sent in one op get consecutive offsets (allowed in Maelstrom).",
	kafka.TypeIntNonmonotonicPoll:   "Within one poll a key's offsets must increase.",
	kafka.TypeIntNonmonotonicSend:   "Within one op the offsets of a key's sends must increase.",
	kafka.TypePrecommittedRead:      "An op cannot read a message it is itself sending.",
	kafka.TypeG1a:                   "A poll must not return a message whose send failed.",
	kafka.TypeLostWrite:             "An acknowledged send below the highest offset any poll reached must be returned by some poll.",
	kafka.TypeNonmonotonicPoll:      "A client's polls of a key must move forward: each poll starts after the last offset its previous poll returned.",
	kafka.TypeNonmonotonicSend:      "A client's sends to a key must get increasing offsets.",
	kafka.TypePollSkip:              "A client's consecutive polls of a key must not skip messages: the next poll starts right after the last one it returned.",
	kafka.TypeUnseen:                "Every acknowledged send must eventually be returned by some poll.",
	kafka.TypeNoWriter:              "A poll may only return messages some client sent to that key.",
	kafka.TypeEmptyTransactionGraph: "The checker needs sends and polls that depend on each other (a poll returning a sent message) to order them; with none, nothing can be checked.",
}

// kafka explains the kafka checker: one worked example per error type.
func (c *context) kafka(r kafka.Result) []Section {
	var out []Section
	bad := map[string]bool{}
	for _, t := range r.BadErrorTypes {
		bad[string(t)] = true
	}
	for _, t := range r.BadErrorTypes {
		typ := string(t)
		s := Section{Checker: "workload", Rule: kafkaRules[typ]}
		var count int
		var errs any
		if typ == kafka.TypeUnseen && r.Unseen != nil {
			errs = *r.Unseen
			for _, n := range r.Unseen.Unseen {
				count += n
			}
		} else if sum, ok := r.Errors[typ]; ok {
			errs, count = sum.Errs, sum.Count
		}
		s.Title = fmt.Sprintf("%s (%s)", typ, plural(count, "case"))
		if s.Rule == "" {
			s.Rule = "Sends and polls must be explainable by one log per key; a cycle means no order of the ops agrees with what they saw and with real time."
		}
		if ex := c.kafkaExample(errs); ex != "" {
			s.Evidence = append(s.Evidence, ex)
		}
		s.Next = kafkaNext(typ)
		if typ == kafka.TypeLostWrite || typ == kafka.TypeUnseen {
			if kp := c.killsAndPauses(); kp != "" {
				s.Evidence = append(s.Evidence, kp)
			}
			if c.killed() {
				s.Next = append(s.Next, killHint)
			}
		}
		out = append(out, s)
	}
	var allowed []string
	for _, t := range r.ErrorTypes {
		if !bad[string(t)] {
			allowed = append(allowed, string(t))
		}
	}
	if len(out) > 0 && len(allowed) > 0 {
		out[len(out)-1].Evidence = append(out[len(out)-1].Evidence,
			"also found, but allowed in Maelstrom's kafka workload: "+strings.Join(allowed, ", ")+".")
	}
	if len(out) == 0 {
		return nil
	}
	return out
}

// kafkaExample spells out the first case of one error type.
func (c *context) kafkaExample(errs any) string {
	switch e := errs.(type) {
	case []kafka.Duplicate:
		if len(e) > 0 {
			d := e[0]
			return fmt.Sprintf("message %d%s appears %d times in key %q, at offsets %s.", d.Value, c.sender(d.Key, d.Value), d.Count, d.Key, listInts(d.Offsets, 8))
		}
	case []kafka.InconsistentOffset:
		if len(e) > 0 {
			x := e[0]
			var who []string
			for _, v := range x.Values {
				who = append(who, fmt.Sprintf("%d%s", v, c.sender(x.Key, v)))
			}
			return fmt.Sprintf("offset %d of key %q was seen holding %d different messages: %s. Two sends were given the same offset, or a poll returned a message at a different offset than its send was acknowledged at.",
				x.Offset, x.Key, len(x.Values), strings.Join(who, "; "))
		}
	case []kafka.IntSkip:
		if len(e) > 0 {
			x := e[0]
			return fmt.Sprintf("%s returned %d then %d of key %q, but the log has %s between them.", c.span(x.Op), x.Values[0], x.Values[1], x.Key, listInts(x.Skipped, 8))
		}
	case []kafka.IntNonmonotonic:
		if len(e) > 0 {
			x := e[0]
			return fmt.Sprintf("%s returned %d then %d of key %q, going backwards (or repeating) in the log by %d.", c.span(x.Op), x.Values[0], x.Values[1], x.Key, x.Delta)
		}
	case []kafka.PrecommittedRead:
		if len(e) > 0 {
			x := e[0]
			return fmt.Sprintf("%s read message %d of key %q, which it was sending itself.", c.span(x.Op), x.Value, x.Key)
		}
	case []kafka.G1a:
		if len(e) > 0 {
			x := e[0]
			return fmt.Sprintf("%s returned message %d of key %q, but its send %s failed.", c.span(x.Reader), x.Value, x.Key, c.span(x.Writer))
		}
	case []kafka.LostWrite:
		if len(e) > 0 {
			return c.lostWrite(e[0])
		}
	case []kafka.Nonmonotonic:
		if len(e) > 0 && len(e[0].Ops) == 2 {
			x := e[0]
			return fmt.Sprintf("%s reached message %d of key %q, then the same client's next op, %s, started at message %d, at or before it (a log distance of %d; moving on is 1).",
				c.span(x.Ops[0]), x.Values[0], x.Key, c.span(x.Ops[1]), x.Values[1], x.Delta)
		}
	case []kafka.PollSkip:
		if len(e) > 0 && len(e[0].Ops) == 2 {
			x := e[0]
			return fmt.Sprintf("%s polled key %q, then the same client's next poll, %s, skipped %s, which the log has in between.",
				c.span(x.Ops[0]), x.Key, c.span(x.Ops[1]), listInts(x.Skipped, 8))
		}
	case kafka.Unseen:
		for k, vs := range firstKey(e.Messages) {
			if len(vs) == 0 {
				continue
			}
			return fmt.Sprintf("message %d of key %q%s was acknowledged, but no poll ever returned it (%d unseen in that key).", vs[0], k, c.sender(k, vs[0]), e.Unseen[k])
		}
	case []kafka.NoWriter:
		if len(e) > 0 && len(e[0].Readers) > 0 {
			x := e[0]
			return fmt.Sprintf("%s returned message %d of key %q, which no client ever sent to that key.", c.span(x.Readers[0]), x.Value, x.Key)
		}
	case []kafka.Cycle:
		if len(e) > 0 {
			return c.kafkaCycle(e[0])
		}
	case bool: // empty-transaction-graph
		return fmt.Sprintf("no :ok poll in the %d ops of the history returned a message that an :ok send wrote.", len(c.h))
	}
	return ""
}

// firstKey returns the entry of m with the smallest key.
func firstKey(m map[string][]int64) map[string][]int64 {
	if len(m) <= 1 {
		return m
	}
	first := ""
	for k := range m {
		if first == "" || k < first {
			first = k
		}
	}
	return map[string][]int64{first: m[first]}
}

// kafkaSender says who sent msg to key: "sent by op N (process p on nX,
// …) and acknowledged at offset o", from the first :ok send of it, else
// the first :info one; "" if no op sent it.
func (c *context) kafkaSender(key string, msg int64) string {
	for _, want := range []history.Type{history.OK, history.Info} {
		for _, op := range c.h {
			if !op.IsClient() || op.Type != want {
				continue
			}
			for _, e := range kafka.Sent(op)[key] {
				if e.Message != msg {
					continue
				}
				if e.HasOffset {
					return fmt.Sprintf("sent by %s and acknowledged at offset %d", c.span(op), e.Offset)
				}
				return "sent by " + c.span(op)
			}
		}
	}
	return ""
}

// sender is kafkaSender in parentheses, or "".
func (c *context) sender(key string, msg int64) string {
	if s := c.kafkaSender(key, msg); s != "" {
		return " (" + s + ")"
	}
	return ""
}

// lostWrite finds a poll that read around a lost message.
func (c *context) lostWrite(l kafka.LostWrite) string {
	var off int64 = -1
	for _, e := range kafka.Sent(l.Writer)[l.Key] {
		if e.Message == l.Value && e.HasOffset {
			off = e.Offset
		}
	}
	s := fmt.Sprintf("the send of %d to key %q by %s", l.Value, l.Key, c.span(l.Writer))
	if off >= 0 {
		s += fmt.Sprintf(" was acknowledged at offset %d", off)
	} else {
		s += " was acknowledged"
	}
	s += ", yet no poll ever returned it"
	if off >= 0 {
		for _, op := range c.h {
			if !op.IsClient() || op.Type != history.OK {
				continue
			}
			es := kafka.Polled(op)[l.Key]
			for i := 1; i < len(es); i++ {
				if es[i-1].Offset < off && es[i].Offset > off {
					return s + fmt.Sprintf(": %s read offset %d (message %d) then offset %d (message %d) of key %q, without it.",
						c.span(op), es[i-1].Offset, es[i-1].Message, es[i].Offset, es[i].Message, l.Key)
				}
			}
		}
	}
	if l.MaxRead != nil {
		s += fmt.Sprintf(", although %s read further into key %q", c.span(*l.MaxRead), l.Key)
	}
	return s + "."
}

// kafkaCycle puts a dependency cycle in the kafka checker's words.
func (c *context) kafkaCycle(cy kafka.Cycle) string {
	keys := make([]string, len(cy.Steps))
	for i, st := range cy.Steps {
		if st.Key != "" {
			keys[i] = fmt.Sprintf("%q", st.Key)
		}
	}
	return c.cycleInWords(cy.Cycle, kafka.CycleWords(cy), keys)
}

func kafkaNext(typ string) []string {
	switch typ {
	case kafka.TypeLostWrite, kafka.TypeUnseen:
		return []string{"A lost send was acknowledged with an offset but is not in the log the node serves: check that the send is stored before send_ok, and that replication to the node that serves the polls happened (net-journal.json, messages.svg)."}
	case kafka.TypeInconsistentOffsets, kafka.TypeDuplicate:
		return []string{"Offsets must be assigned by one authority per key (a single owner node, or a compare-and-swap on lin-kv), never by two nodes or two concurrent handlers independently: handlers run concurrently."}
	case kafka.TypePollSkip, kafka.TypeIntPollSkip, kafka.TypeNonmonotonicPoll:
		return []string{"A poll from offset o must return every message from o on, in order, with no gaps the log does not have: check the node serves polls from a complete prefix of the log (node-logs/<node>.log)."}
	}
	return []string{"results.edn lists the cases; timeline.html shows the ops named above."}
}
