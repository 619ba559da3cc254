// Command g-counter is the solution to challenge 4, a grow-only counter on
// top of Maelstrom's sequentially consistent seq-kv. Each node owns one
// seq-kv key. It answers add and read at once from memory, and in the
// background it publishes its own share and learns the others' (see
// README.md for why the final reads are exact).
package main

import (
	"context"
	"errors"
	"fmt"
	"sync"
)

// ErrNotFound is what KV.Read returns for a key nobody has written yet.
var ErrNotFound = errors.New("key does not exist")

// KV is the part of seq-kv the counter uses.
type KV interface {
	// Write sets key to value.
	Write(ctx context.Context, key string, value Share) error
	// Read returns the value of key, or ErrNotFound.
	Read(ctx context.Context, key string) (Share, error)
}

// Share is what a node publishes under its key: its own total, and the
// number of the sync that published it. Seq makes every write a new value,
// so every write changes seq-kv's state and moves the writer's view to the
// newest state; it also orders a node's publications.
type Share struct {
	Seq   int64 `json:"seq"`
	Total int64 `json:"total"`
}

// Key is the seq-kv key that node owns.
func Key(node string) string { return "g-counter/" + node }

// Counter is one node's counter. It is safe for concurrent use.
type Counter struct {
	self  string
	peers []string

	mu    sync.Mutex
	own   int64            // sum of the deltas added on this node
	seq   int64            // syncs started
	known map[string]Share // the newest share learned from each peer
}

// NewCounter returns the counter of node self in a cluster of nodes.
func NewCounter(self string, nodes []string) *Counter {
	c := &Counter{self: self, known: map[string]Share{}}
	for _, n := range nodes {
		if n != self {
			c.peers = append(c.peers, n)
		}
	}
	return c
}

// Add adds delta to this node's share.
func (c *Counter) Add(delta int64) {
	c.mu.Lock()
	c.own += delta
	c.mu.Unlock()
}

// Value is this node's share plus the newest shares it has learned from
// the others.
func (c *Counter) Value() int64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	v := c.own
	for _, s := range c.known {
		v += s.Total
	}
	return v
}

// Sync publishes this node's share, then, once seq-kv has acknowledged
// that write, reads every peer's share. The write is what makes the reads
// trustworthy: seq-kv applies it to its newest state and moves this
// node's view there, so the reads that follow see at least every share
// written before it. Syncs must not overlap.
func (c *Counter) Sync(ctx context.Context, kv KV) error {
	c.mu.Lock()
	c.seq++
	mine := Share{Seq: c.seq, Total: c.own}
	c.mu.Unlock()
	if err := kv.Write(ctx, Key(c.self), mine); err != nil {
		return fmt.Errorf("publish share %d: %w", mine.Seq, err)
	}
	errs := make([]error, len(c.peers))
	var wg sync.WaitGroup
	for i, p := range c.peers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			s, err := kv.Read(ctx, Key(p))
			switch {
			case errors.Is(err, ErrNotFound):
			case err != nil:
				errs[i] = fmt.Errorf("read share of %s: %w", p, err)
			default:
				c.learn(p, s)
			}
		}()
	}
	wg.Wait()
	return errors.Join(errs...)
}

// learn keeps s if it is newer than what is known of peer: a stale read
// never takes a share back.
func (c *Counter) learn(peer string, s Share) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if s.Seq > c.known[peer].Seq {
		c.known[peer] = s
	}
}
