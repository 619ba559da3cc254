// Command linkv-local is a broken lin-kv node: it keeps every register in
// its own memory and never talks to the other nodes. On one node that is a
// correct linearizable key-value store; on several, each node has its own
// registers, and the linearizability checker must reject the history.
package main

import (
	"encoding/json"
	"fmt"
	"log"
	"sync"

	maelstrom "github.com/jepsen-io/maelstrom/demo/go"

	"github.com/glomers/glomers/node"
)

// request is a read, write or cas body.
type request struct {
	Key   json.RawMessage `json:"key"`
	Value any             `json:"value"`
	From  any             `json:"from"`
	To    any             `json:"to"`
}

func main() {
	n := node.New()
	var mu sync.Mutex
	registers := map[string]any{} // by the key's JSON text
	handle := func(typ string, apply func(req request) (map[string]any, error)) {
		n.Handle(typ, func(msg node.Message) error {
			var req request
			if err := json.Unmarshal(msg.Body, &req); err != nil {
				return err
			}
			mu.Lock()
			reply, err := apply(req)
			mu.Unlock()
			if err != nil {
				return err
			}
			return n.Reply(msg, reply)
		})
	}
	handle("read", func(req request) (map[string]any, error) {
		v, ok := registers[string(req.Key)]
		if !ok {
			return nil, maelstrom.NewRPCError(maelstrom.KeyDoesNotExist, "key does not exist")
		}
		return map[string]any{"type": "read_ok", "value": v}, nil
	})
	handle("write", func(req request) (map[string]any, error) {
		registers[string(req.Key)] = req.Value
		return map[string]any{"type": "write_ok"}, nil
	})
	handle("cas", func(req request) (map[string]any, error) {
		v, ok := registers[string(req.Key)]
		if !ok {
			return nil, maelstrom.NewRPCError(maelstrom.KeyDoesNotExist, "key does not exist")
		}
		if v != req.From {
			return nil, maelstrom.NewRPCError(maelstrom.PreconditionFailed, fmt.Sprintf("expected %v, had %v", req.From, v))
		}
		registers[string(req.Key)] = req.To
		return map[string]any{"type": "cas_ok"}, nil
	})
	if err := n.Run(); err != nil {
		log.Fatal(err)
	}
}
