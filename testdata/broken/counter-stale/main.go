// Command counter-stale is a broken g-counter: each node writes its own
// total to its seq-kv key on every add, and answers a read with its own
// total plus one plain seq-kv read of every other node's key. Nothing
// state-changing precedes those reads, so seq-kv may serve them from any
// state since the node's last write, and a final read that comes after a
// quiet period can still miss the other nodes' last adds. The counter
// checker must reject it (usually, not always: staleness is random).
package main

import (
	"context"
	"encoding/json"
	"errors"
	"log"
	"sync"
	"time"

	maelstrom "github.com/jepsen-io/maelstrom/demo/go"

	"github.com/glomers/glomers/node"
)

func key(id string) string { return "counter/" + id }

func main() {
	n := node.New()
	var mu sync.Mutex // serializes adds, so writes reach seq-kv in order
	var own int64
	n.Handle("add", func(msg node.Message) error {
		var req struct {
			Delta int64 `json:"delta"`
		}
		if err := json.Unmarshal(msg.Body, &req); err != nil {
			return err
		}
		mu.Lock()
		defer mu.Unlock()
		own += req.Delta
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		defer cancel()
		if _, err := n.Call(ctx, "seq-kv", map[string]any{"type": "write", "key": key(n.ID()), "value": own}); err != nil {
			return err
		}
		return n.Reply(msg, map[string]any{"type": "add_ok"})
	})
	n.Handle("read", func(msg node.Message) error {
		mu.Lock()
		total := own
		mu.Unlock()
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		defer cancel()
		for _, peer := range n.NodeIDs() {
			if peer == n.ID() {
				continue
			}
			reply, err := n.Call(ctx, "seq-kv", map[string]any{"type": "read", "key": key(peer)})
			var rpcErr *maelstrom.RPCError
			if errors.As(err, &rpcErr) && rpcErr.Code == maelstrom.KeyDoesNotExist {
				continue
			}
			if err != nil {
				return err
			}
			var body struct {
				Value int64 `json:"value"`
			}
			if err := json.Unmarshal(reply.Body, &body); err != nil {
				return err
			}
			total += body.Value
		}
		return n.Reply(msg, map[string]any{"type": "read_ok", "value": total})
	})
	if err := n.Run(); err != nil {
		log.Fatal(err)
	}
}
