// Command g-counter is the solution to challenge 4, a grow-only counter on
// top of Maelstrom's sequentially consistent seq-kv. Each node owns one
// seq-kv key holding its share of the total. An add is acknowledged only
// once seq-kv holds it, so a killed node loses nothing it acknowledged,
// and a restarted node reads its share back before it answers anything.
// Every syncEvery a node also publishes its share and learns the others'
// (see README.md for why the final reads are exact).
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
	// kvTimeout bounds one seq-kv request: a request unanswered for this
	// long is given up (its late reply is ignored) and sent again.
	kvTimeout = time.Second
	// kvService is the service the shares live in.
	kvService = "seq-kv"
	// seqGap is how far a restarted node moves its share's seq past the
	// one it reads back: beyond any write its killed predecessor still
	// had in flight (at most one).
	seqGap = 2
)

// Share is what a node publishes under its key: its own total, and the
// number of the write that published it. Seq makes every write a new
// value, so every write changes seq-kv's state and moves the writer's view
// to the newest state; it also orders a node's publications.
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

	// recovered is false until the node has read its own share back from
	// seq-kv; until then it holds every client request in held.
	recovered bool
	held      []node.Message

	own   int64            // this node's total: acknowledged and pending adds
	seq   int64            // the seq of the last write sent
	known map[string]Share // the newest share learned from each peer

	// The seq-kv requests in flight: msg_id -> what it is for.
	inflight  map[int64]request
	nextMsgID int64
	// writing is the msg_id of the write in flight, or 0. acks are the
	// add_ok replies it will release; queued those of adds since, which
	// the next write will carry.
	writing int64
	acks    []node.Out
	queued  []node.Out
	// readAfter asks the peers' shares to be read once the write in
	// flight is acknowledged (a sync).
	readAfter bool
}

// request is a seq-kv request in flight: its kind ("recover", "write" or
// "read"), the peer a read is for, and when it was sent.
type request struct {
	kind string
	peer string
	sent time.Duration
}

// NewCounter returns the counter of node self in a cluster of nodes.
func NewCounter(self string, nodes []string) *Counter {
	c := &Counter{Every: node.Every{Period: syncEvery}, self: self, known: map[string]Share{}, inflight: map[int64]request{}}
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
	switch {
	case msg.Type() == "add" && (err != nil || body.Delta == nil):
		return node.Malformed(msg, "add needs delta, an integer in [0, 2^63): %s", msg.Body)
	case msg.Type() == "add" && *body.Delta < 0:
		return node.Malformed(msg, "add: delta %d is negative; a grow-only counter only grows", *body.Delta)
	case msg.Type() != "add" && msg.Type() != "read":
		return node.Unsupported(msg)
	case !c.recovered:
		// Valid, but the node's share is not read back yet.
		c.held = append(c.held, msg)
		return c.Tick(now)
	}
	switch msg.Type() {
	case "add":
		switch {
		case *body.Delta > math.MaxInt64-c.Value():
			return node.Malformed(msg, "add: delta %d would take the counter (%d here) past 2^63-1", *body.Delta, c.Value())
		}
		c.own += *body.Delta
		c.queued = append(c.queued, node.Reply(msg, map[string]string{"type": "add_ok"}))
		return c.write(now)
	}
	return []node.Out{node.Reply(msg, map[string]any{"type": "read_ok", "value": c.Value()})}
}

// Tick reads the node's share back when it starts, sends again what timed
// out, and starts a sync every syncEvery.
func (c *Counter) Tick(now time.Duration) []node.Out {
	var out []node.Out
	for id, r := range c.inflight {
		if now-r.sent < kvTimeout {
			continue
		}
		delete(c.inflight, id)
		if id == c.writing {
			c.writing = 0
			c.queued = append(c.acks, c.queued...)
			c.acks = nil
		}
	}
	if !c.recovered {
		if len(c.inflight) == 0 {
			out = append(out, c.request(now, request{kind: "recover"}, kvRequest{Type: "read", Key: Key(c.self)}))
		}
		return out
	}
	if c.Due(now) && len(c.peers) > 0 {
		c.readAfter = true
		out = append(out, c.write(now)...)
	}
	if c.writing == 0 && len(c.queued) > 0 {
		out = append(out, c.write(now)...)
	}
	return out
}

// Next is when Tick must run: at once while the share is not yet read
// back, otherwise at the next sync or the next timeout.
func (c *Counter) Next() (time.Duration, bool) {
	if !c.recovered && len(c.inflight) == 0 {
		return 0, true
	}
	next, _ := c.Every.Next()
	for _, r := range c.inflight {
		next = min(next, r.sent+kvTimeout)
	}
	return next, true
}

// write publishes the node's share, carrying the acknowledgements of every
// add queued so far, unless a write is already in flight (the next one
// follows its acknowledgement).
func (c *Counter) write(now time.Duration) []node.Out {
	if c.writing != 0 {
		return nil
	}
	c.seq++
	c.acks, c.queued = c.queued, nil
	o := c.request(now, request{kind: "write"}, kvRequest{Type: "write", Key: Key(c.self), Value: &Share{Seq: c.seq, Total: c.own}})
	c.writing = c.nextMsgID
	return []node.Out{o}
}

// kvReply takes seq-kv's answer to request id. A write's acknowledgement
// releases the add_ok replies it carried and, in a sync, starts the
// reads: seq-kv applied the write to its newest state and moved this
// node's view there, so the reads that follow see at least every share
// written before it.
func (c *Counter) kvReply(now time.Duration, id int64, typ string, code int, v *Share, ok bool) []node.Out {
	r, waited := c.inflight[id]
	if !waited {
		return nil // given up, or sent by this node's killed predecessor
	}
	delete(c.inflight, id)
	var out []node.Out
	switch r.kind {
	case "recover":
		switch {
		case typ == "read_ok" && ok && v != nil:
			c.own, c.seq = v.Total, v.Seq+seqGap
		case typ == "error" && code == node.CodeKeyDoesNotExist:
		default:
			return c.Tick(now) // ask again
		}
		c.recovered = true
		held := c.held
		c.held = nil
		for _, m := range held {
			out = append(out, c.Handle(now, m)...)
		}
	case "write":
		c.writing = 0
		if typ != "write_ok" {
			c.queued = append(c.acks, c.queued...)
		} else {
			out = append(out, c.acks...)
			if c.readAfter {
				c.readAfter = false
				out = append(out, c.readPeers(now)...)
			}
		}
		c.acks = nil
		if len(c.queued) > 0 {
			out = append(out, c.write(now)...)
		}
	case "read":
		if typ == "read_ok" && ok && v != nil {
			c.learn(r.peer, *v)
		}
	}
	return out
}

func (c *Counter) readPeers(now time.Duration) []node.Out {
	var out []node.Out
	for _, p := range c.peers {
		out = append(out, c.request(now, request{kind: "read", peer: p}, kvRequest{Type: "read", Key: Key(p)}))
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

func (c *Counter) request(now time.Duration, r request, kv kvRequest) node.Out {
	c.nextMsgID++
	kv.MsgID = c.nextMsgID
	r.sent = now
	c.inflight[kv.MsgID] = r
	return node.Out{Dest: kvService, Body: kv}
}

// learn keeps s if it is newer than what is known of peer: a stale read
// never takes a share back.
func (c *Counter) learn(peer string, s Share) {
	if s.Seq > c.known[peer].Seq && s.Total >= 0 {
		c.known[peer] = s
	}
}
