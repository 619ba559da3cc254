package main

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"sync"
	"testing"

	"github.com/glomers/glomers/internal/message"
	"github.com/glomers/glomers/internal/service"
)

// fakeKV is one node's connection to a shared seq-kv state machine: the
// real one from package service, so reads are as stale as Maelstrom's.
type fakeKV struct {
	mu  *sync.Mutex
	kv  *service.SeqKV
	src string
}

func (f fakeKV) call(req message.Body) message.Body {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.kv.Handle(f.src, req)
}

func (f fakeKV) Write(_ context.Context, key string, v Share) error {
	r := f.call(message.Body{"type": "write", "key": key, "value": map[string]any{"seq": v.Seq, "total": v.Total}})
	if r.Type() != "write_ok" {
		return fmt.Errorf("write: %v", r)
	}
	return nil
}

func (f fakeKV) Read(_ context.Context, key string) (Share, error) {
	r := f.call(message.Body{"type": "read", "key": key})
	if r.Type() == "error" {
		if c, _ := r.Int("code"); c == service.CodeKeyDoesNotExist {
			return Share{}, ErrNotFound
		}
		return Share{}, fmt.Errorf("read: %v", r)
	}
	m := message.Body(r["value"].(map[string]any))
	seq, _ := m.Int("seq")
	total, _ := m.Int("total")
	return Share{Seq: seq, Total: total}, nil
}

// cluster is n counters sharing one seq-kv.
type cluster struct {
	nodes    []string
	counters []*Counter
	kvs      []fakeKV
}

func newCluster(n int, seed uint64) *cluster {
	c := &cluster{}
	for i := range n {
		c.nodes = append(c.nodes, fmt.Sprint("n", i))
	}
	mu := &sync.Mutex{}
	kv := service.NewSeqKV(rand.New(rand.NewPCG(seed, 42)))
	for _, id := range c.nodes {
		c.counters = append(c.counters, NewCounter(id, c.nodes))
		c.kvs = append(c.kvs, fakeKV{mu: mu, kv: kv, src: id})
	}
	return c
}

func (c *cluster) sync(t *testing.T, i int) {
	t.Helper()
	if err := c.counters[i].Sync(context.Background(), c.kvs[i]); err != nil {
		t.Fatalf("sync %s: %v", c.nodes[i], err)
	}
}

// TestFinalReadsExact: after any history of adds and syncs, one sync of
// every node followed by one more sync of every node makes every node's
// value exact, however stale seq-kv's reads are; values never go down.
func TestFinalReadsExact(t *testing.T) {
	for seed := range uint64(300) {
		rng := rand.New(rand.NewPCG(seed, 1))
		n := 1 + rng.IntN(5)
		c := newCluster(n, seed)
		var total int64
		last := make([]int64, n)
		for range rng.IntN(200) {
			i := rng.IntN(n)
			if rng.IntN(3) == 0 {
				c.sync(t, i)
			} else {
				d := int64(rng.IntN(5))
				c.counters[i].Add(d)
				total += d
			}
			if v := c.counters[i].Value(); v < last[i] {
				t.Fatalf("seed %d: %s went from %d down to %d", seed, c.nodes[i], last[i], v)
			} else {
				last[i] = v
			}
		}
		for range 2 {
			for _, i := range rng.Perm(n) {
				c.sync(t, i)
			}
		}
		for i, ctr := range c.counters {
			if v := ctr.Value(); v != total {
				t.Fatalf("seed %d: %s reads %d, want %d", seed, c.nodes[i], v, total)
			}
		}
	}
}

// TestFinalReadsExactConcurrent runs adds and syncs of three nodes at once,
// then quiesces as the final phase does.
func TestFinalReadsExactConcurrent(t *testing.T) {
	for seed := range uint64(30) {
		c := newCluster(3, seed)
		var wg sync.WaitGroup
		totals := make([]int64, 3)
		for i := range c.counters {
			wg.Add(2)
			go func() { // a client adding on node i
				defer wg.Done()
				rng := rand.New(rand.NewPCG(seed, uint64(i)))
				for range 300 {
					d := int64(rng.IntN(5))
					c.counters[i].Add(d)
					totals[i] += d
				}
			}()
			go func() { // node i's sync loop
				defer wg.Done()
				for range 30 {
					c.sync(t, i)
				}
			}()
		}
		wg.Wait()
		for range 2 {
			for i := range c.counters {
				c.sync(t, i)
			}
		}
		want := totals[0] + totals[1] + totals[2]
		for i, ctr := range c.counters {
			if v := ctr.Value(); v != want {
				t.Fatalf("seed %d: %s reads %d, want %d", seed, c.nodes[i], v, want)
			}
		}
	}
}

// TestReadsWithoutPublishingGoStale shows that the fake is stale enough to
// matter: a node that only reads its peers' keys, without first making a
// state-changing write, can miss their last shares however many times it
// reads.
func TestReadsWithoutPublishingGoStale(t *testing.T) {
	wrong := 0
	for seed := range uint64(50) {
		c := newCluster(3, seed)
		for i, ctr := range c.counters {
			ctr.Add(int64(i + 1))
		}
		// n0 publishes first, then n1 and n2 publish: n0's view is at its
		// own write, older than theirs.
		for i := range c.counters {
			c.sync(t, i)
		}
		readOnly := func() {
			for _, p := range c.counters[0].peers {
				if s, err := c.kvs[0].Read(context.Background(), Key(p)); err == nil {
					c.counters[0].learn(p, s)
				} else if !errors.Is(err, ErrNotFound) {
					t.Fatal(err)
				}
			}
		}
		readOnly()
		if c.counters[0].Value() != 6 {
			wrong++
		}
	}
	if wrong == 0 {
		t.Error("plain reads were never stale; the fake does not model seq-kv")
	}
}

func TestCounterUnit(t *testing.T) {
	ctr := NewCounter("n1", []string{"n0", "n1", "n2"})
	if got := ctr.peers; len(got) != 2 || got[0] != "n0" || got[1] != "n2" {
		t.Fatalf("peers %v", got)
	}
	ctr.Add(3)
	ctr.learn("n0", Share{Seq: 2, Total: 10})
	ctr.learn("n0", Share{Seq: 1, Total: 4}) // older: ignored
	ctr.learn("n2", Share{Seq: 1, Total: 1})
	if v := ctr.Value(); v != 14 {
		t.Errorf("Value = %d, want 14", v)
	}
	if Key("n1") != "g-counter/n1" {
		t.Errorf("Key = %s", Key("n1"))
	}
}
