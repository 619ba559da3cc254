package main

import (
	"encoding/json"
	"math"
	"math/rand/v2"
	"slices"
	"sort"
	"time"
)

// RaftConfig tunes the consensus core. Times are on the caller's clock.
type RaftConfig struct {
	// Heartbeat is how long a leader lets a follower go without a message.
	Heartbeat time.Duration
	// Batch is how long a leader lets new entries wait for others before
	// it sends them, so that one message carries several.
	Batch time.Duration
	// ElectionMin and ElectionMax bound the randomized election timeout.
	// ElectionMin is also the lease: a follower that heard from its
	// leader less than ElectionMin ago ignores candidates.
	ElectionMin, ElectionMax time.Duration
	// LeaseMargin is taken off a leader's lease, for the time a message
	// may spend between being stamped and being sent.
	LeaseMargin time.Duration
	// MaxEntries caps the entries in one append message.
	MaxEntries int
}

// DefaultRaftConfig is what the binary uses.
var DefaultRaftConfig = RaftConfig{
	Heartbeat:   150 * time.Millisecond,
	Batch:       40 * time.Millisecond,
	ElectionMin: 450 * time.Millisecond,
	ElectionMax: 900 * time.Millisecond,
	LeaseMargin: 50 * time.Millisecond,
	MaxEntries:  200,
}

// Role is what a node currently is in its term.
type Role int

// The roles. A pre-candidate asks whether it could win before it starts an
// election, so that a node cut off from the others does not raise its
// term and depose a working leader when it comes back.
const (
	Follower Role = iota
	PreCandidate
	Candidate
	Leader
)

func (r Role) String() string {
	return [...]string{"follower", "pre-candidate", "candidate", "leader"}[r]
}

// The Raft message types, as they appear on the wire.
const (
	MsgPreVote   = "raft_prevote"
	MsgPreVoteOK = "raft_prevote_ok"
	MsgVote      = "raft_vote"
	MsgVoteOK    = "raft_vote_ok"
	MsgAppend    = "raft_append"
	MsgAppendOK  = "raft_append_ok"
)

// Entry is one log entry. Data is the command; a leader's first entry in
// its term has none.
type Entry struct {
	Term int             `json:"t"`
	Data json.RawMessage `json:"d,omitempty"`
}

// Msg is a message between Raft nodes. From and To travel in the
// envelope, not the body.
type Msg struct {
	Type string `json:"type"`
	From string `json:"-"`
	To   string `json:"-"`
	Term int    `json:"term"`

	// Votes: the candidate's last log entry; the answer.
	LastIndex int  `json:"last_index,omitempty"`
	LastTerm  int  `json:"last_term,omitempty"`
	Granted   bool `json:"granted,omitempty"`

	// Appends: the entries after Prev, whose term is PrevTerm, and the
	// leader's commit index. Stamp is the leader's clock at sending; the
	// answer echoes it, which renews the leader's lease.
	Prev     int     `json:"prev,omitempty"`
	PrevTerm int     `json:"prev_term,omitempty"`
	Entries  []Entry `json:"entries,omitempty"`
	Commit   int     `json:"commit,omitempty"`
	Stamp    int64   `json:"stamp,omitempty"`

	// Append answers: success up to Match, or a refusal with the index
	// the leader should try next.
	Success bool `json:"success,omitempty"`
	Match   int  `json:"match,omitempty"`
	Hint    int  `json:"hint,omitempty"`

	// Hears is not Raft's: the Server lists the peers the sender heard
	// from directly of late, so that each peer knows whether its own
	// messages get through (see Server.relay).
	Hears []string `json:"hears,omitempty"`
}

// Committed is an entry that a majority holds, ready to apply.
type Committed struct {
	Index int
	Entry
}

// Raft is one node's consensus state: a plain state machine without I/O.
// Feed it messages (Step) and the passing of time (Tick); take what it
// wants sent and what it has committed with Ready. The log stays in
// memory: Maelstrom nodes are never restarted here.
type Raft struct {
	cfg   RaftConfig
	rng   *rand.Rand
	id    string
	peers []string // the other nodes

	term     int
	votedFor string
	log      []Entry // log[0] is a sentinel at index 0, term 0
	commit   int
	applied  int // handed out by Ready

	role   Role
	leader string // "" when unknown
	votes  map[string]bool

	// electionAt is when a follower or candidate starts an election.
	electionAt time.Duration
	// heardAt is when a follower last heard from its leader.
	heardAt time.Duration
	// progress is what a leader knows of each peer.
	progress map[string]*progress
	// dirtyAt is when a leader's oldest unsent entry was appended; zero
	// when nothing waits.
	dirtyAt   time.Duration
	dirty     bool
	electedAt time.Duration

	msgs []Msg

	// bugs breaks rules on purpose, to prove the tests catch it.
	bugs bugs
	// manual: elections start only when a scripted test sets
	// campaignSoon; the node then ticks every 5 ms to notice.
	manual, campaignSoon bool
	lastNow              time.Duration
}

// bugs are deliberately broken rules for tests.
type bugs struct {
	commitOldTerm bool // count replicas of a previous term's entry (Figure 8)
	anyLogVotes   bool // grant votes without the up-to-date log check
	noTruncate    bool // keep a conflicting suffix instead of cutting it
	noLease       bool // serve reads at a leader without a lease
	followForever bool // a follower never times out on a leader it knows
	noRelay       bool // (Server) never relay through a third node
}

// progress is a leader's view of one peer.
type progress struct {
	next, match int
	sentAt      time.Duration // when we last sent it anything
	ackStamp    int64         // the newest of our stamps it echoed
	ackAt       time.Duration // when it last answered
	probe       bool          // it refused: send at once
}

// NewRaft returns a follower of term 0. rng draws the election timeouts.
func NewRaft(id string, nodes []string, cfg RaftConfig, rng *rand.Rand, now time.Duration) *Raft {
	r := &Raft{cfg: cfg, rng: rng, id: id, log: []Entry{{}}}
	for _, n := range nodes {
		if n != id {
			r.peers = append(r.peers, n)
		}
	}
	sort.Strings(r.peers)
	r.resetElection(now)
	return r
}

// ID returns the node's id.
func (r *Raft) ID() string { return r.id }

// Term returns the current term.
func (r *Raft) Term() int { return r.term }

// Role returns the node's role.
func (r *Raft) Role() Role { return r.role }

// Leader returns the leader of the current term, if known.
func (r *Raft) Leader() string { return r.leader }

// LastIndex returns the index of the last log entry.
func (r *Raft) LastIndex() int { return len(r.log) - 1 }

// CommitIndex returns the highest index known to be committed.
func (r *Raft) CommitIndex() int { return r.commit }

func (r *Raft) termAt(i int) int {
	if i < 0 || i >= len(r.log) {
		return -1
	}
	return r.log[i].Term
}

func (r *Raft) quorum() int { return (len(r.peers)+1)/2 + 1 }

func (r *Raft) send(m Msg) {
	m.From = r.id
	if m.Term == 0 {
		m.Term = r.term
	}
	r.msgs = append(r.msgs, m)
}

func (r *Raft) resetElection(now time.Duration) {
	span := r.cfg.ElectionMax - r.cfg.ElectionMin
	d := r.cfg.ElectionMin
	if span > 0 {
		d += time.Duration(r.rng.Int64N(int64(span)))
	}
	r.electionAt = now + d
}

func (r *Raft) becomeFollower(now time.Duration, term int, leader string) {
	if term > r.term {
		r.term, r.votedFor = term, ""
	}
	r.role, r.leader, r.progress, r.votes = Follower, leader, nil, nil
	r.resetElection(now)
}

// Campaign starts an election now (after a pre-vote), as if the election
// timeout had passed. Tests use it to pick a leader.
func (r *Raft) Campaign(now time.Duration) {
	if r.role == Leader {
		return
	}
	r.preVote(now)
}

func (r *Raft) preVote(now time.Duration) {
	r.role, r.leader = PreCandidate, ""
	r.votes = map[string]bool{r.id: true}
	r.resetElection(now)
	if len(r.votes) >= r.quorum() {
		r.campaign(now)
		return
	}
	for _, p := range r.peers {
		r.send(Msg{Type: MsgPreVote, To: p, Term: r.term + 1, LastIndex: r.LastIndex(), LastTerm: r.termAt(r.LastIndex())})
	}
}

func (r *Raft) campaign(now time.Duration) {
	r.term++
	r.role, r.leader, r.votedFor = Candidate, "", r.id
	r.votes = map[string]bool{r.id: true}
	r.resetElection(now)
	if len(r.votes) >= r.quorum() {
		r.becomeLeader(now)
		return
	}
	for _, p := range r.peers {
		r.send(Msg{Type: MsgVote, To: p, LastIndex: r.LastIndex(), LastTerm: r.termAt(r.LastIndex())})
	}
}

func (r *Raft) becomeLeader(now time.Duration) {
	r.role, r.leader, r.votes = Leader, r.id, nil
	r.electedAt = now
	r.progress = map[string]*progress{}
	for _, p := range r.peers {
		// sentAt in the past: the first append goes out at once.
		r.progress[p] = &progress{next: r.LastIndex() + 1, sentAt: now - r.cfg.Heartbeat, ackAt: now}
	}
	// An entry of the new term: once it commits, so has everything
	// before it (a leader commits only entries of its own term).
	r.log = append(r.log, Entry{Term: r.term})
	r.maybeCommit()
	r.broadcastAppend(now, true)
}

// Propose appends a command to the leader's log and returns its index, or
// false when this node is not the leader.
func (r *Raft) Propose(now time.Duration, data json.RawMessage) (int, bool) {
	if r.role != Leader {
		return 0, false
	}
	r.log = append(r.log, Entry{Term: r.term, Data: data})
	if !r.dirty && len(r.peers) > 0 {
		r.dirty, r.dirtyAt = true, now
	}
	r.maybeCommit() // a cluster of one commits alone
	return r.LastIndex(), true
}

// upToDate reports whether a log ending at (index, term) is at least as
// up to date as ours (§5.4.1).
func (r *Raft) upToDate(index, term int) bool {
	if r.bugs.anyLogVotes {
		return true
	}
	last := r.termAt(r.LastIndex())
	return term > last || (term == last && index >= r.LastIndex())
}

// inLease reports whether this node heard from a live leader less than
// ElectionMin ago, so that it must not help elect another.
func (r *Raft) inLease(now time.Duration) bool {
	switch r.role {
	case Leader:
		return true
	case Follower:
		return r.leader != "" && now-r.heardAt < r.cfg.ElectionMin
	}
	return false
}

// Step handles a message from a peer.
func (r *Raft) Step(now time.Duration, m Msg) {
	r.lastNow = now
	vote := m.Type == MsgPreVote || m.Type == MsgVote
	switch {
	case m.Term > r.term:
		if vote && r.inLease(now) {
			return // a leader is alive: ignore the candidate
		}
		if m.Type == MsgPreVote || (m.Type == MsgPreVoteOK && m.Granted) {
			break // a pre-vote does not change terms
		}
		leader := ""
		if m.Type == MsgAppend {
			leader = m.From
		}
		r.becomeFollower(now, m.Term, leader)
	case m.Term < r.term:
		switch m.Type {
		case MsgAppend:
			// Tell the stale leader about the new term.
			r.send(Msg{Type: MsgAppendOK, To: m.From, Stamp: m.Stamp})
		case MsgPreVote, MsgVote:
			r.send(Msg{Type: m.Type + "_ok", To: m.From})
		}
		return
	}
	switch m.Type {
	case MsgPreVote:
		ok := m.Term > r.term && !r.inLease(now) && r.upToDate(m.LastIndex, m.LastTerm)
		reply := Msg{Type: MsgPreVoteOK, To: m.From, Granted: ok}
		if ok {
			reply.Term = m.Term
		}
		r.send(reply)
	case MsgVote:
		ok := (r.votedFor == "" || r.votedFor == m.From) && r.upToDate(m.LastIndex, m.LastTerm)
		if ok {
			r.votedFor = m.From
			r.resetElection(now)
		}
		r.send(Msg{Type: MsgVoteOK, To: m.From, Granted: ok})
	case MsgPreVoteOK:
		if r.role == PreCandidate && m.Granted && m.Term == r.term+1 {
			r.votes[m.From] = true
			if len(r.votes) >= r.quorum() {
				r.campaign(now)
			}
		}
	case MsgVoteOK:
		if r.role == Candidate && m.Granted {
			r.votes[m.From] = true
			if len(r.votes) >= r.quorum() {
				r.becomeLeader(now)
			}
		}
	case MsgAppend:
		r.handleAppend(now, m)
	case MsgAppendOK:
		r.handleAppendOK(now, m)
	}
}

func (r *Raft) handleAppend(now time.Duration, m Msg) {
	if r.role != Follower || r.leader != m.From {
		r.becomeFollower(now, m.Term, m.From)
	}
	r.heardAt = now
	r.resetElection(now)
	reply := Msg{Type: MsgAppendOK, To: m.From, Stamp: m.Stamp}
	if m.Prev > r.LastIndex() {
		reply.Hint = r.LastIndex() + 1
		r.send(reply)
		return
	}
	if t := r.termAt(m.Prev); t != m.PrevTerm {
		// Back off past the whole conflicting term at once.
		i := m.Prev
		for i > r.commit+1 && r.termAt(i-1) == t {
			i--
		}
		reply.Hint = max(i, 1)
		r.send(reply)
		return
	}
	for k, e := range m.Entries {
		i := m.Prev + 1 + k
		if i <= r.LastIndex() {
			if r.log[i].Term == e.Term {
				continue
			}
			if r.bugs.noTruncate {
				continue
			}
			r.log = r.log[:i] // a conflict: drop our suffix
		}
		r.log = append(r.log, m.Entries[k:]...)
		break
	}
	match := m.Prev + len(m.Entries)
	if c := min(m.Commit, match); c > r.commit {
		r.commit = c
	}
	reply.Success, reply.Match = true, match
	r.send(reply)
}

func (r *Raft) handleAppendOK(now time.Duration, m Msg) {
	if r.role != Leader {
		return
	}
	p := r.progress[m.From]
	if p == nil {
		return
	}
	p.ackStamp = max(p.ackStamp, m.Stamp)
	p.ackAt = now
	if m.Success {
		if m.Match > p.match {
			p.match = m.Match
			r.maybeCommit()
		}
		p.next = max(p.next, p.match+1)
		if p.next <= r.LastIndex() {
			r.sendAppend(now, m.From, p) // the rest, at once
		}
		return
	}
	if m.Hint > 0 {
		p.next = max(p.match+1, min(p.next, m.Hint))
		p.probe = true
		r.sendAppend(now, m.From, p)
	}
}

// maybeCommit advances the commit index to the highest entry a majority
// holds, if that entry is of the current term (Figure 8: counting replicas
// never commits a previous term's entry; it commits with the first entry
// of the current term above it).
func (r *Raft) maybeCommit() {
	var buf [8]int64
	matches := append(buf[:0], int64(r.LastIndex()))
	for _, p := range r.progress {
		matches = append(matches, int64(p.match))
	}
	n := int(r.nthLargest(matches))
	if n > r.commit && (r.termAt(n) == r.term || r.bugs.commitOldTerm) {
		r.commit = n
	}
}

// broadcastAppend sends what each peer lacks; with force, to every peer.
func (r *Raft) broadcastAppend(now time.Duration, force bool) {
	for _, p := range r.peers {
		if force || r.progress[p].next <= r.LastIndex() {
			r.sendAppend(now, p, r.progress[p])
		}
	}
	r.dirty = false
}

func (r *Raft) sendAppend(now time.Duration, to string, p *progress) {
	prev := min(p.next-1, r.LastIndex())
	end := r.LastIndex()
	if r.cfg.MaxEntries > 0 {
		end = min(end, prev+r.cfg.MaxEntries)
	}
	var entries []Entry
	if end > prev {
		entries = slices.Clone(r.log[prev+1 : end+1])
	}
	r.send(Msg{Type: MsgAppend, To: to, Prev: prev, PrevTerm: r.termAt(prev), Entries: entries,
		Commit: r.commit, Stamp: int64(now)})
	p.next = end + 1 // optimistic: a refusal moves it back
	p.sentAt = now
	p.probe = false
}

// Tick lets time pass: elections start, batches and heartbeats go out, a
// leader that lost touch with a majority steps down.
func (r *Raft) Tick(now time.Duration) {
	r.lastNow = now
	if r.campaignSoon {
		r.campaignSoon = false
		r.Campaign(now)
	}
	if r.role != Leader {
		if now >= r.electionAt && !r.manual && !(r.bugs.followForever && r.leader != "") {
			r.preVote(now)
		}
		return
	}
	if now-r.quorumStamp(now) >= r.cfg.ElectionMax && now-r.electedAt >= r.cfg.ElectionMax {
		r.becomeFollower(now, r.term, "")
		return
	}
	flush := r.dirty && now >= r.dirtyAt+r.cfg.Batch
	for _, id := range r.peers {
		p := r.progress[id]
		if r.silent(now, p) {
			// Probably cut off: a probe now and then, nothing more.
			if now-p.sentAt >= 2*r.cfg.Heartbeat {
				r.sendAppend(now, id, p)
			}
			continue
		}
		switch {
		case flush && p.next <= r.LastIndex(), p.probe, now-p.sentAt >= r.cfg.Heartbeat:
			r.sendAppend(now, id, p)
		}
	}
	if flush {
		r.dirty = false
	}
}

// silent reports whether a peer has not answered for ElectionMin.
func (r *Raft) silent(now time.Duration, p *progress) bool {
	return now-p.ackAt >= r.cfg.ElectionMin
}

// quorumStamp returns the newest time a majority (this leader included)
// has confirmed: every one of them received a message sent at or after it.
func (r *Raft) quorumStamp(now time.Duration) time.Duration {
	var buf [8]int64
	stamps := append(buf[:0], int64(now))
	for _, p := range r.progress {
		stamps = append(stamps, p.ackStamp)
	}
	return time.Duration(r.nthLargest(stamps))
}

// nthLargest returns the quorum-th largest of vs: a value that a majority
// has reached. It reorders vs.
func (r *Raft) nthLargest(vs []int64) int64 {
	slices.Sort(vs)
	return vs[len(vs)-r.quorum()]
}

// Next returns when Tick next has something to do.
func (r *Raft) Next() time.Duration {
	if r.role != Leader && r.manual {
		return r.lastNow + 5*time.Millisecond
	}
	if r.role != Leader {
		return r.electionAt
	}
	next := time.Duration(math.MaxInt64)
	if len(r.peers) > 0 {
		// The step-down check: this leader counts as always fresh.
		next = max(r.quorumStamp(math.MaxInt64), r.electedAt) + r.cfg.ElectionMax
	}
	if r.dirty {
		next = min(next, r.dirtyAt+r.cfg.Batch)
	}
	for _, p := range r.progress {
		switch {
		case p.probe:
			next = 0
		case r.silent(r.lastNow, p):
			next = min(next, max(p.sentAt+2*r.cfg.Heartbeat, p.ackAt+r.cfg.ElectionMin))
		default:
			next = min(next, p.sentAt+r.cfg.Heartbeat)
		}
	}
	return next
}

// LeaseRead reports whether the leader may answer a read from its state
// now without asking anyone: it holds a lease (a majority heard from it
// less than ElectionMin − LeaseMargin ago, and those nodes ignore
// candidates for ElectionMin after hearing from it), and it has committed
// and applied an entry of its own term, so its state includes every
// acknowledged write.
func (r *Raft) LeaseRead(now time.Duration) bool {
	if r.role != Leader || r.termAt(r.commit) != r.term || r.applied < r.commit {
		return false
	}
	if r.bugs.noLease {
		return true
	}
	if len(r.peers) == 0 {
		return true
	}
	return now < r.quorumStamp(now)+r.cfg.ElectionMin-r.cfg.LeaseMargin
}

// Ready returns the messages to send and the newly committed entries, and
// forgets them: the caller must send and apply them.
func (r *Raft) Ready() ([]Msg, []Committed) {
	msgs := r.msgs
	r.msgs = nil
	var done []Committed
	for r.applied < r.commit {
		r.applied++
		done = append(done, Committed{Index: r.applied, Entry: r.log[r.applied]})
	}
	return msgs, done
}
