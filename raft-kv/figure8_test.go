package main

import (
	"fmt"
	"time"

	"github.com/glomers/glomers/internal/checker/linearizable"
	"github.com/glomers/glomers/internal/client"
	"github.com/glomers/glomers/internal/history"
	"github.com/glomers/glomers/internal/message"
	"github.com/glomers/glomers/internal/network"
)

// figure8 plays Figure 8 of the Raft paper on five nodes with a client,
// elections started by hand (S1…S5 are n0…n4), on the simulator:
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
	cfg := DefaultRaftConfig
	cfg.MaxEntries, cfg.Batch = 1, 0
	lat := network.Latency{Mean: time.Duration(1+seed%10) * time.Millisecond, Dist: network.Constant}
	c := newCluster(seed, simConfig{nodes: 5, latency: lat, raft: cfg, bugs: b, manual: true})
	s1, s5 := c.raft("n0"), c.raft("n4")
	elect := func(r *Raft) bool {
		for i := 0; i < 20 && r.Role() != Leader; i++ {
			r.campaignSoon = true
			c.RunUntil(c.Now() + 100*time.Millisecond)
		}
		return r.Role() == Leader
	}
	// The scripted operations, on key 0, each from its own client and
	// process; the history is judged by the lin-kv checker.
	var hist []history.Op
	do := func(id string, f history.Keyword, v any, timeout time.Duration) {
		inv := history.Op{Index: len(hist), Type: history.Invoke, Process: history.Process(len(hist)), F: f,
			Value: []any{int64(0), v}, Time: int64(c.Now())}
		hist = append(hist, inv)
		body := message.Body{"type": string(f), "key": 0}
		if f == linearizable.Write {
			body["value"] = v
		}
		c.Call(id, body, timeout, func(r message.Body, err error) {
			done := inv
			switch {
			case err != nil:
				done = client.Complete(inv, err, f == linearizable.Read)
			case f == linearizable.Read:
				done.Type, done.Value = history.OK, []any{int64(0), r["value"]}
			default:
				done.Type = history.OK
			}
			done.Index, done.Time = len(hist), int64(c.Now())
			hist = append(hist, done)
			c.logf("%s %v: %s", f, v, done.Type)
		})
	}
	// until runs f every 100 µs of virtual time until it returns true.
	var until func(f func() bool)
	until = func(f func() bool) {
		if !f() {
			c.At(c.Now()+100*time.Microsecond, func() { until(f) })
		}
	}
	judge := func(extra string) (bool, string) {
		c.RunUntil(c.Now() + 10*time.Second)
		return verdict(c, linearizable.Check(hist, 10*time.Second), extra)
	}

	// (a)
	if !elect(s1) {
		return judge("(a) S1 was not elected")
	}
	do("n0", linearizable.Write, int64(0), time.Second)
	c.RunUntil(c.Now() + 500*time.Millisecond)
	c.cut([]string{"n0", "n1"}, []string{"n2", "n3", "n4"})
	do("n0", linearizable.Write, int64(1), 10*time.Second) // waits through (a)–(c)
	c.RunUntil(c.Now() + 50*time.Millisecond)
	write1 := s1.LastIndex()

	// (b) S5 wins S3 and S4 once they stop hearing from S1, and is cut
	// off as soon as it leads.
	c.cut([]string{"n0"}, []string{"n1"}, []string{"n2", "n3", "n4"})
	c.RunUntil(c.Now() + 500*time.Millisecond)
	cutS5 := false
	until(func() bool {
		if s5.Role() == Leader {
			c.cut([]string{"n0", "n1", "n2", "n3"}, []string{"n4"})
			cutS5 = true
		}
		return cutS5
	})
	if !elect(s5) || !cutS5 {
		return judge("(b) S5 was not elected")
	}
	c.RunUntil(c.Now() + 500*time.Millisecond)

	// (c) S1 leads again; it is cut off once S3 or S4 holds index 3.
	cutS1 := false
	until(func() bool {
		if s1.Role() == Leader {
			for _, p := range []string{"n2", "n3"} {
				if s1.progress[p].match >= write1 {
					c.cut([]string{"n0"}, []string{"n1", "n2", "n3", "n4"})
					c.logf("S1 cut off: commit index %d, index %d on %s", s1.CommitIndex(), write1, p)
					cutS1 = true
					break
				}
			}
		}
		return cutS1
	})
	if !elect(s1) {
		return judge("(c) S1 was not elected again")
	}
	c.RunUntil(c.Now() + 500*time.Millisecond)
	if !cutS1 {
		return judge("(c) S1 never replicated index 3")
	}

	// (d) S5 is elected by S3 and S4 and overwrites index 3; a client
	// reads.
	if !elect(s5) {
		return judge("(d) S5 was not elected again")
	}
	c.RunUntil(c.Now() + 300*time.Millisecond)
	do("n4", linearizable.Read, nil, time.Second)
	c.RunUntil(c.Now() + time.Second)
	if got := hist[len(hist)-1]; got.F != linearizable.Read || got.Type != history.OK {
		return judge(fmt.Sprintf("(d) the read did not succeed: %v", got))
	}
	return judge("")
}
