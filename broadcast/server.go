// Command broadcast is the solution to challenges 3a–3e: every value a
// client broadcasts to any node ends up in every node's reads, quickly and
// with few messages, despite partitions. See README.md for the design.
//
// The protocol core is Server, a plain struct with no I/O: it takes a
// client broadcast, a gossip message or a clock tick and returns the
// gossip messages to send. main.go wires it to the node.
package main

import (
	"cmp"
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
	// Boot returns this incarnation's boot id, larger than any earlier
	// incarnation's of the same node (the binary uses the wall clock in
	// microseconds). A restarted node has lost everything; its new boot
	// id tells its peers so. Nil: every node built by one NewNode gets the
	// next number of a counter (as in the simulator, where one NewNode
	// builds every node, restarted ones included); NewServer alone uses 1.
	Boot func() int64
}

// DefaultConfig is the configuration the binary uses.
var DefaultConfig = Config{
	Window:    280 * time.Millisecond,
	AckDelay:  1500 * time.Millisecond,
	Retry:     2500 * time.Millisecond,
	MaxValues: 2048,
	Suspect:   700 * time.Millisecond,
}

// GossipType is the type of every message between nodes.
const GossipType = "gossip"

// Gossip is the one message nodes exchange. An origin is one incarnation
// of a node: the node's index in the sorted node ids and its boot id; it
// numbers the values its clients broadcast 1, 2, 3, … Boot is the
// sender's boot id. Have acknowledges: for each origin, how many of its
// values the sender holds without a gap. Runs carry values. Cut says the
// sender, a leaf, cannot reach the hub: other leaves then send it their
// own values directly.
type Gossip struct {
	Type string  `json:"type"`
	Boot int64   `json:"boot"`
	Have []Count `json:"have"`
	Runs []Run   `json:"runs,omitempty"`
	Cut  bool    `json:"cut,omitempty"`
}

// Count says how many of origin (Origin, Boot)'s values a node holds
// without a gap.
type Count struct {
	Origin int   `json:"o"`
	Boot   int64 `json:"b"`
	N      int   `json:"n"`
}

// Run is a stretch of one origin's values: numbers After+1 … After+len(Values)
// in the order the origin received them from clients.
type Run struct {
	Origin int     `json:"o"`
	Boot   int64   `json:"b"`
	After  int     `json:"a"`
	Values []int64 `json:"v"`
}

// originID names an origin: a node index and a boot id.
type originID struct {
	node int
	boot int64
}

// Server is one node's protocol state. The overlay is a star over the
// sorted node ids: the first is the hub, the others are leaves. A leaf
// sends its clients' values to the hub at once; the hub fans out what is
// new to every leaf once per Window. Each link is reliable on its own:
// every message carries the sender's Have, which acknowledges, and what
// stays unacknowledged for Retry is sent again.
//
// Kills: a value is acknowledged to its client (Safe), and shown in
// reads, only once a peer has acknowledged holding it. Each incarnation
// of a node is an origin of its own, so a restarted node never reuses a
// number; a peer that hears a new boot id forgets what the node had
// acknowledged and sends it everything again. Hello announces a new
// incarnation.
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
	boot  int64
	nodes []string // sorted
	hub   bool

	origins []originID       // by local index, in the order learnt
	index   map[originID]int // local index by origin
	mine    int              // the local index of this incarnation
	logs    [][]int64        // per origin: the values without a gap
	early   []map[int]int64  // per origin: values after a gap, by number
	safe    int              // how many of mine some peer has acknowledged
	shown   []int            // the hub's, per origin: how many values reads show

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
	boot    int64    // the peer's boot id as last heard (0: not yet)
	acked   []int    // per origin, the peer's Have as it last told us
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
	// greet says we have not heard from the peer since this node started:
	// Hello announces the node to it every Retry until it answers.
	greet   bool
	greeted time.Duration // when the last hello went out
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
		boot:  1,
		index: map[originID]int{},
		byID:  map[string]*link{},
	}
	if cfg.Boot != nil {
		s.boot = cfg.Boot()
	}
	s.self = slices.Index(sorted, self)
	s.hub = s.self == 0
	s.mine = s.origin(originID{s.self, s.boot})
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

// origin returns the local index of origin id, adding it if it is new.
func (s *Server) origin(id originID) int {
	if o, ok := s.index[id]; ok {
		return o
	}
	o := len(s.origins)
	s.index[id] = o
	s.origins = append(s.origins, id)
	s.logs = append(s.logs, nil)
	s.early = append(s.early, nil)
	s.shown = append(s.shown, 0)
	s.each(func(l *link) {
		l.acked = append(l.acked, 0)
		l.sent = append(l.sent, 0)
	})
	return o
}

func (s *Server) newLink(p int) *link {
	l := &link{peer: p, id: s.nodes[p], acked: make([]int, len(s.origins)), sent: make([]int, len(s.origins))}
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

// Hello announces this incarnation to the star's peers (the hub to every
// leaf, a leaf to the hub), so that a restarted node's peers learn at
// once that it lost everything and send it all they hold. A node calls it
// once, when it starts.
func (s *Server) Hello(now time.Duration) []node.Out {
	for _, l := range s.links {
		l.greet, l.greeted = true, now-s.cfg.Retry
	}
	return s.poll(now)
}

// Broadcast records a value a client sent to this node and returns its
// number among this incarnation's values: the client is answered once
// Safe reaches it.
func (s *Server) Broadcast(now time.Duration, v int64) (int, []node.Out) {
	s.logs[s.mine] = append(s.logs[s.mine], v)
	s.schedule(now)
	return len(s.logs[s.mine]), s.poll(now)
}

// Safe returns how many of this incarnation's values are held by another
// node too (all of them when there is no other node): those survive this
// node's death, so they may be acknowledged to clients and read.
func (s *Server) Safe() int {
	if len(s.nodes) < 2 {
		return len(s.logs[s.mine])
	}
	return s.safe
}

// Read returns every value this node holds and may show, sorted, without
// duplicates: only values held by another node too, and fanned out to
// every leaf, so that a value once read survives the death of any two
// nodes, the origin and the hub included. So this node's own clients'
// values once Safe, and at the hub a leaf's values once its window sent
// them on (a leaf shows what it receives at once: the hub, or a cut-off
// origin, sent it to every leaf at the same time).
func (s *Server) Read() []int64 {
	var vs []int64
	for o := range s.logs {
		switch {
		case o == s.mine:
			vs = append(vs, s.logs[o][:s.Safe()]...)
			continue
		case s.hub:
			vs = append(vs, s.logs[o][:s.shown[o]]...)
			continue
		}
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
	grew := false
	if l != nil {
		switch {
		case g.Boot > l.boot && l.boot != 0:
			// A new incarnation: it lost everything we sent its
			// predecessor. Start over from what it says it has.
			s.restart(l)
			grew = true
			fallthrough
		case g.Boot >= l.boot:
			l.boot, l.greet = g.Boot, false
			s.hear(now, l, g)
		}
		// else: a message of an earlier incarnation, still on the
		// network. Its values are kept, its acknowledgements ignored.
	}
	for _, r := range g.Runs {
		if r.Origin >= 0 && r.Origin < len(s.nodes) && r.After >= 0 && s.apply(r) {
			grew = true
		}
	}
	if grew {
		s.schedule(now)
	}
	return s.poll(now)
}

// restart forgets what l's peer acknowledged and what we sent it.
func (s *Server) restart(l *link) {
	clear(l.acked)
	clear(l.sent)
	l.flights, l.waiting, l.owe, l.retry, l.peerCut = nil, false, false, false, false
}

// hear takes in the acknowledgements and flags of a message from l's
// peer's current incarnation.
func (s *Server) hear(now time.Duration, l *link, g Gossip) {
	for _, c := range g.Have {
		if c.Origin >= 0 && c.Origin < len(s.nodes) && c.N > 0 {
			o := s.origin(originID{c.Origin, c.Boot})
			l.acked[o] = max(l.acked[o], c.N)
		}
	}
	s.safe = max(s.safe, min(l.acked[s.mine], len(s.logs[s.mine])))
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
		if l.greet {
			at(l.greeted + s.cfg.Retry)
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
				l.sent[s.mine] = max(l.sent[s.mine], h.acked[s.mine])
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
	o := s.origin(originID{r.Origin, r.Boot})
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
		for o := range s.shown {
			s.shown[o] = len(s.logs[o])
		}
	}
	var out []node.Out
	s.each(func(l *link) {
		switch {
		case flush && s.active(l) && s.pending(l) && (l.retry || !s.quiet(l)):
			l.retry = false
			out = s.send(out, now, l)
		case l.owe && now-l.since >= s.ackDelay(), l.greet && now-l.greeted >= s.cfg.Retry:
			l.greeted = now
			out = s.send(out, now, l)
		}
	})
	return out
}

// quiet reports whether l is the link of a leaf cut off from its hub:
// then only retries go to the hub (so that the leaf learns when it is
// back), not every value as it comes.
func (s *Server) quiet(l *link) bool { return s.cut && !l.direct }

// pending reports whether l's peer lacks values we have not sent it: of
// any origin on a star link, of this incarnation's own on a direct link
// (which carries the rest the peer lacks along with them, see send).
func (s *Server) pending(l *link) bool {
	for o := range s.logs {
		if (!l.direct || o == s.mine) && len(s.logs[o]) > max(l.sent[o], l.acked[o]) {
			return true
		}
	}
	return false
}

// send appends to out the messages that give l's peer everything it
// lacks (or one acknowledgement when it lacks nothing), at most
// MaxValues values per message. A direct link is used only for this
// node's own values (pending), but carries along everything else the
// peer lacks: while the hub is unreachable, a value that only this node
// still holds (its other holders killed) is not lost with it.
func (s *Server) send(out []node.Out, now time.Duration, l *link) []node.Out {
	for {
		g := Gossip{Type: GossipType, Boot: s.boot, Have: s.have(), Cut: s.cut}
		room := s.cfg.MaxValues
		for o := range s.logs {
			from := max(l.sent[o], l.acked[o])
			to := min(len(s.logs[o]), from+room)
			if to <= from {
				continue
			}
			id := s.origins[o]
			g.Runs = append(g.Runs, Run{Origin: id.node, Boot: id.boot, After: from, Values: slices.Clone(s.logs[o][from:to])})
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

// have returns what this node holds without a gap, per origin, sorted by
// node and boot id.
func (s *Server) have() []Count {
	h := []Count{}
	for o, id := range s.origins {
		if n := len(s.logs[o]); n > 0 {
			h = append(h, Count{Origin: id.node, Boot: id.boot, N: n})
		}
	}
	slices.SortFunc(h, func(a, b Count) int {
		if a.Origin != b.Origin {
			return a.Origin - b.Origin
		}
		return cmp.Compare(a.Boot, b.Boot)
	})
	return h
}

// covers reports whether a >= b at every origin b has.
func covers(a, b []int) bool {
	for i := range b {
		if a[i] < b[i] {
			return false
		}
	}
	return true
}
