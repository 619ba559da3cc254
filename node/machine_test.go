package node

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"testing"
	"time"
)

// store is a test core: "put" stores a value exactly as sent and answers
// put_ok, "get" answers with everything stored, "peer" (no msg_id) stores
// silently; its first message is recorded to show what it saw first.
type store struct {
	NoTimer
	id     string
	values []json.RawMessage
}

func newStore(id string, _ []string) Core { return &store{id: id} }

func (s *store) Handle(_ time.Duration, msg Message) []Out {
	var req struct {
		Value json.RawMessage `json:"value"`
	}
	if err := Decode(msg, &req); err != nil {
		return Malformed(msg, "%v", err)
	}
	switch msg.Type() {
	case "put", "peer":
		s.values = append(s.values, req.Value)
		if msg.Type() == "peer" {
			return nil
		}
		return []Out{Reply(msg, map[string]string{"type": "put_ok", "node": s.id})}
	case "get":
		return []Out{Reply(msg, map[string]any{"type": "get_ok", "values": s.values})}
	}
	return Unsupported(msg)
}

func msg(src, body string) Message {
	return Message{Src: src, Dest: "n1", Body: json.RawMessage(body)}
}

const initBody = `{"type":"init","msg_id":1,"node_id":"n1","node_ids":["n1","n2"]}`

// lines encodes outs as the node would print them.
func lines(t *testing.T, src string, outs []Out) []string {
	t.Helper()
	var ls []string
	for _, o := range outs {
		l, err := EncodeLine(src, o)
		if err != nil {
			t.Fatal(err)
		}
		ls = append(ls, strings.TrimSuffix(string(l), "\n"))
	}
	return ls
}

func TestMachineHoldsMessagesUntilInit(t *testing.T) {
	m := NewMachine(newStore)
	if out := m.Step(0, msg("n2", `{"type":"peer","value":1}`)); out != nil {
		t.Fatalf("answered %v before init", out)
	}
	if out := m.Step(0, msg("c1", `{"type":"put","msg_id":5,"value":2}`)); out != nil {
		t.Fatalf("answered %v before init", out)
	}
	outs := m.Step(0, msg("c0", initBody))
	got := lines(t, m.ID(), outs)
	want := []string{
		`{"src":"n1","dest":"c0","body":{"in_reply_to":1,"type":"init_ok"}}`,
		`{"src":"n1","dest":"c1","body":{"in_reply_to":5,"node":"n1","type":"put_ok"}}`,
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("init answered\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	got = lines(t, m.ID(), m.Step(0, msg("c1", `{"type":"get","msg_id":6}`)))
	if want := `{"src":"n1","dest":"c1","body":{"in_reply_to":6,"type":"get_ok","values":[1,2]}}`; got[0] != want {
		t.Errorf("get = %s, want %s", got[0], want)
	}
}

func TestMachineRepeatedInit(t *testing.T) {
	m := NewMachine(newStore)
	m.Step(0, msg("c0", initBody))
	m.Step(0, msg("c1", `{"type":"put","msg_id":2,"value":7}`))
	core := m.Core()
	got := lines(t, m.ID(), m.Step(0, msg("c0", initBody)))
	if len(got) != 1 || !strings.Contains(got[0], `"init_ok"`) || m.Core() != core {
		t.Fatalf("repeated init: %v, core kept %v", got, m.Core() == core)
	}
	if got := lines(t, m.ID(), m.Step(0, msg("c1", `{"type":"get","msg_id":3}`))); !strings.Contains(got[0], `"values":[7]`) {
		t.Errorf("state after a repeated init: %s", got[0])
	}
	got = lines(t, m.ID(), m.Step(0, msg("c0", `{"type":"init","msg_id":4,"node_id":"n2","node_ids":["n1","n2"]}`)))
	if len(got) != 1 || !strings.Contains(got[0], `"code":12,"text":"this node was initialized as n1 of [n1 n2] and cannot become n2 of [n1 n2]"`) {
		t.Errorf("init as another node: %v", got)
	}
}

func TestMachineRefusesMalformed(t *testing.T) {
	tests := []struct{ body, want string }{
		{`{"type":"put","msg_id":2,"value":1}`, `"put_ok"`},
		{`{"type":7,"msg_id":2}`, `{"in_reply_to":2,"type":"error","code":12,"text":"type must be a string, got 7"}`},
		{`{"msg_id":2}`, `{"in_reply_to":2,"type":"error","code":12,"text":"the body has no type"}`},
		{`{"type":"put","msg_id":"x"}`, ``}, // no usable msg_id: nothing to answer
		{`{"type":"put","msg_id":1.5}`, ``},
		{`{"type":"put","msg_id":2,"in_reply_to":"y"}`, `"code":12,"text":"in_reply_to must be an integer, got \"y\""`},
		{`[1,2]`, ``},
		{`null`, ``},
		{`{"type":"frob","msg_id":9}`, `{"in_reply_to":9,"type":"error","code":10,"text":"unsupported message type \"frob\""}`},
		{`{"type":"frob"}`, ``}, // no msg_id: nobody waits
		{`{"type":"init","msg_id":3,"node_id":"n9","node_ids":["n1"]}`, `"code":12,"text":"init needs a node_id string that is one of the node_ids strings`},
	}
	m := NewMachine(newStore)
	m.Step(0, msg("c0", initBody))
	for _, tt := range tests {
		got := strings.Join(lines(t, m.ID(), m.Step(0, msg("c1", tt.body))), "\n")
		if (tt.want == "") != (got == "") || !strings.Contains(got, tt.want) {
			t.Errorf("%s answered %q, want %q", tt.body, got, tt.want)
		}
	}
}

func TestReplyKeepsNumbersExact(t *testing.T) {
	req := msg("c1", `{"type":"x","msg_id":12345678901234567}`)
	for _, tt := range []struct {
		body any
		want string
	}{
		{map[string]any{"type": "ok", "v": int64(1<<60 + 1)}, `{"in_reply_to":12345678901234567,"type":"ok","v":1152921504606846977}`},
		{json.RawMessage(`{"type":"ok","v":123456789012345678901234567890,"s":"<&>"}`), `{"in_reply_to":12345678901234567,"type":"ok","v":123456789012345678901234567890,"s":"<&>"}`},
		{map[string]string{"type": "ok", "s": "<&> \u2028"}, `{"in_reply_to":12345678901234567,"s":"<&> \u2028","type":"ok"}`},
		{struct{}{}, `{"in_reply_to":12345678901234567}`},
	} {
		b, err := EncodeBody(Reply(req, tt.body).Body)
		if err != nil || string(b) != tt.want {
			t.Errorf("reply %v = %s (%v), want %s", tt.body, b, err, tt.want)
		}
	}
	if _, err := EncodeBody([]int{1}); err == nil {
		t.Error("a body that is not an object was encoded")
	}
}

func TestEvery(t *testing.T) {
	e := Every{Period: 100 * time.Millisecond}
	var due []time.Duration
	for now := time.Duration(0); now <= 350*time.Millisecond; now += 50 * time.Millisecond {
		if e.Due(now) {
			due = append(due, now)
		}
	}
	if fmt.Sprint(due) != "[100ms 200ms 300ms]" {
		t.Errorf("due at %v", due)
	}
	if next, ok := e.Next(); !ok || next != 400*time.Millisecond {
		t.Errorf("Next = %v, %v", next, ok)
	}
}

// serve runs Serve for newStore on pipes, and returns the writer of its
// stdin and a reader of its stdout lines.
func serve(t *testing.T) (io.WriteCloser, *bufio.Scanner) {
	t.Helper()
	inR, inW := io.Pipe()
	outR, outW := io.Pipe()
	done := make(chan error, 1)
	go func() {
		done <- Serve(context.Background(), inR, outW, newStore)
		outW.Close()
	}()
	t.Cleanup(func() {
		inW.Close()
		if err := <-done; err != nil {
			t.Error(err)
		}
	})
	sc := bufio.NewScanner(outR)
	sc.Buffer(nil, 1<<20)
	return inW, sc
}

// TestServeInitBackToBack writes init and a request in one write, many
// times: the reply always comes from the initialized node, and what the
// request stored is there for the next read. Before the Machine, init ran
// concurrently with the request, and the reply had no src.
func TestServeInitBackToBack(t *testing.T) {
	for try := range 50 {
		in, out := serve(t)
		v := fmt.Sprintf("%d", 1<<60+try)
		go io.WriteString(in, `{"src":"c0","dest":"n1","body":`+initBody+"}\n"+
			`{"src":"c1","dest":"n1","body":{"type":"put","msg_id":2,"value":`+v+`}}`+"\n"+
			`{"src":"c1","dest":"n1","body":{"type":"get","msg_id":3}}`+"\n")
		var got []string
		for range 3 {
			if !out.Scan() {
				t.Fatal("node output ended")
			}
			got = append(got, out.Text())
		}
		want := []string{
			`{"src":"n1","dest":"c0","body":{"in_reply_to":1,"type":"init_ok"}}`,
			`{"src":"n1","dest":"c1","body":{"in_reply_to":2,"node":"n1","type":"put_ok"}}`,
			`{"src":"n1","dest":"c1","body":{"in_reply_to":3,"type":"get_ok","values":[` + v + `]}}`,
		}
		if strings.Join(got, "\n") != strings.Join(want, "\n") {
			t.Fatalf("try %d:\n%s\nwant\n%s", try, strings.Join(got, "\n"), strings.Join(want, "\n"))
		}
		in.Close()
	}
}

// TestServeSkipsJunk: lines that are not messages are skipped, and the
// node keeps serving.
func TestServeSkipsJunk(t *testing.T) {
	in, out := serve(t)
	go io.WriteString(in, "not json\n\n"+`{"src":"c0","dest":"n1","body":`+initBody+"}\n"+`[1]`+"\n"+
		`{"src":"c1","dest":"n1","body":{"type":"put","msg_id":2,"value":"`+strings.Repeat("x", 100<<10)+`"}}`+"\n"+
		`{"src":"c1","dest":"n1","body":{"type":"get","msg_id":3}}`+"\n")
	var got []string
	for range 3 {
		if !out.Scan() {
			t.Fatalf("node output ended: %v", out.Err())
		}
		got = append(got, out.Text())
	}
	if !strings.Contains(got[0], "init_ok") || !strings.Contains(got[1], "put_ok") || !strings.Contains(got[2], `"get_ok"`) || len(got[2]) < 100<<10 {
		t.Errorf("got %.200q", got)
	}
}

// ticker is a core whose Tick sends one message per period.
type ticker struct {
	Every
	ticks int
}

func (k *ticker) Handle(time.Duration, Message) []Out { return nil }

func (k *ticker) Tick(now time.Duration) []Out {
	if !k.Due(now) {
		return nil
	}
	k.ticks++
	return []Out{{Dest: "n2", Body: map[string]int{"tick": k.ticks}}}
}

// TestServeTicksAfterInitOnly: the clock starts with the core, once,
// whatever the number of inits.
func TestServeTicksAfterInitOnly(t *testing.T) {
	inR, inW := io.Pipe()
	outR, outW := io.Pipe()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		done <- Serve(ctx, inR, outW, func(string, []string) Core { return &ticker{Every: Every{Period: 20 * time.Millisecond}} })
		outW.Close()
	}()
	sc := bufio.NewScanner(outR)
	go io.WriteString(inW, strings.Repeat(`{"src":"c0","dest":"n1","body":`+initBody+"}\n", 3))
	var ticks []string
	for len(ticks) < 3 && sc.Scan() {
		if strings.Contains(sc.Text(), `"tick"`) {
			ticks = append(ticks, sc.Text())
		}
	}
	if want := `{"src":"n1","dest":"n2","body":{"tick":3}}`; len(ticks) != 3 || ticks[2] != want {
		t.Errorf("ticks %v, want the third to be %s (one clock, not three)", ticks, want)
	}
	go io.Copy(io.Discard, outR)
	cancel()
	if err := <-done; err != nil {
		t.Error(err)
	}
	inW.Close()
}
