// Command txn-opaque is a single-node txn-rw-register server that reads a
// key never written as {} (an empty JSON object) instead of null.
// Maelstrom's schema accepts any value and Elle compares values as data,
// so under read-uncommitted the history is valid, and glomers must judge
// it so rather than give up on a value that is not an integer.
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
	regs := map[string]any{}
	n.Handle("txn", func(msg node.Message) error {
		var req struct {
			Txn [][3]any `json:"txn"`
		}
		if err := json.Unmarshal(msg.Body, &req); err != nil {
			return err
		}
		mu.Lock()
		for i, m := range req.Txn {
			k := fmt.Sprint(m[1])
			if m[0] == "w" {
				regs[k] = m[2]
			} else if v, ok := regs[k]; ok {
				req.Txn[i][2] = v
			} else {
				req.Txn[i][2] = map[string]any{}
			}
		}
		mu.Unlock()
		return n.Reply(msg, map[string]any{"type": "txn_ok", "txn": req.Txn})
	})
	if err := n.Run(); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}
