// Command listappend-local is a txn-list-append node that keeps its own
// lists and never talks to the other nodes. It runs each transaction
// whole under one lock, so on one node it is a correct, strictly
// serializable store. On several nodes each keeps a different history of
// appends: a read of key k on n0 sees [1 3] while one on n1 sees [2 4], and
// Elle's list-append checker reports incompatible-order.
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
	lists := map[string][]json.RawMessage{} // key (as JSON text) → elements
	n.Handle("txn", func(msg node.Message) error {
		var req struct {
			Txn [][3]json.RawMessage `json:"txn"`
		}
		if err := json.Unmarshal(msg.Body, &req); err != nil {
			return err
		}
		out := make([][3]any, len(req.Txn))
		mu.Lock()
		for i, m := range req.Txn {
			k := string(m[1])
			var f string
			if err := json.Unmarshal(m[0], &f); err != nil {
				mu.Unlock()
				return err
			}
			if f == "append" {
				lists[k] = append(lists[k], m[2])
				out[i] = [3]any{f, m[1], m[2]}
				continue
			}
			var v any // null for a key never appended to
			if l, ok := lists[k]; ok {
				v = append([]json.RawMessage{}, l...)
			}
			out[i] = [3]any{f, m[1], v}
		}
		mu.Unlock()
		return n.Reply(msg, map[string]any{"type": "txn_ok", "txn": out})
	})
	if err := n.Run(); err != nil {
		log.Fatal(err)
	}
}
