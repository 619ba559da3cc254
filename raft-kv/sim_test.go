package main

// A deterministic cluster: raft-kv Servers on the runner's own network
// model (internal/network: latency distributions, partitions checked at
// delivery) under a virtual clock, with lin-kv clients that write a
// history the real lin-kv checker judges. Every random choice comes from
// the seed, so a failing seed replays exactly:
//
//	go test ./raft-kv -run 'TestScenarios/leader-loss' -seed 17 -v
//
// This is a minimal harness for raft-kv only; it is meant to move onto the
// shared cluster simulator (internal/sim) once that exists.

import (
	"encoding/json"
	"flag"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/glomers/glomers/internal/checker"
	"github.com/glomers/glomers/internal/checker/linearizable"
	"github.com/glomers/glomers/internal/history"
	"github.com/glomers/glomers/internal/message"
	"github.com/glomers/glomers/internal/network"
)

var (
	seedFlag  = flag.Uint64("seed", 0, "run the scenarios with this seed only (replay a failure)")
	seedCount = flag.Int("seeds", 100, "how many seeds each scenario runs")
)

// clientTimeout is the lin-kv client's RPC timeout at zero latency.
const clientTimeout = time.Second

// cluster is the simulated test.
type cluster struct {
	seed    uint64
	rng     *rand.Rand
	now     time.Duration
	net     *network.Network
	ids     []string
	servers map[string]*Server
	clients []*client
	rate    float64 // client operations per second, all clients together
	timeout time.Duration
	stopAt  time.Duration
	bodies  map[int64]any // in flight, by network message id
	hist    []history.Op
	trace   []string // what happened, for a failing seed
	// after runs after each step, for scripted scenarios.
	after func(c *cluster)
}

// client is one lin-kv worker thread: one request at a time, on the node
// it is bound to, as Maelstrom's lin-kv client.
type client struct {
	id      string
	thread  int
	node    string
	process history.Process
	msgID   int
	busy    bool
	op      history.Op // the invocation in flight
	due     time.Duration
	nextAt  time.Duration
	ops     int // operations on the current key, to move on to fresh keys
	key     int64
	script  []history.Op // scripted operations, instead of random ones
}

// simConfig sets up a cluster.
type simConfig struct {
	nodes       int
	concurrency int // clients; default 4 per node
	rate        float64
	latency     network.Latency
	raft        RaftConfig
	bugs        bugs
	manual      bool
}

func newCluster(seed uint64, sc simConfig) *cluster {
	rng := rand.New(rand.NewPCG(seed, 0x7a1f))
	c := &cluster{
		seed: seed, rng: rng, rate: sc.rate, stopAt: 1 << 62, timeout: clientTimeout,
		net:     network.New(sc.latency, rand.New(rand.NewPCG(rng.Uint64(), rng.Uint64()))),
		servers: map[string]*Server{}, bodies: map[int64]any{},
	}
	for i := 0; i < sc.nodes; i++ {
		id := fmt.Sprintf("n%d", i)
		c.ids = append(c.ids, id)
		c.net.Register(id)
	}
	cfg := DefaultConfig
	cfg.Raft = sc.raft
	if sc.bugs.noRelay {
		cfg.RelayAfter = 0
	}
	for _, id := range c.ids {
		s := NewServer(id, c.ids, cfg, rand.New(rand.NewPCG(rng.Uint64(), rng.Uint64())), 0)
		s.raft.bugs, s.raft.manual = sc.bugs, sc.manual
		c.servers[id] = s
	}
	conc := sc.concurrency
	if conc == 0 {
		conc = 4 * sc.nodes
	}
	for i := 0; i < conc; i++ {
		cl := &client{id: fmt.Sprintf("c%d", i), thread: i, node: c.ids[i%sc.nodes], process: history.Process(i)}
		cl.key = int64(i / (2 * sc.nodes) * 1000)
		cl.nextAt = c.pause()
		c.net.Register(cl.id)
		c.clients = append(c.clients, cl)
	}
	return c
}

// pause draws a client's think time so that all clients together make
// about rate operations per second.
func (c *cluster) pause() time.Duration {
	if c.rate <= 0 {
		return 1 << 62
	}
	mean := float64(len(c.clients)+1) / c.rate
	return time.Duration(c.rng.Float64() * 2 * mean * float64(time.Second))
}

func (c *cluster) logf(format string, args ...any) {
	c.trace = append(c.trace, fmt.Sprintf("%8v ", c.now.Round(time.Millisecond))+fmt.Sprintf(format, args...))
}

// send puts a server's messages on the network. The network carries only
// each body's type; the body itself waits in c.bodies by message id, which
// spares the JSON round trip (TestWireFormat covers that).
func (c *cluster) send(from string, out []Out) {
	for _, o := range out {
		typ := "reply"
		switch b := o.Body.(type) {
		case Msg:
			typ = b.Type
		case Forward:
			typ = b.Type
		case Relay:
			typ = b.Type
		}
		m, err := c.net.Send(c.now, message.Message{Src: from, Dest: o.Dest, Body: json.RawMessage(`{"type":"` + typ + `"}`)})
		if err != nil {
			panic(err)
		}
		c.bodies[m.ID] = o.Body
	}
}

// run advances the clock to until.
func (c *cluster) run(until time.Duration) {
	for c.now < until {
		c.step()
		c.now = c.next(until)
	}
}

func (c *cluster) step() {
	for _, m := range c.net.Deliver(c.now) {
		c.deliver(m)
	}
	for _, id := range c.ids {
		s := c.servers[id]
		if s.Next() <= c.now {
			before := s.raft.Role()
			c.send(id, s.Tick(c.now))
			if r := s.raft.Role(); r != before {
				c.logf("%s: %s → %s, term %d", id, before, r, s.raft.Term())
			}
		}
	}
	for _, cl := range c.clients {
		switch {
		case cl.busy && c.now >= cl.due:
			c.complete(cl, history.Info, nil, "net-timeout")
		case !cl.busy && c.now >= cl.nextAt && c.now < c.stopAt:
			c.invoke(cl)
		}
	}
	if c.after != nil {
		c.after(c)
	}
}

// next returns the time of the next event, at most until.
func (c *cluster) next(until time.Duration) time.Duration {
	next := until
	if t, ok := c.net.NextDeadline(); ok {
		next = min(next, t)
	}
	for _, s := range c.servers {
		next = min(next, s.Next())
	}
	for _, cl := range c.clients {
		if cl.busy {
			next = min(next, cl.due)
		} else if c.now < c.stopAt {
			next = min(next, cl.nextAt)
		}
	}
	return max(next, c.now+time.Microsecond)
}

func (c *cluster) deliver(m message.Message) {
	body, ok := c.bodies[m.ID]
	delete(c.bodies, m.ID)
	if message.IsClient(m.Dest) {
		c.reply(m.Dest, body.(map[string]any))
		return
	}
	s := c.servers[m.Dest]
	before := s.raft.Role()
	switch b := body.(type) {
	case Forward:
		c.send(m.Dest, s.Forwarded(c.now, m.Src, b))
	case Relay:
		c.send(m.Dest, s.Relayed(c.now, m.Src, b))
	case Msg:
		b.From, b.To = m.Src, m.Dest
		c.send(m.Dest, s.Step(c.now, b))
	default:
		if ok {
			panic(fmt.Sprintf("unexpected body %#v", body))
		}
		// A client's request, as JSON.
		cmd, err := ParseRequest(m.Src, m.Body)
		if err != nil {
			panic(err)
		}
		c.send(m.Dest, s.Request(c.now, cmd))
	}
	if r := s.raft.Role(); r != before {
		c.logf("%s: %s → %s, term %d", m.Dest, before, r, s.raft.Term())
	}
}

// invoke starts a client's next operation: the lin-kv mix (half the
// threads read; the others write or, twice as often, cas values 0–4).
func (c *cluster) invoke(cl *client) {
	var op history.Op
	if len(cl.script) > 0 {
		op, cl.script = cl.script[0], cl.script[1:]
	} else {
		if cl.ops >= 60 {
			cl.key, cl.ops = cl.key+1, 0
		}
		cl.ops++
		k := cl.key
		switch {
		case cl.thread%(2*len(c.ids)) < len(c.ids):
			op = history.Op{F: linearizable.Read, Value: []any{k, nil}}
		case c.rng.IntN(3) == 0:
			op = history.Op{F: linearizable.Write, Value: []any{k, c.rng.Int64N(5)}}
		default:
			op = history.Op{F: linearizable.CAS, Value: []any{k, []any{c.rng.Int64N(5), c.rng.Int64N(5)}}}
		}
	}
	op.Type, op.Process, op.Time, op.Index = history.Invoke, cl.process, int64(c.now), len(c.hist)
	c.hist = append(c.hist, op)
	cl.busy, cl.op, cl.due = true, op, c.now+c.timeout
	cl.msgID++
	t := op.Value.([]any)
	body := message.Body{"type": string(op.F), "msg_id": cl.msgID, "key": t[0]}
	switch op.F {
	case linearizable.Write:
		body["value"] = t[1]
	case linearizable.CAS:
		ft := t[1].([]any)
		body["from"], body["to"] = ft[0], ft[1]
	}
	if _, err := c.net.Send(c.now, message.New(cl.id, cl.node, body)); err != nil {
		panic(err)
	}
}

// reply completes the operation a reply answers; stale replies are
// discarded as the lin-kv client does.
func (c *cluster) reply(dest string, body map[string]any) {
	var cl *client
	for _, x := range c.clients {
		if x.id == dest {
			cl = x
		}
	}
	if !cl.busy || body["in_reply_to"] != cl.msgID {
		return
	}
	switch body["type"] {
	case "read_ok":
		var v int64
		raw := body["value"].(json.RawMessage)
		if err := json.Unmarshal(raw, &v); err != nil {
			panic(fmt.Sprintf("read value %s: %v", raw, err))
		}
		c.complete(cl, history.OK, v, "")
	case "write_ok", "cas_ok":
		c.complete(cl, history.OK, nil, "")
	case "error":
		typ := history.Info
		switch body["code"] {
		case CodeTemporarilyUnavailable, CodeKeyDoesNotExist, CodePreconditionFailed:
			typ = history.Fail // definite
		}
		c.complete(cl, typ, nil, fmt.Sprintf("%v %v", body["code"], body["text"]))
	default:
		panic(fmt.Sprintf("unexpected reply %v", body))
	}
}

// complete records the completion of cl's operation. A read that timed
// out did nothing (:fail); a write or cas may have happened (:info), and
// the thread moves to a new process.
func (c *cluster) complete(cl *client, typ history.Type, read any, errText string) {
	op := cl.op
	if typ == history.Info && op.F == linearizable.Read {
		typ = history.Fail
	}
	op.Type, op.Time, op.Index = typ, int64(c.now), len(c.hist)
	if errText != "" {
		op.Error = errText
	}
	if op.F == linearizable.Read && typ == history.OK {
		op.Value = []any{op.Value.([]any)[0], read}
	}
	c.hist = append(c.hist, op)
	cl.busy = false
	cl.nextAt = c.now + c.pause()
	if typ == history.Info {
		cl.process += history.Process(len(c.clients))
	}
}

// partition makes every node outside its own group drop its messages.
func (c *cluster) partition(groups ...[]string) {
	c.net.Heal()
	grudge := map[string][]string{}
	for _, g := range groups {
		for _, a := range g {
			for _, b := range c.ids {
				if !slices.Contains(g, b) {
					grudge[a] = append(grudge[a], b)
				}
			}
		}
	}
	c.net.Partition(grudge)
	c.logf("partition %v", groups)
}

// isolate cuts id off from every other node.
func (c *cluster) isolate(id string) {
	c.partition([]string{id}, others(c.ids, id))
}

func (c *cluster) heal() {
	c.net.Heal()
	c.logf("heal")
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

// leader returns the node that leads the highest term, if any.
func (c *cluster) leader() string {
	best, term := "", -1
	for _, id := range c.ids {
		r := c.servers[id].raft
		if r.Role() == Leader && r.Term() > term {
			best, term = id, r.Term()
		}
	}
	return best
}

// finish stops the clients, lets the last requests time out, and checks
// the history.
func (c *cluster) finish() linearizable.Result {
	c.stopAt = c.now
	c.run(c.now + 2*c.timeout)
	return linearizable.Check(c.hist, 30*time.Second)
}

// oks counts the operations that completed :ok between from and to.
func (c *cluster) oks(from, to time.Duration, f history.Keyword) int {
	n := 0
	for _, op := range c.hist {
		if op.Type == history.OK && (f == "" || op.F == f) && op.Time >= int64(from) && op.Time < int64(to) {
			n++
		}
	}
	return n
}

// explain describes a failed check for a person: which key, which
// operation, and what happened in the cluster.
func explain(c *cluster, res linearizable.Result, why string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "seed %d: %s\n", c.seed, why)
	if res.Valid == checker.Invalid {
		for _, k := range res.Failures {
			a := res.Results[k].Linearizable
			fmt.Fprintf(&b, "  key %d is not linearizable: %d ops linearized", k, a.Linearized)
			if a.Op != nil {
				fmt.Fprintf(&b, ", then no order admits op %d (process %v %s %s %v)", a.Op.Index, a.Op.Process, a.Op.Type, a.Op.F, history.Readable(a.Op.Value))
			}
			if a.PreviousOK != nil {
				fmt.Fprintf(&b, " after op %d", a.PreviousOK.Index)
			}
			b.WriteString("\n")
		}
	}
	b.WriteString("  cluster events:\n")
	tail := c.trace
	if len(tail) > 40 {
		tail = tail[len(tail)-40:]
	}
	for _, l := range tail {
		b.WriteString("    " + l + "\n")
	}
	return b.String()
}

// scenario is one classic situation: it sets up a cluster for a seed,
// drives it, and returns the verdict with an explanation when it fails.
type scenario struct {
	name string
	// bug is a broken rule the scenario must catch on some seed.
	bug bugs
	run func(seed uint64, b bugs) (ok bool, why string)
}

// randomLatency is the network of the random scenarios: exponential with
// a mean of 5 ms, so messages overtake each other.
var randomLatency = network.Latency{Mean: 5 * time.Millisecond, Dist: network.Exponential}

var simRaft = DefaultRaftConfig

// judge turns a finished cluster into a verdict.
func judge(c *cluster, extra string) (bool, string) {
	res := c.finish()
	switch {
	case res.Valid != checker.Valid:
		return false, explain(c, res, "the history is not linearizable ("+res.Valid.String()+")")
	case extra != "":
		return false, explain(c, res, extra)
	}
	if why := c.committedAgree(); why != "" {
		return false, explain(c, res, why)
	}
	return true, ""
}

// committedAgree checks Raft's state machine safety: any two nodes hold
// the same entries up to the lower of their commit indices.
func (c *cluster) committedAgree() string {
	for i, a := range c.ids {
		for _, b := range c.ids[i+1:] {
			ra, rb := c.servers[a].raft, c.servers[b].raft
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

// leaderLoss cuts the leader off three times; each time the other two
// elect a new leader and serve writes within 2 s.
func leaderLoss(seed uint64, b bugs) (bool, string) {
	c := newCluster(seed, simConfig{nodes: 3, rate: 30, latency: randomLatency, raft: simRaft, bugs: b})
	c.run(2 * time.Second)
	for i := 0; i < 3; i++ {
		old := c.leader()
		if old == "" {
			return judge(c, "no leader before the cut")
		}
		c.isolate(old)
		cut := c.now
		c.run(cut + 4*time.Second)
		if n := c.oks(cut+2*time.Second, c.now, linearizable.Write) + c.oks(cut+2*time.Second, c.now, linearizable.CAS); n == 0 {
			return judge(c, fmt.Sprintf("no write or cas succeeded from 2 s to 4 s after %s, the leader, was cut off", old))
		}
		c.heal()
		c.run(c.now + 2*time.Second)
	}
	return judge(c, "")
}

// partitionedOldLeader keeps the cut-off leader's clients busy: it must
// stop serving reads before the majority elects a new leader and writes.
func partitionedOldLeader(seed uint64, b bugs) (bool, string) {
	c := newCluster(seed, simConfig{nodes: 3, concurrency: 12, rate: 60, latency: randomLatency, raft: simRaft, bugs: b})
	c.run(2 * time.Second)
	for i := 0; i < 4; i++ {
		if old := c.leader(); old != "" {
			c.isolate(old)
		}
		c.run(c.now + 3*time.Second)
		c.heal()
		c.run(c.now + time.Second)
	}
	return judge(c, "")
}

// logDivergence cuts the leader off while its clients keep writing to
// it, so its log grows a suffix nobody else has; after the heal that
// suffix must be replaced by the new leader's. Then the old leader is
// made to lead again, so a log that was not repaired shows in its reads.
func logDivergence(seed uint64, b bugs) (bool, string) {
	c := newCluster(seed, simConfig{nodes: 3, rate: 60, latency: randomLatency, raft: simRaft, bugs: b})
	c.run(2 * time.Second)
	for i := 0; i < 4; i++ {
		old := c.leader()
		if old == "" {
			c.run(c.now + time.Second)
			continue
		}
		c.isolate(old)
		c.run(c.now + 2*time.Second)
		c.heal()
		c.run(c.now + time.Second)
		// Cut off everyone but the old leader's group of one other node,
		// so that the old leader may lead again.
		if now := c.leader(); now != "" && now != old {
			c.isolate(now)
			c.run(c.now + 2*time.Second)
			c.heal()
			c.run(c.now + time.Second)
		}
	}
	return judge(c, "")
}

// healingPartitions draws a new partition every second or two (a node
// alone, a majority and a minority, one-way cuts, or none) over five
// nodes, for 20 s.
func healingPartitions(seed uint64, b bugs) (bool, string) {
	c := newCluster(seed, simConfig{nodes: 5, rate: 50, latency: randomLatency, raft: simRaft, bugs: b})
	rng := rand.New(rand.NewPCG(seed, 99))
	for c.now < 20*time.Second {
		ids := slices.Clone(c.ids)
		rng.Shuffle(len(ids), func(i, j int) { ids[i], ids[j] = ids[j], ids[i] })
		switch rng.IntN(4) {
		case 0:
			c.heal()
		case 1:
			c.partition(ids[:1], ids[1:])
		case 2:
			c.partition(ids[:2], ids[2:])
		case 3: // one way: ids[0] cannot hear two others
			c.heal()
			c.net.Partition(map[string][]string{ids[0]: ids[1:3]})
			c.logf("%s cannot hear %v", ids[0], ids[1:3])
		}
		c.run(c.now + time.Duration(500+rng.IntN(1500))*time.Millisecond)
	}
	c.heal()
	c.run(c.now + 3*time.Second)
	if c.oks(c.now-2*time.Second, c.now, "") == 0 {
		return judge(c, "no operation succeeded in the 2 s after the last heal")
	}
	return judge(c, "")
}

// majoritiesRing puts three nodes in a ring where each hears only one
// other (Jepsen's majorities-ring on three nodes: n0 drops n1, n1 drops n2,
// n2 drops n0), so no two talk both ways directly. Relayed through the
// third node, a leader still commits.
func majoritiesRing(seed uint64, b bugs) (bool, string) {
	c := newCluster(seed, simConfig{nodes: 3, rate: 30, latency: randomLatency, raft: simRaft, bugs: b})
	c.run(2 * time.Second)
	for i := 0; i < 2; i++ {
		ring := map[string][]string{"n0": {"n1"}, "n1": {"n2"}, "n2": {"n0"}}
		if i == 1 {
			ring = map[string][]string{"n0": {"n2"}, "n1": {"n0"}, "n2": {"n1"}}
		}
		c.net.Partition(ring)
		c.logf("ring: each node drops %v", ring)
		cut := c.now
		c.run(cut + 8*time.Second)
		if n := c.oks(cut+3*time.Second, c.now, linearizable.Write) + c.oks(cut+3*time.Second, c.now, linearizable.CAS); n < 10 {
			return judge(c, fmt.Sprintf("only %d writes and cas succeeded from 3 s to 8 s into the ring partition", n))
		}
		c.heal()
		c.run(c.now + 2*time.Second)
	}
	return judge(c, "")
}

var scenarios = []scenario{
	{name: "leader-loss", bug: bugs{followForever: true}, run: leaderLoss},
	{name: "partitioned-old-leader", bug: bugs{noLease: true}, run: partitionedOldLeader},
	{name: "figure-8", bug: bugs{commitOldTerm: true}, run: figure8},
	{name: "log-divergence", bug: bugs{noTruncate: true}, run: logDivergence},
	{name: "healing-partitions", bug: bugs{anyLogVotes: true}, run: healingPartitions},
	{name: "majorities-ring", bug: bugs{noRelay: true}, run: majoritiesRing},
}

func seeds() []uint64 {
	if *seedFlag != 0 {
		return []uint64{*seedFlag}
	}
	n := *seedCount
	if testing.Short() {
		n = 20
	}
	out := make([]uint64, n)
	for i := range out {
		out[i] = uint64(i + 1)
	}
	return out
}

// TestScenarios runs every scenario over many seeds; each must hold on
// every one.
func TestScenarios(t *testing.T) {
	for _, sc := range scenarios {
		t.Run(sc.name, func(t *testing.T) {
			t.Parallel()
			for _, seed := range seeds() {
				if ok, why := sc.run(seed, bugs{}); !ok {
					t.Fatalf("%s\nreplay: go test ./raft-kv -run 'TestScenarios/%s$' -seed %d -v", why, sc.name, seed)
				}
			}
		})
	}
}

// TestScenariosCatchBrokenRules runs each scenario on a Raft with one
// rule broken: some seed must fail.
func TestScenariosCatchBrokenRules(t *testing.T) {
	for _, sc := range scenarios {
		t.Run(sc.name, func(t *testing.T) {
			t.Parallel()
			for _, seed := range seeds() {
				if ok, why := sc.run(seed, sc.bug); !ok {
					t.Logf("caught %+v on seed %d:\n%s", sc.bug, seed, why)
					return
				}
			}
			t.Errorf("no seed failed with the broken rule %+v: the scenario cannot catch it", sc.bug)
		})
	}
}
