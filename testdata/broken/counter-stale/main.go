// Command counter-stale is a broken g-counter, the naive design many first
// attempts use: every node keeps the total in one shared seq-kv key, adds
// with read-then-cas (retrying on code 22), and answers a read with one
// plain seq-kv read. Nothing state-changing precedes that read, and a
// read or a failed cas does not move the node's view forward, so seq-kv
// may serve the read from any state since the node's last successful cas:
// after the final quiet period the nodes whose last add came earlier
// usually read a stale total. The counter checker must reject it. The
// staleness is random, so the end-to-end test runs it several times.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"log"
	"time"

	maelstrom "github.com/jepsen-io/maelstrom/demo/go"

	"github.com/glomers/glomers/node"
)

const key = "counter"

// readTotal reads the shared total; a missing key is 0.
func readTotal(ctx context.Context, n *node.Node) (int64, error) {
	reply, err := n.Call(ctx, "seq-kv", map[string]any{"type": "read", "key": key})
	var rpcErr *maelstrom.RPCError
	if errors.As(err, &rpcErr) && rpcErr.Code == maelstrom.KeyDoesNotExist {
		return 0, nil
	}
	if err != nil {
		return 0, err
	}
	var body struct {
		Value int64 `json:"value"`
	}
	if err := json.Unmarshal(reply.Body, &body); err != nil {
		return 0, err
	}
	return body.Value, nil
}

func main() {
	n := node.New()
	n.Handle("add", func(msg node.Message) error {
		var req struct {
			Delta int64 `json:"delta"`
		}
		if err := json.Unmarshal(msg.Body, &req); err != nil {
			return err
		}
		ctx, cancel := context.WithTimeout(context.Background(), 4*time.Second)
		defer cancel()
		for {
			cur, err := readTotal(ctx, n)
			if err != nil {
				return err
			}
			_, err = n.Call(ctx, "seq-kv", map[string]any{"type": "cas", "key": key, "from": cur, "to": cur + req.Delta, "create_if_not_exists": true})
			var rpcErr *maelstrom.RPCError
			if errors.As(err, &rpcErr) && rpcErr.Code == maelstrom.PreconditionFailed {
				continue
			}
			if err != nil {
				return err
			}
			return n.Reply(msg, map[string]any{"type": "add_ok"})
		}
	})
	n.Handle("read", func(msg node.Message) error {
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		defer cancel()
		total, err := readTotal(ctx, n)
		if err != nil {
			return err
		}
		return n.Reply(msg, map[string]any{"type": "read_ok", "value": total})
	})
	if err := n.Run(); err != nil {
		log.Fatal(err)
	}
}
