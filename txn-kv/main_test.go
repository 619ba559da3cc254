package main

import (
	"bufio"
	"context"
	"encoding/json"
	"io"
	"sync"
	"testing"
	"time"

	"github.com/glomers/glomers/message"
	"github.com/glomers/glomers/node"
)

// TestNodes runs two real nodes in-process, wired by a tiny router that
// can cut the link between them, and checks that a write made on one node
// during a partition reaches the other once the partition heals.
func TestNodes(t *testing.T) {
	ids := []string{"n0", "n1"}
	stdin := map[string]*io.PipeWriter{}
	replies := make(chan message.Message, 100)
	var cutMu sync.Mutex
	cut := false
	ctx, stop := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	for _, id := range ids {
		inR, inW := io.Pipe()
		outR, outW := io.Pipe()
		stdin[id] = inW
		n := node.NewIO(inR, outW)
		serve(ctx, n)
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := n.Run(); err != nil {
				t.Error(err)
			}
			outW.Close()
		}()
		go func() { // route what the node prints
			sc := bufio.NewScanner(outR)
			for sc.Scan() {
				m, err := message.Parse(id, sc.Bytes())
				if err != nil {
					t.Error(err)
					continue
				}
				if m.Dest == "c1" {
					replies <- m
					continue
				}
				cutMu.Lock()
				drop := cut
				cutMu.Unlock()
				if !drop {
					stdin[m.Dest].Write(append(sc.Bytes(), '\n'))
				}
			}
		}()
	}
	defer func() {
		stop()
		for _, w := range stdin {
			w.Close()
		}
		wg.Wait()
	}()
	msgID := 0
	rpc := func(dest string, body map[string]any) message.Body {
		t.Helper()
		msgID++
		body["msg_id"] = msgID
		stdin[dest].Write(message.New("c1", dest, body).Line())
		select {
		case m := <-replies:
			b, err := m.DecodeBody()
			if err != nil {
				t.Fatal(err)
			}
			if id, _ := b.Int("in_reply_to"); id != int64(msgID) {
				t.Fatalf("reply %v, want in_reply_to %d", b, msgID)
			}
			return b
		case <-time.After(5 * time.Second):
			t.Fatalf("no reply to %v from %s", body, dest)
		}
		return nil
	}
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

	for _, id := range ids {
		if r := rpc(id, map[string]any{"type": "init", "node_id": id, "node_ids": ids}); r.Type() != "init_ok" {
			t.Fatalf("init: %v", r)
		}
	}
	cutMu.Lock()
	cut = true
	cutMu.Unlock()
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
	cutMu.Lock()
	cut = false
	cutMu.Unlock()
	deadline := time.Now().Add(5 * time.Second)
	for txn("n1", `[["r",1,null]]`) != `[["r",1,2]]` {
		if time.Now().After(deadline) {
			t.Fatal("the write never reached n1 after the partition healed")
		}
		time.Sleep(replicateEvery / 2)
	}
}
