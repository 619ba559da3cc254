package runner

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"sync"

	"github.com/glomers/glomers/internal/history"
	"github.com/glomers/glomers/internal/nemesis"
)

// partitioning reports whether --nemesis asked for partitions.
func (t *test) partitioning() bool { return slices.Contains(t.cfg.Nemesis, "partition") }

// startNemesis runs the partition schedule of the main phase on its own
// goroutine. The returned function stops it and waits for it.
func (t *test) startNemesis(rng *rand.Rand) (stop func()) {
	if !t.partitioning() {
		return func() {}
	}
	t.nemesis = nemesis.NewPartitioner(t.drv, t.cfg.Nodes, rand.New(rand.NewPCG(rng.Uint64(), rng.Uint64())))
	schedule := nemesis.NewSchedule(t.cfg.NemesisInterval, t.cfg.TimeLimit, rand.New(rand.NewPCG(rng.Uint64(), rng.Uint64())))
	start := t.drv.Now()
	done := make(chan struct{})
	var wg sync.WaitGroup
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
	return func() { close(done); wg.Wait() }
}

// nemesisStep records a nemesis invocation, applies it, and records its
// completion.
func (t *test) nemesisStep(op history.Op) {
	inv := t.rec.add(op)
	done, err := t.nemesis.Apply(inv)
	if err != nil {
		t.note(fmt.Errorf("nemesis: %w", err))
		return
	}
	t.rec.add(done)
}
