// Command txn-g0 is a broken txn-rw-register node whose replicas apply
// writes in different orders. To look fast it makes all of a
// transaction's writes at once, then pauses 20 ms, then does its reads.
// Each write takes effect immediately locally and 10 ms later on the peer
// (one message each), and a node installs writes in arrival order, last
// arrival wins. So when T1 on n0 and T2 on n1 both read k and then write
// it, n0 can apply T1's write and then T2's, while n1 applies T2's and
// then T1's: T1 reads T2's value and T2 reads T1's. Elle infers from
// "a transaction writes the key after reading it" that T2's version
// precedes T1's and that T1's precedes T2's: cyclic versions, which every
// consistency model prohibits.
//
// Elle never reports G0 for this workload: it learns write order only
// from a transaction that reads a version and then writes the next, so
// every ww edge comes with a wr edge between the same two transactions,
// and a cycle with a wr edge is classified G1c (under read uncommitted,
// where G1c is allowed, such a cycle still shows as PL-1-cycle-exists).
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
		run := func(i int) {
			m := req.Txn[i]
			k := int64(m[1].(float64))
			mu.Lock()
			if m[0] == "w" {
				regs[k] = m[2].(float64)
			} else if v, ok := regs[k]; ok {
				req.Txn[i][2] = v
			}
			mu.Unlock()
			if m[0] == "w" {
				body := map[string]any{"type": "put", "key": k, "value": m[2]}
				time.AfterFunc(10*time.Millisecond, func() { // replication lag
					for _, peer := range n.NodeIDs() {
						if peer != n.ID() {
							n.Send(peer, body)
						}
					}
				})
			}
		}
		for i, m := range req.Txn {
			if m[0] == "w" {
				run(i)
			}
		}
		time.Sleep(20 * time.Millisecond)
		for i, m := range req.Txn {
			if m[0] == "r" {
				run(i)
			}
		}
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
		regs[req.Key] = req.Value // last arrival wins
		mu.Unlock()
		return nil
	})
	if err := n.Run(); err != nil {
		log.Fatal(err)
	}
}
