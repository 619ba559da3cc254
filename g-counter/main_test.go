package main

import (
	"math/rand/v2"
	"testing"
	"time"

	"github.com/glomers/glomers/internal/service"
	"github.com/glomers/glomers/node/nodetest"
)

// TestNodes runs three real nodes in-process, wired to the seq-kv state
// machine, and checks that reads converge to the total.
func TestNodes(t *testing.T) {
	ids := []string{"n0", "n1", "n2"}
	kv := service.NewSeqKV(rand.New(rand.NewPCG(1, 2)))
	c := nodetest.Start(t, ids, map[string]service.Service{"seq-kv": kv}, serve)
	rpc := c.Call
	var total int64
	for i := range 30 {
		d := int64(i % 5)
		total += d
		if r := rpc(ids[i%3], map[string]any{"type": "add", "delta": d}); r.Type() != "add_ok" {
			t.Fatalf("add: %v", r)
		}
	}
	if r := rpc("n0", map[string]any{"type": "add"}); r.Type() != "error" {
		t.Errorf("add without delta: %v", r)
	}
	deadline := time.Now().Add(10 * time.Second)
	for _, id := range ids {
		for {
			r := rpc(id, map[string]any{"type": "read"})
			v, _ := r.Int("value")
			if v == total {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("%s reads %d, want %d", id, v, total)
			}
			time.Sleep(100 * time.Millisecond)
		}
	}
}
