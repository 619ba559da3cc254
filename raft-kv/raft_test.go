package main

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"testing"
	"time"
)

// testRaftConfig has round numbers and no batching.
var testRaftConfig = RaftConfig{
	Heartbeat:   100 * time.Millisecond,
	ElectionMin: 300 * time.Millisecond,
	ElectionMax: 600 * time.Millisecond,
	LeaseMargin: 50 * time.Millisecond,
	MaxEntries:  100,
}

// group is a few Raft nodes whose messages the test delivers by hand.
type group struct {
	t     *testing.T
	nodes map[string]*Raft
	ids   []string
	// cut[a][b] drops messages from a to b.
	cut map[string]map[string]bool
}

func newGroup(t *testing.T, n int) *group {
	g := &group{t: t, nodes: map[string]*Raft{}, cut: map[string]map[string]bool{}}
	for i := 1; i <= n; i++ {
		g.ids = append(g.ids, fmt.Sprintf("n%d", i))
	}
	for i, id := range g.ids {
		g.nodes[id] = NewRaft(id, g.ids, testRaftConfig, rand.New(rand.NewPCG(uint64(i), 1)), 0)
	}
	return g
}

// isolate cuts id off from every other node, both ways.
func (g *group) isolate(id string) {
	for _, o := range g.ids {
		if o != id {
			g.block(id, o)
			g.block(o, id)
		}
	}
}

func (g *group) block(from, to string) {
	if g.cut[from] == nil {
		g.cut[from] = map[string]bool{}
	}
	g.cut[from][to] = true
}

func (g *group) heal() { g.cut = map[string]map[string]bool{} }

// settle delivers messages at time now until none are left, and returns
// how many were delivered.
func (g *group) settle(now time.Duration) int {
	n := 0
	for round := 0; ; round++ {
		if round > 1000 {
			g.t.Fatal("messages never stop")
		}
		var msgs []Msg
		for _, id := range g.ids {
			ms, _ := g.nodes[id].Ready()
			msgs = append(msgs, ms...)
		}
		if len(msgs) == 0 {
			return n
		}
		for _, m := range msgs {
			if !g.cut[m.From][m.To] {
				n++
				g.nodes[m.To].Step(now, m)
			}
		}
	}
}

// elect makes id the leader at time now.
func (g *group) elect(id string, now time.Duration) *Raft {
	g.t.Helper()
	r := g.nodes[id]
	r.Campaign(now)
	g.settle(now)
	if r.Role() != Leader {
		g.t.Fatalf("%s is %s in term %d, want leader", id, r.Role(), r.Term())
	}
	return r
}

func (g *group) propose(id string, now time.Duration, data string) int {
	g.t.Helper()
	i, ok := g.nodes[id].Propose(now, json.RawMessage(data))
	if !ok {
		g.t.Fatalf("%s refused a proposal", id)
	}
	g.nodes[id].Tick(now)
	return i
}

func TestElectionAfterTimeout(t *testing.T) {
	g := newGroup(t, 3)
	for now := time.Duration(0); now < 3*time.Second; now += 10 * time.Millisecond {
		for _, id := range g.ids {
			g.nodes[id].Tick(now)
		}
		g.settle(now)
	}
	leaders := 0
	for _, id := range g.ids {
		r := g.nodes[id]
		if r.Role() == Leader {
			leaders++
		}
		if r.Leader() == "" && r.Role() != Leader {
			// A node that voted learns the leader from its first append.
			t.Errorf("%s knows no leader after the election", id)
		}
	}
	if leaders != 1 {
		t.Fatalf("%d leaders, want 1", leaders)
	}
}

func TestSingleNodeCommitsAlone(t *testing.T) {
	r := NewRaft("n1", []string{"n1"}, testRaftConfig, rand.New(rand.NewPCG(1, 1)), 0)
	r.Tick(testRaftConfig.ElectionMax)
	if r.Role() != Leader {
		t.Fatalf("role %s, want leader", r.Role())
	}
	i, _ := r.Propose(time.Second, json.RawMessage(`1`))
	msgs, done := r.Ready()
	if len(msgs) != 0 || len(done) != 2 || done[1].Index != i {
		t.Errorf("msgs %v, committed %v: want no messages and the no-op and entry %d committed", msgs, done, i)
	}
	if !r.LeaseRead(time.Second) {
		t.Error("a single node should read without a lease")
	}
	if next := r.Next(); next <= time.Second {
		t.Errorf("next deadline %v of an idle single node, want none soon", next)
	}
}

func TestVoteRules(t *testing.T) {
	tests := []struct {
		name    string
		setup   func(r *Raft)
		msg     Msg
		bugs    bugs
		granted bool
		silent  bool // no answer at all
	}{
		{name: "fresh vote", msg: Msg{Type: MsgVote, Term: 2, LastIndex: 1, LastTerm: 1}, granted: true},
		{name: "longer log of the same last term", msg: Msg{Type: MsgVote, Term: 2, LastIndex: 5, LastTerm: 1}, granted: true},
		{name: "shorter log", msg: Msg{Type: MsgVote, Term: 2, LastIndex: 0, LastTerm: 0}},
		{name: "shorter log, broken rule", msg: Msg{Type: MsgVote, Term: 2, LastIndex: 0, LastTerm: 0}, bugs: bugs{anyLogVotes: true}, granted: true},
		{name: "older last term", msg: Msg{Type: MsgVote, Term: 3, LastIndex: 9, LastTerm: 0}},
		{name: "already voted for another", setup: func(r *Raft) { r.term, r.votedFor = 2, "n3" },
			msg: Msg{Type: MsgVote, Term: 2, LastIndex: 1, LastTerm: 1}},
		{name: "same candidate again", setup: func(r *Raft) { r.term, r.votedFor = 2, "n2" },
			msg: Msg{Type: MsgVote, Term: 2, LastIndex: 1, LastTerm: 1}, granted: true},
		{name: "stale term", setup: func(r *Raft) { r.term = 4 }, msg: Msg{Type: MsgVote, Term: 3, LastIndex: 1, LastTerm: 1}},
		{name: "leader alive: ignored", setup: func(r *Raft) { r.leader, r.heardAt = "n3", 900*time.Millisecond },
			msg: Msg{Type: MsgVote, Term: 2, LastIndex: 1, LastTerm: 1}, silent: true},
		{name: "leader silent for ElectionMin", setup: func(r *Raft) { r.leader, r.heardAt = "n3", 700*time.Millisecond },
			msg: Msg{Type: MsgVote, Term: 2, LastIndex: 1, LastTerm: 1}, granted: true},
		{name: "pre-vote does not change the term", msg: Msg{Type: MsgPreVote, Term: 2, LastIndex: 1, LastTerm: 1}, granted: true},
		{name: "pre-vote, leader alive", setup: func(r *Raft) { r.leader, r.heardAt = "n3", 900*time.Millisecond },
			msg: Msg{Type: MsgPreVote, Term: 2, LastIndex: 1, LastTerm: 1}, silent: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := NewRaft("n1", []string{"n1", "n2", "n3"}, testRaftConfig, rand.New(rand.NewPCG(1, 1)), 0)
			r.term, r.log = 1, []Entry{{}, {Term: 1}}
			r.bugs = tt.bugs
			if tt.setup != nil {
				tt.setup(r)
			}
			term := r.term
			m := tt.msg
			m.From, m.To = "n2", "n1"
			r.Step(time.Second, m)
			msgs, _ := r.Ready()
			if tt.silent {
				if len(msgs) != 0 || r.term != term {
					t.Fatalf("answered %+v, term %d→%d; want the request ignored", msgs, term, r.term)
				}
				return
			}
			if len(msgs) != 1 || msgs[0].To != "n2" {
				t.Fatalf("answered %+v, want one answer to n2", msgs)
			}
			if msgs[0].Granted != tt.granted {
				t.Errorf("granted %v, want %v", msgs[0].Granted, tt.granted)
			}
			if m.Type == MsgPreVote && (r.term != term || r.votedFor != "") {
				t.Errorf("a pre-vote moved the term to %d, vote %q", r.term, r.votedFor)
			}
		})
	}
}

// TestIsolatedNodeKeepsItsTerm: a node cut off keeps failing pre-votes, so
// its term stays put and it does not depose the leader when it returns.
func TestIsolatedNodeKeepsItsTerm(t *testing.T) {
	g := newGroup(t, 3)
	leader := g.elect("n1", 0)
	term := leader.Term()
	g.isolate("n3")
	for now := time.Duration(0); now < 10*time.Second; now += 50 * time.Millisecond {
		for _, id := range g.ids {
			g.nodes[id].Tick(now)
		}
		g.settle(now)
	}
	if got := g.nodes["n3"].Term(); got != term {
		t.Errorf("isolated n3 is at term %d, want %d", got, term)
	}
	g.heal()
	now := 10 * time.Second
	for i := 0; i < 10; i++ {
		now += 50 * time.Millisecond
		for _, id := range g.ids {
			g.nodes[id].Tick(now)
		}
		g.settle(now)
	}
	if leader.Role() != Leader || leader.Term() != term {
		t.Errorf("n1 is %s in term %d, want still leader in term %d", leader.Role(), leader.Term(), term)
	}
	if got := g.nodes["n3"].Leader(); got != "n1" {
		t.Errorf("n3 follows %q, want n1", got)
	}
}

// TestLogRepair: a follower holding entries of a term the others never
// saw drops them and takes the leader's, with back-off by whole terms.
func TestLogRepair(t *testing.T) {
	for _, broken := range []bool{false, true} {
		t.Run(fmt.Sprintf("noTruncate=%v", broken), func(t *testing.T) {
			g := newGroup(t, 3)
			g.elect("n1", 0)
			g.propose("n1", 0, `"a"`)
			g.settle(0)
			// n1 appends three entries nobody sees, then loses its leadership.
			g.isolate("n1")
			for _, v := range []string{`"x1"`, `"x2"`, `"x3"`} {
				g.propose("n1", 0, v)
			}
			g.settle(0)
			now := time.Second
			g.elect("n2", now)
			g.propose("n2", now, `"b"`)
			g.settle(now)
			g.heal()
			g.nodes["n1"].bugs.noTruncate = broken
			now += 100 * time.Millisecond
			g.nodes["n2"].Tick(now)
			g.settle(now)
			want := logData(g.nodes["n2"])
			got := logData(g.nodes["n1"])
			if broken {
				if got == want {
					t.Fatalf("with noTruncate n1's log %s equals the leader's: the broken rule went unnoticed", got)
				}
				return
			}
			if got != want {
				t.Errorf("n1's log %s, want the leader's %s", got, want)
			}
			if c := g.nodes["n1"].CommitIndex(); c != g.nodes["n2"].LastIndex() {
				t.Errorf("n1 commit %d, want %d", c, g.nodes["n2"].LastIndex())
			}
		})
	}
}

func logData(r *Raft) string {
	s := ""
	for _, e := range r.log[1:] {
		s += fmt.Sprintf("%d:%s ", e.Term, e.Data)
	}
	return s
}

// TestFigure8 is the situation of Figure 8 of the Raft paper, (c): a
// leader of term 4 holds an entry of term 2 that is on a majority
// because it just replicated it. It must not commit it by counting
// replicas, because a node whose log ends in term 3 could still be elected
// and overwrite it (d); only an entry of term 4 on a majority commits it.
func TestFigure8(t *testing.T) {
	for _, broken := range []bool{false, true} {
		t.Run(fmt.Sprintf("commitOldTerm=%v", broken), func(t *testing.T) {
			r := NewRaft("n1", []string{"n1", "n2", "n3", "n4", "n5"}, testRaftConfig, rand.New(rand.NewPCG(1, 1)), 0)
			r.bugs.commitOldTerm = broken
			// n1's log: [1] term 1, [2] term 2; it becomes leader of term 4
			// and appends its own entry [3] of term 4.
			r.log = []Entry{{}, {Term: 1}, {Term: 2, Data: json.RawMessage(`"old"`)}}
			r.term, r.commit = 3, 1
			r.becomeLeader(0)
			r.term = 4
			r.log[3].Term = 4
			r.Ready()
			// n2 and n3 acknowledge up to [2]: a majority holds the term-2 entry.
			for _, p := range []string{"n2", "n3"} {
				r.Step(0, Msg{Type: MsgAppendOK, From: p, To: "n1", Term: 4, Success: true, Match: 2})
			}
			if broken != (r.CommitIndex() == 2) {
				t.Fatalf("commit index %d after a majority holds the term-2 entry (broken rule %v)", r.CommitIndex(), broken)
			}
			// Once the term-4 entry is on a majority, both commit.
			for _, p := range []string{"n2", "n3"} {
				r.Step(0, Msg{Type: MsgAppendOK, From: p, To: "n1", Term: 4, Success: true, Match: 3})
			}
			if r.CommitIndex() != 3 {
				t.Errorf("commit index %d, want 3", r.CommitIndex())
			}
		})
	}
}

func TestLeaseAndStepDown(t *testing.T) {
	g := newGroup(t, 3)
	leader := g.elect("n1", 0)
	if leader.LeaseRead(0) {
		// Just elected: the no-op committed and the stamps came back at
		// the same instant, so the lease holds.
	} else {
		t.Fatal("no lease right after a full round of acknowledgements")
	}
	cfg := testRaftConfig
	if leader.LeaseRead(cfg.ElectionMin - cfg.LeaseMargin) {
		t.Error("the lease outlived ElectionMin − LeaseMargin without acknowledgements")
	}
	g.isolate("n1")
	for now := time.Duration(0); now <= cfg.ElectionMax; now += 10 * time.Millisecond {
		leader.Tick(now)
		g.settle(now)
	}
	if leader.Role() == Leader {
		t.Errorf("n1 still leads after ElectionMax without hearing from a majority")
	}
}

func TestFollowerRefusesStaleLeader(t *testing.T) {
	r := NewRaft("n1", []string{"n1", "n2", "n3"}, testRaftConfig, rand.New(rand.NewPCG(1, 1)), 0)
	r.term = 5
	r.Step(0, Msg{Type: MsgAppend, From: "n2", To: "n1", Term: 4, Stamp: 7})
	msgs, _ := r.Ready()
	if len(msgs) != 1 || msgs[0].Term != 5 || msgs[0].Success {
		t.Fatalf("answered %+v, want a refusal carrying term 5", msgs)
	}
	// The stale leader steps down on it.
	old := NewRaft("n2", []string{"n1", "n2", "n3"}, testRaftConfig, rand.New(rand.NewPCG(1, 1)), 0)
	old.term = 3
	old.becomeLeader(0)
	old.term = 4
	m := msgs[0]
	m.To = "n2"
	old.Step(0, m)
	if old.Role() != Follower || old.Term() != 5 {
		t.Errorf("stale leader is %s in term %d, want follower in term 5", old.Role(), old.Term())
	}
}
