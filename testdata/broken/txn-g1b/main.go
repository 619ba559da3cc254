// Command txn-g1b is a broken txn-rw-register node: it runs every
// transaction atomically on its own registers, but replicates each write
// micro-op to its peers as it goes, one message per write, 20 ms apart,
// intermediate writes included. A peer installs each on arrival, so its
// transactions can read a value that another transaction overwrote before
// committing, which Elle reports as G1b (intermediate read).
package main

import (
	"encoding/json"
	"log"
	"sync"
	"time"

	"github.com/glomers/glomers/node"
)

func main() {
	n := node.New()
	var mu sync.Mutex
	regs := map[int64]float64{}
	n.Handle("txn", func(msg node.Message) error {
		var req struct {
			Txn [][3]any `json:"txn"`
		}
		if err := json.Unmarshal(msg.Body, &req); err != nil {
			return err
		}
		var writes [][2]any
		mu.Lock()
		for i, m := range req.Txn {
			k := int64(m[1].(float64))
			if m[0] == "w" {
				regs[k] = m[2].(float64)
				writes = append(writes, [2]any{k, m[2]})
			} else if v, ok := regs[k]; ok {
				req.Txn[i][2] = v
			}
		}
		mu.Unlock()
		go func() {
			for _, w := range writes {
				for _, peer := range n.NodeIDs() {
					if peer != n.ID() {
						n.Send(peer, map[string]any{"type": "put", "key": w[0], "value": w[1]})
					}
				}
				time.Sleep(20 * time.Millisecond) // the bug: intermediate values linger
			}
		}()
		return n.Reply(msg, map[string]any{"type": "txn_ok", "txn": req.Txn})
	})
	n.Handle("put", func(msg node.Message) error {
		var req struct {
			Key   int64   `json:"key"`
			Value float64 `json:"value"`
		}
		if err := json.Unmarshal(msg.Body, &req); err != nil {
			return err
		}
		mu.Lock()
		regs[req.Key] = req.Value
		mu.Unlock()
		return nil
	})
	if err := n.Run(); err != nil {
		log.Fatal(err)
	}
}
