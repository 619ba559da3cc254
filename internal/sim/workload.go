package sim

import (
	"context"
	"errors"
	"math/rand/v2"
	"time"

	"github.com/glomers/glomers/internal/client"
	"github.com/glomers/glomers/internal/history"
	"github.com/glomers/glomers/internal/message"
	"github.com/glomers/glomers/internal/workload"
)

// The workload's clients run as coroutines: each is a goroutine, but only
// one runs at a time, and only while the cluster waits for it to block
// (on an RPC or a sleep, in virtual time) or finish. So the workloads'
// own blocking code (Invoke, generators that pause) runs unchanged and
// the run stays deterministic.

type yieldKind int

const (
	yieldCall yieldKind = iota
	yieldSleep
	yieldDone
)

// yieldMsg is what a coroutine hands the cluster when it blocks or ends.
type yieldMsg struct {
	kind    yieldKind
	cl      *simClient
	dest    string
	body    message.Body
	timeout time.Duration
	d       time.Duration
	panic   any
}

type resumeMsg struct {
	reply message.Body
	err   error
}

// coroutine is the running coroutine, if any: the one the blocking calls
// belong to.
type coroutine struct {
	resume chan resumeMsg
}

// spawn starts f as a coroutine and runs it until it first blocks.
func (c *Cluster) spawn(f func(co *coroutine)) {
	co := &coroutine{resume: make(chan resumeMsg)}
	go func() {
		<-co.resume
		defer func() {
			c.yield <- yieldMsg{kind: yieldDone, panic: recover()}
		}()
		f(co)
	}()
	c.resume(co, resumeMsg{})
}

// resume runs co until it blocks again, and arranges its next resumption.
func (c *Cluster) resume(co *coroutine, r resumeMsg) {
	c.running = co
	co.resume <- r
	y := <-c.yield
	switch y.kind {
	case yieldCall:
		y.cl.call(y.dest, y.body, y.timeout, func(reply message.Body, err error) {
			c.resume(co, resumeMsg{reply, err})
		})
	case yieldSleep:
		c.At(c.now+y.d, func() { c.resume(co, resumeMsg{}) })
	case yieldDone:
		if y.panic != nil {
			panic(y.panic)
		}
	}
}

// block hands control back to the cluster until co is resumed.
func (c *Cluster) block(co *coroutine, y yieldMsg) resumeMsg {
	c.yield <- y
	return <-co.resume
}

// sleep pauses the running coroutine for d of virtual time. It is the
// workload's Options.Sleep, and must only be called from a coroutine.
func (c *Cluster) sleep(d time.Duration) {
	if c.running == nil {
		panic("sim: Sleep outside a client coroutine")
	}
	c.block(c.running, yieldMsg{kind: yieldSleep, d: max(d, 0)})
}

// worker is one client thread, as the runner's: a process id that changes
// after an indeterminate completion, and a node it talks to.
type worker struct {
	thread  int
	process history.Process
	node    string
	client  *simClient
}

// record appends op to the history: invocations keep their time if set,
// completions are stamped now.
func (c *Cluster) record(op history.Op) history.Op {
	if op.Type != history.Invoke || op.Time == 0 {
		op.Time = int64(c.now)
	}
	op.Index = len(c.hist)
	c.hist = append(c.hist, op)
	return op
}

// perform invokes op on w's node from coroutine co and records the
// invocation and completion.
func (c *Cluster) perform(co *coroutine, w *worker, op history.Op, gen any) {
	wl := c.cfg.Workload
	op.Process = w.process
	op.Type = history.Invoke
	inv := c.record(op)
	if w.client == nil {
		w.client = c.newClient()
	}
	call := func(_ context.Context, body message.Body) (message.Body, error) {
		r := c.block(co, yieldMsg{kind: yieldCall, cl: w.client, dest: w.node, body: body, timeout: wl.Timeout(c.opts)})
		if r.err != nil {
			return r.reply, r.err
		}
		if s, ok := wl.ReplySchemas[body.Type()]; ok {
			if err := s.Validate(w.node, body, r.reply); err != nil {
				return r.reply, err
			}
		}
		return r.reply, nil
	}
	done, err := wl.Invoke(context.Background(), call, inv)
	var malformed *client.MalformedReplyError
	switch {
	case err == nil:
	case wl.NoErrorMapping, errors.As(err, &malformed):
		done = client.Indeterminate(inv, err)
	default:
		done = client.Complete(inv, err, wl.Idempotent[inv.F])
	}
	done.Index, done.Time = 0, 0
	done = c.record(done)
	if u, ok := gen.(workload.Updater); ok {
		u.Update(done)
	}
	if done.Type == history.Info {
		w.process += history.Process(c.opts.Concurrency)
		if !wl.ReusableClient {
			w.client.close()
			w.client = nil
		}
	}
}

// Setup runs the workload's per-node setup (broadcast's topology) from a
// client of each node, now.
func (c *Cluster) Setup() {
	wl := c.cfg.Workload
	if wl.Setup == nil {
		return
	}
	for _, id := range c.ids {
		c.spawn(func(co *coroutine) {
			cl := c.newClient()
			defer cl.close()
			call := func(_ context.Context, body message.Body) (message.Body, error) {
				r := c.block(co, yieldMsg{kind: yieldCall, cl: cl, dest: id, body: body, timeout: wl.Timeout(c.opts)})
				return r.reply, r.err
			}
			if err := wl.Setup(context.Background(), c.opts, id, call); err != nil {
				c.fail("setup of %s: %v", id, err)
			}
		})
	}
}

// Start begins the main phase now: every worker performs the workload's
// operations, spaced as the runner's stagger spaces them (rate per second
// in all), until d has passed. RunUntil advances it.
func (c *Cluster) Start(rate float64, d time.Duration) {
	gen := c.cfg.Workload.Generator(c.opts)
	cutoff := c.now + d
	var maxGap time.Duration
	if rate > 0 {
		maxGap = time.Duration(2 / rate * float64(time.Second))
	}
	var nextSlot time.Duration
	rng := c.opts.Rand
	for _, w := range c.workers {
		c.busy++
		c.spawn(func(co *coroutine) {
			defer func() { c.busy-- }()
			for rate > 0 {
				slot := max(c.now, nextSlot)
				if maxGap > 0 {
					nextSlot = slot + time.Duration(rng.Int64N(int64(maxGap)))
				}
				if slot >= cutoff {
					return
				}
				if slot > c.now {
					c.block(co, yieldMsg{kind: yieldSleep, d: slot - c.now})
				}
				op, ok := gen.Next(w.thread)
				if !ok {
					return
				}
				op.Time = int64(slot)
				c.perform(co, w, op, gen)
			}
		})
	}
}

// Final ends the test as the runner does: it waits for the main phase's
// operations to finish, heals the network, waits RecoveryWait, then has
// every worker perform its final operations, and runs until they are all
// done (or an hour of virtual time has passed).
func (c *Cluster) Final() {
	limit := c.now + time.Hour
	for c.busy > 0 && c.step(limit) {
	}
	c.Heal()
	c.RunUntil(c.now + RecoveryWait)
	wl := c.cfg.Workload
	var next func(thread int) (history.Op, bool)
	if wl.FinalGenerator != nil {
		next = wl.FinalGenerator(c.opts).Next
	} else {
		lists := map[int][]history.Op{}
		for _, w := range c.workers {
			if wl.Final != nil {
				lists[w.thread] = wl.Final(c.opts, w.thread)
			}
		}
		next = func(thread int) (history.Op, bool) {
			ops := lists[thread]
			if len(ops) == 0 {
				return history.Op{}, false
			}
			lists[thread] = ops[1:]
			return ops[0], true
		}
	}
	for _, w := range c.workers {
		c.busy++
		c.spawn(func(co *coroutine) {
			defer func() { c.busy-- }()
			for {
				op, ok := next(w.thread)
				if !ok {
					return
				}
				op.Time = 0
				c.perform(co, w, op, nil)
			}
		})
	}
	for c.busy > 0 && c.step(limit) {
	}
	if c.busy > 0 {
		c.fail("%d workers still busy an hour after the final phase began", c.busy)
	}
}

// Test runs a whole test: init, setup, the main phase at rate for d
// (calling during, if set, at its start to schedule faults), and the
// final phase. It returns the checker's result.
func (c *Cluster) Test(rate float64, d time.Duration, during func()) {
	c.Init()
	c.RunUntil(c.now + time.Millisecond)
	c.Setup()
	c.RunUntil(c.now + time.Second)
	start := c.now
	c.Start(rate, d)
	if during != nil {
		during()
	}
	c.RunUntil(start + d)
	c.Final()
}

// Chaos runs the scenario every solution's seeds go through: the nodes
// are initialized one by one at random instants of the first 300 ms while
// the clients already run (so peers' messages and client requests reach
// a node just before or right behind its init), and during the main
// phase of d at rate ops/s the network is cut at random every 0.5–1.5 s:
// one node isolated, a random split in two, a one-way cut, or healed.
// The final phase follows.
func (c *Cluster) Chaos(rate float64, d time.Duration) {
	rng := rand.New(rand.NewPCG(c.rng.Uint64(), c.rng.Uint64()))
	start := c.now
	for _, i := range rng.Perm(len(c.ids)) {
		id := c.ids[i]
		c.At(start+time.Duration(rng.Int64N(int64(300*time.Millisecond))), func() { c.Init(id) })
	}
	c.Setup()
	c.Start(rate, d)
	for at := start + 500*time.Millisecond; at < start+d; at += 500*time.Millisecond + time.Duration(rng.Int64N(int64(time.Second))) {
		ids := c.IDs()
		rng.Shuffle(len(ids), func(i, j int) { ids[i], ids[j] = ids[j], ids[i] })
		k := 1 + rng.IntN(max(len(ids)-1, 1))
		switch rng.IntN(4) {
		case 0:
			c.At(at, func() { c.Heal(); c.Isolate(ids[:1], ids[1:]) })
		case 1:
			c.At(at, func() { c.Heal(); c.Isolate(ids[:k], ids[k:]) })
		case 2:
			c.At(at, func() { c.Heal(); c.Partition(map[string][]string{ids[0]: ids[1:k]}) })
		default:
			c.At(at, c.Heal)
		}
	}
	c.RunUntil(start + d)
	c.Final()
}
