// Command g-counter is the solution to challenge 4, a grow-only counter on
// top of Maelstrom's sequentially consistent seq-kv. Each node owns one
// seq-kv key. It answers add and read at once from memory, and every
// syncEvery it publishes its own share and learns the others' (see
// README.md for why the final reads are exact).
//
// The core, Counter, is a plain state machine: client requests, seq-kv
// replies and clock ticks go in, replies and seq-kv requests come out.
package main

import (
	"math"
	"time"

	"github.com/glomers/glomers/node"
)

const (
	// syncEvery is how often a node publishes its share and reads the
	// others'. Reads in between may lag by about this much; final reads,
	// which come after 10 quiet seconds, are exact.
	syncEvery = 500 * time.Millisecond
	// syncTimeout bounds one sync: replies that come later are ignored,
	// and the next sync starts afresh.
	syncTimeout = 2 * time.Second
	// kvService is the service the shares live in.
	kvService = "seq-kv"
)

// Share is what a node publishes under its key: its own total, and the
// number of the sync that published it. Seq makes every write a new value,
// so every write changes seq-kv's state and moves the writer's view to the
// newest state; it also orders a node's publications.
type Share struct {
	Seq   int64 `json:"seq"`
	Total int64 `json:"total"`
}

// Key is the seq-kv key that node owns.
func Key(node string) string { return "g-counter/" + node }

// Counter is one node's counter.
type Counter struct {
	node.Every
	self  string
	peers []string

	own   int64            // sum of the deltas added on this node
	seq   int64            // syncs started
	known map[string]Share // the newest share learned from each peer

	// The sync in progress, if any: its start, and the seq-kv requests
	// still unanswered (msg_id -> the peer read, "" for the write).
	syncing   bool
	syncStart time.Duration
	waiting   map[int64]string
	nextMsgID int64
}

// NewCounter returns the counter of node self in a cluster of nodes.
func NewCounter(self string, nodes []string) *Counter {
	c := &Counter{Every: node.Every{Period: syncEvery}, self: self, known: map[string]Share{}, waiting: map[int64]string{}}
	for _, n := range nodes {
		if n != self {
			c.peers = append(c.peers, n)
		}
	}
	return c
}

// NewNode builds a node's counter; it is the solution's node.NewCore.
func NewNode(self string, nodes []string) node.Core { return NewCounter(self, nodes) }

// Value is this node's share plus the newest shares it has learned from
// the others, at most math.MaxInt64.
func (c *Counter) Value() int64 {
	v := c.own
	for _, s := range c.known {
		v = addCapped(v, s.Total)
	}
	return v
}

func addCapped(a, b int64) int64 {
	if b > 0 && a > math.MaxInt64-b {
		return math.MaxInt64
	}
	return a + b
}

// Handle answers add and read, and takes seq-kv's replies.
func (c *Counter) Handle(now time.Duration, msg node.Message) []node.Out {
	var body struct {
		Type      string `json:"type"`
		Delta     *int64 `json:"delta"`
		InReplyTo *int64 `json:"in_reply_to"`
		Code      int    `json:"code"`
		Value     *Share `json:"value"`
	}
	err := node.Decode(msg, &body)
	if body.InReplyTo != nil && msg.Src == kvService {
		return c.kvReply(now, *body.InReplyTo, body.Type, body.Code, body.Value, err == nil)
	}
	switch msg.Type() {
	case "add":
		switch {
		case err != nil || body.Delta == nil:
			return node.Malformed(msg, "add needs delta, an integer in [0, 2^63): %s", msg.Body)
		case *body.Delta < 0:
			return node.Malformed(msg, "add: delta %d is negative; a grow-only counter only grows", *body.Delta)
		case *body.Delta > math.MaxInt64-c.Value():
			return node.Malformed(msg, "add: delta %d would take the counter (%d here) past 2^63-1", *body.Delta, c.Value())
		}
		c.own += *body.Delta
		return []node.Out{node.Reply(msg, map[string]string{"type": "add_ok"})}
	case "read":
		return []node.Out{node.Reply(msg, map[string]any{"type": "read_ok", "value": c.Value()})}
	}
	return node.Unsupported(msg)
}

// Tick starts a sync every syncEvery, and gives up one that took longer
// than syncTimeout.
func (c *Counter) Tick(now time.Duration) []node.Out {
	if c.syncing && now-c.syncStart >= syncTimeout {
		c.syncing = false
		clear(c.waiting)
	}
	if !c.Due(now) || c.syncing || len(c.peers) == 0 {
		return nil
	}
	c.syncing, c.syncStart = true, now
	c.seq++
	return []node.Out{c.request("", kvRequest{Type: "write", Key: Key(c.self), Value: &Share{Seq: c.seq, Total: c.own}})}
}

// kvReply takes seq-kv's answer to request id. The write's answer starts
// the reads: seq-kv applied the write to its newest state and moved this
// node's view there, so the reads that follow see at least every share
// written before it.
func (c *Counter) kvReply(now time.Duration, id int64, typ string, code int, v *Share, ok bool) []node.Out {
	peer, waited := c.waiting[id]
	if !waited {
		return nil // from a sync given up
	}
	delete(c.waiting, id)
	var out []node.Out
	switch {
	case peer == "" && typ == "write_ok":
		out = c.readPeers()
	case peer == "":
		// The write failed: this sync learns nothing.
	case typ == "read_ok" && ok && v != nil:
		c.learn(peer, *v)
	}
	if len(c.waiting) == 0 {
		c.syncing = false
	}
	return out
}

func (c *Counter) readPeers() []node.Out {
	var out []node.Out
	for _, p := range c.peers {
		out = append(out, c.request(p, kvRequest{Type: "read", Key: Key(p)}))
	}
	return out
}

// kvRequest is a seq-kv read or write.
type kvRequest struct {
	Type  string `json:"type"`
	MsgID int64  `json:"msg_id"`
	Key   string `json:"key"`
	Value *Share `json:"value,omitempty"`
}

func (c *Counter) request(peer string, r kvRequest) node.Out {
	c.nextMsgID++
	r.MsgID = c.nextMsgID
	c.waiting[r.MsgID] = peer
	return node.Out{Dest: kvService, Body: r}
}

// learn keeps s if it is newer than what is known of peer: a stale read
// never takes a share back.
func (c *Counter) learn(peer string, s Share) {
	if s.Seq > c.known[peer].Seq && s.Total >= 0 {
		c.known[peer] = s
	}
}
