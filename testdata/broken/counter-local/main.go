// Command counter-local is a broken g-counter: each node counts only the
// adds it received itself and reads that local sum, so with more than one
// node the final reads miss the other nodes' adds. The counter checker
// must reject it.
package main

import (
	"encoding/json"
	"log"
	"sync/atomic"

	"github.com/glomers/glomers/node"
)

func main() {
	n := node.New()
	var sum atomic.Int64
	n.Handle("add", func(msg node.Message) error {
		var req struct {
			Delta int64 `json:"delta"`
		}
		if err := json.Unmarshal(msg.Body, &req); err != nil {
			return err
		}
		sum.Add(req.Delta)
		return n.Reply(msg, map[string]any{"type": "add_ok"})
	})
	n.Handle("read", func(msg node.Message) error {
		return n.Reply(msg, map[string]any{"type": "read_ok", "value": sum.Load()})
	})
	if err := n.Run(); err != nil {
		log.Fatal(err)
	}
}
