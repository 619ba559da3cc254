// Command txn-g1a is a broken txn-rw-register node: it runs every
// transaction atomically and installs its writes, then aborts about a
// quarter of the transactions that write with error 30 (txn-conflict)
// without undoing the writes. Later transactions read those aborted
// writes, which Elle reports as G1a (aborted read).
package main

import (
	"encoding/json"
	"log"
	"math/rand/v2"
	"sync"

	maelstrom "github.com/jepsen-io/maelstrom/demo/go"

	"github.com/glomers/glomers/node"
)

func main() {
	n := node.New()
	var mu sync.Mutex
	regs := map[int64]int64{}
	n.Handle("txn", func(msg node.Message) error {
		var req struct {
			Txn [][3]any `json:"txn"`
		}
		if err := json.Unmarshal(msg.Body, &req); err != nil {
			return err
		}
		mu.Lock()
		wrote := false
		for i, m := range req.Txn {
			k := int64(m[1].(float64))
			if m[0] == "w" {
				regs[k] = int64(m[2].(float64))
				wrote = true
			} else if v, ok := regs[k]; ok {
				req.Txn[i][2] = v
			}
		}
		mu.Unlock()
		if wrote && rand.IntN(4) == 0 {
			// The bug: the writes stay visible although the client is
			// told the transaction did not happen.
			return maelstrom.NewRPCError(maelstrom.TxnConflict, "aborted, but the writes stay")
		}
		return n.Reply(msg, map[string]any{"type": "txn_ok", "txn": req.Txn})
	})
	if err := n.Run(); err != nil {
		log.Fatal(err)
	}
}
