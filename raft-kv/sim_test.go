package main

// Multi-node scenarios on the shared cluster simulator (internal/sim): the
// runner's network model and the real lin-kv workload under a virtual
// clock, every history judged by the real lin-kv checker, and Raft's state
// machine safety checked on the nodes' logs. A failing seed replays alone:
//
//	SIM_SEED=17 go test ./raft-kv -run 'TestScenarios/leader-loss$' -v

import (
	"flag"
	"fmt"
	"math/rand/v2"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/glomers/glomers/internal/checker"
	"github.com/glomers/glomers/internal/checker/linearizable"
	"github.com/glomers/glomers/internal/history"
	"github.com/glomers/glomers/internal/network"
	"github.com/glomers/glomers/internal/sim"
	"github.com/glomers/glomers/internal/workload"
	"github.com/glomers/glomers/internal/workload/linkv"
	"github.com/glomers/glomers/node"
)

var seedCount = flag.Int("seeds", 100, "how many seeds each scenario runs")

// cluster is one simulated run of raft-kv.
type cluster struct {
	*sim.Cluster
	seed  uint64
	trace []string // role changes and faults, for a failing seed
}

// simConfig sets up a cluster.
type simConfig struct {
	nodes   int
	latency network.Latency
	raft    RaftConfig
	bugs    bugs
	manual  bool
}

// randomLatency is the network of the random scenarios: exponential with
// a mean of 5 ms, so messages overtake each other.
var randomLatency = network.Latency{Mean: 5 * time.Millisecond, Dist: network.Exponential}

func newCluster(seed uint64, sc simConfig) *cluster {
	cfg := DefaultConfig
	cfg.Raft = sc.raft
	if sc.bugs.noRelay {
		cfg.RelayAfter = 0
	}
	c := &cluster{seed: seed}
	newCore := func(id string, ids []string) node.Core {
		n := NewNode(cfg, seed)(id, ids).(*Node)
		n.s.raft.bugs, n.s.raft.manual = sc.bugs, sc.manual
		n.s.onChange = func(_ time.Duration, r *Raft) { c.logf("%s is %s in term %d", id, r.Role(), r.Term()) }
		return n
	}
	c.Cluster = sim.New(sim.Config{
		Nodes: sc.nodes, New: newCore, Latency: sc.latency, Services: []string{}, Seed: seed,
		Workload: linkv.Workload(), Options: workload.Options{Concurrency: 4 * sc.nodes},
	})
	c.Init()
	c.RunUntil(time.Millisecond)
	return c
}

func (c *cluster) logf(format string, a ...any) {
	c.trace = append(c.trace, fmt.Sprintf("%8v ", c.Now().Round(time.Millisecond))+fmt.Sprintf(format, a...))
}

func (c *cluster) raft(id string) *Raft {
	if n, ok := c.Core(id).(*Node); ok {
		return n.s.raft
	}
	return nil
}

// leader returns the node that leads the highest term, if any.
func (c *cluster) leader() string {
	best, term := "", -1
	for _, id := range c.IDs() {
		if r := c.raft(id); r != nil && r.Role() == Leader && r.Term() > term {
			best, term = id, r.Term()
		}
	}
	return best
}

// cut heals the network, then cuts the given groups from each other.
func (c *cluster) cut(groups ...[]string) {
	c.Heal()
	c.Isolate(groups...)
	c.logf("partition %v", groups)
}

func (c *cluster) isolate(id string) { c.cut([]string{id}, others(c.IDs(), id)) }

func (c *cluster) heal() {
	c.Heal()
	c.logf("heal")
}

// cutOff isolates id for d, then heals and runs for rest.
func (c *cluster) cutOff(id string, d, rest time.Duration) {
	c.isolate(id)
	c.RunUntil(c.Now() + d)
	c.heal()
	c.RunUntil(c.Now() + rest)
}

func others(ids []string, not ...string) []string {
	var out []string
	for _, id := range ids {
		if !slices.Contains(not, id) {
			out = append(out, id)
		}
	}
	return out
}

// oks counts the client operations of function f (any when "") that
// completed :ok between from and to.
func (c *cluster) oks(from, to time.Duration, fs ...history.Keyword) int {
	n := 0
	for _, op := range c.History() {
		if op.Type == history.OK && op.IsClient() && (len(fs) == 0 || slices.Contains(fs, op.F)) &&
			op.Time >= int64(from) && op.Time < int64(to) {
			n++
		}
	}
	return n
}

// committedAgree checks Raft's state machine safety: any two nodes hold
// the same entries up to the lower of their commit indices.
func (c *cluster) committedAgree() string {
	ids := c.IDs()
	for i, a := range ids {
		for _, b := range ids[i+1:] {
			ra, rb := c.raft(a), c.raft(b)
			if ra == nil || rb == nil {
				continue
			}
			for k := 1; k <= min(ra.CommitIndex(), rb.CommitIndex()); k++ {
				ea, eb := ra.log[k], rb.log[k]
				if ea.Term != eb.Term || string(ea.Data) != string(eb.Data) {
					return fmt.Sprintf("committed entry %d differs: %s has term %d %s, %s has term %d %s",
						k, a, ea.Term, ea.Data, b, eb.Term, eb.Data)
				}
			}
		}
	}
	return ""
}

// judge ends the run as the runner does (heal, 10 s, no final reads for
// lin-kv) and returns the verdict: the lin-kv checker's, the cluster's
// own errors, Raft's safety, and extra, a liveness failure the scenario
// found.
func (c *cluster) judge(extra string) (bool, string) {
	if extra != "" {
		return false, explain(c, nil, extra) // no need to search the history
	}
	c.Final()
	return verdict(c, c.Check(), "")
}

func verdict(c *cluster, res checker.Result, extra string) (bool, string) {
	why := extra
	switch {
	case res.Validity() != checker.Valid:
		why = "the lin-kv checker says " + res.Validity().String()
	case len(c.Errors()) > 0:
		why = "cluster errors: " + strings.Join(c.Errors(), "; ")
	case why == "":
		why = c.committedAgree()
	}
	if why == "" {
		return true, ""
	}
	return false, explain(c, res, why)
}

// explain describes a failure for a person: which key, which operation,
// and what the cluster did last.
func explain(c *cluster, res checker.Result, why string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "seed %d: %s\n", c.seed, why)
	if lin, ok := res.(linearizable.Result); ok {
		for _, k := range lin.Failures {
			a := lin.Results[k].Linearizable
			fmt.Fprintf(&b, "  key %d is not linearizable: %d ops linearize", k, a.Linearized)
			if a.PreviousOK != nil {
				fmt.Fprintf(&b, " up to op %d", a.PreviousOK.Index)
			}
			if a.Op != nil {
				fmt.Fprintf(&b, "; no order admits op %d (process %v %s %s %s at %v)", a.Op.Index, a.Op.Process,
					a.Op.Type, a.Op.F, history.Readable(a.Op.Value), time.Duration(a.Op.Time).Round(time.Millisecond))
			}
			b.WriteString("\n")
		}
	}
	b.WriteString("  the cluster's last events:\n")
	tail := c.trace[max(0, len(c.trace)-40):]
	for _, l := range tail {
		b.WriteString("    " + l + "\n")
	}
	return b.String()
}

// scenario is one classic situation over many seeds. bug is a broken rule
// that must make some seed fail.
type scenario struct {
	name string
	bug  bugs
	run  func(seed uint64, b bugs) (ok bool, why string)
}

// leaderLoss cuts the leader off three times; each time the other two
// elect a new leader and serve writes within 2 s.
func leaderLoss(seed uint64, b bugs) (bool, string) {
	c := newCluster(seed, simConfig{nodes: 3, latency: randomLatency, raft: DefaultRaftConfig, bugs: b})
	c.Start(30, 20*time.Second)
	c.RunUntil(c.Now() + 2*time.Second)
	for i := 0; i < 3; i++ {
		old := c.leader()
		if old == "" {
			return c.judge("no leader before the cut")
		}
		c.isolate(old)
		cut := c.Now()
		c.RunUntil(cut + 4*time.Second)
		if c.oks(cut+2*time.Second, c.Now(), linearizable.Write, linearizable.CAS) == 0 {
			return c.judge(fmt.Sprintf("no write or cas succeeded from 2 s to 4 s after %s, the leader, was cut off", old))
		}
		c.heal()
		c.RunUntil(c.Now() + 2*time.Second)
	}
	return c.judge("")
}

// partitionedOldLeader cuts the leader off while its clients keep asking
// it: it must stop serving reads before the others elect a new leader and
// write.
func partitionedOldLeader(seed uint64, b bugs) (bool, string) {
	c := newCluster(seed, simConfig{nodes: 3, latency: randomLatency, raft: DefaultRaftConfig, bugs: b})
	c.Start(60, 18*time.Second)
	c.RunUntil(c.Now() + 2*time.Second)
	for i := 0; i < 4; i++ {
		if old := c.leader(); old != "" {
			c.cutOff(old, 3*time.Second, time.Second)
		} else {
			c.RunUntil(c.Now() + time.Second)
		}
	}
	return c.judge("")
}

// logDivergence cuts the leader off while its clients keep writing to
// it, so its log grows a suffix nobody else has; after the heal that
// suffix must give way to the new leader's entries. Then the new leader is
// cut off, so the old one may lead again.
func logDivergence(seed uint64, b bugs) (bool, string) {
	c := newCluster(seed, simConfig{nodes: 3, latency: randomLatency, raft: DefaultRaftConfig, bugs: b})
	c.Start(60, 24*time.Second)
	c.RunUntil(c.Now() + 2*time.Second)
	for i := 0; i < 4; i++ {
		old := c.leader()
		if old == "" {
			c.RunUntil(c.Now() + time.Second)
			continue
		}
		c.cutOff(old, 2*time.Second, time.Second)
		if now := c.leader(); now != "" && now != old {
			c.cutOff(now, 2*time.Second, time.Second)
		}
	}
	return c.judge("")
}

// healingPartitions draws a new cut every 0.5–2 s over five nodes (one
// node alone, two against three, a one-way cut, or none) for 20 s, then
// heals: the cluster must serve again.
func healingPartitions(seed uint64, b bugs) (bool, string) {
	c := newCluster(seed, simConfig{nodes: 5, latency: randomLatency, raft: DefaultRaftConfig, bugs: b})
	c.Start(50, 23*time.Second)
	rng := rand.New(rand.NewPCG(seed, 99))
	for end := c.Now() + 20*time.Second; c.Now() < end; {
		ids := c.IDs()
		rng.Shuffle(len(ids), func(i, j int) { ids[i], ids[j] = ids[j], ids[i] })
		switch rng.IntN(4) {
		case 0:
			c.heal()
		case 1:
			c.cut(ids[:1], ids[1:])
		case 2:
			c.cut(ids[:2], ids[2:])
		case 3:
			c.Heal()
			c.Partition(map[string][]string{ids[0]: ids[1:3]})
			c.logf("%s cannot hear %v", ids[0], ids[1:3])
		}
		c.RunUntil(c.Now() + time.Duration(500+rng.IntN(1500))*time.Millisecond)
	}
	c.heal()
	c.RunUntil(c.Now() + 3*time.Second)
	if c.oks(c.Now()-2*time.Second, c.Now()) == 0 {
		return c.judge("no operation succeeded in the 2 s after the last heal")
	}
	return c.judge("")
}

// majoritiesRing puts three nodes in a ring where each hears only one
// other (Jepsen's majorities-ring on three nodes), so no two talk both
// ways directly: first from the start, before any leader, then after a
// healthy spell. Relayed through the third node, a leader still commits.
func majoritiesRing(seed uint64, b bugs) (bool, string) {
	c := newCluster(seed, simConfig{nodes: 3, latency: randomLatency, raft: DefaultRaftConfig, bugs: b})
	c.Start(30, 20*time.Second)
	rings := []map[string][]string{
		{"n0": {"n1"}, "n1": {"n2"}, "n2": {"n0"}},
		{"n0": {"n2"}, "n1": {"n0"}, "n2": {"n1"}},
	}
	for _, ring := range rings {
		c.Heal()
		c.Partition(ring)
		c.logf("ring: each node drops %v", ring)
		cut := c.Now()
		c.RunUntil(cut + 8*time.Second)
		if n := c.oks(cut+3*time.Second, c.Now(), linearizable.Write, linearizable.CAS); n < 10 {
			return c.judge(fmt.Sprintf("only %d writes and cas succeeded from 3 s to 8 s into the ring partition", n))
		}
		c.heal()
		c.RunUntil(c.Now() + 2*time.Second)
	}
	return c.judge("")
}

var scenarios = []scenario{
	{name: "leader-loss", bug: bugs{followForever: true}, run: leaderLoss},
	{name: "partitioned-old-leader", bug: bugs{noLease: true}, run: partitionedOldLeader},
	{name: "figure-8", bug: bugs{commitOldTerm: true}, run: figure8},
	{name: "log-divergence", bug: bugs{noTruncate: true}, run: logDivergence},
	{name: "healing-partitions", bug: bugs{anyLogVotes: true}, run: healingPartitions},
	{name: "majorities-ring", bug: bugs{noRelay: true}, run: majoritiesRing},
}

func seedsToRun() int {
	if testing.Short() {
		return 20
	}
	return *seedCount
}

// TestScenarios runs every scenario over many seeds; each must hold on
// every one.
func TestScenarios(t *testing.T) {
	for _, sc := range scenarios {
		t.Run(sc.name, func(t *testing.T) {
			t.Parallel()
			sim.Seeds(t, seedsToRun(), func(t *testing.T, seed uint64) {
				if ok, why := sc.run(seed, bugs{}); !ok {
					t.Fatal(why)
				}
			})
		})
	}
}

// TestScenariosCatchBrokenRules runs each scenario on a Raft with one
// rule broken: some seed must fail.
func TestScenariosCatchBrokenRules(t *testing.T) {
	if os.Getenv(sim.SeedEnv) != "" {
		t.Skip("replaying one seed of TestScenarios")
	}
	for _, sc := range scenarios {
		t.Run(sc.name, func(t *testing.T) {
			t.Parallel()
			for seed := uint64(1); seed <= uint64(seedsToRun()); seed++ {
				if ok, why := sc.run(seed, sc.bug); !ok {
					t.Logf("caught %+v on seed %d:\n%s", sc.bug, seed, why)
					return
				}
			}
			t.Errorf("no seed failed with the broken rule %+v: the scenario cannot catch it", sc.bug)
		})
	}
}
