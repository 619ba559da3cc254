package node

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/glomers/glomers/internal/message"
)

// FuzzMachine feeds a Machine arbitrary bodies, before and after init
// (seed corpus in testdata/fuzz/FuzzMachine): it must never panic, every
// line it prints must parse as a message (so never from an empty src),
// and every reply must carry a request's msg_id exactly.
func FuzzMachine(f *testing.F) {
	f.Fuzz(func(t *testing.T, before, init, after []byte) {
		m := NewMachine(newStore)
		asked := map[int64]bool{} // msg_ids of the requests so far
		for i, body := range [][]byte{before, init, []byte(initBody), after, after} {
			if req, _ := ParseEnvelope(body); req.MsgID != nil {
				asked[*req.MsgID] = true
			}
			outs := m.Step(time.Duration(i), Message{Src: "c1", Dest: "n1", Body: json.RawMessage(body)})
			for _, o := range outs {
				line, err := EncodeLine(m.ID(), o)
				if err != nil {
					t.Fatalf("%s: unencodable reply: %v", body, err)
				}
				got, err := message.Parse(m.ID(), line)
				if err != nil {
					t.Fatal(err)
				}
				env, perr := ParseEnvelope(got.Body)
				if perr != nil {
					t.Fatalf("reply %s: %v", got.Body, perr)
				}
				if env.InReplyTo == nil || !asked[*env.InReplyTo] {
					t.Fatalf("reply %s: in_reply_to is not the msg_id of a request", got.Body)
				}
			}
		}
	})
}
