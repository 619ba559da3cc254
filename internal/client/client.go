package client

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/glomers/glomers/internal/mailbox"
	"github.com/glomers/glomers/internal/message"
)

// DefaultTimeout is Maelstrom's RPC timeout.
const DefaultTimeout = 5 * time.Second

// Network is what a client needs from the simulated network.
type Network interface {
	Register(id string, h func(message.Message))
	Deregister(id string)
	Send(m message.Message) (message.Message, error)
}

// Client is one Maelstrom client, c<k>: a network id that sends one request
// at a time and waits for the reply whose in_reply_to matches it, ignoring
// everything else.
type Client struct {
	id        string
	net       Network
	nextMsgID int64
	inbox     *mailbox.Mailbox[message.Message]
	onStray   func(Stray)
}

// Stray is a message a client received that answers none of its
// requests: it has no integer in_reply_to, or one the client never sent.
// Late replies to earlier requests are not strays.
type Stray struct {
	Msg     message.Message
	Problem string // e.g. `with no "in_reply_to"`
	// Waiting is the msg_id of the request the client was waiting for
	// when the message was found, 0 if none.
	Waiting int64
}

// Open registers a client with the given id.
func Open(net Network, id string) *Client {
	c := &Client{id: id, net: net, inbox: mailbox.New[message.Message]()}
	net.Register(id, c.inbox.Put)
	return c
}

// OnStray makes the client call f with every stray message it discards,
// from the goroutine that calls Call. Set it before the first Call.
func (c *Client) OnStray(f func(Stray)) { c.onStray = f }

// ID returns the client's network id.
func (c *Client) ID() string { return c.id }

// Close takes the client off the network.
func (c *Client) Close() { c.net.Deregister(c.id) }

// Call sends body (its msg_id is set here) to dest and waits up to timeout
// for the reply. An error reply comes back as *RPCError, no reply as
// ErrTimeout.
func (c *Client) Call(ctx context.Context, dest string, body message.Body, timeout time.Duration) (message.Body, error) {
	c.nextMsgID++
	id := c.nextMsgID
	req := message.Body{}
	for k, v := range body {
		req[k] = v
	}
	req["msg_id"] = id
	c.discard(c.inbox.TakeAll(), 0) // late replies to earlier requests
	if _, err := c.net.Send(message.New(c.id, dest, req)); err != nil {
		return nil, fmt.Errorf("client %s: %w", c.id, err)
	}
	timer := time.NewTimer(timeout)
	defer timer.Stop()
	for {
		if reply, ok := c.take(id); ok {
			return reply, replyError(reply)
		}
		select {
		case <-c.inbox.Ready():
		case <-timer.C:
			return nil, ErrTimeout
		case <-ctx.Done():
			return nil, ErrTimeout
		}
	}
}

// take returns the first well-formed reply to msg id among the messages
// that arrived, discarding the others.
func (c *Client) take(id int64) (message.Body, bool) {
	msgs := c.inbox.TakeAll()
	for i, m := range msgs {
		b, err := m.DecodeBody()
		if err != nil {
			continue
		}
		if r, ok := b.Int("in_reply_to"); ok && r == id {
			c.discard(msgs[:i], id)
			c.discard(msgs[i+1:], 0)
			return b, true
		}
	}
	c.discard(msgs, id)
	return nil, false
}

// discard drops msgs, reporting the strays among them; waiting is the
// msg_id the client waits for, 0 if none.
func (c *Client) discard(msgs []message.Message, waiting int64) {
	if c.onStray == nil {
		return
	}
	for _, m := range msgs {
		if p := strayProblem(m, c.nextMsgID); p != "" {
			c.onStray(Stray{Msg: m, Problem: p, Waiting: waiting})
		}
	}
}

// strayProblem says why m answers no request of a client that has sent
// msg_ids 1..sent, or "" if it may be a (late) reply.
func strayProblem(m message.Message, sent int64) string {
	b, err := m.DecodeBody()
	if err != nil {
		return "whose body is not a JSON object"
	}
	v, present := b["in_reply_to"]
	r, ok := b.Int("in_reply_to")
	switch {
	case !present:
		return `with no "in_reply_to"`
	case !ok:
		return fmt.Sprintf(`whose "in_reply_to" is %s, not an integer msg_id`, jsonText(v))
	case r < 1 || r > sent:
		return fmt.Sprintf(`with "in_reply_to" %d, a msg_id this client never sent (it has sent %s)`, r, sentRange(sent))
	}
	return ""
}

func sentRange(sent int64) string {
	switch sent {
	case 0:
		return "none yet"
	case 1:
		return "msg_id 1"
	}
	return fmt.Sprintf("msg_ids 1 to %d", sent)
}

func jsonText(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprint(v)
	}
	return string(b)
}

func replyError(b message.Body) error {
	if b.Type() != "error" {
		return nil
	}
	code, _ := b.Int("code")
	return &RPCError{ErrorCode: LookupCode(int(code)), Text: b["text"], Body: b}
}
