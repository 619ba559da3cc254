package main

import (
	"encoding/json"
	"math/rand/v2"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/glomers/glomers/node"
)

// single returns a one-node store that leads at once.
func single(t *testing.T) *Server {
	t.Helper()
	s := NewServer("n0", []string{"n0"}, DefaultConfig, rand.New(rand.NewPCG(1, 1)), 0)
	s.Tick(DefaultConfig.Raft.ElectionMax)
	if s.raft.Role() != Leader {
		t.Fatalf("role %s, want leader", s.raft.Role())
	}
	return s
}

func request(t *testing.T, body string) Command {
	t.Helper()
	cmd, err := ParseRequest("c1", json.RawMessage(body))
	if err != nil {
		t.Fatal(err)
	}
	return cmd
}

// answer runs one request on s and returns the one answer's body.
func answer(t *testing.T, s *Server, now time.Duration, body string) map[string]any {
	t.Helper()
	out := s.Request(now, request(t, body))
	out = append(out, s.Tick(now+time.Second)...) // past the batch window
	if len(out) != 1 || out[0].Dest != "c1" {
		t.Fatalf("%s: sent %+v, want one answer to c1", body, out)
	}
	return out[0].Body.(map[string]any)
}

func TestStoreSemantics(t *testing.T) {
	s := single(t)
	steps := []struct {
		req  string
		want map[string]any
	}{
		{`{"type":"read","msg_id":1,"key":7}`, map[string]any{"type": "error", "code": node.CodeKeyDoesNotExist}},
		{`{"type":"cas","msg_id":2,"key":7,"from":1,"to":2}`, map[string]any{"type": "error", "code": node.CodeKeyDoesNotExist}},
		{`{"type":"write","msg_id":3,"key":7,"value":1}`, map[string]any{"type": "write_ok"}},
		{`{"type":"cas","msg_id":4,"key":7,"from":3,"to":4}`, map[string]any{"type": "error", "code": node.CodePreconditionFailed}},
		{`{"type":"cas","msg_id":5,"key":7,"from":1,"to":2}`, map[string]any{"type": "cas_ok"}},
		{`{"type":"read","msg_id":6,"key":7}`, map[string]any{"type": "read_ok", "value": json.RawMessage(`2`)}},
		// Keys and values are any JSON, compared without white space.
		{`{"type":"write","msg_id":7,"key":[1, "a"],"value":{"x": [1, 2]}}`, map[string]any{"type": "write_ok"}},
		{`{"type":"cas","msg_id":8,"key":[1,"a"],"from":{"x":[1,2]},"to":1152921504606846977}`, map[string]any{"type": "cas_ok"}},
		{`{"type":"read","msg_id":9,"key":[1,"a"]}`, map[string]any{"type": "read_ok", "value": json.RawMessage(`1152921504606846977`)}},
	}
	now := 2 * time.Second
	for _, st := range steps {
		now += 2 * time.Second
		got := answer(t, s, now, st.req)
		id := request(t, st.req).MsgID
		if got["in_reply_to"] != id {
			t.Errorf("%s: in_reply_to %v, want %d", st.req, got["in_reply_to"], id)
		}
		for k, v := range st.want {
			if !reflect.DeepEqual(got[k], v) {
				t.Errorf("%s: %s = %#v, want %#v (answer %v)", st.req, k, got[k], v, got)
			}
		}
	}
}

// TestAppliedOnce: a command that comes twice (a relay and the direct
// copy) takes effect once.
func TestAppliedOnce(t *testing.T) {
	s := single(t)
	now := time.Second
	write := func(msgID int64, v string) {
		cmd := Command{Client: "c1", MsgID: msgID, Op: "write", Key: json.RawMessage(`1`), Value: json.RawMessage(v)}
		data, _ := json.Marshal(cmd)
		s.raft.Propose(now, data)
	}
	write(1, `10`)
	write(2, `20`)
	write(1, `10`) // a late copy of the first
	s.Tick(now + time.Second)
	if got := string(s.data["1"]); got != "20" {
		t.Errorf("key 1 holds %s, want 20: the late copy took effect", got)
	}
}

func TestParseRequestErrors(t *testing.T) {
	for body, want := range map[string]string{
		`{"type":"write","msg_id":1,"key":1}`:        "write needs value",
		`{"type":"cas","msg_id":1,"key":1,"from":1}`: "cas needs from and to",
		`{"type":"read","msg_id":1}`:                 "read needs key",
		`{"type":"read","msg_id":"x","key":1}`:       "malformed request",
		`{"type":"delete","msg_id":1,"key":1}`:       `unknown request type "delete"`,
	} {
		_, err := ParseRequest("c1", json.RawMessage(body))
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: error %v, want one saying %q", body, err, want)
		}
	}
}

func TestNodeRefusesBadInput(t *testing.T) {
	n := NewNode(DefaultConfig, 1)("n0", []string{"n0", "n1", "n2"})
	for _, tt := range []struct {
		body string
		code int
	}{
		{`{"type":"write","msg_id":1,"key":1}`, node.CodeMalformedRequest},
		{`{"type":"frobnicate","msg_id":2}`, node.CodeNotSupported},
	} {
		out := n.Handle(0, node.Message{Src: "c1", Dest: "n0", Body: json.RawMessage(tt.body)})
		if len(out) != 1 {
			t.Fatalf("%s: sent %+v, want one error", tt.body, out)
		}
		b, err := node.EncodeBody(out[0].Body)
		if err != nil {
			t.Fatal(err)
		}
		var e node.ErrorBody
		if err := json.Unmarshal(b, &e); err != nil || e.Code != tt.code || e.Text == "" {
			t.Errorf("%s: answered %s, want error %d with a text", tt.body, b, tt.code)
		}
	}
	// A malformed Raft message carries no msg_id: nothing is answered.
	if out := n.Handle(0, node.Message{Src: "n1", Dest: "n0", Body: json.RawMessage(`{"type":"raft_append","term":"x"}`)}); len(out) != 0 {
		t.Errorf("answered a malformed Raft message with %+v", out)
	}
}

// TestNoLeader: a request waits for a leader, then gets error 11.
func TestNoLeader(t *testing.T) {
	s := NewServer("n0", []string{"n0", "n1", "n2"}, DefaultConfig, rand.New(rand.NewPCG(1, 1)), 0)
	if out := s.Request(0, request(t, `{"type":"write","msg_id":5,"key":1,"value":1}`)); len(out) != 0 {
		t.Fatalf("sent %+v at once, want the request held", out)
	}
	if next := s.Next(); next > DefaultConfig.NoLeaderWait {
		t.Fatalf("next deadline %v, want at most %v", next, DefaultConfig.NoLeaderWait)
	}
	var answer map[string]any
	for _, o := range s.Tick(DefaultConfig.NoLeaderWait) {
		if o.Dest == "c1" {
			answer = o.Body.(map[string]any)
		}
	}
	if answer["code"] != node.CodeTemporarilyUnavailable || answer["in_reply_to"] != int64(5) ||
		!strings.Contains(answer["text"].(string), "knows no leader") {
		t.Errorf("answer %v, want error 11 saying no leader is known", answer)
	}
}

// TestForwardAndRelay: a follower forwards to its leader; when the leader
// says it does not hear the follower, the forward goes through the third
// node, which passes it on.
func TestForwardAndRelay(t *testing.T) {
	ids := []string{"n0", "n1", "n2"}
	f := NewServer("n1", ids, DefaultConfig, rand.New(rand.NewPCG(1, 1)), 0)
	now := 100 * time.Millisecond
	// n0 leads and hears n1 and n2.
	f.Step(now, Msg{Type: MsgAppend, From: "n0", To: "n1", Term: 1, Hears: []string{"n1", "n2"}})
	out := f.Request(now, request(t, `{"type":"read","msg_id":1,"key":1}`))
	if len(out) != 1 || out[0].Dest != "n0" || out[0].Body.(Forward).Type != MsgForward {
		t.Fatalf("sent %+v, want one forward to n0", out)
	}
	// Now n0 says it hears only n2.
	now += 10 * time.Millisecond
	f.Step(now, Msg{Type: MsgAppend, From: "n0", To: "n1", Term: 1, Hears: []string{"n2"}})
	out = f.Request(now, request(t, `{"type":"read","msg_id":2,"key":1}`))
	var relay *Relay
	for _, o := range out {
		if r, ok := o.Body.(Relay); ok && o.Dest == "n2" && r.To == "n0" && r.Fwd != nil {
			relay = &r
		}
	}
	if relay == nil {
		t.Fatalf("sent %+v, want a relay of the forward through n2", out)
	}
	// n2 passes it on unchanged.
	third := NewServer("n2", ids, DefaultConfig, rand.New(rand.NewPCG(2, 2)), 0)
	got := third.Relayed(now, "n1", *relay)
	if len(got) != 1 || got[0].Dest != "n0" || !reflect.DeepEqual(got[0].Body, *relay) {
		t.Errorf("n2 sent %+v, want the relay passed on to n0", got)
	}
}

// TestWireFormat: a Raft message survives its JSON form.
func TestWireFormat(t *testing.T) {
	m := Msg{Type: MsgAppend, Term: 3, Prev: 4, PrevTerm: 2, Commit: 4, Stamp: 123456789,
		Entries: []Entry{{Term: 3, Data: json.RawMessage(`{"op":"write"}`)}, {Term: 3}}, Hears: []string{"n2"}}
	b, err := node.EncodeBody(m)
	if err != nil {
		t.Fatal(err)
	}
	var back Msg
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(back, m) {
		t.Errorf("%s decodes to %+v, want %+v", b, back, m)
	}
}
