// The protocol core: client requests, replication batches and clock ticks
// go in, batches to send come out.

package main

import (
	"math"
	"sort"
)

// Config tunes the protocol.
type Config struct {
	// MaxPoll caps the messages one poll returns, and MaxBatch the
	// entries one replication batch carries, so that every message stays
	// far below 64 KiB.
	MaxPoll  int
	MaxBatch int
	// RetryTicks is how many ticks a sent batch may stay unacknowledged
	// before its entries are sent again.
	RetryTicks int
}

// DefaultConfig is the configuration the binary uses.
var DefaultConfig = Config{MaxPoll: 1500, MaxBatch: 1500, RetryTicks: 10}

// ReplicateType is the type of the one message nodes exchange.
const ReplicateType = "replicate"

// Batch is a replication message from one node to another. Entries are
// the sender's own log entries number From, From+1, … in the order it
// assigned them, each [offset, message] of key Keys[i]. Promise, when set, is a bound on every offset the sender
// will ever assign from now on (all its later offsets are >= Promise);
// it is only set when Entries reach the end of what the sender assigned.
// Ack is how many of the receiver's entries the sender holds. Commits
// are committed offsets, merged by maximum.
type Batch struct {
	Type    string           `json:"type"`
	From    int              `json:"from"`
	Entries [][2]int64       `json:"entries,omitempty"`
	Keys    []string         `json:"keys,omitempty"`
	Promise int64            `json:"promise,omitempty"`
	Ack     int              `json:"ack"`
	Commits map[string]int64 `json:"commits,omitempty"`
}

// Out is a batch to send.
type Out struct {
	Dest string
	Body Batch
}

// own is an entry this node assigned, kept until every peer has it.
type own struct {
	key      string
	off, msg int64
}

// link is this node's replication state with one peer.
type link struct {
	id      string
	queue   []own // own entries the peer has not acknowledged, numbered base…
	base    int   // number of queue[0]
	sent    int   // entries numbered below sent went out at least once
	waited  int   // ticks since the last acknowledgement progress
	recv    int   // how many of the peer's entries this node holds
	promise int64 // the peer's last valid promise
}

// Log is one node's state: every keyed log it knows, its own offset
// clock, and replication links to the other nodes.
//
// Offsets are sparse. Node i of N gives key k the offset
// max(last_i(k)+N, clock·N+i), where clock is the node's microsecond
// clock, so offsets are unique (they are ≡ i mod N) and increase per key
// and per node without any coordination. A poll may only return offsets
// below the frontier, the lowest promise of the other nodes: below it,
// every offset any node will ever assign is already known here, so polls
// never skip an offset that appears later.
type Log struct {
	cfg   Config
	self  int
	n     int
	links []*link // one per other node

	logs      map[string][]own // per key, sorted by offset
	last      map[string]int64 // per key, the last offset this node assigned
	clock     int64
	committed map[string]int64
	dirty     map[string]int64 // commits not yet sent to peers
}

// NewLog returns the state of node self among nodes.
func NewLog(self string, nodes []string, cfg Config) *Log {
	ids := append([]string(nil), nodes...)
	sort.Strings(ids)
	l := &Log{cfg: cfg, n: len(ids), logs: map[string][]own{}, last: map[string]int64{},
		committed: map[string]int64{}, dirty: map[string]int64{}}
	for i, id := range ids {
		if id == self {
			l.self = i
			continue
		}
		l.links = append(l.links, &link{id: id})
	}
	return l
}

// advance moves the clock to now (microseconds), never backwards.
func (l *Log) advance(now int64) { l.clock = max(l.clock, now) }

// Send appends msg to key's log at time now and returns its offset.
func (l *Log) Send(now int64, key string, msg int64) int64 {
	l.advance(now)
	off := l.clock*int64(l.n) + int64(l.self)
	if last, ok := l.last[key]; ok {
		off = max(off, last+int64(l.n))
	}
	l.last[key] = off
	e := own{key: key, off: off, msg: msg}
	l.insert(e)
	for _, p := range l.links {
		p.queue = append(p.queue, e)
	}
	return off
}

// insert adds e to its key's log in offset order.
func (l *Log) insert(e own) {
	es := l.logs[e.key]
	i := sort.Search(len(es), func(i int) bool { return es[i].off >= e.off })
	if i < len(es) && es[i].off == e.off {
		return // already held
	}
	es = append(es, own{})
	copy(es[i+1:], es[i:])
	es[i] = e
	l.logs[e.key] = es
}

// frontier is the bound below which this node knows every offset.
func (l *Log) frontier() int64 {
	f := int64(math.MaxInt64)
	for _, p := range l.links {
		f = min(f, p.promise)
	}
	return f
}

// Poll returns, for each requested key, its messages from the requested
// offset on, contiguous and in order, below the frontier and at most
// MaxPoll in all. Keys with nothing to return are left out.
func (l *Log) Poll(offsets map[string]int64) map[string][][2]int64 {
	out := map[string][][2]int64{}
	budget := l.cfg.MaxPoll
	front := l.frontier()
	keys := make([]string, 0, len(offsets))
	for k := range offsets {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		es := l.logs[k]
		i := sort.Search(len(es), func(i int) bool { return es[i].off >= offsets[k] })
		var msgs [][2]int64
		for ; i < len(es) && es[i].off < front && budget > 0; i++ {
			msgs = append(msgs, [2]int64{es[i].off, es[i].msg})
			budget--
		}
		if len(msgs) > 0 {
			out[k] = msgs
		}
	}
	return out
}

// Commit records committed offsets, keeping the highest per key.
func (l *Log) Commit(offsets map[string]int64) {
	for k, o := range offsets {
		if c, ok := l.committed[k]; !ok || o > c {
			l.committed[k] = o
			l.dirty[k] = o
		}
	}
}

// Committed returns the committed offsets of keys that have one.
func (l *Log) Committed(keys []string) map[string]int64 {
	out := map[string]int64{}
	for _, k := range keys {
		if c, ok := l.committed[k]; ok {
			out[k] = c
		}
	}
	return out
}

// Tick runs at time now (microseconds) and returns one batch per peer:
// entries not yet sent (or, after RetryTicks without progress, every
// unacknowledged entry), the acknowledgement, new commits, and a promise.
func (l *Log) Tick(now int64) []Out {
	l.advance(now)
	// Every offset assigned from now on is >= (clock)·N + self.
	promise := l.clock * int64(l.n)
	var out []Out
	for _, p := range l.links {
		if p.sent == p.base {
			p.waited = 0
		} else if p.waited++; p.waited > l.cfg.RetryTicks {
			p.sent, p.waited = p.base, 0 // unacknowledged too long: send again
		}
		end := min(p.base+len(p.queue), p.sent+l.cfg.MaxBatch)
		b := Batch{Type: ReplicateType, From: p.sent, Ack: p.recv, Commits: l.dirty}
		for _, e := range p.queue[p.sent-p.base : end-p.base] {
			b.Entries = append(b.Entries, [2]int64{e.off, e.msg})
			b.Keys = append(b.Keys, e.key)
		}
		if end == p.base+len(p.queue) {
			b.Promise = promise
		}
		p.sent = end
		out = append(out, Out{Dest: p.id, Body: b})
	}
	if len(l.dirty) > 0 {
		l.dirty = map[string]int64{}
	}
	return out
}

// Receive applies a batch from peer from.
func (l *Log) Receive(from string, b Batch) {
	var p *link
	for _, q := range l.links {
		if q.id == from {
			p = q
		}
	}
	if p == nil {
		return
	}
	for k, o := range b.Commits {
		if c, ok := l.committed[k]; !ok || o > c {
			l.committed[k] = o
		}
	}
	// Acknowledgement: drop what the peer holds.
	if n := b.Ack - p.base; n > 0 && n <= len(p.queue) {
		p.queue = p.queue[n:]
		p.base = b.Ack
		p.sent = max(p.sent, p.base)
		p.waited = 0
	}
	if b.From > p.recv {
		return // an earlier batch was lost; wait for the resend
	}
	for i, e := range b.Entries {
		if b.From+i < p.recv || i >= len(b.Keys) {
			continue
		}
		l.insert(own{key: b.Keys[i], off: e[0], msg: e[1]})
	}
	p.recv = max(p.recv, b.From+len(b.Entries))
	if b.Promise > p.promise {
		p.promise = b.Promise
	}
}
