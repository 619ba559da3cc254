// Package sim runs a cluster of solution cores in one process, on the
// runner's own network model (internal/network: its latency distributions
// and partitions) and a virtual clock, with Maelstrom's services
// (internal/service) and the runner's clients, workloads and checkers. A
// run is a pure function of its seed: a failing seed replays exactly.
//
// Each node is a node.Machine around the solution's node.Core, exactly as
// the binary runs it (init first, messages held back until init), and
// what it sends is encoded as the binary prints it (node.EncodeBody). Time
// only moves when nothing is left to do at the current instant, so a 30 s
// scenario takes milliseconds.
//
// The API in five calls:
//
//	c := sim.New(sim.Config{Nodes: 5, New: newCore, Latency: lat, Seed: seed, Workload: broadcast.Workload()})
//	c.Init(); c.Setup()                        // init every node (or some: c.Init("n1")); the workload's setup
//	c.Start(10, 20*time.Second)                // clients: 10 ops/s of the workload for 20 s
//	c.At(5*time.Second, func() { c.Partition(grudge) }); c.RunUntil(20 * time.Second)
//	c.Final(); res := c.Check()                // heal, 10 s, final ops; the workload's checker
//
// Call sends one request outside the workload, Send any message from any
// id (a peer's message before a node's init), History returns the ops,
// Journal the network events, Errors what the nodes did wrong outside the
// checker's view. Chaos is the standard seeded scenario (staggered inits
// under load, random partitions). For tests: Seeds runs a scenario over
// many seeds and prints how to replay a failing one (SIM_SEED=N), Verify
// fails on errors or an invalid verdict, Catches shows a broken core
// caught, Replays that a seed replays exactly, and Fuzz is the body of a
// core's fuzz test.
package sim

import (
	"container/heap"
	"fmt"
	"math/rand/v2"
	"slices"
	"time"

	"github.com/glomers/glomers/internal/checker"
	"github.com/glomers/glomers/internal/client"
	"github.com/glomers/glomers/internal/history"
	"github.com/glomers/glomers/internal/message"
	"github.com/glomers/glomers/internal/network"
	"github.com/glomers/glomers/internal/service"
	"github.com/glomers/glomers/internal/workload"
	"github.com/glomers/glomers/node"
)

// RecoveryWait is how long Final waits after healing the network, as the
// runner does.
const RecoveryWait = 10 * time.Second

// Config describes a cluster.
type Config struct {
	// Nodes is the number of nodes, named n0 … n(Nodes-1).
	Nodes int
	// New builds each node's core on its first init.
	New node.NewCore
	// Latency is the inter-node (and node-service) latency.
	Latency network.Latency
	// Services lists the services on the network (service.Names); all of
	// them when nil.
	Services []string
	// Seed drives every random choice: latencies, services, workload.
	Seed uint64
	// Workload, if set, is what Start and Final perform and Check judges.
	Workload *workload.Workload
	// Options are the workload's options; Nodes, Concurrency (default:
	// Nodes), Rand, Now and Sleep are filled in.
	Options workload.Options
	// Logf, if set, receives the nodes' log lines (messages dropped or
	// refused) and the cluster's own.
	Logf func(format string, a ...any)
}

// Cluster is a simulated cluster. It is not safe for concurrent use.
type Cluster struct {
	cfg      Config
	rng      *rand.Rand
	net      *network.Network
	now      time.Duration
	ids      []string
	nodes    map[string]*simNode
	services map[string]service.Service
	events   events
	seq      int64

	clients    map[string]*simClient
	nextClient int

	opts    workload.Options
	workers []*worker
	busy    int // workers running
	hist    []history.Op
	errs    []string
	yield   chan yieldMsg
	running *coroutine // the coroutine that runs now, if any
}

type simNode struct {
	m       *node.Machine
	tickGen int64 // the generation of the pending tick event
}

// New returns a cluster whose nodes are on the network but not yet
// initialized.
func New(cfg Config) *Cluster {
	c := &Cluster{
		cfg:      cfg,
		rng:      rand.New(rand.NewPCG(cfg.Seed, cfg.Seed^0x9e3779b97f4a7c15)),
		nodes:    map[string]*simNode{},
		services: map[string]service.Service{},
		clients:  map[string]*simClient{},
		yield:    make(chan yieldMsg),
	}
	c.net = network.New(cfg.Latency, rand.New(rand.NewPCG(c.rng.Uint64(), c.rng.Uint64())))
	for i := range cfg.Nodes {
		id := fmt.Sprintf("n%d", i)
		c.ids = append(c.ids, id)
		m := node.NewMachine(cfg.New)
		m.Logf = func(format string, a ...any) { c.logf(id+": "+format, a...) }
		c.nodes[id] = &simNode{m: m}
		c.net.Register(id)
	}
	names := cfg.Services
	if names == nil {
		names = service.Names
	}
	for _, name := range names {
		svc, err := service.New(name, rand.New(rand.NewPCG(c.rng.Uint64(), c.rng.Uint64())))
		if err != nil {
			panic(fmt.Sprintf("sim: %v", err))
		}
		c.services[name] = svc
		c.net.Register(name)
	}
	c.opts = cfg.Options
	c.opts.Nodes = slices.Clone(c.ids)
	if c.opts.Concurrency == 0 {
		c.opts.Concurrency = cfg.Nodes
	}
	c.opts.Rand = rand.New(rand.NewPCG(c.rng.Uint64(), c.rng.Uint64()))
	c.opts.Now = func() time.Duration { return c.now }
	c.opts.Sleep = c.sleep
	for i := range c.opts.Concurrency {
		c.workers = append(c.workers, &worker{thread: i, process: history.Process(i), node: c.ids[i%len(c.ids)]})
	}
	return c
}

// IDs returns the node ids.
func (c *Cluster) IDs() []string { return slices.Clone(c.ids) }

// Now returns the virtual time.
func (c *Cluster) Now() time.Duration { return c.now }

// Core returns node id's core, or nil before its init.
func (c *Cluster) Core(id string) node.Core { return c.nodes[id].m.Core() }

// Options returns the workload options the cluster runs with.
func (c *Cluster) Options() workload.Options { return c.opts }

// At runs f at virtual time t (at once, in order, if t has passed).
func (c *Cluster) At(t time.Duration, f func()) {
	c.seq++
	heap.Push(&c.events, event{at: max(t, c.now), seq: c.seq, run: f})
}

// Partition adds a grudge: each receiver drops messages from the senders
// listed for it (network.Network.Partition).
func (c *Cluster) Partition(grudge map[string][]string) { c.net.Partition(grudge) }

// Isolate cuts the given groups of nodes from each other, both ways;
// nodes in no group are cut from everyone.
func (c *Cluster) Isolate(groups ...[]string) {
	group := map[string]int{}
	for g, ids := range groups {
		for _, id := range ids {
			group[id] = g + 1
		}
	}
	grudge := map[string][]string{}
	for _, a := range c.ids {
		for _, b := range c.ids {
			if a != b && (group[a] != group[b] || group[a] == 0) {
				grudge[a] = append(grudge[a], b)
			}
		}
	}
	c.net.Partition(grudge)
}

// Heal removes every partition.
func (c *Cluster) Heal() { c.net.Heal() }

// Journal returns every network send and delivery so far.
func (c *Cluster) Journal() []network.Event { return c.net.Journal() }

// History returns the client and nemesis ops recorded so far.
func (c *Cluster) History() []history.Op { return slices.Clone(c.hist) }

// Errors returns what went wrong outside the checkers' view: a node that
// printed a malformed message or sent to an unknown id, an init that
// failed.
func (c *Cluster) Errors() []string { return slices.Clone(c.errs) }

// Check judges the history with the workload's checker.
func (c *Cluster) Check() checker.Result {
	return checker.Safely(func() checker.Result { return c.cfg.Workload.Check(c.History(), c.opts) })
}

// RunUntil processes every delivery and timer due up to virtual time t,
// and leaves the clock at t.
func (c *Cluster) RunUntil(t time.Duration) {
	for c.step(t) {
	}
	c.now = max(c.now, t)
}

// step runs the earliest thing due by limit and reports whether there was
// one. At equal times, timers run before deliveries.
func (c *Cluster) step(limit time.Duration) bool {
	next, ok := c.net.NextDeadline()
	if len(c.events) > 0 && (!ok || c.events[0].at <= next) {
		if c.events[0].at > limit {
			return false
		}
		e := heap.Pop(&c.events).(event)
		c.now = max(c.now, e.at)
		e.run()
		return true
	}
	if !ok || next > limit {
		return false
	}
	c.now = max(c.now, next)
	for _, m := range c.net.Deliver(c.now) {
		c.deliver(m)
	}
	return true
}

func (c *Cluster) deliver(m message.Message) {
	if n := c.nodes[m.Dest]; n != nil {
		c.sendFrom(m.Dest, n.m.Step(c.now, node.Message{Src: m.Src, Dest: m.Dest, Body: m.Body}))
		c.schedule(m.Dest, false)
		return
	}
	if svc := c.services[m.Dest]; svc != nil {
		r, ok, err := service.Serve(svc, m.Dest, m)
		switch {
		case err != nil:
			c.fail("%v", err)
		case ok:
			c.put(r)
		}
		return
	}
	if cl := c.clients[m.Dest]; cl != nil {
		cl.receive(m)
	}
}

// sendFrom puts a node's messages on the network, encoded as the binary
// would print them (node.EncodeBody checks that each body is a JSON
// object, which is all message.Parse would add for these lines).
func (c *Cluster) sendFrom(id string, outs []node.Out) {
	for _, o := range outs {
		body, err := node.EncodeBody(o.Body)
		if err != nil {
			c.fail("%s: message to %s: %v", id, o.Dest, err)
			continue
		}
		c.put(message.Message{Src: id, Dest: o.Dest, Body: body})
	}
}

func (c *Cluster) put(m message.Message) {
	if _, err := c.net.Send(c.now, m); err != nil {
		c.logf("%s -> %s: %v", m.Src, m.Dest, err)
		if !message.IsClient(m.Dest) {
			c.fail("%s sent %s: %v", m.Src, m.Body, err)
		}
	}
}

// schedule arms node id's next tick, replacing any armed before. After a
// tick, the next one is never at the same instant.
func (c *Cluster) schedule(id string, afterTick bool) {
	n := c.nodes[id]
	n.tickGen++
	next, ok := n.m.Next()
	if !ok {
		return
	}
	if afterTick {
		next = max(next, c.now+time.Microsecond)
	}
	gen := n.tickGen
	c.At(next, func() {
		if n.tickGen != gen {
			return
		}
		c.sendFrom(id, n.m.Tick(c.now))
		c.schedule(id, true)
	})
}

// Send puts a message from src (any id: a node, a client, a service) to
// dest on the network now, as if src had printed it.
func (c *Cluster) Send(src, dest string, body message.Body) {
	if !c.net.Registered(src) {
		c.net.Register(src)
	}
	c.put(message.New(src, dest, body))
}

// Init sends init to the given nodes (every node when none is named) from
// a client, now, and records an error if one is not answered init_ok.
func (c *Cluster) Init(ids ...string) {
	if len(ids) == 0 {
		ids = c.ids
	}
	for _, id := range ids {
		c.Call(id, message.Body{"type": "init", "node_id": id, "node_ids": c.ids}, client.DefaultTimeout, func(r message.Body, err error) {
			if err != nil || r.Type() != "init_ok" {
				c.fail("init of %s: got %v, %v", id, r, err)
			}
		})
	}
}

func (c *Cluster) fail(format string, a ...any) {
	msg := fmt.Sprintf("at %v: ", c.now) + fmt.Sprintf(format, a...)
	c.errs = append(c.errs, msg)
	c.logf("%s", msg)
}

func (c *Cluster) logf(format string, a ...any) {
	if c.cfg.Logf != nil {
		c.cfg.Logf("[%v] "+format, append([]any{c.now}, a...)...)
	}
}

// simClient is one client id with at most one request outstanding.
type simClient struct {
	c       *Cluster
	id      string
	msgID   int64
	waiting int64 // msg_id of the outstanding request, 0 if none
	done    func(message.Body, error)
}

func (c *Cluster) newClient() *simClient {
	c.nextClient++
	cl := &simClient{c: c, id: fmt.Sprintf("c%d", c.nextClient)}
	c.clients[cl.id] = cl
	c.net.Register(cl.id)
	return cl
}

func (cl *simClient) close() {
	delete(cl.c.clients, cl.id)
	cl.c.net.Deregister(cl.id)
}

// call sends body to dest and calls done with the reply, an *RPCError, or
// client.ErrTimeout after timeout.
func (cl *simClient) call(dest string, body message.Body, timeout time.Duration, done func(message.Body, error)) {
	cl.msgID++
	id := cl.msgID
	req := message.Body{}
	for k, v := range body {
		req[k] = v
	}
	req["msg_id"] = id
	cl.waiting, cl.done = id, done
	cl.c.put(message.New(cl.id, dest, req))
	cl.c.At(cl.c.now+timeout, func() {
		if cl.waiting == id {
			cl.waiting = 0
			done(nil, client.ErrTimeout)
		}
	})
}

func (cl *simClient) receive(m message.Message) {
	b, err := m.DecodeBody()
	if err != nil {
		return
	}
	if r, ok := b.Int("in_reply_to"); !ok || r != cl.waiting || cl.waiting == 0 {
		return
	}
	cl.waiting = 0
	done := cl.done
	if b.Type() == "error" {
		code, _ := b.Int("code")
		done(b, &client.RPCError{ErrorCode: client.LookupCode(int(code)), Text: b["text"], Body: b})
		return
	}
	done(b, nil)
}

// Call sends body from a fresh client to node id now, and calls done with
// the reply body (err nil), an error reply (*client.RPCError) or
// client.ErrTimeout after timeout.
func (c *Cluster) Call(id string, body message.Body, timeout time.Duration, done func(reply message.Body, err error)) {
	cl := c.newClient()
	cl.call(id, body, timeout, func(r message.Body, err error) {
		cl.close()
		done(r, err)
	})
}

type event struct {
	at  time.Duration
	seq int64
	run func()
}

type events []event

func (q events) Len() int { return len(q) }
func (q events) Less(i, j int) bool {
	if q[i].at != q[j].at {
		return q[i].at < q[j].at
	}
	return q[i].seq < q[j].seq
}
func (q events) Swap(i, j int) { q[i], q[j] = q[j], q[i] }
func (q *events) Push(x any)   { *q = append(*q, x.(event)) }
func (q *events) Pop() any {
	old := *q
	e := old[len(old)-1]
	*q = old[:len(old)-1]
	return e
}
