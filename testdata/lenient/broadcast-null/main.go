// Command broadcast-null is a correct single-node broadcast server written
// the way Go encodes an empty slice: before it has any message, its read
// replies "messages": null. Maelstrom's schema ([s/Any]) accepts null as an
// empty list, so glomers must too.
package main

import (
	"encoding/json"
	"fmt"
	"os"
	"sync"

	"github.com/glomers/glomers/node"
)

func main() {
	n := node.New()
	var mu sync.Mutex
	var msgs []any // nil until the first broadcast: encodes as null
	n.Handle("topology", func(msg node.Message) error {
		return n.Reply(msg, map[string]any{"type": "topology_ok"})
	})
	n.Handle("broadcast", func(msg node.Message) error {
		var body struct {
			Message any `json:"message"`
		}
		if err := json.Unmarshal(msg.Body, &body); err != nil {
			return err
		}
		mu.Lock()
		msgs = append(msgs, body.Message)
		mu.Unlock()
		return n.Reply(msg, map[string]any{"type": "broadcast_ok"})
	})
	n.Handle("read", func(msg node.Message) error {
		mu.Lock()
		out := msgs
		mu.Unlock()
		return n.Reply(msg, map[string]any{"type": "read_ok", "messages": out})
	})
	if err := n.Run(); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}
