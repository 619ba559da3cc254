package node

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	maelstrom "github.com/jepsen-io/maelstrom/demo/go"
)

func TestMain(m *testing.M) {
	// The node and the library log every message to stderr.
	log.SetOutput(io.Discard)
	os.Exit(m.Run())
}

// out is one message the node printed, decoded.
type out struct {
	Src  string         `json:"src"`
	Dest string         `json:"dest"`
	Body map[string]any `json:"body"`
}

// harness runs a Node on pipes: the test writes its stdin line by line and
// reads the messages it prints.
type harness struct {
	t    *testing.T
	n    *Node
	in   *io.PipeWriter
	outs chan out
	done chan error
}

// start runs a node whose handlers setup registers.
func start(t *testing.T, setup func(*Node)) *harness {
	t.Helper()
	inR, inW := io.Pipe()
	outR, outW := io.Pipe()
	h := &harness{t: t, n: NewIO(inR, outW), in: inW, outs: make(chan out, 1000), done: make(chan error, 1)}
	if setup != nil {
		setup(h.n)
	}
	readerDone := make(chan struct{})
	go func() {
		defer close(readerDone)
		r := bufio.NewReader(outR)
		for {
			line, err := r.ReadBytes('\n')
			if err != nil {
				close(h.outs)
				return
			}
			var o out
			if err := json.Unmarshal(line, &o); err != nil {
				t.Errorf("node printed a line that is not a message: %q", line)
				continue
			}
			h.outs <- o
		}
	}()
	go func() { h.done <- h.n.Run() }()
	t.Cleanup(func() {
		inW.Close()
		select {
		case <-h.done:
		case <-time.After(2 * time.Second):
			t.Error("Run did not return after stdin closed")
		}
		outW.Close()
		<-readerDone
	})
	return h
}

// send writes one line to the node's stdin.
func (h *harness) send(line string) {
	h.t.Helper()
	if _, err := io.WriteString(h.in, line+"\n"); err != nil {
		h.t.Fatalf("write stdin: %v", err)
	}
}

// sendMsg writes a message from src to the node with the given body.
func (h *harness) sendMsg(src string, body map[string]any) {
	h.t.Helper()
	b, err := json.Marshal(map[string]any{"src": src, "dest": "n1", "body": body})
	if err != nil {
		h.t.Fatal(err)
	}
	h.send(string(b))
}

// next returns the next message the node prints.
func (h *harness) next() out {
	h.t.Helper()
	select {
	case o, ok := <-h.outs:
		if !ok {
			h.t.Fatal("node output closed")
		}
		return o
	case <-time.After(2 * time.Second):
		h.t.Fatal("no message from the node within 2s")
	}
	return out{}
}

// quiet checks that the node prints nothing for a short while.
func (h *harness) quiet() {
	h.t.Helper()
	select {
	case o := <-h.outs:
		h.t.Errorf("unexpected message %+v", o)
	case <-time.After(30 * time.Millisecond):
	}
}

// init sends init and checks the init_ok.
func (h *harness) init() {
	h.t.Helper()
	h.sendMsg("c0", map[string]any{"type": "init", "msg_id": 1, "node_id": "n1", "node_ids": []string{"n1", "n2", "n3"}})
	o := h.next()
	if o.Src != "n1" || o.Dest != "c0" || o.Body["type"] != "init_ok" || o.Body["in_reply_to"] != 1.0 {
		h.t.Fatalf("init answered with %+v, want init_ok from n1 to c0 in reply to 1", o)
	}
}

// echo registers a handler that answers echo with echo_ok.
func echo(n *Node) {
	n.Handle("echo", func(m Message) error {
		var b map[string]any
		if err := json.Unmarshal(m.Body, &b); err != nil {
			return err
		}
		return n.Reply(m, map[string]any{"type": "echo_ok", "echo": b["echo"]})
	})
}

// checkEcho sends an echo and expects it back.
func (h *harness) checkEcho(payload string, msgID int) {
	h.t.Helper()
	h.sendMsg("c1", map[string]any{"type": "echo", "msg_id": msgID, "echo": payload})
	o := h.next()
	if o.Body["type"] != "echo_ok" || o.Body["echo"] != payload || o.Body["in_reply_to"] != float64(msgID) || o.Dest != "c1" {
		got := fmt.Sprint(o.Body["type"], " ", o.Body["in_reply_to"], " ", len(fmt.Sprint(o.Body["echo"])))
		h.t.Fatalf("echo %d (%d bytes) answered with %s", msgID, len(payload), got)
	}
}

func TestInit(t *testing.T) {
	var idInHandler string
	h := start(t, func(n *Node) {
		n.Handle("init", func(Message) error {
			idInHandler = n.ID()
			return nil
		})
	})
	h.init()
	if idInHandler != "n1" {
		t.Errorf("init handler saw ID %q, want n1", idInHandler)
	}
	if h.n.ID() != "n1" || strings.Join(h.n.NodeIDs(), ",") != "n1,n2,n3" {
		t.Errorf("ID, NodeIDs = %q, %v", h.n.ID(), h.n.NodeIDs())
	}
}

func TestInitHandlerError(t *testing.T) {
	h := start(t, func(n *Node) {
		n.Handle("init", func(Message) error { return maelstrom.NewRPCError(maelstrom.Abort, "no") })
	})
	h.sendMsg("c0", map[string]any{"type": "init", "msg_id": 4, "node_id": "n1", "node_ids": []string{"n1"}})
	o := h.next()
	if o.Body["type"] != "error" || o.Body["code"] != 14.0 || o.Body["in_reply_to"] != 4.0 {
		t.Errorf("failed init answered with %+v, want error 14", o)
	}
}

func TestLongLine(t *testing.T) {
	h := start(t, echo)
	h.init()
	big := strings.Repeat("x", 200<<10)
	h.checkEcho(big, 2)
	h.checkEcho("small", 3)
	h.checkEcho(strings.Repeat("y", 64<<10), 4)
}

func TestMalformedLinesSkipped(t *testing.T) {
	h := start(t, echo)
	h.init()
	for _, line := range []string{
		`not json`,
		`{"src":"c1","dest":"n1","body":{"type":"echo","msg_id":`,
		`{"src":"c1","dest":"n1","body":[1,2]}`,
		`{"src":"c1","dest":"n1","body":"echo"}`,
		``,
	} {
		h.send(line)
	}
	h.checkEcho("still here", 2)
}

func TestHandlerErrors(t *testing.T) {
	h := start(t, func(n *Node) {
		n.Handle("read", func(Message) error { return maelstrom.NewRPCError(maelstrom.KeyDoesNotExist, "no key") })
		n.Handle("write", func(Message) error { return errors.New("disk on fire") })
		n.Handle("wrapped", func(Message) error {
			return fmt.Errorf("wrapped: %w", maelstrom.NewRPCError(maelstrom.TemporarilyUnavailable, "later"))
		})
	})
	h.init()
	tests := []struct {
		typ  string
		code float64
		text string
	}{
		{"frobnicate", maelstrom.NotSupported, "frobnicate"},
		{"read", maelstrom.KeyDoesNotExist, "no key"},
		{"write", maelstrom.Crash, "disk on fire"},
		{"wrapped", maelstrom.TemporarilyUnavailable, "later"},
	}
	for i, tt := range tests {
		id := 10 + i
		h.sendMsg("c2", map[string]any{"type": tt.typ, "msg_id": id})
		o := h.next()
		text, _ := o.Body["text"].(string)
		if o.Dest != "c2" || o.Body["type"] != "error" || o.Body["code"] != tt.code || o.Body["in_reply_to"] != float64(id) || !strings.Contains(text, tt.text) {
			t.Errorf("%s answered with %+v, want error %v mentioning %q", tt.typ, o, tt.code, tt.text)
		}
	}
}

func TestHandlerErrorWithoutMsgID(t *testing.T) {
	h := start(t, func(n *Node) {
		echo(n)
		n.Handle("gossip", func(Message) error { return errors.New("bad gossip") })
		n.Handle("sync", func(Message) error { return maelstrom.NewRPCError(maelstrom.Abort, "no") })
	})
	h.init()
	h.sendMsg("n2", map[string]any{"type": "gossip"})
	h.sendMsg("n2", map[string]any{"type": "sync"})
	h.quiet()
	h.checkEcho("after gossip", 2)
}

func TestUnknownTypeWithoutMsgID(t *testing.T) {
	h := start(t, echo)
	h.init()
	h.sendMsg("n2", map[string]any{"type": "gossip"})
	h.quiet()
	h.checkEcho("after gossip", 2)
}

func TestReplyWithoutCallbackDropped(t *testing.T) {
	h := start(t, echo)
	h.init()
	h.sendMsg("n2", map[string]any{"type": "broadcast_ok", "in_reply_to": 0})
	h.sendMsg("n2", map[string]any{"type": "read_ok", "in_reply_to": 99, "msg_id": 5})
	h.quiet()
	select {
	case err := <-h.done:
		t.Fatalf("Run returned %v after an unexpected reply", err)
	default:
	}
	h.checkEcho("after stray replies", 2)
}

// call runs n.Call in a goroutine and returns its result on a channel.
func call(ctx context.Context, n *Node, dest string, body any) <-chan callResult {
	ch := make(chan callResult, 1)
	go func() {
		m, err := n.Call(ctx, dest, body)
		ch <- callResult{m, err}
	}()
	return ch
}

type callResult struct {
	m   Message
	err error
}

func TestCall(t *testing.T) {
	h := start(t, echo)
	h.init()
	tests := []struct {
		name    string
		reply   map[string]any
		wantErr int // RPC error code, or -1 for none
	}{
		{"ok", map[string]any{"type": "read_ok", "value": 7}, -1},
		{"error", map[string]any{"type": "error", "code": 20, "text": "not found"}, maelstrom.KeyDoesNotExist},
	}
	for _, tt := range tests {
		func() {
			res := call(context.Background(), h.n, "lin-kv", map[string]any{"type": "read", "key": "k"})
			req := h.next()
			id, ok := req.Body["msg_id"].(float64)
			if req.Dest != "lin-kv" || req.Src != "n1" || req.Body["type"] != "read" || req.Body["key"] != "k" || !ok {
				t.Fatalf("%s: request = %+v", tt.name, req)
			}
			// An unrelated reply first: it must not complete the call.
			h.sendMsg("lin-kv", map[string]any{"type": "read_ok", "in_reply_to": id + 1000})
			reply := map[string]any{"in_reply_to": id}
			for k, v := range tt.reply {
				reply[k] = v
			}
			h.sendMsg("lin-kv", reply)
			var r callResult
			select {
			case r = <-res:
			case <-time.After(2 * time.Second):
				t.Fatalf("%s: Call did not return", tt.name)
			}
			if got := maelstrom.ErrorCode(r.err); got != tt.wantErr {
				t.Fatalf("%s: Call error = %v, want code %d", tt.name, r.err, tt.wantErr)
			}
			var body map[string]any
			if err := json.Unmarshal(r.m.Body, &body); err != nil || body["type"] != tt.reply["type"] {
				t.Errorf("%s: Call returned %s, want the reply", tt.name, r.m.Body)
			}
		}()
	}
	if n := callbacks(h.n); n != 0 {
		t.Errorf("%d callbacks left after the calls completed", n)
	}
}

func TestCallTimeoutDropsLateReply(t *testing.T) {
	h := start(t, echo)
	h.init()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	res := call(ctx, h.n, "n2", map[string]any{"type": "ping"})
	req := h.next()
	id := req.Body["msg_id"]
	select {
	case r := <-res:
		if !errors.Is(r.err, context.DeadlineExceeded) {
			t.Fatalf("Call error = %v, want context.DeadlineExceeded", r.err)
		}
	case <-time.After(2 * time.Second):
		t.Fatal("Call did not return after its context ended")
	}
	if n := callbacks(h.n); n != 0 {
		t.Errorf("%d callbacks left after a timed-out Call", n)
	}
	h.sendMsg("n2", map[string]any{"type": "pong", "in_reply_to": id})
	h.quiet()
	h.checkEcho("after late reply", 2)
}

func TestCancelledCallsLeaveNothing(t *testing.T) {
	h := start(t, nil)
	h.init()
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	const calls = 200
	for i := range calls {
		if _, err := h.n.Call(ctx, "n2", map[string]any{"type": "ping"}); !errors.Is(err, context.Canceled) {
			t.Fatalf("Call %d: error = %v, want context.Canceled", i, err)
		}
	}
	for range calls {
		h.next() // the requests still went out
	}
	if n := callbacks(h.n); n != 0 {
		t.Errorf("%d callbacks left after %d cancelled calls", n, calls)
	}
}

func TestCallBadBody(t *testing.T) {
	h := start(t, nil)
	for _, body := range []any{[]int{1}, "text", func() {}} {
		if _, err := h.n.Call(context.Background(), "n2", body); err == nil {
			t.Errorf("Call with body %T succeeded", body)
		}
	}
	if n := callbacks(h.n); n != 0 {
		t.Errorf("%d callbacks left after failed calls", n)
	}
}

func TestRPC(t *testing.T) {
	h := start(t, nil)
	h.init()
	got := make(chan string, 1)
	err := h.n.RPC("n3", map[string]any{"type": "topology"}, func(m Message) error {
		got <- m.Type()
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	req := h.next()
	if callbacks(h.n) != 1 {
		t.Errorf("RPC did not keep its callback until the reply")
	}
	h.sendMsg("n3", map[string]any{"type": "topology_ok", "in_reply_to": req.Body["msg_id"]})
	select {
	case typ := <-got:
		if typ != "topology_ok" {
			t.Errorf("callback got %q", typ)
		}
	case <-time.After(2 * time.Second):
		t.Fatal("callback not run")
	}
	if n := callbacks(h.n); n != 0 {
		t.Errorf("%d callbacks left after the reply", n)
	}
	// msg_ids are fresh for every request.
	h.n.Send("n2", map[string]any{"type": "gossip"})
	h.n.RPC("n2", map[string]any{"type": "a"}, func(Message) error { return nil })
	h.n.RPC("n2", map[string]any{"type": "b"}, func(Message) error { return nil })
	gossip, a, b := h.next(), h.next(), h.next()
	if _, ok := gossip.Body["msg_id"]; ok {
		t.Errorf("Send added a msg_id: %v", gossip.Body)
	}
	if a.Body["msg_id"] == b.Body["msg_id"] || a.Body["msg_id"] == req.Body["msg_id"] {
		t.Errorf("msg_ids not fresh: %v %v %v", req.Body["msg_id"], a.Body["msg_id"], b.Body["msg_id"])
	}
}

func TestRunWaitsForHandlers(t *testing.T) {
	inR, inW := io.Pipe()
	var mu sync.Mutex
	finished := false
	n := NewIO(inR, io.Discard)
	n.Handle("slow", func(Message) error {
		time.Sleep(50 * time.Millisecond)
		mu.Lock()
		finished = true
		mu.Unlock()
		return nil
	})
	done := make(chan error, 1)
	go func() { done <- n.Run() }()
	io.WriteString(inW, `{"src":"c0","dest":"n1","body":{"type":"init","msg_id":1,"node_id":"n1","node_ids":["n1"]}}`+"\n")
	io.WriteString(inW, `{"src":"c1","dest":"n1","body":{"type":"slow"}}`+"\n")
	inW.Close()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("Run = %v, want nil at EOF", err)
		}
	case <-time.After(2 * time.Second):
		t.Fatal("Run did not return")
	}
	mu.Lock()
	defer mu.Unlock()
	if !finished {
		t.Error("Run returned before its handler finished")
	}
}

func TestRunLastLineWithoutNewline(t *testing.T) {
	var buf syncBuffer
	n := NewIO(strings.NewReader(`{"src":"c0","dest":"n1","body":{"type":"init","msg_id":1,"node_id":"n1","node_ids":["n1"]}}`), &buf)
	if err := n.Run(); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(buf.String(), `"init_ok"`) {
		t.Errorf("output = %q, want init_ok", buf.String())
	}
}

func TestRunReadError(t *testing.T) {
	inR, inW := io.Pipe()
	n := NewIO(inR, io.Discard)
	boom := errors.New("boom")
	inW.CloseWithError(boom)
	if err := n.Run(); !errors.Is(err, boom) {
		t.Errorf("Run = %v, want the read error", err)
	}
}

func TestDuplicateHandlerPanics(t *testing.T) {
	n := NewIO(strings.NewReader(""), io.Discard)
	n.Handle("echo", func(Message) error { return nil })
	defer func() {
		if recover() == nil {
			t.Error("second Handle for echo did not panic")
		}
	}()
	n.Handle("echo", func(Message) error { return nil })
}

// callbacks returns how many reply callbacks n holds.
func callbacks(n *Node) int {
	n.mu.Lock()
	defer n.mu.Unlock()
	return len(n.callbacks)
}

// syncBuffer is a strings.Builder safe for concurrent writes.
type syncBuffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}
