// Command broadcast-norepair is a broken broadcast node: it sends each new
// value once to its neighbours in the offered topology and forwards what
// it learns the same way, but never retries. Without faults it passes;
// a partition drops messages for good, so values are lost.
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
	var neighbours []string
	seen := map[int64]bool{}
	n.Handle("topology", func(msg node.Message) error {
		var req struct {
			Topology map[string][]string `json:"topology"`
		}
		if err := json.Unmarshal(msg.Body, &req); err != nil {
			return err
		}
		mu.Lock()
		neighbours = req.Topology[n.ID()]
		if len(req.Topology) == 0 {
			// No topology offered: tell everyone.
			neighbours = slices.DeleteFunc(slices.Clone(n.NodeIDs()), func(id string) bool { return id == n.ID() })
		}
		mu.Unlock()
		return n.Reply(msg, map[string]any{"type": "topology_ok"})
	})
	// learn records v and, the first time, sends it once to every
	// neighbour but the one it came from.
	learn := func(v int64, from string) {
		mu.Lock()
		if seen[v] {
			mu.Unlock()
			return
		}
		seen[v] = true
		dests := slices.Clone(neighbours)
		mu.Unlock()
		for _, d := range dests {
			if d != from {
				n.Send(d, map[string]any{"type": "gossip", "message": v})
			}
		}
	}
	n.Handle("broadcast", func(msg node.Message) error {
		var req struct {
			Message int64 `json:"message"`
		}
		if err := json.Unmarshal(msg.Body, &req); err != nil {
			return err
		}
		learn(req.Message, "")
		return n.Reply(msg, map[string]any{"type": "broadcast_ok"})
	})
	n.Handle("gossip", func(msg node.Message) error {
		var req struct {
			Message int64 `json:"message"`
		}
		if err := json.Unmarshal(msg.Body, &req); err != nil {
			log.Printf("gossip: %v", err)
			return nil
		}
		learn(req.Message, msg.Src)
		return nil
	})
	n.Handle("read", func(msg node.Message) error {
		mu.Lock()
		vs := make([]int64, 0, len(seen))
		for v := range seen {
			vs = append(vs, v)
		}
		mu.Unlock()
		slices.Sort(vs)
		return n.Reply(msg, map[string]any{"type": "read_ok", "messages": vs})
	})
	if err := n.Run(); err != nil {
		log.Fatal(err)
	}
}
