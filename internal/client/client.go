package client

import (
	"context"
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
}

// Open registers a client with the given id.
func Open(net Network, id string) *Client {
	c := &Client{id: id, net: net, inbox: mailbox.New[message.Message]()}
	net.Register(id, c.inbox.Put)
	return c
}

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
	c.inbox.TakeAll() // stale replies to earlier requests
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
	for _, m := range c.inbox.TakeAll() {
		b, err := m.DecodeBody()
		if err != nil {
			continue
		}
		if r, ok := b.Int("in_reply_to"); ok && r == id {
			return b, true
		}
	}
	return nil, false
}

func replyError(b message.Body) error {
	if b.Type() != "error" {
		return nil
	}
	code, _ := b.Int("code")
	return &RPCError{ErrorCode: LookupCode(int(code)), Text: b["text"], Body: b}
}
