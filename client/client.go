package client

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/glomers/glomers/message"
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

	mu      sync.Mutex
	inbox   []message.Message
	arrived chan struct{}
}

// Open registers a client with the given id.
func Open(net Network, id string) *Client {
	c := &Client{id: id, net: net, arrived: make(chan struct{}, 1)}
	net.Register(id, c.deliver)
	return c
}

// ID returns the client's network id.
func (c *Client) ID() string { return c.id }

// Close takes the client off the network.
func (c *Client) Close() { c.net.Deregister(c.id) }

func (c *Client) deliver(m message.Message) {
	c.mu.Lock()
	c.inbox = append(c.inbox, m)
	c.mu.Unlock()
	select {
	case c.arrived <- struct{}{}:
	default:
	}
}

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
	c.drain()
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
		case <-c.arrived:
		case <-timer.C:
			return nil, ErrTimeout
		case <-ctx.Done():
			return nil, ErrTimeout
		}
	}
}

func (c *Client) drain() {
	c.mu.Lock()
	c.inbox = nil
	c.mu.Unlock()
}

// take returns the first well-formed reply to msg id, discarding every
// message before it.
func (c *Client) take(id int64) (message.Body, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for len(c.inbox) > 0 {
		m := c.inbox[0]
		c.inbox = c.inbox[1:]
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
