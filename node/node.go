// Package node wraps the Maelstrom Go library's Node once, for every
// solution, around three of its traps:
//
//   - its bufio.Scanner dies on a line over 64 KiB: Run reads lines of any
//     length;
//   - a reply that arrives with in_reply_to 0 (the answer to a message sent
//     without msg_id), or a message with no handler, makes its Run return:
//     here replies without a waiting callback are dropped, and unknown
//     request types get error 10 (not-supported);
//   - SyncRPC leaves a goroutine and a callback behind on every timeout:
//     Call removes the callback when its context ends.
//
// Beyond the library, init is handled before anything else (messages that
// arrive earlier wait for it; a repeated init re-runs nothing), and
// replies and requests keep the body's numbers exactly (the library
// re-encodes them through float64). Messages still go out through the
// library's Send.
//
// Solutions use the Core API (Core, Machine, Serve); Node is kept for the
// deliberately broken nodes under testdata/broken.
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
	"sync"

	maelstrom "github.com/jepsen-io/maelstrom/demo/go"
)

// Message is a message as the library gives it.
type Message = maelstrom.Message

// Handler handles one message. Returning a *maelstrom.RPCError replies with
// that error; any other error replies with error 13 (crash). A message
// sent without msg_id gets no error reply: the error is only logged.
type Handler func(msg Message) error

// Node is one Maelstrom node.
type Node struct {
	lib      *maelstrom.Node
	in       io.Reader
	handlers map[string]Handler

	mu        sync.Mutex
	nextMsgID int
	callbacks map[int]Handler
	wg        sync.WaitGroup

	initDone bool     // set by the dispatch loop only
	early    [][]byte // lines that arrived before init
}

// New returns a node that reads stdin and writes stdout.
func New() *Node { return NewIO(os.Stdin, os.Stdout) }

// NewIO returns a node that reads messages from in and writes to out.
func NewIO(in io.Reader, out io.Writer) *Node {
	lib := maelstrom.NewNode()
	lib.Stdin, lib.Stdout = in, out
	return &Node{lib: lib, in: in, handlers: map[string]Handler{}, callbacks: map[int]Handler{}}
}

// ID returns this node's id, once init has arrived.
func (n *Node) ID() string { return n.lib.ID() }

// NodeIDs returns every node id of the cluster, once init has arrived.
func (n *Node) NodeIDs() []string { return n.lib.NodeIDs() }

// Handle registers the handler of a message type. An "init" handler runs
// after the node learns its id and before it answers init_ok.
func (n *Node) Handle(typ string, h Handler) {
	if _, dup := n.handlers[typ]; dup {
		panic(fmt.Sprintf("node: duplicate handler for %q", typ))
	}
	n.handlers[typ] = h
}

// Send sends body to dest without waiting for an answer.
func (n *Node) Send(dest string, body any) error { return n.lib.Send(dest, body) }

// Reply answers req with body; in_reply_to is set from req's msg_id,
// exactly as it arrived.
func (n *Node) Reply(req Message, body any) error {
	o := Reply(req, body)
	return n.lib.Send(o.Dest, o.Body)
}

// RPC sends body to dest with a fresh msg_id; h runs with the reply. The
// callback stays registered until the reply comes; use Call for a request
// that may time out.
func (n *Node) RPC(dest string, body any, h Handler) error {
	_, err := n.rpc(dest, body, h)
	return err
}

func (n *Node) rpc(dest string, body any, h Handler) (int, error) {
	if _, err := EncodeBody(body); err != nil {
		return 0, err
	}
	n.mu.Lock()
	n.nextMsgID++
	id := n.nextMsgID
	n.callbacks[id] = h
	n.mu.Unlock()
	if err := n.lib.Send(dest, spliced{key: "msg_id", value: json.RawMessage(fmt.Sprint(id)), body: body}); err != nil {
		n.forget(id)
		return 0, err
	}
	return id, nil
}

func (n *Node) forget(id int) {
	n.mu.Lock()
	delete(n.callbacks, id)
	n.mu.Unlock()
}

// Call sends body to dest and waits for the reply or the end of ctx. An
// error reply comes back as *maelstrom.RPCError. Nothing is left behind
// when ctx ends first.
func (n *Node) Call(ctx context.Context, dest string, body any) (Message, error) {
	ch := make(chan Message, 1)
	id, err := n.rpc(dest, body, func(m Message) error { ch <- m; return nil })
	if err != nil {
		return Message{}, err
	}
	select {
	case m := <-ch:
		if rpcErr := m.RPCError(); rpcErr != nil {
			return m, rpcErr
		}
		return m, nil
	case <-ctx.Done():
		n.forget(id)
		return Message{}, ctx.Err()
	}
}

// envelope holds the body fields the loop dispatches on.
type envelope struct {
	Type      string `json:"type"`
	MsgID     *int   `json:"msg_id"`
	InReplyTo *int   `json:"in_reply_to"`
}

// Run reads messages until stdin closes, then waits for running handlers.
// Malformed lines are logged to stderr and skipped.
func (n *Node) Run() error {
	r := bufio.NewReaderSize(n.in, 64*1024)
	for {
		line, err := r.ReadBytes('\n')
		if len(line) > 0 {
			n.dispatch(line)
		}
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return fmt.Errorf("read stdin: %w", err)
		}
	}
	n.wg.Wait()
	return nil
}

func (n *Node) dispatch(line []byte) {
	var msg Message
	var env envelope
	if err := json.Unmarshal(line, &msg); err != nil {
		log.Printf("skipping a line that is not a message: %v", err)
		return
	}
	if err := json.Unmarshal(msg.Body, &env); err != nil {
		log.Printf("skipping a message whose body is not an object: %v", err)
		return
	}
	if env.InReplyTo != nil {
		n.mu.Lock()
		h := n.callbacks[*env.InReplyTo]
		delete(n.callbacks, *env.InReplyTo)
		n.mu.Unlock()
		if h == nil {
			log.Printf("dropping reply %s from %s: nothing is waiting for in_reply_to %d", env.Type, msg.Src, *env.InReplyTo)
			return
		}
		n.spawn(func() {
			if err := h(msg); err != nil {
				log.Printf("callback for %s: %v", env.Type, err)
			}
		})
		return
	}
	if env.Type == "init" {
		// Inline, so that nothing runs before the node knows its id.
		if err := n.init(msg); err != nil {
			log.Printf("handling init: %v", err)
			var rpcErr *maelstrom.RPCError
			if !errors.As(err, &rpcErr) {
				rpcErr = maelstrom.NewRPCError(maelstrom.Crash, err.Error())
			}
			n.replyErr(msg, rpcErr)
			return
		}
		if !n.initDone {
			n.initDone = true
			early := n.early
			n.early = nil
			for _, l := range early {
				n.dispatch(l)
			}
		}
		return
	}
	if !n.initDone {
		n.early = append(n.early, line)
		return
	}
	h := n.handlers[env.Type]
	if h == nil {
		if env.MsgID == nil {
			log.Printf("dropping %q from %s: no handler, and it expects no reply", env.Type, msg.Src)
			return
		}
		n.spawn(func() {
			n.replyErr(msg, maelstrom.NewRPCError(maelstrom.NotSupported, fmt.Sprintf("unsupported message type %q", env.Type)))
		})
		return
	}
	n.spawn(func() {
		if err := h(msg); err != nil {
			if env.MsgID == nil {
				// Nobody waits for an answer, and an error sent back
				// with in_reply_to 0 would only add a stray message.
				log.Printf("handling %s from %s (no msg_id, not answered): %v", env.Type, msg.Src, err)
				return
			}
			var rpcErr *maelstrom.RPCError
			if !errors.As(err, &rpcErr) {
				log.Printf("handling %s: %v", env.Type, err)
				rpcErr = maelstrom.NewRPCError(maelstrom.Crash, err.Error())
			}
			n.replyErr(msg, rpcErr)
		}
	})
}

func (n *Node) replyErr(req Message, e *maelstrom.RPCError) {
	if err := n.Reply(req, e); err != nil {
		log.Printf("reply error: %v", err)
	}
}

func (n *Node) spawn(f func()) {
	n.wg.Add(1)
	go func() {
		defer n.wg.Done()
		f()
	}()
}

// init learns the node's ids and runs the init handler, the first time
// only; every init is answered init_ok.
func (n *Node) init(msg Message) error {
	if !n.initDone {
		var body maelstrom.InitMessageBody
		if err := json.Unmarshal(msg.Body, &body); err != nil {
			return maelstrom.NewRPCError(maelstrom.MalformedRequest, fmt.Sprintf("init body: %v", err))
		}
		n.lib.Init(body.NodeID, body.NodeIDs)
		if h := n.handlers["init"]; h != nil {
			if err := h(msg); err != nil {
				return err
			}
		}
	}
	return n.Reply(msg, maelstrom.MessageBody{Type: "init_ok"})
}
