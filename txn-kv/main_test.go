package main

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/glomers/glomers/node/nodetest"
)

// TestNodes runs two real nodes in-process, with a router that can cut
// the link between them, and checks that a write made on one node during
// a partition reaches the other once the partition heals.
func TestNodes(t *testing.T) {
	ids := []string{"n0", "n1"}
	c := nodetest.Start(t, ids, nil, serve)
	rpc := c.Call
	txn := func(dest, mops string) string {
		t.Helper()
		var ms []any
		if err := json.Unmarshal([]byte(mops), &ms); err != nil {
			t.Fatal(err)
		}
		r := rpc(dest, map[string]any{"type": "txn", "txn": ms})
		if r.Type() != "txn_ok" {
			t.Fatalf("txn %s on %s: %v", mops, dest, r)
		}
		b, _ := json.Marshal(r["txn"])
		return string(b)
	}

	c.Partition(true)
	if got := txn("n0", `[["w",1,1],["w",1,2],["r",1,null]]`); got != `[["w",1,1],["w",1,2],["r",1,2]]` {
		t.Errorf("txn = %s", got)
	}
	time.Sleep(3 * replicateEvery)
	if got := txn("n1", `[["r",1,null]]`); got != `[["r",1,null]]` {
		t.Errorf("n1 saw %s across a partition", got)
	}
	if r := rpc("n1", map[string]any{"type": "txn", "txn": []any{[]any{"w", 1, nil}}}); r.Type() != "error" {
		t.Errorf("write without a value: %v", r)
	}
	c.Partition(false)
	deadline := time.Now().Add(5 * time.Second)
	for txn("n1", `[["r",1,null]]`) != `[["r",1,2]]` {
		if time.Now().After(deadline) {
			t.Fatal("the write never reached n1 after the partition healed")
		}
		time.Sleep(replicateEvery / 2)
	}
}
