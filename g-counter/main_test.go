package main

import (
	"bufio"
	"context"
	"io"
	"math/rand/v2"
	"sync"
	"testing"
	"time"

	"github.com/glomers/glomers/message"
	"github.com/glomers/glomers/node"
	"github.com/glomers/glomers/service"
)

// TestNodes runs three real nodes in-process, wired to the seq-kv state
// machine by a tiny router, and checks that reads converge to the total.
func TestNodes(t *testing.T) {
	ids := []string{"n0", "n1", "n2"}
	stdin := map[string]*io.PipeWriter{}
	replies := make(chan message.Message, 100)
	var kvMu sync.Mutex
	kv := service.NewSeqKV(rand.New(rand.NewPCG(1, 2)))
	ctx, stop := context.WithCancel(context.Background())
	defer stop()
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
				if m.Dest != "seq-kv" {
					replies <- m
					continue
				}
				kvMu.Lock()
				r, ok, err := service.Serve(kv, "seq-kv", m)
				kvMu.Unlock()
				if err != nil || !ok {
					t.Errorf("seq-kv: %v %v", ok, err)
					continue
				}
				inW.Write(r.Line())
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
			if id, _ := b.Int("in_reply_to"); id != int64(msgID) || m.Dest != "c1" {
				t.Fatalf("reply %v to %s, want in_reply_to %d", b, m.Dest, msgID)
			}
			return b
		case <-time.After(5 * time.Second):
			t.Fatalf("no reply to %v from %s", body, dest)
		}
		return nil
	}
	for _, id := range ids {
		if r := rpc(id, map[string]any{"type": "init", "node_id": id, "node_ids": ids}); r.Type() != "init_ok" {
			t.Fatalf("init: %v", r)
		}
	}
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
