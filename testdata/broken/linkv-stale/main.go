// Command linkv-stale is a broken lin-kv node: it passes writes and cas on
// to Maelstrom's lin-kv service, which is linearizable, but answers reads
// from a local cache that holds only the values this node itself wrote or
// swapped in. Writes through other nodes never reach that cache, so reads
// go stale, and the linearizability checker must reject the history.
package main

import (
	"context"
	"encoding/json"
	"log"
	"sync"
	"time"

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
	cache := map[string]any{} // by the key's JSON text
	// proxy sends body to lin-kv and, once it succeeds, caches value.
	proxy := func(msg node.Message, body map[string]any, key string, value any, ok string) error {
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		defer cancel()
		if _, err := n.Call(ctx, "lin-kv", body); err != nil {
			return err
		}
		mu.Lock()
		cache[key] = value
		mu.Unlock()
		return n.Reply(msg, map[string]any{"type": ok})
	}
	decode := func(msg node.Message) (request, error) {
		var req request
		err := json.Unmarshal(msg.Body, &req)
		return req, err
	}
	n.Handle("read", func(msg node.Message) error {
		req, err := decode(msg)
		if err != nil {
			return err
		}
		mu.Lock()
		v, ok := cache[string(req.Key)]
		mu.Unlock()
		if !ok {
			return maelstrom.NewRPCError(maelstrom.KeyDoesNotExist, "not cached")
		}
		return n.Reply(msg, map[string]any{"type": "read_ok", "value": v})
	})
	n.Handle("write", func(msg node.Message) error {
		req, err := decode(msg)
		if err != nil {
			return err
		}
		body := map[string]any{"type": "write", "key": req.Key, "value": req.Value}
		return proxy(msg, body, string(req.Key), req.Value, "write_ok")
	})
	n.Handle("cas", func(msg node.Message) error {
		req, err := decode(msg)
		if err != nil {
			return err
		}
		body := map[string]any{"type": "cas", "key": req.Key, "from": req.From, "to": req.To}
		return proxy(msg, body, string(req.Key), req.To, "cas_ok")
	})
	if err := n.Run(); err != nil {
		log.Fatal(err)
	}
}
