// Command gset-local is a broken g-set node: it keeps the elements added
// to it and never tells the other nodes. On one node that is a correct
// g-set; on several, set-full must find the other nodes' elements lost.
package main

import (
	"encoding/json"
	"log"
	"sync"

	"github.com/glomers/glomers/node"
)

func main() {
	n := node.New()
	var mu sync.Mutex
	var elements []any
	n.Handle("add", func(msg node.Message) error {
		var req struct {
			Element any `json:"element"`
		}
		if err := json.Unmarshal(msg.Body, &req); err != nil {
			return err
		}
		mu.Lock()
		elements = append(elements, req.Element)
		mu.Unlock()
		return n.Reply(msg, map[string]any{"type": "add_ok"})
	})
	n.Handle("read", func(msg node.Message) error {
		mu.Lock()
		value := append([]any{}, elements...)
		mu.Unlock()
		return n.Reply(msg, map[string]any{"type": "read_ok", "value": value})
	})
	if err := n.Run(); err != nil {
		log.Fatal(err)
	}
}
