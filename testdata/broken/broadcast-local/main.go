// Command broadcast-local is a broken broadcast node: it keeps the values
// its own clients broadcast and never tells another node, so with more
// than one node reads elsewhere miss them. The set-full checker must find
// lost values.
package main

import (
	"encoding/json"
	"log"
	"slices"
	"sync"

	"github.com/glomers/glomers/node"
)

func main() {
	n := node.New()
	var mu sync.Mutex
	var seen []int64
	n.Handle("topology", func(msg node.Message) error {
		return n.Reply(msg, map[string]any{"type": "topology_ok"})
	})
	n.Handle("broadcast", func(msg node.Message) error {
		var req struct {
			Message int64 `json:"message"`
		}
		if err := json.Unmarshal(msg.Body, &req); err != nil {
			return err
		}
		mu.Lock()
		seen = append(seen, req.Message)
		mu.Unlock()
		return n.Reply(msg, map[string]any{"type": "broadcast_ok"})
	})
	n.Handle("read", func(msg node.Message) error {
		mu.Lock()
		vs := slices.Clone(seen)
		mu.Unlock()
		if vs == nil {
			vs = []int64{}
		}
		return n.Reply(msg, map[string]any{"type": "read_ok", "messages": vs})
	})
	if err := n.Run(); err != nil {
		log.Fatal(err)
	}
}
