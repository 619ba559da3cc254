// Command kafka-log is the solution to challenges 5a–5c: a replicated,
// Kafka-style log service. Clients send messages to keyed logs and get
// back offsets, poll messages from offsets, and commit offsets. See
// README.md for the design, why a kill loses nothing acknowledged, and
// the message arithmetic.
//
// The protocol core is Log, a plain state machine with no I/O (a
// node.Core): client requests, lin-kv replies and clock ticks go in,
// replies and lin-kv requests come out. main.go wires it to the node.
package main

import (
	"maps"
	"slices"
	"sort"
	"strconv"
	"time"

	"github.com/glomers/glomers/node"
)

// Config tunes the protocol.
type Config struct {
	// ChunkMax is how many entries one chunk (one lin-kv key) holds, and
	// MaxPoll how many messages one poll returns: both keep every message
	// far below 64 KiB.
	ChunkMax int
	MaxPoll  int
	// FlushEvery is the least time between two writes of a node's chunk:
	// sends wait up to this long, and share one write.
	FlushEvery time.Duration
	// PromiseEvery is how often an idle node writes its chunk anyway, to
	// raise its promise, and reads the other nodes' chunks.
	PromiseEvery time.Duration
	// Timeout is how long a lin-kv request may go unanswered before it is
	// sent again.
	Timeout time.Duration
}

// DefaultConfig is the configuration the binary uses.
var DefaultConfig = Config{ChunkMax: 200, MaxPoll: 1500, FlushEvery: 10 * time.Millisecond, PromiseEvery: 100 * time.Millisecond, Timeout: time.Second}

// service is where the log lives.
const service = "lin-kv"

// Entry is one message of a keyed log.
type Entry struct {
	Key string `json:"k"`
	Off int64  `json:"o"`
	Msg int64  `json:"m"`
}

// Chunk is the value of one lin-kv key: the next entries its node wrote,
// in order, and, as of its last write, the node's promise (every offset it
// assigns later is at least P), the offsets committed through it, and the
// version V that a restarted node bumps to fence off its predecessor.
type Chunk struct {
	E []Entry          `json:"e,omitempty"`
	P int64            `json:"p"`
	C map[string]int64 `json:"c,omitempty"`
	V int64            `json:"v"`
}

// ChunkKey is the lin-kv key of node's chunk number i.
func ChunkKey(node string, i int) string { return "kafka/" + node + "/" + strconv.Itoa(i) }

// phase is where a node is in starting up.
type phase int

const (
	scanning phase = iota // reading its own chunks back
	fencing               // bumping its last chunk's version
	ready                 // serving
)

// Log is one node's state: the durable part of every keyed log it knows,
// its own chunks, and what it has read of the other nodes' chunks.
//
// Offsets are sparse. Node i of N gives key k the offset
// max(last(k)+N, clock·N+i), where clock is a microsecond clock shared by
// all nodes, so offsets are unique (≡ i mod N) and increase per key.
type Log struct {
	self  string
	index int
	n     int
	cfg   Config
	clock func(now time.Duration) int64
	ticks int64 // the clock's last reading: it never goes back

	phase phase
	held  []clientRequest // requests that came before the node was ready
	cur   int             // own current chunk
	val   Chunk           // its value
	have  bool            // whether chunk cur exists
	last  map[string]int64

	pending   []Entry // sends waiting for the next write
	replies   []reply // their replies, and those of commits, in order
	commits   map[string]int64
	flight    *write // the write in flight
	lastWrite time.Duration

	peers     map[string]*peer
	logs      map[string][]Entry // durable entries per key, by offset
	promise   int64              // own promise, as durable
	committed map[string]int64

	inflight map[int64]request
	nextID   int64
}

// write is a write of the node's chunk in flight.
type write struct {
	id      int64
	to      Chunk
	next    bool // creates chunk cur+1
	entries []Entry
	replies []reply
	commits map[string]int64
}

// peer is what a node has read of another node's chunks.
type peer struct {
	chunk, consumed int
	promise         int64
	reading         bool
	lastRead        time.Duration
}

// request is a lin-kv request in flight.
type request struct {
	kind  string // "scan", "fence", "write", "read"
	peer  string
	chunk int
	sent  time.Duration
	to    *Chunk // the value a cas writes
}

// reply is an answer to a client, sent once what it acknowledges is
// durable; send marks a send_ok.
type reply struct {
	out  node.Out
	send bool
}

// NewLog returns the log of node self among ids, reading offsets from
// clock.
func NewLog(self string, ids []string, cfg Config, clock func(time.Duration) int64) *Log {
	sorted := append([]string(nil), ids...)
	sort.Strings(sorted)
	l := &Log{self: self, n: len(sorted), cfg: cfg, clock: clock, last: map[string]int64{}, commits: map[string]int64{},
		peers: map[string]*peer{}, logs: map[string][]Entry{}, committed: map[string]int64{}, inflight: map[int64]request{}}
	for i, id := range sorted {
		if id == self {
			l.index = i
		} else {
			l.peers[id] = &peer{}
		}
	}
	return l
}

// Frontier is the offset below which this node knows every entry any node
// will ever have durably: the least promise of all nodes.
func (l *Log) Frontier() int64 {
	f := l.promise
	for _, p := range l.peers {
		f = min(f, p.promise)
	}
	return f
}

// Handle answers client requests and takes lin-kv's replies. A malformed
// request is answered at once; a valid one that comes before the node is
// ready waits until it is.
func (l *Log) Handle(now time.Duration, msg node.Message) []node.Out {
	if msg.Src == service {
		return l.reply(now, msg)
	}
	r, bad := decode(msg)
	if bad != nil {
		return bad
	}
	if l.phase != ready {
		l.held = append(l.held, r)
		return l.Tick(now)
	}
	return l.serve(now, r)
}

// clientRequest is a decoded, valid client request.
type clientRequest struct {
	msg     node.Message
	key     string
	value   int64
	offsets map[string]int64
	keys    []string
}

// decode validates a client request, or returns the error reply.
func decode(msg node.Message) (clientRequest, []node.Out) {
	r := clientRequest{msg: msg}
	var b struct {
		Key     *string           `json:"key"`
		Msg     *int64            `json:"msg"`
		Offsets *map[string]int64 `json:"offsets"`
		Keys    *[]string         `json:"keys"`
	}
	err := node.Decode(msg, &b)
	switch msg.Type() {
	case "send":
		if err != nil || b.Key == nil || b.Msg == nil {
			return r, node.Malformed(msg, "send needs key, a string, and msg, an integer in [-2^63, 2^63): %s", msg.Body)
		}
		r.key, r.value = *b.Key, *b.Msg
	case "poll", "commit_offsets":
		if err != nil || b.Offsets == nil {
			return r, node.Malformed(msg, "%s needs offsets, an object of key -> integer offset: %s", msg.Type(), msg.Body)
		}
		r.offsets = *b.Offsets
	case "list_committed_offsets":
		if err != nil || b.Keys == nil {
			return r, node.Malformed(msg, "list_committed_offsets needs keys, an array of strings: %s", msg.Body)
		}
		r.keys = *b.Keys
	default:
		return r, node.Unsupported(msg)
	}
	return r, nil
}

// serve answers a valid request on a ready node.
func (l *Log) serve(now time.Duration, r clientRequest) []node.Out {
	switch r.msg.Type() {
	case "send":
		off := max(l.last[r.key]+int64(l.n), l.readClock(now)*int64(l.n)+int64(l.index))
		l.last[r.key] = off
		l.pending = append(l.pending, Entry{Key: r.key, Off: off, Msg: r.value})
		l.replies = append(l.replies, reply{out: node.Reply(r.msg, map[string]any{"type": "send_ok", "offset": off}), send: true})
		return l.flush(now)
	case "poll":
		return []node.Out{node.Reply(r.msg, map[string]any{"type": "poll_ok", "msgs": l.Poll(r.offsets)})}
	case "commit_offsets":
		for k, o := range r.offsets {
			l.commits[k] = max(l.commits[k], o)
		}
		l.replies = append(l.replies, reply{out: node.Reply(r.msg, map[string]any{"type": "commit_offsets_ok"})})
		return l.flush(now)
	}
	offsets := map[string]int64{}
	for _, k := range r.keys {
		if o, ok := l.committed[k]; ok {
			offsets[k] = o
		}
	}
	return []node.Out{node.Reply(r.msg, map[string]any{"type": "list_committed_offsets_ok", "offsets": offsets})}
}

// Poll returns, per requested key, the durable messages from the first
// offset at or after the requested one, in order, below the frontier, at
// most MaxPoll in all.
func (l *Log) Poll(offsets map[string]int64) map[string][][2]int64 {
	frontier := l.Frontier()
	out := map[string][][2]int64{}
	budget := l.cfg.MaxPoll
	for _, k := range slices.Sorted(maps.Keys(offsets)) {
		es := l.logs[k]
		i := sort.Search(len(es), func(i int) bool { return es[i].Off >= offsets[k] })
		msgs := [][2]int64{}
		for ; i < len(es) && es[i].Off < frontier && budget > 0; i++ {
			msgs = append(msgs, [2]int64{es[i].Off, es[i].Msg})
			budget--
		}
		out[k] = msgs
	}
	return out
}

// Tick starts up, writes the node's chunk when due, reads the other
// nodes' chunks every PromiseEvery, and sends again what timed out.
func (l *Log) Tick(now time.Duration) []node.Out {
	var out []node.Out
	for id, r := range l.inflight {
		if now-r.sent < l.cfg.Timeout {
			continue
		}
		delete(l.inflight, id)
		switch r.kind {
		case "read":
			l.peers[r.peer].reading = false
		case "write":
			l.requeue()
		default:
			l.phase = scanning // scan or fence: start over at cur
		}
	}
	if l.phase == scanning && !l.busy("scan", "fence") {
		out = append(out, l.request(now, request{kind: "scan", chunk: l.cur}, kvBody{Type: "read", Key: ChunkKey(l.self, l.cur)}))
	}
	for id, p := range l.peers {
		if !p.reading && now-p.lastRead >= l.cfg.PromiseEvery {
			out = append(out, l.readPeer(now, id))
		}
	}
	return append(out, l.flush(now)...)
}

// Next is when Tick has something to do.
func (l *Log) Next() (time.Duration, bool) {
	if l.phase == scanning && !l.busy("scan", "fence") {
		return 0, true
	}
	next := time.Duration(1<<63 - 1)
	for _, r := range l.inflight {
		next = min(next, r.sent+l.cfg.Timeout)
	}
	for _, p := range l.peers {
		if !p.reading {
			next = min(next, p.lastRead+l.cfg.PromiseEvery)
		}
	}
	if l.phase == ready && l.flight == nil {
		if len(l.replies) > 0 {
			next = min(next, l.lastWrite+l.cfg.FlushEvery)
		} else {
			next = min(next, l.lastWrite+l.cfg.PromiseEvery)
		}
	}
	return next, true
}

func (l *Log) busy(kinds ...string) bool {
	for _, r := range l.inflight {
		for _, k := range kinds {
			if r.kind == k {
				return true
			}
		}
	}
	return false
}

// flush writes the node's chunk with the pending sends and commits, and a
// new promise, if no write is in flight and one is due: FlushEvery after
// the last when something waits, PromiseEvery after it otherwise.
func (l *Log) flush(now time.Duration) []node.Out {
	if l.phase != ready || l.flight != nil {
		return nil
	}
	due := l.cfg.PromiseEvery
	if len(l.replies) > 0 {
		due = l.cfg.FlushEvery
	}
	if now-l.lastWrite < due && l.lastWrite != 0 {
		return nil
	}
	w := &write{to: Chunk{P: l.val.P, V: l.val.V, C: merged(l.val.C, l.commits)}, commits: l.commits}
	room := l.cfg.ChunkMax - len(l.val.E)
	if room <= 0 {
		w.next, room = true, l.cfg.ChunkMax
	} else {
		w.to.E = append([]Entry(nil), l.val.E...)
	}
	take := min(room, len(l.pending))
	w.entries = l.pending[:take]
	w.to.E = append(w.to.E, w.entries...)
	if take == len(l.pending) {
		// Every offset assigned so far is in this write; later ones are
		// at least clock·N.
		w.to.P = max(l.val.P, l.readClock(now)*int64(l.n))
		w.replies, l.replies = l.replies, nil
	} else {
		w.replies = l.repliesFor(take)
	}
	l.pending = l.pending[take:]
	l.commits = map[string]int64{}
	l.flight, l.lastWrite = w, now
	body := kvBody{Type: "cas", Key: ChunkKey(l.self, l.cur), From: l.val, To: &w.to}
	if w.next {
		body = kvBody{Type: "cas", Key: ChunkKey(l.self, l.cur+1), To: &w.to, Create: true}
	}
	o := l.request(now, request{kind: "write"}, body)
	w.id = l.nextID
	return []node.Out{o}
}

// repliesFor takes the replies due once the first n pending sends are
// durable: those before the (n+1)th send's reply.
func (l *Log) repliesFor(n int) []reply {
	seen := 0
	for i, r := range l.replies {
		if !r.send {
			continue
		}
		if seen == n {
			out := l.replies[:i:i]
			l.replies = l.replies[i:]
			return out
		}
		seen++
	}
	out := l.replies
	l.replies = nil
	return out
}

// readClock reads the offset clock, never going back.
func (l *Log) readClock(now time.Duration) int64 {
	l.ticks = max(l.ticks, l.clock(now))
	return l.ticks
}

// requeue puts a failed write's sends and commits back in front of what
// waits.
func (l *Log) requeue() {
	w := l.flight
	if w == nil {
		return
	}
	l.flight = nil
	l.pending = append(append([]Entry(nil), w.entries...), l.pending...)
	l.replies = append(append([]reply(nil), w.replies...), l.replies...)
	for k, o := range w.commits {
		l.commits[k] = max(l.commits[k], o)
	}
}

func merged(a, b map[string]int64) map[string]int64 {
	if len(a)+len(b) == 0 {
		return nil
	}
	m := make(map[string]int64, len(a)+len(b))
	for k, o := range a {
		m[k] = o
	}
	for k, o := range b {
		m[k] = max(m[k], o)
	}
	return m
}

func (l *Log) readPeer(now time.Duration, id string) node.Out {
	p := l.peers[id]
	p.reading, p.lastRead = true, now
	return l.request(now, request{kind: "read", peer: id, chunk: p.chunk}, kvBody{Type: "read", Key: ChunkKey(id, p.chunk)})
}

// reply takes lin-kv's answer to one of this node's requests.
func (l *Log) reply(now time.Duration, msg node.Message) []node.Out {
	var b struct {
		Type      string `json:"type"`
		InReplyTo int64  `json:"in_reply_to"`
		Code      int    `json:"code"`
		Value     *Chunk `json:"value"`
	}
	if err := node.Decode(msg, &b); err != nil {
		return nil
	}
	r, ok := l.inflight[b.InReplyTo]
	if !ok {
		return nil // timed out, or asked by this node's killed predecessor
	}
	delete(l.inflight, b.InReplyTo)
	missing := b.Type == "error" && b.Code == node.CodeKeyDoesNotExist
	switch r.kind {
	case "scan":
		return l.scanned(now, r.chunk, b.Type == "read_ok" && b.Value != nil, b.Value, missing)
	case "fence":
		if b.Type != "cas_ok" {
			l.phase = scanning // the predecessor got there first: read it
			return l.Tick(now)
		}
		l.val, l.have, l.phase = *r.to, true, ready
		held := l.held
		l.held = nil
		var out []node.Out
		for _, r := range held {
			out = append(out, l.serve(now, r)...)
		}
		return append(out, l.flush(now)...)
	case "write":
		w := l.flight
		l.flight = nil
		if b.Type != "cas_ok" || w == nil {
			l.flight = w
			l.requeue()
			l.phase = scanning
			return l.Tick(now)
		}
		if w.next {
			l.cur++
		}
		l.val = w.to
		l.learn(w.entries, w.to.P, w.to.C)
		out := make([]node.Out, 0, len(w.replies)+1)
		for _, r := range w.replies {
			out = append(out, r.out)
		}
		return append(out, l.flush(now)...)
	case "read":
		p := l.peers[r.peer]
		p.reading = false
		if b.Type != "read_ok" || b.Value == nil || r.chunk != p.chunk {
			return nil
		}
		v := b.Value
		if len(v.E) > p.consumed {
			l.addEntries(v.E[p.consumed:])
			p.consumed = len(v.E)
		}
		p.promise = max(p.promise, v.P)
		l.mergeCommitted(v.C)
		if len(v.E) >= l.cfg.ChunkMax {
			p.chunk, p.consumed = p.chunk+1, 0
			return []node.Out{l.readPeer(now, r.peer)}
		}
	}
	return nil
}

// scanned takes the value of own chunk i read back at start: its entries
// are durable. A full chunk sends the scan on to the next; the last one is
// fenced: its version is bumped (or, missing, it is created), so that any
// write the node's killed predecessor still has in flight fails.
func (l *Log) scanned(now time.Duration, i int, ok bool, v *Chunk, missing bool) []node.Out {
	switch {
	case ok:
		l.cur, l.val, l.have = i, *v, true
		l.learn(v.E, v.P, v.C)
		for _, e := range v.E {
			l.last[e.Key] = max(l.last[e.Key], e.Off)
		}
		if len(v.E) >= l.cfg.ChunkMax {
			l.cur = i + 1
			return l.Tick(now)
		}
	case missing:
		l.cur, l.have = i, false
	default:
		return l.Tick(now) // read again
	}
	l.phase = fencing
	to := Chunk{E: l.val.E, P: l.val.P, C: l.val.C, V: l.val.V + 1}
	body := kvBody{Type: "cas", Key: ChunkKey(l.self, l.cur), From: l.val, To: &to}
	if !l.have {
		to = Chunk{P: l.val.P, C: l.val.C, V: l.val.V + 1}
		body = kvBody{Type: "cas", Key: ChunkKey(l.self, l.cur), To: &to, Create: true}
	}
	return []node.Out{l.request(now, request{kind: "fence", chunk: l.cur}, body)}
}

// learn makes entries durable here, with a promise and commits.
func (l *Log) learn(es []Entry, promise int64, commits map[string]int64) {
	l.addEntries(es)
	l.promise = max(l.promise, promise)
	l.mergeCommitted(commits)
}

func (l *Log) mergeCommitted(c map[string]int64) {
	for k, o := range c {
		l.committed[k] = max(l.committed[k], o)
	}
}

// addEntries inserts entries into their keys' logs, by offset, once each.
func (l *Log) addEntries(es []Entry) {
	for _, e := range es {
		log := l.logs[e.Key]
		i := sort.Search(len(log), func(i int) bool { return log[i].Off >= e.Off })
		if i < len(log) && log[i].Off == e.Off {
			continue
		}
		log = append(log, Entry{})
		copy(log[i+1:], log[i:])
		log[i] = e
		l.logs[e.Key] = log
	}
}

// kvBody is a lin-kv request.
type kvBody struct {
	Type   string `json:"type"`
	MsgID  int64  `json:"msg_id"`
	Key    string `json:"key"`
	From   any    `json:"from,omitempty"`
	To     *Chunk `json:"to,omitempty"`
	Create bool   `json:"create_if_not_exists,omitempty"`
}

func (l *Log) request(now time.Duration, r request, body kvBody) node.Out {
	l.nextID++
	body.MsgID = l.nextID
	r.sent, r.to = now, body.To
	l.inflight[body.MsgID] = r
	return node.Out{Dest: service, Body: body}
}
