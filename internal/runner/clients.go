package runner

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"sync"
	"time"

	"github.com/glomers/glomers/internal/client"
	"github.com/glomers/glomers/internal/history"
	"github.com/glomers/glomers/internal/message"
	"github.com/glomers/glomers/internal/workload"
)

// recorder appends ops to the history with dense indices.
type recorder struct {
	mu      sync.Mutex
	now     func() time.Duration
	log     *logger
	history []history.Op
	counts  map[history.Type]int
}

func newRecorder(now func() time.Duration, log *logger) *recorder {
	return &recorder{now: now, log: log, counts: map[history.Type]int{}}
}

// add records op. Invocations keep the time they were scheduled for;
// completions are stamped now.
func (r *recorder) add(op history.Op) history.Op {
	r.mu.Lock()
	defer r.mu.Unlock()
	if op.Type != history.Invoke || op.Time == 0 {
		op.Time = int64(r.now())
	}
	op.Index = len(r.history)
	r.history = append(r.history, op)
	r.counts[op.Type]++
	thread := "jepsen worker nemesis"
	if op.IsClient() {
		thread = fmt.Sprintf("jepsen worker %d", op.Process)
	}
	r.log.fileOnly(thread, "%s", history.TextLine(op))
	return op
}

func (r *recorder) ops() []history.Op {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]history.Op(nil), r.history...)
}

func (r *recorder) count(t history.Type) int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.counts[t]
}

// worker is one client thread: it keeps a process id, which changes after
// an indeterminate completion, and talks to one node.
type worker struct {
	thread  int
	process history.Process
	node    string
	client  *client.Client
}

func (t *test) newWorkers() []*worker {
	ws := make([]*worker, t.cfg.Concurrency)
	for i := range ws {
		ws[i] = &worker{thread: i, process: history.Process(i), node: t.cfg.Nodes[i%len(t.cfg.Nodes)]}
	}
	return ws
}

// perform invokes op on w's node and records the invocation and
// completion; gen, when it is a workload.Updater, is told of the
// completion.
func (t *test) perform(w *worker, op history.Op, gen any) {
	op.Process = w.process
	op.Type = history.Invoke
	inv := t.rec.add(op)
	if w.client == nil {
		w.client = t.newClient()
	}
	done := t.invoke(w, inv)
	done.Index, done.Time = 0, 0
	done = t.rec.add(done)
	if u, ok := gen.(workload.Updater); ok {
		u.Update(done)
	}
	if done.Type == history.Info {
		w.process += history.Process(t.cfg.Concurrency)
		if !t.cfg.Workload.ReusableClient {
			w.client.Close()
			w.client = nil
		}
	}
}

func (t *test) invoke(w *worker, op history.Op) history.Op {
	wl := t.cfg.Workload
	c := w.client
	call := func(ctx context.Context, body message.Body) (message.Body, error) {
		reply, err := c.Call(ctx, w.node, body, wl.Timeout(t.opts))
		if err != nil {
			return reply, err
		}
		if s, ok := wl.ReplySchemas[body.Type()]; ok {
			if err := s.Validate(w.node, body, reply); err != nil {
				return reply, err
			}
		}
		return reply, nil
	}
	done, err := wl.Invoke(t.ctx, call, op)
	var malformed *client.MalformedReplyError
	if errors.As(err, &malformed) {
		t.malformed(malformed)
	}
	switch {
	case err == nil:
		return done
	case wl.NoErrorMapping, malformed != nil:
		return client.Indeterminate(op, err)
	}
	return client.Complete(op, err, wl.Idempotent[op.F])
}

// mainPhase hands out the workload's operations to free workers at the
// staggered rate until the time limit.
func (t *test) mainPhase(rng *rand.Rand) {
	limit := t.cfg.TimeLimit
	if t.cfg.Rate <= 0 {
		stop := t.startNemesis(rng)
		t.sleepOr(limit, t.stop)
		stop()
		return
	}
	stopNemesis := t.startNemesis(rng)
	defer stopNemesis()
	gen := t.cfg.Workload.Generator(t.opts)
	stagger := NewStagger(t.cfg.Rate, rng)
	start := t.drv.Now()
	cutoff := start + limit
	issued := 0
	cpu := cpuTime()
	defer func() {
		t.mainOps, t.mainTime, t.mainCPU = issued, t.drv.Now()-start, cpuTime()-cpu
	}()
	workers := t.workers
	free := make(chan int, len(workers))
	work := make([]chan history.Op, len(workers))
	var wg sync.WaitGroup
	for i, w := range workers {
		work[i] = make(chan history.Op, 1)
		free <- i
		wg.Add(1)
		go func() {
			defer wg.Done()
			for op := range work[i] {
				t.perform(w, op, gen)
				free <- i
			}
		}()
	}
	defer func() {
		for _, ch := range work {
			close(ch)
		}
		wg.Wait()
	}()
	deadline := time.NewTimer(limit)
	defer deadline.Stop()
	for {
		var th int
		select {
		case th = <-free:
		case <-deadline.C:
			return
		case <-t.ctx.Done():
			return
		case <-t.stop:
			return
		}
		// Wait for the stagger's slot, then go out at the time it is
		// now, as Jepsen's interpreter does.
		for w := stagger.Wait(t.drv.Now()); w > 0; w = stagger.Wait(t.drv.Now()) {
			if !t.sleepOr(w, t.stop) {
				return
			}
		}
		now := t.drv.Now()
		if now >= cutoff {
			return
		}
		op, ok := gen.Next(th)
		if !ok {
			return
		}
		stagger.Issued(now)
		op.Time = int64(now)
		issued++
		work[th] <- op
	}
}

// finalPhase heals the network, resumes paused nodes and restarts killed
// ones, waits for recovery, then has each worker thread, keeping its
// process and client from the main phase, perform its final operations.
func (t *test) finalPhase() {
	t.heal()
	t.restore()
	t.log.info("Waiting for recovery...")
	if !t.sleepOr(t.cfg.recoveryWait(), t.stop) {
		return
	}
	next := t.finalOps()
	var wg sync.WaitGroup
	for _, w := range t.workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for t.ctx.Err() == nil && t.interrupted() == nil {
				op, ok := next(w.thread)
				if !ok {
					return
				}
				op.Time = 0
				t.perform(w, op, nil)
			}
		}()
	}
	wg.Wait()
}

// finalOps returns the source of final-phase operations: the workload's
// FinalGenerator, or its fixed Final list for each thread.
func (t *test) finalOps() func(thread int) (history.Op, bool) {
	wl := t.cfg.Workload
	if wl.FinalGenerator != nil {
		return wl.FinalGenerator(t.opts).Next
	}
	var mu sync.Mutex
	lists := map[int][]history.Op{}
	for _, w := range t.workers {
		lists[w.thread] = wl.Final(t.opts, w.thread)
	}
	return func(thread int) (history.Op, bool) {
		mu.Lock()
		defer mu.Unlock()
		ops := lists[thread]
		if len(ops) == 0 {
			return history.Op{}, false
		}
		lists[thread] = ops[1:]
		return ops[0], true
	}
}

// closeClients takes every worker's client off the network.
func (t *test) closeClients() {
	for _, w := range t.workers {
		if w.client != nil {
			w.client.Close()
			w.client = nil
		}
	}
}

// sleepOr waits d unless the test is stopped or done is closed first,
// and reports whether it slept the whole time.
func (t *test) sleepOr(d time.Duration, done <-chan struct{}) bool {
	if d <= 0 {
		select {
		case <-done:
			return false
		default:
			return t.ctx.Err() == nil
		}
	}
	timer := time.NewTimer(d)
	defer timer.Stop()
	select {
	case <-timer.C:
		return true
	case <-t.ctx.Done():
		return false
	case <-done:
		return false
	}
}

// showProgress prints a live status line until the returned function is
// called.
func (t *test) showProgress() (stop func()) {
	if !t.cfg.Progress || t.cfg.Console == nil {
		return func() {}
	}
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		tick := time.NewTicker(time.Second)
		defer tick.Stop()
		for {
			select {
			case <-done:
				t.log.raw("\r\033[K")
				return
			case <-tick.C:
				t.log.raw("\r\033[K[%5.1fs / %s] ops %d  ok %d  fail %d  info %d",
					t.drv.Now().Seconds(), t.cfg.TimeLimit, t.rec.count(history.Invoke),
					t.rec.count(history.OK), t.rec.count(history.Fail), t.rec.count(history.Info))
			}
		}
	}()
	return func() { close(done); wg.Wait() }
}
