package main

import (
	"container/heap"
	"encoding/json"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"testing"
	"time"
)

// sim is a little in-memory Maelstrom: n servers, a network with constant
// latency that drops messages across a partition when they are delivered,
// a clock ticking every tick, and clients broadcasting and reading.
type sim struct {
	t       *testing.T
	cfg     Config
	now     time.Duration
	ids     []string
	servers map[string]*Server
	latency time.Duration
	queue   inflight
	seq     int
	// blocked[to][from] drops messages from -> to (checked at delivery).
	blocked map[string]map[string]bool

	rng       *rand.Rand
	next      int64                   // next value to broadcast
	born      map[int64]time.Duration // when each value was acknowledged
	where     map[int64]string        // the node it was sent to
	number    map[int64]int           // its number in that node's log
	done      map[int64]time.Duration // when the last node got it
	pending   map[int64]bool          // values not yet everywhere
	ops       int                     // client operations
	msgs      int                     // server messages sent
	maxBytes  int                     // largest message body
	maxValues int                     // most values in one message
	lastSend  time.Duration           // when the last server message went out
}

type delivery struct {
	at       time.Duration
	seq      int
	from, to string
	body     []byte
}

type inflight []delivery

func (q inflight) Len() int { return len(q) }
func (q inflight) Less(i, j int) bool {
	if q[i].at != q[j].at {
		return q[i].at < q[j].at
	}
	return q[i].seq < q[j].seq
}
func (q inflight) Swap(i, j int) { q[i], q[j] = q[j], q[i] }
func (q *inflight) Push(x any)   { *q = append(*q, x.(delivery)) }
func (q *inflight) Pop() any {
	old := *q
	d := old[len(old)-1]
	*q = old[:len(old)-1]
	return d
}

const simTick = 10 * time.Millisecond

func newSim(t *testing.T, n int, latency time.Duration, cfg Config, seed uint64) *sim {
	s := &sim{
		t: t, cfg: cfg, latency: latency, servers: map[string]*Server{},
		blocked: map[string]map[string]bool{},
		rng:     rand.New(rand.NewPCG(seed, seed^0x5eed)),
		born:    map[int64]time.Duration{}, where: map[int64]string{}, number: map[int64]int{},
		done: map[int64]time.Duration{}, pending: map[int64]bool{},
	}
	for i := 0; i < n; i++ {
		s.ids = append(s.ids, fmt.Sprintf("n%d", i))
	}
	for _, id := range s.ids {
		s.servers[id] = NewServer(id, s.ids, cfg)
	}
	return s
}

// send puts a server's messages on the wire, through JSON as in a real
// run.
func (s *sim) send(from string, out []Out) {
	for _, o := range out {
		b, err := json.Marshal(o.Body)
		if err != nil {
			s.t.Fatal(err)
		}
		s.msgs++
		s.maxBytes = max(s.maxBytes, len(b))
		vals := 0
		for _, r := range o.Body.Runs {
			vals += len(r.Values)
		}
		s.maxValues = max(s.maxValues, vals)
		s.lastSend = s.now
		s.seq++
		heap.Push(&s.queue, delivery{at: s.now + s.latency, seq: s.seq, from: from, to: o.Dest, body: b})
	}
}

// step advances the clock by one tick: deliveries, then clients at the
// given rate (half broadcasts, half reads), then the servers' ticks.
func (s *sim) step(rate float64) {
	s.now += simTick
	for len(s.queue) > 0 && s.queue[0].at <= s.now {
		d := heap.Pop(&s.queue).(delivery)
		if s.blocked[d.to][d.from] {
			continue
		}
		var g Gossip
		if err := json.Unmarshal(d.body, &g); err != nil {
			s.t.Fatal(err)
		}
		s.send(d.to, s.servers[d.to].Receive(s.now, d.from, g))
	}
	// Poisson arrivals: at most a few per tick.
	for k := s.poisson(rate * simTick.Seconds()); k > 0; k-- {
		s.ops++
		id := s.ids[s.rng.IntN(len(s.ids))]
		if s.rng.IntN(2) == 0 {
			s.servers[id].Read()
			continue
		}
		v := s.next
		s.next++
		srv := s.servers[id]
		s.born[v], s.where[v], s.pending[v] = s.now, id, true
		s.number[v] = len(srv.logs[srv.self]) + 1
		s.send(id, s.servers[id].Broadcast(s.now, v))
	}
	for _, id := range s.ids {
		s.send(id, s.servers[id].Tick(s.now))
	}
	s.track()
}

func (s *sim) poisson(mean float64) int {
	k, p, l := 0, 1.0, math.Exp(-mean)
	for {
		p *= s.rng.Float64()
		if p < l {
			return k
		}
		k++
	}
}

// track notes values that every node now holds.
func (s *sim) track() {
	for v := range s.pending {
		everywhere := true
		for _, id := range s.ids {
			if !s.servers[id].holds(s.where[v], s.number[v]) {
				everywhere = false
				break
			}
		}
		if everywhere {
			s.done[v] = s.now
			delete(s.pending, v)
		}
	}
}

// holds reports whether the server has value number n of origin.
func (s *Server) holds(origin string, n int) bool {
	o := slices.Index(s.nodes, origin)
	_, early := s.early[o][n]
	return len(s.logs[o]) >= n || early
}

func (s *sim) run(d time.Duration, rate float64) {
	for end := s.now + d; s.now < end; {
		s.step(rate)
	}
}

// latencies returns the median and maximum time from broadcast to every
// node holding the value.
func (s *sim) latencies() (median, worst time.Duration) {
	var ls []time.Duration
	for v, at := range s.done {
		ls = append(ls, at-s.born[v])
	}
	if len(ls) == 0 {
		return 0, 0
	}
	slices.Sort(ls)
	return ls[len(ls)/2], ls[len(ls)-1]
}

// partition makes each group hear only itself.
func (s *sim) partition(groups ...[]string) {
	s.blocked = map[string]map[string]bool{}
	group := map[string]int{}
	for g, ids := range groups {
		for _, id := range ids {
			group[id] = g
		}
	}
	for _, a := range s.ids {
		for _, b := range s.ids {
			if group[a] != group[b] {
				if s.blocked[a] == nil {
					s.blocked[a] = map[string]bool{}
				}
				s.blocked[a][b] = true
			}
		}
	}
}

func (s *sim) heal() { s.blocked = map[string]map[string]bool{} }

// checkConverged fails unless every node reads every broadcast value.
func (s *sim) checkConverged() {
	s.t.Helper()
	want := make([]int64, s.next)
	for i := range want {
		want[i] = int64(i)
	}
	for _, id := range s.ids {
		if got := s.servers[id].Read(); !slices.Equal(got, want) {
			missing := 0
			for _, v := range want {
				if _, ok := slices.BinarySearch(got, v); !ok {
					missing++
				}
			}
			s.t.Errorf("%s misses %d of %d values", id, missing, len(want))
		}
	}
}

// TestSimEfficient runs the 3d/3e workload: 25 nodes, 100 ms latency,
// 100 ops/s for 20 s, then 10 s of quiet.
func TestSimEfficient(t *testing.T) {
	for seed := uint64(1); seed <= 3; seed++ {
		t.Run(fmt.Sprint("seed", seed), func(t *testing.T) {
			s := newSim(t, 25, 100*time.Millisecond, DefaultConfig, seed)
			s.run(20*time.Second, 100)
			s.run(10*time.Second, 0)
			s.checkConverged()
			ops := s.ops + 25 // the final reads
			perOp := float64(s.msgs) / float64(ops)
			median, worst := s.latencies()
			t.Logf("%d ops, %d messages: %.2f msgs/op; latency median %v, max %v; largest message %d bytes",
				ops, s.msgs, perOp, median, worst, s.maxBytes)
			if perOp > 1.6 {
				t.Errorf("%.2f msgs/op, want <= 1.6", perOp)
			}
			if limit := 2*s.latency + DefaultConfig.Window + 2*simTick; worst > limit {
				t.Errorf("max latency %v, want <= %v", worst, limit)
			}
			if median > 350*time.Millisecond {
				t.Errorf("median latency %v, want <= 350ms", median)
			}
			if s.now-s.lastSend < 5*time.Second {
				t.Errorf("last message at %v, %v before the end: the quiet phase should be silent", s.lastSend, s.now-s.lastSend)
			}
		})
	}
}

// TestSimPartitions cuts the network in many ways during the run, heals
// it, and expects every node to hold every value 10 s later.
func TestSimPartitions(t *testing.T) {
	for seed := uint64(1); seed <= 4; seed++ {
		t.Run(fmt.Sprint("seed", seed), func(t *testing.T) {
			s := newSim(t, 25, 100*time.Millisecond, DefaultConfig, seed)
			rng := rand.New(rand.NewPCG(seed, 99))
			for phase := 0; phase < 6; phase++ {
				ids := slices.Clone(s.ids)
				rng.Shuffle(len(ids), func(i, j int) { ids[i], ids[j] = ids[j], ids[i] })
				switch phase % 3 {
				case 0: // the hub alone
					s.partition([]string{"n0"}, others(s.ids, "n0"))
				case 1: // majority / minority
					s.partition(ids[:12], ids[12:])
				case 2: // one way: the hub cannot hear a third of the leaves
					s.heal()
					s.blocked["n0"] = map[string]bool{}
					for _, id := range others(ids, "n0")[:8] {
						s.blocked["n0"][id] = true
					}
				}
				s.run(time.Duration(1+rng.IntN(5))*time.Second, 100)
				s.heal()
				s.run(time.Duration(rng.IntN(3))*time.Second, 100)
			}
			s.heal()
			s.run(10*time.Second, 0)
			s.checkConverged()
			t.Logf("%d ops, %d messages, largest %d bytes", s.ops, s.msgs, s.maxBytes)
		})
	}
}

// TestSimLongPartition isolates a leaf for a long busy stretch: the repair
// is split into messages of at most MaxValues values.
func TestSimLongPartition(t *testing.T) {
	cfg := DefaultConfig
	cfg.MaxValues = 100
	s := newSim(t, 5, 10*time.Millisecond, cfg, 7)
	s.partition([]string{"n3"}, others(s.ids, "n3"))
	s.run(20*time.Second, 100) // about 1 000 values
	s.heal()
	s.run(10*time.Second, 0)
	s.checkConverged()
	if s.maxValues > cfg.MaxValues {
		t.Errorf("a message carried %d values, want at most %d", s.maxValues, cfg.MaxValues)
	}
	t.Logf("%d values, largest message %d values, %d bytes", s.next, s.maxValues, s.maxBytes)
}

// TestMessageSize bounds the largest message the default configuration
// can send, whatever the values: MaxValues values of 20 digits and a Have
// vector for 25 nodes stay below 64 KiB.
func TestMessageSize(t *testing.T) {
	const n = 25
	ids := make([]string, n)
	for i := range ids {
		ids[i] = fmt.Sprintf("n%d", i)
	}
	leaf := NewServer("n7", ids, DefaultConfig)
	for i := 0; i < 3*DefaultConfig.MaxValues; i++ {
		leaf.Broadcast(0, math.MinInt64+int64(i))
	}
	out := leaf.Tick(time.Hour) // everything unacknowledged: resend it all
	if len(out) < 3 {
		t.Fatalf("%d messages for %d values, want them split in at least 3", len(out), 3*DefaultConfig.MaxValues)
	}
	for _, o := range out {
		b, _ := json.Marshal(o.Body)
		if len(b) >= 64*1024 {
			t.Errorf("message of %d bytes", len(b))
		}
	}
}

// TestSimWindows shows the trade-off the hub's window sets between
// messages and latency.
func TestSimWindows(t *testing.T) {
	for _, w := range []time.Duration{100, 150, 200, 225, 240, 250, 300, 400} {
		cfg := DefaultConfig
		cfg.Window = w * time.Millisecond
		s := newSim(t, 25, 100*time.Millisecond, cfg, 11)
		s.run(20*time.Second, 100)
		s.run(10*time.Second, 0)
		s.checkConverged()
		median, worst := s.latencies()
		t.Logf("window %v: %.2f msgs/op, median %v, max %v", cfg.Window, float64(s.msgs)/float64(s.ops+25), median, worst)
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
			s := newSim(t, tt.nodes, tt.latency, DefaultConfig, 3)
			for i := 0; i < 4; i++ {
				if tt.partition {
					s.partition(s.ids[:len(s.ids)/2], s.ids[len(s.ids)/2:])
				}
				s.run(3*time.Second, 10)
				s.heal()
				s.run(2*time.Second, 10)
			}
			s.run(10*time.Second, 0)
			s.checkConverged()
			if tt.nodes == 1 && s.msgs != 0 {
				t.Errorf("one node sent %d messages", s.msgs)
			}
		})
	}
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
