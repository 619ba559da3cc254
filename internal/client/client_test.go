package client

import (
	"context"
	"errors"
	"reflect"
	"sync"
	"testing"
	"time"

	"github.com/glomers/glomers/internal/message"
)

// fakeNet is a Network that answers each request with the messages its
// respond function returns, delivered in order from another goroutine.
type fakeNet struct {
	mu       sync.Mutex
	handlers map[string]func(message.Message)
	sent     []message.Body
	respond  func(req message.Message, body message.Body) []message.Message
	sendErr  error
}

func newFakeNet(respond func(message.Message, message.Body) []message.Message) *fakeNet {
	return &fakeNet{handlers: map[string]func(message.Message){}, respond: respond}
}

func (f *fakeNet) Register(id string, h func(message.Message)) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.handlers[id] = h
}

func (f *fakeNet) Deregister(id string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	delete(f.handlers, id)
}

func (f *fakeNet) Send(m message.Message) (message.Message, error) {
	if f.sendErr != nil {
		return m, f.sendErr
	}
	b, err := m.DecodeBody()
	if err != nil {
		return m, err
	}
	f.mu.Lock()
	f.sent = append(f.sent, b)
	f.mu.Unlock()
	var replies []message.Message
	if f.respond != nil {
		replies = f.respond(m, b)
	}
	go func() {
		for _, r := range replies {
			f.mu.Lock()
			h := f.handlers[r.Dest]
			f.mu.Unlock()
			if h != nil {
				h(r)
			}
		}
	}()
	return m, nil
}

// reply builds a reply from req's destination with body b.
func reply(req message.Message, b message.Body) message.Message {
	return message.New(req.Dest, req.Src, b)
}

func TestCallSetsMsgID(t *testing.T) {
	net := newFakeNet(func(req message.Message, b message.Body) []message.Message {
		id, _ := b.Int("msg_id")
		return []message.Message{reply(req, message.Body{"type": "echo_ok", "in_reply_to": id, "echo": b["echo"]})}
	})
	c := Open(net, "c4")
	defer c.Close()
	if c.ID() != "c4" {
		t.Errorf("ID() = %q", c.ID())
	}
	for want := int64(1); want <= 3; want++ {
		body := message.Body{"type": "echo", "echo": "hi"}
		got, err := c.Call(context.Background(), "n1", body, time.Second)
		if err != nil {
			t.Fatalf("Call %d: %v", want, err)
		}
		if id, _ := got.Int("in_reply_to"); id != want || got["echo"] != "hi" {
			t.Errorf("Call %d returned %v", want, got)
		}
		if _, ok := body["msg_id"]; ok {
			t.Errorf("Call modified the caller's body: %v", body)
		}
	}
	for i, b := range net.sent {
		if id, ok := b.Int("msg_id"); !ok || id != int64(i+1) {
			t.Errorf("request %d has msg_id %v, want %d", i, b["msg_id"], i+1)
		}
	}
}

func TestCallDiscardsOtherReplies(t *testing.T) {
	net := newFakeNet(func(req message.Message, b message.Body) []message.Message {
		id, _ := b.Int("msg_id")
		return []message.Message{
			reply(req, message.Body{"type": "echo_ok", "in_reply_to": id - 1, "echo": "stale"}),
			reply(req, message.Body{"type": "echo_ok", "echo": "no in_reply_to"}),
			{Src: req.Dest, Dest: req.Src, Body: []byte(`[1,2]`)},
			reply(req, message.Body{"type": "echo_ok", "in_reply_to": id + 5, "echo": "future"}),
			reply(req, message.Body{"type": "echo_ok", "in_reply_to": id, "echo": "right"}),
		}
	})
	c := Open(net, "c1")
	for range 3 {
		got, err := c.Call(context.Background(), "n1", message.Body{"type": "echo"}, time.Second)
		if err != nil {
			t.Fatalf("Call: %v", err)
		}
		if got["echo"] != "right" {
			t.Fatalf("Call returned %v, want the matching reply", got)
		}
	}
}

func TestCallErrorReply(t *testing.T) {
	tests := []struct {
		name string
		body message.Body
		want ErrorCode
		text any
	}{
		{"definite", message.Body{"type": "error", "code": 20, "text": "key does not exist"}, ErrorCode{20, "key-does-not-exist", true}, "key does not exist"},
		{"indefinite", message.Body{"type": "error", "code": 13, "text": "boom"}, ErrorCode{13, "crash", false}, "boom"},
		{"custom", message.Body{"type": "error", "code": 1000}, ErrorCode{1000, "unknown", false}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			net := newFakeNet(func(req message.Message, b message.Body) []message.Message {
				rb := message.Body{"in_reply_to": b["msg_id"]}
				for k, v := range tt.body {
					rb[k] = v
				}
				return []message.Message{reply(req, rb)}
			})
			c := Open(net, "c1")
			got, err := c.Call(context.Background(), "n1", message.Body{"type": "read"}, time.Second)
			var rpcErr *RPCError
			if !errors.As(err, &rpcErr) {
				t.Fatalf("Call error = %v, want *RPCError", err)
			}
			if rpcErr.ErrorCode != tt.want || !reflect.DeepEqual(rpcErr.Text, tt.text) {
				t.Errorf("RPCError = %+v, want %+v with text %v", rpcErr, tt.want, tt.text)
			}
			if got.Type() != "error" || rpcErr.Body["type"] != "error" {
				t.Errorf("Call returned body %v, error body %v", got, rpcErr.Body)
			}
		})
	}
}

func TestCallTimeout(t *testing.T) {
	net := newFakeNet(nil)
	c := Open(net, "c1")
	start := time.Now()
	_, err := c.Call(context.Background(), "n1", message.Body{"type": "read"}, 30*time.Millisecond)
	if !errors.Is(err, ErrTimeout) {
		t.Fatalf("Call error = %v, want ErrTimeout", err)
	}
	if el := time.Since(start); el < 30*time.Millisecond || el > time.Second {
		t.Errorf("timed out after %v, want about 30ms", el)
	}

	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := c.Call(ctx, "n1", message.Body{"type": "read"}, time.Minute); !errors.Is(err, ErrTimeout) {
		t.Errorf("Call with a cancelled context: error = %v, want ErrTimeout", err)
	}
}

func TestCallLateReplyDiscarded(t *testing.T) {
	// The first request is answered only after the second one is sent; the
	// second call must not take the first's reply.
	var late []message.Message
	net := newFakeNet(func(req message.Message, b message.Body) []message.Message {
		id, _ := b.Int("msg_id")
		r := reply(req, message.Body{"type": "read_ok", "in_reply_to": id, "value": id})
		if id == 1 {
			late = append(late, r)
			return nil
		}
		return append(late, r)
	})
	c := Open(net, "c1")
	if _, err := c.Call(context.Background(), "n1", message.Body{"type": "read"}, 10*time.Millisecond); !errors.Is(err, ErrTimeout) {
		t.Fatalf("first Call: %v, want timeout", err)
	}
	got, err := c.Call(context.Background(), "n1", message.Body{"type": "read"}, time.Second)
	if err != nil {
		t.Fatalf("second Call: %v", err)
	}
	if v, _ := got.Int("value"); v != 2 {
		t.Errorf("second Call returned %v, want the reply to msg 2", got)
	}
}

func TestCallSendError(t *testing.T) {
	net := newFakeNet(nil)
	net.sendErr = errors.New("invalid destination")
	c := Open(net, "c1")
	_, err := c.Call(context.Background(), "n9", message.Body{"type": "read"}, time.Second)
	if err == nil || errors.Is(err, ErrTimeout) || !errors.Is(err, net.sendErr) {
		t.Errorf("Call error = %v, want the wrapped send error", err)
	}
}

func TestClose(t *testing.T) {
	net := newFakeNet(nil)
	c := Open(net, "c7")
	if net.handlers["c7"] == nil {
		t.Fatal("Open did not register the client")
	}
	c.Close()
	if net.handlers["c7"] != nil {
		t.Error("Close did not deregister the client")
	}
}

func TestCallReportsStrays(t *testing.T) {
	// Request 1 gets a reply without in_reply_to, one to a msg_id never
	// sent and the right one; request 2 a late reply to 1 (no stray) and
	// one whose in_reply_to is a string, then the right one.
	net := newFakeNet(func(req message.Message, b message.Body) []message.Message {
		id, _ := b.Int("msg_id")
		right := reply(req, message.Body{"type": "echo_ok", "in_reply_to": id})
		if id == 1 {
			return []message.Message{
				reply(req, message.Body{"type": "echo_ok", "echo": "x"}),
				reply(req, message.Body{"type": "echo_ok", "in_reply_to": 9}),
				right,
			}
		}
		return []message.Message{
			reply(req, message.Body{"type": "echo_ok", "in_reply_to": 1}),
			reply(req, message.Body{"type": "echo_ok", "in_reply_to": "2"}),
			right,
		}
	})
	c := Open(net, "c3")
	var strays []Stray
	c.OnStray(func(s Stray) { strays = append(strays, s) })
	for range 2 {
		if _, err := c.Call(context.Background(), "n1", message.Body{"type": "echo"}, time.Second); err != nil {
			t.Fatalf("Call: %v", err)
		}
	}
	want := []struct {
		problem string
		waiting int64
	}{
		{`with no "in_reply_to"`, 1},
		{`with "in_reply_to" 9, a msg_id this client never sent (it has sent msg_id 1)`, 1},
		{`whose "in_reply_to" is "2", not an integer msg_id`, 2},
	}
	if len(strays) != len(want) {
		t.Fatalf("%d strays, want %d: %+v", len(strays), len(want), strays)
	}
	for i, w := range want {
		if strays[i].Problem != w.problem || strays[i].Waiting != w.waiting || strays[i].Msg.Src != "n1" {
			t.Errorf("stray %d: %q waiting %d from %s, want %q waiting %d from n1", i, strays[i].Problem, strays[i].Waiting, strays[i].Msg.Src, w.problem, w.waiting)
		}
	}
}
