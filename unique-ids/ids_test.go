package main

import (
	"fmt"
	"regexp"
	"sync"
	"testing"
	"time"

	"github.com/glomers/glomers/internal/checker"
	"github.com/glomers/glomers/internal/sim"
	"github.com/glomers/glomers/internal/workload/uniqueids"
	"github.com/glomers/glomers/node"
)

func TestIDsUnique(t *testing.T) {
	const perSource = 20_000
	seen := map[string]string{}
	add := func(source, id string) {
		if prev, dup := seen[id]; dup {
			t.Fatalf("%s repeated ID %q first given by %s", source, id, prev)
		}
		seen[id] = source
	}
	sources := []struct{ node, boot string }{
		{"n0", NewBoot()},
		{"n0", NewBoot()}, // n0 restarted
		{"n1", NewBoot()},
		{"n2", NewBoot()},
		// Adversarial prefixes: node ids with dashes and equal boots
		// still cannot collide, because the boot has a fixed width.
		{"n1-0000000000000000", "0000000000000000"},
		{"n1", "0000000000000000"},
	}
	for _, s := range sources {
		g := NewIDs(s.node, s.boot)
		for range perSource {
			add(s.node+"/"+s.boot, g.Next())
		}
	}
	if len(seen) != len(sources)*perSource {
		t.Errorf("%d distinct IDs, want %d", len(seen), len(sources)*perSource)
	}
}

func TestIDsConcurrent(t *testing.T) {
	g := NewIDs("n0", NewBoot())
	const workers, each = 8, 5_000
	out := make(chan string, workers*each)
	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range each {
				out <- g.Next()
			}
		}()
	}
	wg.Wait()
	close(out)
	seen := map[string]bool{}
	for id := range out {
		if seen[id] {
			t.Fatalf("repeated ID %q", id)
		}
		seen[id] = true
	}
}

func TestBootsDiffer(t *testing.T) {
	seen := map[string]bool{}
	shape := regexp.MustCompile(`^[0-9a-f]{16}$`)
	for range 1000 {
		b := NewBoot()
		if !shape.MatchString(b) {
			t.Fatalf("boot %q is not 16 hex digits", b)
		}
		if seen[b] {
			t.Fatalf("boot %q drawn twice", b)
		}
		seen[b] = true
	}
}

func TestGenerate(t *testing.T) {
	g := NewIDs("n3", "00000000000000ff")
	for i, want := range []string{"n3-00000000000000ff-1", "n3-00000000000000ff-2"} {
		got := Generate(g)
		if got.Type != "generate_ok" || got.ID != want {
			t.Errorf("call %d: %+v, want id %s", i, got, want)
		}
	}
}

func TestScenarioSeeds(t *testing.T) {
	sim.Seeds(t, 200, func(t *testing.T, seed uint64) {
		c := sim.New(sim.Config{Nodes: 3, New: NewNode(fmt.Sprintf("%016x", seed)), Seed: seed, Workload: uniqueids.Workload()})
		c.Chaos(50, 3*time.Second)
		// A second init, in the middle of the run, must not restart the
		// counter.
		c.Init()
		c.Chaos(50, 3*time.Second)
		c.Verify(t)
	})
}

// Ids that restart on a second init are caught.
func TestScenarioCatchesRestartedCounter(t *testing.T) {
	c := sim.New(sim.Config{Nodes: 3, New: restarting, Seed: 1, Workload: uniqueids.Workload()})
	c.Chaos(50, 3*time.Second)
	c.Init()
	c.Chaos(50, 3*time.Second)
	if v := c.Check().Validity(); v != checker.Invalid {
		t.Errorf("ids that restart on init were judged %v", v)
	}
}

// restarting builds broken nodes whose counter starts again now and then,
// as a node that reset its state on a repeated init would.
func restarting(id string, ids []string) node.Core {
	return &resetting{Node: Node{ids: NewIDs(id, "0000000000000000")}, id: id}
}

type resetting struct {
	Node
	id    string
	calls int
}

// Handle resets the counter every 50 requests, as a node that re-ran its
// init would.
func (r *resetting) Handle(now time.Duration, msg node.Message) []node.Out {
	if r.calls++; r.calls%50 == 0 {
		r.ids = NewIDs(r.id, "0000000000000000")
	}
	return r.Node.Handle(now, msg)
}
