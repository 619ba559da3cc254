package main

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"github.com/glomers/glomers/internal/checker/setfull"
	"github.com/glomers/glomers/internal/history"
	"github.com/glomers/glomers/internal/message"
	"github.com/glomers/glomers/internal/network"
	"github.com/glomers/glomers/internal/sim"
	"github.com/glomers/glomers/internal/workload"
	"github.com/glomers/glomers/internal/workload/broadcast"
	"github.com/glomers/glomers/node"
)

// cluster returns a simulated cluster of n broadcast nodes running cfg.
func cluster(n int, lat network.Latency, cfg Config, seed uint64) *sim.Cluster {
	return sim.New(sim.Config{Nodes: n, New: NewNode(cfg), Latency: lat, Seed: seed, Workload: broadcast.Workload(),
		Options: broadcastOptions()})
}

func broadcastOptions() workload.Options { return workload.Options{Topology: "grid"} }

func constant(d time.Duration) network.Latency {
	return network.Latency{Mean: d, Dist: network.Constant}
}

// spread is what the journal says about how values spread.
type spread struct {
	ops       int           // client operations
	msgs      int           // messages between nodes
	median    time.Duration // from broadcast to every node holding the value
	worst     time.Duration
	maxBytes  int // largest message between nodes
	maxValues int // most values in one message
	lastSend  time.Duration
	unspread  int // values some node never received
	// born and held: when each value was broadcast, and when each node
	// first held it.
	born map[int64]time.Duration
	held map[int64]map[string]time.Duration
}

// reach returns, for the values broadcast to nodes other than skip in
// [from, to), the longest time until every node but skip held them.
func (s spread) reach(ids []string, skip string, from, to time.Duration) (worst time.Duration, n int) {
	for v, at := range s.born {
		if at < from || at >= to || s.held[v][skip] == at {
			continue
		}
		n++
		for _, id := range ids {
			h, ok := s.held[v][id]
			if id == skip {
				continue
			}
			if !ok {
				return time.Hour, n
			}
			worst = max(worst, h-at)
		}
	}
	return worst, n
}

// measure reads the spread of values from c's journal and history.
func measure(t testing.TB, c *sim.Cluster) spread {
	t.Helper()
	var s spread
	born := map[int64]time.Duration{}
	for _, op := range c.History() {
		if op.Type != history.Invoke {
			continue
		}
		s.ops++
		if op.F == broadcast.FBroadcast {
			born[op.Value.(int64)] = time.Duration(op.Time)
		}
	}
	ids := c.IDs()
	held := map[int64]map[string]time.Duration{} // value -> node -> first time held
	hold := func(v int64, id string, at time.Duration) {
		if held[v] == nil {
			held[v] = map[string]time.Duration{}
		}
		if _, ok := held[v][id]; !ok {
			held[v][id] = at
		}
	}
	for _, e := range c.Journal() {
		m := e.Message
		client := message.IsClient(m.Src)
		if e.Type == network.Send && !client && !message.IsClient(m.Dest) {
			s.msgs++
			s.maxBytes = max(s.maxBytes, len(m.Body))
			s.lastSend = e.Time
		}
		if e.Type != network.Recv {
			continue
		}
		if client {
			var b struct {
				Type    string `json:"type"`
				Message int64  `json:"message"`
			}
			if json.Unmarshal(m.Body, &b) == nil && b.Type == "broadcast" {
				hold(b.Message, m.Dest, e.Time)
			}
			continue
		}
		var g Gossip
		if err := json.Unmarshal(m.Body, &g); err != nil {
			t.Fatal(err)
		}
		n := 0
		for _, r := range g.Runs {
			n += len(r.Values)
			for _, v := range r.Values {
				hold(v, m.Dest, e.Time)
			}
		}
		s.maxValues = max(s.maxValues, n)
	}
	var ls []time.Duration
	for v, at := range born {
		if len(held[v]) < len(ids) {
			s.unspread++
			continue
		}
		var last time.Duration
		for _, h := range held[v] {
			last = max(last, h)
		}
		ls = append(ls, last-at)
	}
	if len(ls) > 0 {
		slices.Sort(ls)
		s.median, s.worst = ls[len(ls)/2], ls[len(ls)-1]
	}
	s.born, s.held = born, held
	return s
}

// TestSimHubCutOff isolates the hub for 10 s of a 3e run: the leaves
// route around it, and every value broadcast to a leaf meanwhile reaches
// every other leaf within 1 s.
func TestSimHubCutOff(t *testing.T) {
	for seed := uint64(1); seed <= 3; seed++ {
		t.Run(fmt.Sprint("seed", seed), func(t *testing.T) {
			c := cluster(25, constant(100*time.Millisecond), DefaultConfig, seed)
			var from, to time.Duration
			c.Test(100, 20*time.Second, func() {
				from, to = c.Now()+5*time.Second, c.Now()+15*time.Second
				c.At(from, func() { c.Isolate([]string{"n0"}, others(c.IDs(), "n0")) })
				c.At(to, c.Heal)
			})
			c.Verify(t)
			s := measure(t, c)
			worst, n := s.reach(c.IDs(), "n0", from, to)
			t.Logf("%d values broadcast to leaves while the hub was cut off: all other leaves had each within %v; run: %d ops, %d messages", n, worst, s.ops, s.msgs)
			if n < 300 || worst > time.Second {
				t.Errorf("%d values, slowest reached every leaf after %v, want within 1s", n, worst)
			}
		})
	}
}

// TestSimEfficient runs the 3d/3e workload: 25 nodes, 100 ms latency,
// 100 ops/s for 20 s, then the final phase.
func TestSimEfficient(t *testing.T) {
	for seed := uint64(1); seed <= 3; seed++ {
		t.Run(fmt.Sprint("seed", seed), func(t *testing.T) {
			c := cluster(25, constant(100*time.Millisecond), DefaultConfig, seed)
			c.Test(100, 20*time.Second, nil)
			res, ok := c.Verify(t).(setfull.Result)
			if !ok || res.StableLatencies == nil {
				t.Fatalf("checker result %+v has no stable latencies", res)
			}
			// The targets: the checker's stable latency, counted from
			// the acknowledgement.
			t.Logf("stable latency median %d ms, max %d ms", res.StableLatencies.Median, res.StableLatencies.Max)
			if q := res.StableLatencies; q.Median > 400 || q.Max > 600 {
				t.Errorf("stable latency median %d ms, max %d ms; want <= 400 and <= 600", q.Median, q.Max)
			}
			s := measure(t, c)
			perOp := float64(s.msgs) / float64(s.ops)
			t.Logf("%d ops, %d messages: %.2f msgs/op; latency median %v, max %v; largest message %d bytes",
				s.ops, s.msgs, perOp, s.median, s.worst, s.maxBytes)
			if perOp > 1.6 {
				t.Errorf("%.2f msgs/op, want <= 1.6", perOp)
			}
			if limit := 200*time.Millisecond + DefaultConfig.Window + 20*time.Millisecond; s.worst > limit {
				t.Errorf("max latency %v, want <= %v", s.worst, limit)
			}
			// The spread until the last node holds a value: two hops
			// and, at the median, half a window at the hub.
			if limit := 200*time.Millisecond + DefaultConfig.Window/2 + 30*time.Millisecond; s.median > limit {
				t.Errorf("median latency %v, want <= %v", s.median, limit)
			}
			if quiet := c.Now() - s.lastSend; quiet < 5*time.Second {
				t.Errorf("last message at %v, %v before the end: the quiet phase should be silent", s.lastSend, quiet)
			}
		})
	}
}

// TestSimPartitions cuts the network in many ways during the run, heals
// it, and expects the checker to find every value everywhere.
func TestSimPartitions(t *testing.T) {
	for seed := uint64(1); seed <= 3; seed++ {
		t.Run(fmt.Sprint("seed", seed), func(t *testing.T) {
			c := cluster(25, constant(100*time.Millisecond), DefaultConfig, seed)
			rng := rand.New(rand.NewPCG(seed, 99))
			c.Test(100, 24*time.Second, func() {
				at := c.Now()
				for phase := 0; phase < 6; phase++ {
					ids := c.IDs()
					rng.Shuffle(len(ids), func(i, j int) { ids[i], ids[j] = ids[j], ids[i] })
					c.At(at, func() {
						switch phase % 3 {
						case 0: // the hub alone
							c.Isolate([]string{"n0"}, others(c.IDs(), "n0"))
						case 1: // majority / minority
							c.Isolate(ids[:12], ids[12:])
						case 2: // one way: the hub cannot hear a third of the leaves
							c.Partition(map[string][]string{"n0": others(ids, "n0")[:8]})
						}
					})
					at += time.Duration(1+rng.IntN(3)) * time.Second
					c.At(at, c.Heal)
					at += time.Duration(rng.IntN(2)) * time.Second
				}
			})
			c.Verify(t)
		})
	}
}

// TestSimLongPartition isolates a leaf for a long busy stretch: the repair
// is split into messages of at most MaxValues values.
func TestSimLongPartition(t *testing.T) {
	cfg := DefaultConfig
	cfg.MaxValues = 100
	c := cluster(5, constant(10*time.Millisecond), cfg, 7)
	c.Test(100, 20*time.Second, func() { // about 1 000 values
		c.Isolate([]string{"n3"}, others(c.IDs(), "n3"))
		c.At(c.Now()+20*time.Second, c.Heal)
	})
	c.Verify(t)
	s := measure(t, c)
	if s.maxValues > cfg.MaxValues {
		t.Errorf("a message carried %d values, want at most %d", s.maxValues, cfg.MaxValues)
	}
	t.Logf("largest message %d values, %d bytes", s.maxValues, s.maxBytes)
}

// BenchmarkWindows shows the trade-off the hub's window sets between
// messages and latency, at the 3d/3e flags in the simulator.
func BenchmarkWindows(b *testing.B) {
	for _, w := range []time.Duration{100, 200, 240, 280, 300, 400} {
		b.Run(fmt.Sprint("3e-window=", w*time.Millisecond), func(b *testing.B) {
			for range b.N {
				cfg := DefaultConfig
				cfg.Window = w * time.Millisecond
				c := cluster(25, constant(100*time.Millisecond), cfg, 11)
				c.Test(100, 20*time.Second, nil)
				s := measure(b, c)
				b.ReportMetric(float64(s.msgs)/float64(s.ops), "msgs/op")
				b.ReportMetric(float64(s.median.Milliseconds()), "median-ms")
				b.ReportMetric(float64(s.worst.Milliseconds()), "max-ms")
			}
		})
	}
}

func TestSimSmall(t *testing.T) {
	tests := []struct {
		name      string
		nodes     int
		latency   time.Duration
		partition bool
	}{
		{"3a one node", 1, 0, false},
		{"3b five nodes", 5, 0, false},
		{"3c five nodes partitioned", 5, 0, true},
		{"two nodes partitioned", 2, 50 * time.Millisecond, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := cluster(tt.nodes, constant(tt.latency), DefaultConfig, 3)
			c.Test(10, 20*time.Second, func() {
				for i := range 4 {
					at := c.Now() + time.Duration(i)*5*time.Second
					if tt.partition {
						ids := c.IDs()
						c.At(at, func() { c.Isolate(ids[:len(ids)/2], ids[len(ids)/2:]) })
					}
					c.At(at+3*time.Second, c.Heal)
				}
			})
			c.Verify(t)
			if s := measure(t, c); tt.nodes == 1 && s.msgs != 0 {
				t.Errorf("one node sent %d messages", s.msgs)
			}
		})
	}
}

// scenario is the seeded run every broadcast change must survive: five
// nodes on exponential latency (so messages reorder), nodes initialized
// one by one while clients already send (a peer's message lands right
// behind, or before, a node's init), and random partitions.
func scenario(seed uint64, cfg Config) *sim.Cluster {
	c := sim.New(sim.Config{Nodes: 5, New: NewNode(cfg), Seed: seed, Workload: broadcast.Workload(), Options: broadcastOptions(),
		Latency: network.Latency{Mean: 20 * time.Millisecond, Dist: network.Exponential}})
	c.Chaos(20, 6*time.Second)
	return c
}

func TestScenarioSeeds(t *testing.T) {
	sim.Seeds(t, 200, func(t *testing.T, seed uint64) {
		scenario(seed, DefaultConfig).Verify(t)
	})
}

// A node that never repairs what a partition lost is caught.
func TestScenarioCatchesNoRepair(t *testing.T) {
	broken := DefaultConfig
	broken.Retry = 24 * time.Hour
	sim.Catches(t, 10, func(seed uint64) *sim.Cluster { return scenario(seed, broken) })
}

func others(ids []string, not string) []string {
	var out []string
	for _, id := range ids {
		if id != not {
			out = append(out, id)
		}
	}
	return out
}

// A scenario replays exactly from its seed.
func TestScenarioReplays(t *testing.T) {
	sim.Replays(t, 7, func(seed uint64) *sim.Cluster { return scenario(seed, DefaultConfig) })
}

// killer schedules, from now for d, kills like the runner's kill nemesis:
// one node or a minority at a time (the hub among them when the draw says
// so), each group restarted after 0–2 s, the next kill 0–2 s after that;
// every node runs again by now+d.
func killer(c *sim.Cluster, d time.Duration, seed uint64) {
	rng := rand.New(rand.NewPCG(seed, 17))
	ids := c.IDs()
	end := c.Now() + d
	for at := c.Now() + 500*time.Millisecond; ; {
		down := time.Duration(rng.Int64N(int64(2 * time.Second)))
		if at+down >= end {
			return
		}
		n := 1
		if rng.IntN(2) == 0 {
			n = max(1, (len(ids)-1)/2) // a minority
		}
		group := slices.Clone(ids)
		rng.Shuffle(len(group), func(i, j int) { group[i], group[j] = group[j], group[i] })
		killFor(c, at, down, group[:n])
		at += down + time.Duration(rng.Int64N(int64(2*time.Second)))
	}
}

// killFor kills the nodes of group at at and restarts them d later.
func killFor(c *sim.Cluster, at, d time.Duration, group []string) {
	c.At(at, func() {
		for _, id := range group {
			c.Kill(id)
		}
	})
	c.At(at+d, func() {
		for _, id := range group {
			c.Restart(id)
		}
	})
}

// killScenario is scenario with kills: five nodes on reordering
// latency. With minority false, the standard chaos (staggered inits,
// random partitions) and one node at a time killed and restarted again
// and again (sim.Kills); with minority true, no partitions, and one or
// two nodes (a minority) killed at once, the hub among them when the draw
// says so (killer).
func killScenario(seed uint64, newCore node.NewCore, minority bool) *sim.Cluster {
	c := sim.New(sim.Config{Nodes: 5, New: newCore, Seed: seed, Workload: broadcast.Workload(), Options: broadcastOptions(),
		Latency: network.Latency{Mean: 20 * time.Millisecond, Dist: network.Exponential}})
	if !minority {
		c.Kills(6 * time.Second)
		c.Chaos(20, 6*time.Second)
		return c
	}
	c.Init()
	c.Setup()
	killer(c, 6*time.Second, seed)
	c.Start(20, 6*time.Second)
	c.RunUntil(c.Now() + 6*time.Second)
	c.Final()
	return c
}

func TestKillScenarioSeeds(t *testing.T) {
	sim.Seeds(t, 100, func(t *testing.T, seed uint64) {
		killScenario(seed, NewNode(DefaultConfig), false).Verify(t)
	})
}

func TestMinorityKillScenarioSeeds(t *testing.T) {
	sim.Seeds(t, 100, func(t *testing.T, seed uint64) {
		killScenario(seed, NewNode(DefaultConfig), true).Verify(t)
	})
}

// A node that answers a broadcast at once, before any peer holds the
// value (as this solution did before kills), loses acknowledged values
// when it dies: caught, in both kinds of kill scenario.
func TestKillScenarioCatchesEarlyAcks(t *testing.T) {
	for _, minority := range []bool{false, true} {
		sim.Catches(t, 100, func(seed uint64) *sim.Cluster { return killScenario(seed, ackAtOnce(DefaultConfig), minority) })
	}
}

// A node that reuses its predecessor's boot id numbers its values as its
// predecessor did, and peers take them for values they hold: caught.
func TestKillScenarioCatchesReusedBoot(t *testing.T) {
	broken := DefaultConfig
	broken.Boot = func() int64 { return 1 }
	for _, minority := range []bool{false, true} {
		sim.Catches(t, 100, func(seed uint64) *sim.Cluster { return killScenario(seed, NewNode(broken), minority) })
	}
}

// ackAtOnce builds nodes that answer each broadcast at once and show
// their own values in reads at once.
func ackAtOnce(cfg Config) node.NewCore {
	newCore := NewNode(cfg)
	return func(id string, ids []string) node.Core { return earlyAcks{newCore(id, ids).(*Node)} }
}

type earlyAcks struct{ *Node }

func (e earlyAcks) Handle(now time.Duration, msg node.Message) []node.Out {
	out := e.Node.Handle(now, msg)
	e.s.safe = len(e.s.logs[e.s.mine])
	return e.answer(out)
}

// TestSimKills runs the 3d/3e workload on 25 nodes and kills the hub for
// 4 s, then a minority (12 nodes, the hub among them) for 3 s, then 12
// leaves for 2 s: every acknowledged value survives, and every node holds
// every value at the end.
func TestSimKills(t *testing.T) {
	for seed := uint64(1); seed <= 2; seed++ {
		t.Run(fmt.Sprint("seed", seed), func(t *testing.T) {
			c := cluster(25, constant(100*time.Millisecond), DefaultConfig, seed)
			ids := c.IDs()
			c.Test(100, 20*time.Second, func() {
				at := c.Now() + 2*time.Second
				killFor(c, at, 4*time.Second, ids[:1])
				killFor(c, at+6*time.Second, 3*time.Second, ids[:12])
				killFor(c, at+11*time.Second, 2*time.Second, ids[13:])
			})
			c.Verify(t)
			s := measure(t, c)
			t.Logf("%d ops, %d messages: %.2f msgs/op", s.ops, s.msgs, float64(s.msgs)/float64(s.ops))
		})
	}
}
