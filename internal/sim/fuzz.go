package sim

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/glomers/glomers/internal/client"
	"github.com/glomers/glomers/internal/message"
	"github.com/glomers/glomers/node"
)

// Fuzz is the body of every solution's FuzzHandle: it feeds a node
// (node.Machine around newCore, as node ids[0] of ids, initialized) the
// messages in one fuzz input and checks what it sends back. An input is
// lines of "<src> <body>"; a line without a space is a body from c1.
// Between messages the node's clock moves 1 ms and it ticks.
//
// Whatever the input, the node must not panic, every message it sends
// must be one Maelstrom accepts (message.Parse), and every well-formed
// client request (a body with an integer msg_id and a string type, no
// in_reply_to) gets exactly one reply, never error 13 (crash,
// indefinite): a bad request is refused with a definite error, 10 or 12.
// Messages of the types listed in atMostOnce get at most one reply: the
// nodes' own protocol (when a client sends it), and requests a core
// answers only once a service has replied (the fuzz input plays the
// service only when it says so).
func Fuzz(f *testing.F, newCore node.NewCore, ids []string, atMostOnce ...string) {
	f.Fuzz(func(t *testing.T, input []byte) {
		m := node.NewMachine(newCore)
		init := fmt.Sprintf(`{"type":"init","msg_id":1,"node_id":%q,"node_ids":%s}`, ids[0], mustJSON(ids))
		check(t, m, 0, "c0", []byte(init), nil)
		now := time.Duration(0)
		for _, line := range bytes.Split(input, []byte("\n")) {
			src, body := "c1", line
			if i := bytes.IndexByte(line, ' '); i > 0 {
				src, body = string(line[:i]), line[i+1:]
			}
			now += time.Millisecond
			check(t, m, now, src, body, atMostOnce)
			sent(t, m.ID(), m.Tick(now))
		}
	})
}

// check steps m with one message and checks its output.
func check(t *testing.T, m *node.Machine, now time.Duration, src string, body []byte, atMostOnce []string) {
	t.Helper()
	outs := m.Step(now, node.Message{Src: src, Dest: m.ID(), Body: json.RawMessage(body)})
	msgs := sent(t, m.ID(), outs)
	env, err := node.ParseEnvelope(body)
	if err != nil || env.MsgID == nil || env.InReplyTo != nil || !message.IsClient(src) {
		return
	}
	replies := 0
	for _, r := range msgs {
		b, err := r.DecodeBody()
		if err != nil {
			t.Fatalf("reply %s: %v", r.Body, err)
		}
		if id, ok := b.Int("in_reply_to"); r.Dest != src || !ok || id != *env.MsgID {
			continue
		}
		replies++
		if b.Type() == "error" {
			code, _ := b.Int("code")
			if e := client.LookupCode(int(code)); !e.Definite {
				t.Errorf("%s answered with error %d (%s, indefinite): %s", body, code, e.Name, r.Body)
			}
		}
	}
	if replies != 1 && (replies > 1 || !slices.Contains(atMostOnce, env.Type)) {
		t.Errorf("%s from %s got %d replies, want 1: %v", body, src, replies, msgs)
	}
}

// sent checks that every message is a line Maelstrom accepts, and
// returns them parsed.
func sent(t *testing.T, id string, outs []node.Out) []message.Message {
	t.Helper()
	var msgs []message.Message
	for _, o := range outs {
		line, err := node.EncodeLine(id, o)
		if err != nil {
			t.Fatalf("unencodable message to %s: %v", o.Dest, err)
		}
		m, err := message.Parse(id, line)
		if err != nil {
			t.Fatalf("%v", err)
		}
		msgs = append(msgs, m)
	}
	return msgs
}

func mustJSON(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return string(b)
}
