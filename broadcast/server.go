// Command broadcast is the solution to challenges 3a–3e: every value a
// client broadcasts to any node ends up in every node's reads, quickly and
// with few messages, despite partitions. See README.md for the design.
//
// The protocol core is Server, a plain struct with no I/O: it takes a
// client broadcast, a gossip message or a clock tick and returns the
// gossip messages to send. main.go wires it to the node.
package main

import (
	"slices"
	"sort"
	"time"

	"github.com/glomers/glomers/node"
)

// Config tunes the protocol.
type Config struct {
	// Window is how long the hub collects new values before it fans them
	// out, in one message per node.
	Window time.Duration
	// AckDelay is how long a node that received values may wait for a
	// message of its own to carry the acknowledgement before it sends an
	// acknowledgement alone. The hub uses Window instead.
	AckDelay time.Duration
	// Retry is how long a sent value may stay unacknowledged before it is
	// sent again. It must exceed AckDelay plus a round trip.
	Retry time.Duration
	// MaxValues caps the values in one message, so that a big repair is
	// split and every message stays far below 64 KiB.
	MaxValues int
	// Suspect is how long a leaf's sends may stay unacknowledged by the
	// hub before the leaf takes the hub for unreachable and sends its own
	// values straight to every other leaf. It must exceed Window plus a
	// round trip, the longest a reachable hub takes to acknowledge.
	Suspect time.Duration
}

// DefaultConfig is the configuration the binary uses.
var DefaultConfig = Config{
	Window:    240 * time.Millisecond,
	AckDelay:  1500 * time.Millisecond,
	Retry:     2500 * time.Millisecond,
	MaxValues: 2048,
	Suspect:   700 * time.Millisecond,
}

// GossipType is the type of every message between nodes.
const GossipType = "gossip"

// Gossip is the one message nodes exchange. Have acknowledges: Have[o] is
// how many of origin o's values the sender holds without a gap (origins
// are indices into the sorted node ids). Runs carry values. Cut says the
// sender, a leaf, cannot reach the hub: other leaves then send it their
// own values directly.
type Gossip struct {
	Type string `json:"type"`
	Have []int  `json:"have"`
	Runs []Run  `json:"runs,omitempty"`
	Cut  bool   `json:"cut,omitempty"`
}

// Run is a stretch of one origin's values: numbers After+1 … After+len(Values)
// in the order the origin received them from clients.
type Run struct {
	Origin int     `json:"o"`
	After  int     `json:"a"`
	Values []int64 `json:"v"`
}

// Server is one node's protocol state. The overlay is a star over the
// sorted node ids: the first is the hub, the others are leaves. A leaf
// sends its clients' values to the hub at once; the hub fans out what is
// new to every leaf once per Window. Each link is reliable on its own:
// every message carries the sender's Have vector, which acknowledges, and
// what stays unacknowledged for Retry is sent again.
//
// Around a hub it cannot reach, a leaf routes directly: when its sends to
// the hub stay unacknowledged for Suspect, it sends its own values to
// every other leaf, marked Cut, and each leaf that hears Cut from it
// sends it its own values too. Leaves that still reach the hub forward
// what they receive this way to it, as they forward everything the hub
// lacks. Direct links carry only the sender's own values, and only while
// one end is cut off; in a run without faults they never exist.
type Server struct {
	cfg   Config
	self  int
	nodes []string // sorted
	hub   bool

	logs    [][]int64        // per origin: the values without a gap
	early   []map[int]int64  // per origin: values after a gap, by number
	links   []*link          // the peers: every leaf for the hub, the hub for a leaf
	directs []*link          // a leaf's direct links to other leaves, by index (nil: none)
	byID    map[string]*link // links by peer id, direct ones included
	cut     bool             // a leaf that takes its hub for unreachable

	flushAt  time.Duration
	flushDue bool // new data waits for flushAt
}

// link is what a node knows about one peer.
type link struct {
	peer    int
	id      string
	acked   []int    // the peer's Have, as it last told us
	sent    []int    // per origin, how far we have sent
	flights []flight // sends not yet acknowledged, oldest first
	owe     bool     // the peer sent values we have not acknowledged
	since   time.Duration
	// waitSince is when the oldest send still unacknowledged went out,
	// kept across retries until the peer acknowledges something (waiting
	// says there is one).
	waiting   bool
	waitSince time.Duration
	direct    bool // a leaf-to-leaf link: only the sender's own values
	peerCut   bool // the peer said it cannot reach the hub
	retry     bool // a retry is due: send even on a quiet link
}

// flight is one send: when, and how far it took sent.
type flight struct {
	at   time.Duration
	upTo []int
}

// NewServer returns the state of node self among nodes.
func NewServer(self string, nodes []string, cfg Config) *Server {
	if cfg.MaxValues <= 0 {
		cfg.MaxValues = DefaultConfig.MaxValues
	}
	sorted := slices.Clone(nodes)
	sort.Strings(sorted)
	s := &Server{
		cfg:   cfg,
		nodes: sorted,
		logs:  make([][]int64, len(sorted)),
		early: make([]map[int]int64, len(sorted)),
		byID:  map[string]*link{},
	}
	s.self = slices.Index(sorted, self)
	s.hub = s.self == 0
	var peers []int
	if s.hub {
		for i := 1; i < len(sorted); i++ {
			peers = append(peers, i)
		}
	} else if len(sorted) > 1 {
		peers = []int{0}
	}
	for _, p := range peers {
		s.links = append(s.links, s.newLink(p))
	}
	if !s.hub {
		s.directs = make([]*link, len(sorted))
	}
	return s
}

func (s *Server) newLink(p int) *link {
	l := &link{peer: p, id: s.nodes[p], acked: make([]int, len(s.nodes)), sent: make([]int, len(s.nodes))}
	s.byID[l.id] = l
	return l
}

// direct returns the direct link to leaf p, making it if needed.
func (s *Server) direct(p int) *link {
	if s.directs[p] == nil {
		l := s.newLink(p)
		l.direct = true
		s.directs[p] = l
	}
	return s.directs[p]
}

// each calls f on every link: the star's, then the direct ones in order.
func (s *Server) each(f func(*link)) {
	for _, l := range s.links {
		f(l)
	}
	for _, l := range s.directs {
		if l != nil {
			f(l)
		}
	}
}

// active reports whether l carries values now: a star link always, a
// direct one while either end is cut off from the hub.
func (s *Server) active(l *link) bool { return !l.direct || s.cut || l.peerCut }

// Broadcast records a value a client sent to this node.
func (s *Server) Broadcast(now time.Duration, v int64) []node.Out {
	s.logs[s.self] = append(s.logs[s.self], v)
	s.schedule(now)
	return s.poll(now)
}

// Read returns every value this node holds, sorted, without duplicates.
func (s *Server) Read() []int64 {
	var vs []int64
	for o := range s.logs {
		vs = append(vs, s.logs[o]...)
		for _, v := range s.early[o] {
			vs = append(vs, v)
		}
	}
	slices.Sort(vs)
	return slices.Compact(vs)
}

// Receive handles a gossip message from another node.
func (s *Server) Receive(now time.Duration, from string, g Gossip) []node.Out {
	l := s.byID[from]
	if p := slices.Index(s.nodes, from); l == nil && !s.hub && p > 0 && p != s.self {
		l = s.direct(p) // a leaf routing around the hub
	}
	if l != nil {
		for o := 0; o < len(g.Have) && o < len(l.acked); o++ {
			l.acked[o] = max(l.acked[o], g.Have[o])
		}
		acked := false
		for len(l.flights) > 0 && covers(l.acked, l.flights[0].upTo) {
			l.flights, acked = l.flights[1:], true
		}
		switch {
		case len(l.flights) == 0:
			l.waiting = false
		case acked:
			l.waitSince = l.flights[0].at // the peer is there: wait for the rest from its send
		}
		if len(g.Runs) > 0 && !l.owe {
			l.owe, l.since = true, now
		}
		if l.direct && g.Cut && !l.peerCut {
			s.schedule(now) // send it what it lacks of ours
		}
		l.peerCut = l.direct && g.Cut
	}
	grew := false
	for _, r := range g.Runs {
		if r.Origin >= 0 && r.Origin < len(s.logs) && s.apply(r) {
			grew = true
		}
	}
	if grew {
		s.schedule(now)
	}
	return s.poll(now)
}

// Tick lets time pass: batches fall due, acknowledgements and repairs go
// out.
func (s *Server) Tick(now time.Duration) []node.Out { return s.poll(now) }

// Next returns when Tick next has something to do, or false if nothing is
// waiting: Tick need not be called before then unless a message arrives.
func (s *Server) Next() (time.Duration, bool) {
	var next time.Duration
	ok := false
	at := func(t time.Duration) {
		if !ok || t < next {
			next, ok = t, true
		}
	}
	if s.flushDue {
		at(s.flushAt)
	}
	s.each(func(l *link) {
		if l.owe {
			at(l.since + s.ackDelay())
		}
		if len(l.flights) > 0 {
			at(l.flights[0].at + s.cfg.Retry)
		}
	})
	if !s.hub && !s.cut && len(s.links) > 0 && s.links[0].waiting {
		at(s.links[0].waitSince + s.suspect())
	}
	return next, ok
}

func (s *Server) suspect() time.Duration {
	if s.cfg.Suspect > 0 {
		return s.cfg.Suspect
	}
	return DefaultConfig.Suspect
}

// watchHub updates whether a leaf takes its hub for unreachable. On
// entering that state every other leaf gets a direct link, starting after
// what the hub acknowledged (the hub has those, and passes them on when it
// can).
func (s *Server) watchHub(now time.Duration) {
	if s.hub || len(s.links) == 0 {
		return
	}
	h := s.links[0]
	cut := h.waiting && now-h.waitSince >= s.suspect()
	if cut && !s.cut {
		for p := 1; p < len(s.nodes); p++ {
			if p != s.self {
				l := s.direct(p)
				l.sent[s.self] = max(l.sent[s.self], h.acked[s.self])
			}
		}
		s.cut = true
		s.schedule(now)
	}
	s.cut = cut
}

// apply stores a run's values and reports whether the gap-free log of its
// origin grew.
func (s *Server) apply(r Run) bool {
	o := r.Origin
	before := len(s.logs[o])
	for i, v := range r.Values {
		n := r.After + 1 + i
		switch {
		case n <= len(s.logs[o]):
			// already held
		case n == len(s.logs[o])+1:
			s.logs[o] = append(s.logs[o], v)
			delete(s.early[o], n)
		default:
			if s.early[o] == nil {
				s.early[o] = map[int]int64{}
			}
			s.early[o][n] = v
		}
	}
	for {
		v, ok := s.early[o][len(s.logs[o])+1]
		if !ok {
			break
		}
		delete(s.early[o], len(s.logs[o])+1)
		s.logs[o] = append(s.logs[o], v)
	}
	return len(s.logs[o]) > before
}

// schedule notes new data: a leaf sends it at once, the hub when its
// window closes.
func (s *Server) schedule(now time.Duration) {
	if s.flushDue {
		return
	}
	s.flushDue = true
	s.flushAt = now
	if s.hub {
		s.flushAt += s.cfg.Window
	}
}

func (s *Server) ackDelay() time.Duration {
	if s.hub {
		return s.cfg.Window
	}
	return s.cfg.AckDelay
}

// poll sends what is due at now: repairs of unacknowledged sends, the
// batch of new values, and acknowledgements that waited long enough.
func (s *Server) poll(now time.Duration) []node.Out {
	s.watchHub(now)
	s.each(func(l *link) {
		if !s.active(l) {
			// A direct link at rest: the hub carries everything again.
			l.flights, l.waiting = nil, false
		}
		if len(l.flights) > 0 && now-l.flights[0].at >= s.cfg.Retry {
			// Go back: resend everything the peer has not acknowledged.
			copy(l.sent, l.acked)
			l.flights = nil
			l.retry = true
			s.schedule(now)
		}
	})
	flush := s.flushDue && now >= s.flushAt
	if flush {
		s.flushDue = false
	}
	var out []node.Out
	s.each(func(l *link) {
		switch {
		case flush && s.active(l) && s.pending(l) && (l.retry || !s.quiet(l)):
			l.retry = false
			out = s.send(out, now, l)
		case l.owe && now-l.since >= s.ackDelay():
			out = s.send(out, now, l)
		}
	})
	return out
}

// quiet reports whether l is the link of a leaf cut off from its hub:
// then only retries go to the hub (so that the leaf learns when it is
// back), not every value as it comes.
func (s *Server) quiet(l *link) bool { return s.cut && !l.direct }

// origins returns the origins l carries: all of them, or on a direct
// link only this node's own.
func (s *Server) origins(l *link) (from, to int) {
	if l.direct {
		return s.self, s.self + 1
	}
	return 0, len(s.logs)
}

// pending reports whether l's peer lacks values we have not sent it.
func (s *Server) pending(l *link) bool {
	first, end := s.origins(l)
	for o := first; o < end; o++ {
		if len(s.logs[o]) > max(l.sent[o], l.acked[o]) {
			return true
		}
	}
	return false
}

// send appends to out the messages that give l's peer everything it
// lacks (or one acknowledgement when it lacks nothing), at most
// MaxValues values per message.
func (s *Server) send(out []node.Out, now time.Duration, l *link) []node.Out {
	first, end := s.origins(l)
	for {
		g := Gossip{Type: GossipType, Have: s.have(), Cut: s.cut}
		room := s.cfg.MaxValues
		for o := first; o < end; o++ {
			from := max(l.sent[o], l.acked[o])
			to := min(len(s.logs[o]), from+room)
			if to <= from {
				continue
			}
			g.Runs = append(g.Runs, Run{Origin: o, After: from, Values: slices.Clone(s.logs[o][from:to])})
			l.sent[o] = to
			room -= to - from
			if room == 0 {
				break
			}
		}
		if len(g.Runs) > 0 {
			l.flights = append(l.flights, flight{at: now, upTo: slices.Clone(l.sent)})
			if !l.waiting {
				l.waiting, l.waitSince = true, now
			}
		}
		l.owe = false
		out = append(out, node.Out{Dest: l.id, Body: g})
		if room > 0 || !s.pending(l) {
			return out
		}
	}
}

func (s *Server) have() []int {
	h := make([]int, len(s.logs))
	for o := range s.logs {
		h[o] = len(s.logs[o])
	}
	return h
}

// covers reports whether a >= b at every origin.
func covers(a, b []int) bool {
	for i := range b {
		if a[i] < b[i] {
			return false
		}
	}
	return true
}
