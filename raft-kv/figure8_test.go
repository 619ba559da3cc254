package main

import (
	"fmt"
	"time"

	"github.com/glomers/glomers/internal/checker/linearizable"
	"github.com/glomers/glomers/internal/history"
	"github.com/glomers/glomers/internal/network"
)

// figure8 plays Figure 8 of the Raft paper on five nodes with a client,
// elections started by hand (S1…S5 are n0…n4):
//
//	(a) S1 leads; a write of 0 commits everywhere; S1 is cut off with S2
//	    and appends a write of 1 at index 3, which only S2 gets.
//	(b) S5 is elected by S3 and S4 and appends its own entry at index 3;
//	    it is cut off before anyone gets it.
//	(c) S1 is elected again (term 3 of the paper's 4) and replicates
//	    index 3 to S3: a majority holds the write of 1. S1 is cut off
//	    before its own new entry reaches a majority.
//	(d) S5 is elected by S3 and S4 (its last term is newer than theirs)
//	    and replaces index 3 with its entry. A client reads the key.
//
// A leader that counted replicas in (c) acknowledged the write of 1, and
// the read of 0 in (d) shows it lost: the checker finds the history not
// linearizable. With the rule, the write stays unacknowledged and the
// history is valid. One entry per append (MaxEntries 1) makes (c)
// replicate index 3 alone, as in the paper.
func figure8(seed uint64, b bugs) (bool, string) {
	cfg := simRaft
	cfg.MaxEntries, cfg.Batch = 1, 0
	lat := network.Latency{Mean: time.Duration(1+seed%10) * time.Millisecond, Dist: network.Constant}
	c := newCluster(seed, simConfig{nodes: 5, concurrency: 5, latency: lat, raft: cfg, bugs: b, manual: true})
	c.timeout = 10 * time.Second // the write of 1 waits through (a)–(c)
	s1, s5 := c.servers["n0"].raft, c.servers["n4"].raft
	elect := func(r *Raft) bool {
		for i := 0; i < 20 && r.Role() != Leader; i++ {
			r.Campaign(c.now)
			c.send(r.ID(), c.servers[r.ID()].Tick(c.now)) // hand over its messages
			c.run(c.now + 100*time.Millisecond)
		}
		c.logf("%s elected: %v (term %d)", r.ID(), r.Role() == Leader, r.Term())
		return r.Role() == Leader
	}
	do := func(client int, f history.Keyword, v any) {
		cl := c.clients[client]
		cl.script = append(cl.script, history.Op{F: f, Value: []any{int64(0), v}})
		cl.nextAt = c.now
	}
	if !elect(s1) {
		return judge(c, "(a) S1 was not elected")
	}
	do(0, linearizable.Write, int64(0))
	c.run(c.now + 500*time.Millisecond)
	c.partition([]string{"n0", "n1"}, []string{"n2", "n3", "n4"})
	do(0, linearizable.Write, int64(1))
	c.run(c.now + 50*time.Millisecond)
	write1 := s1.LastIndex()

	// (b) S5 wins S3 and S4 once they stop hearing from S1, and is cut
	// off as soon as it leads.
	c.partition([]string{"n0"}, []string{"n1"}, []string{"n2", "n3", "n4"})
	c.run(c.now + 400*time.Millisecond)
	c.after = func(c *cluster) {
		if s5.Role() == Leader {
			c.partition([]string{"n0", "n1", "n2", "n3"}, []string{"n4"})
			c.after = nil
		}
	}
	if !elect(s5) {
		return judge(c, "(b) S5 was not elected")
	}
	if c.after != nil {
		return judge(c, "(b) S5 was not cut off")
	}
	c.run(c.now + 400*time.Millisecond)

	// (c) S1 leads again; it is cut off once S3 or S4 holds index 3.
	c.after = func(c *cluster) {
		if s1.Role() != Leader {
			return
		}
		for _, p := range []string{"n2", "n3"} {
			if s1.progress[p].match >= write1 {
				c.partition([]string{"n0"}, []string{"n1", "n2", "n3", "n4"})
				c.logf("S1 cut off, commit index %d, index %d on %s", s1.CommitIndex(), write1, p)
				c.after = nil
				return
			}
		}
	}
	if !elect(s1) {
		return judge(c, "(c) S1 was not elected again")
	}
	c.run(c.now + 400*time.Millisecond)
	if c.after != nil {
		return judge(c, "(c) S1 never replicated index 3")
	}

	// (d) S5 is elected by S3 and S4 and overwrites index 3.
	if !elect(s5) {
		return judge(c, "(d) S5 was not elected again")
	}
	c.run(c.now + 300*time.Millisecond)
	do(4, linearizable.Read, nil)
	c.run(c.now + 500*time.Millisecond)
	if n := c.oks(0, c.now, linearizable.Read); n != 1 {
		return judge(c, fmt.Sprintf("(d) the read did not succeed (%d ok reads)", n))
	}
	return judge(c, "")
}
