package runner

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"sync"
	"time"

	"github.com/glomers/glomers/internal/history"
	"github.com/glomers/glomers/internal/nemesis"
)

// faulting reports whether --nemesis asked for fault f.
func (t *test) faulting(f nemesis.Fault) bool { return slices.Contains(t.cfg.Nemesis, string(f)) }

// nodeFaults is what the kill and pause nemeses have done to the nodes.
type nodeFaults struct {
	mu      sync.Mutex
	rng     *rand.Rand
	killed  map[string]bool // killed and not yet running again
	paused  map[string]bool
	resumed map[string]time.Duration // when each node was last resumed
}

// lateAfterPause is how long after a resume a node's replies may still
// come too late for their clients (the longest client timeout, init's).
const lateAfterPause = 10 * time.Second

// pausedLately reports whether the pause nemesis has node paused, or
// resumed it so recently that its clients may have given up on replies
// it owed them: such late replies are the pause's doing, not the node's.
func (t *test) pausedLately(node string) bool {
	t.faults.mu.Lock()
	defer t.faults.mu.Unlock()
	at, resumed := t.faults.resumed[node]
	return t.faults.paused[node] || resumed && t.drv.Now()-at < lateAfterPause
}

// startNemesis runs the schedules of the faults --nemesis asked for during
// the main phase, each on its own goroutine: one for partitions, one for
// kills and pauses (which take turns). The returned function stops
// them and waits for them; it leaves nodes killed or paused (restore
// brings them back).
func (t *test) startNemesis(rng *rand.Rand) (stop func()) {
	var schedules []*nemesis.Schedule
	if t.faulting(nemesis.Partition) {
		t.nemesis = nemesis.NewPartitioner(t.drv, t.cfg.Nodes, rand.New(rand.NewPCG(rng.Uint64(), rng.Uint64())))
		schedules = append(schedules, nemesis.NewSchedule(t.cfg.NemesisInterval, t.cfg.TimeLimit, rand.New(rand.NewPCG(rng.Uint64(), rng.Uint64()))))
	}
	var nodeFaults []nemesis.Fault
	for _, f := range []nemesis.Fault{nemesis.Kill, nemesis.Pause} {
		if t.faulting(f) {
			nodeFaults = append(nodeFaults, f)
		}
	}
	if len(nodeFaults) > 0 {
		schedules = append(schedules, nemesis.NewNodeSchedule(nodeFaults, t.cfg.NemesisInterval, t.cfg.TimeLimit, rand.New(rand.NewPCG(rng.Uint64(), rng.Uint64()))))
	}
	if len(schedules) == 0 {
		return func() {}
	}
	t.faults.rng = rand.New(rand.NewPCG(rng.Uint64(), rng.Uint64()))
	start := t.drv.Now()
	done := make(chan struct{})
	var wg sync.WaitGroup
	for _, schedule := range schedules {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				step, ok := schedule.Next()
				if !ok {
					return
				}
				select {
				case <-done:
					return
				default:
				}
				if !t.sleepOr(start+step.At-t.drv.Now(), done) {
					return
				}
				t.nemesisStep(step.Invocation())
			}
		}()
	}
	return func() { close(done); wg.Wait() }
}

// nemesisStep records a nemesis invocation, applies it, and records its
// completion.
func (t *test) nemesisStep(op history.Op) {
	inv := t.rec.add(op)
	var done history.Op
	var err error
	switch inv.F {
	case nemesis.FKill, nemesis.FRestart, nemesis.FPause, nemesis.FResume:
		done, err = t.nodeStep(inv)
	default:
		done, err = t.nemesis.Apply(inv)
	}
	if err != nil {
		t.note(fmt.Errorf("nemesis: %w", err))
		return
	}
	t.rec.add(done)
}

// nodeStep performs a kill, restart, pause or resume and returns its
// completion. A node that cannot be restarted stops the test as a crash.
func (t *test) nodeStep(inv history.Op) (history.Op, error) {
	results := map[string]history.Keyword{}
	switch inv.F {
	case nemesis.FKill, nemesis.FPause:
		spec, _ := inv.Value.(history.Keyword)
		targets, err := t.pickTargets(inv.F, nemesis.Spec(spec))
		if err != nil {
			return history.Op{}, err
		}
		for _, id := range targets {
			if inv.F == nemesis.FKill {
				t.killNode(id)
				results[id] = nemesis.Killed
				continue
			}
			if err := t.proc(id).Pause(); err != nil {
				t.note(fmt.Errorf("nemesis: pause %s: %w", id, err))
				continue
			}
			results[id] = nemesis.Paused
		}
	case nemesis.FRestart:
		for _, id := range t.cfg.Nodes {
			results[id] = nemesis.AlreadyRunning
		}
		var errs []error
		for _, id := range t.takeFaulted(t.faults.killed) {
			if err := t.restartNode(id); err != nil {
				errs = append(errs, err)
				continue
			}
			results[id] = nemesis.Started
		}
		if err := errors.Join(errs...); err != nil {
			t.cancel(err)
		}
	case nemesis.FResume:
		for _, id := range t.cfg.Nodes {
			results[id] = nemesis.AlreadyRunning
		}
		for _, id := range t.takeFaulted(t.faults.paused) {
			err := t.proc(id).Resume()
			t.faults.mu.Lock()
			t.faults.resumed[id] = t.drv.Now()
			t.faults.mu.Unlock()
			t.unmark(t.faults.paused, id)
			if err != nil {
				t.note(fmt.Errorf("nemesis: resume %s: %w", id, err))
				continue
			}
			results[id] = nemesis.Resumed
		}
	}
	return nemesis.NodeCompletion(inv.F, results), nil
}

// pickTargets chooses the running nodes a kill or pause acts on and marks
// them, keeping at most nemesis.MaxDown nodes killed or paused at once.
func (t *test) pickTargets(f history.Keyword, spec nemesis.Spec) ([]string, error) {
	fs := &t.faults
	fs.mu.Lock()
	defer fs.mu.Unlock()
	var running []string
	for _, id := range t.cfg.Nodes {
		if !fs.killed[id] && !fs.paused[id] {
			running = append(running, id)
		}
	}
	room := nemesis.MaxDown(len(t.cfg.Nodes)) - (len(t.cfg.Nodes) - len(running))
	targets, err := nemesis.Targets(spec, running, len(t.cfg.Nodes), room, fs.rng)
	if err != nil {
		return nil, err
	}
	mark := fs.paused
	if f == nemesis.FKill {
		mark = fs.killed
	}
	for _, id := range targets {
		mark[id] = true
	}
	return targets, nil
}

// takeFaulted returns the nodes in set (killed or paused), in test order.
// They stay marked until the caller is done with them, so that no other
// nemesis picks them meanwhile.
func (t *test) takeFaulted(set map[string]bool) []string {
	t.faults.mu.Lock()
	defer t.faults.mu.Unlock()
	var ids []string
	for _, id := range t.cfg.Nodes {
		if set[id] {
			ids = append(ids, id)
		}
	}
	return ids
}

// unmark clears id from set once it runs normally again.
func (t *test) unmark(set map[string]bool, id string) {
	t.faults.mu.Lock()
	defer t.faults.mu.Unlock()
	delete(set, id)
}

// killNode SIGKILLs a node's process group. From now on every message due
// to it is dropped, so clients bound to it time out.
func (t *test) killNode(id string) {
	t.drv.Down(id)
	t.log.fileOnly("jepsen nemesis", "Killing %s", id)
	t.proc(id).Kill()
}

// restartNode starts a fresh process for a killed node and sends it init
// again, with the same node_ids. Until it answers init_ok, it hears only
// the init client.
func (t *test) restartNode(id string) error {
	t.log.fileOnly("jepsen nemesis", "Starting %s again", id)
	if _, err := t.launch(id, true); err != nil {
		return fmt.Errorf("the nemesis killed node %s and could not start it again: %w", id, err)
	}
	c := t.newClient()
	defer c.Close()
	t.drv.Down(id, c.ID())
	if err := t.initNodeVia(t.ctx, c, id); err != nil {
		return fmt.Errorf("the nemesis killed node %s and started it again, but it did not come back: %w", id, err)
	}
	t.drv.Up(id)
	t.unmark(t.faults.killed, id)
	return nil
}

// restore ends every kill and pause before the final phase: it resumes
// paused nodes and restarts killed ones, recording Jepsen's final
// :resume and :start operations for the faults --nemesis asked for.
func (t *test) restore() {
	if t.faulting(nemesis.Pause) {
		t.nemesisStep(nemesis.NodeInvocation(nemesis.FResume, nemesis.Spec(nemesis.All)))
	}
	if t.faulting(nemesis.Kill) && t.ctx.Err() == nil {
		t.nemesisStep(nemesis.NodeInvocation(nemesis.FRestart, nemesis.Spec(nemesis.All)))
	}
}
