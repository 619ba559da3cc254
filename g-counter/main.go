package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log"
	"sync/atomic"
	"time"

	maelstrom "github.com/jepsen-io/maelstrom/demo/go"

	"github.com/glomers/glomers/node"
)

const (
	// syncEvery is how often a node publishes its share and reads the
	// others'. Reads in between may lag by about this much; final reads,
	// which come after 10 quiet seconds, are exact.
	syncEvery = 500 * time.Millisecond
	// syncTimeout bounds one sync.
	syncTimeout = 2 * time.Second
)

func main() {
	n := node.New()
	serve(context.Background(), n)
	if err := n.Run(); err != nil {
		log.Fatal(err)
	}
}

// serve registers the counter's handlers on n. The background syncs stop
// when ctx ends.
func serve(ctx context.Context, n *node.Node) {
	var counter atomic.Pointer[Counter] // set once init names this node
	n.Handle("init", func(node.Message) error {
		c := NewCounter(n.ID(), n.NodeIDs())
		counter.Store(c)
		go syncLoop(ctx, c, seqKV{n})
		return nil
	})
	n.Handle("add", func(msg node.Message) error {
		c := counter.Load()
		if c == nil {
			return maelstrom.NewRPCError(maelstrom.TemporarilyUnavailable, "add before init")
		}
		var req struct {
			Delta *int64 `json:"delta"`
		}
		if err := json.Unmarshal(msg.Body, &req); err != nil || req.Delta == nil {
			return maelstrom.NewRPCError(maelstrom.MalformedRequest, fmt.Sprintf("add needs an integer delta: %s", msg.Body))
		}
		c.Add(*req.Delta)
		return n.Reply(msg, map[string]any{"type": "add_ok"})
	})
	n.Handle("read", func(msg node.Message) error {
		c := counter.Load()
		if c == nil {
			return maelstrom.NewRPCError(maelstrom.TemporarilyUnavailable, "read before init")
		}
		return n.Reply(msg, map[string]any{"type": "read_ok", "value": c.Value()})
	})
}

// syncLoop syncs c every syncEvery, one sync at a time, until ctx ends.
func syncLoop(ctx context.Context, c *Counter, kv KV) {
	tick := time.NewTicker(syncEvery)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
		sctx, cancel := context.WithTimeout(ctx, syncTimeout)
		if err := c.Sync(sctx, kv); err != nil && ctx.Err() == nil {
			log.Printf("sync: %v", err)
		}
		cancel()
	}
}

// seqKV is KV over Maelstrom's seq-kv service.
type seqKV struct{ n *node.Node }

func (kv seqKV) Write(ctx context.Context, key string, value Share) error {
	_, err := kv.n.Call(ctx, "seq-kv", map[string]any{"type": "write", "key": key, "value": value})
	return err
}

func (kv seqKV) Read(ctx context.Context, key string) (Share, error) {
	msg, err := kv.n.Call(ctx, "seq-kv", map[string]any{"type": "read", "key": key})
	var rpcErr *maelstrom.RPCError
	if errors.As(err, &rpcErr) && rpcErr.Code == maelstrom.KeyDoesNotExist {
		return Share{}, ErrNotFound
	}
	if err != nil {
		return Share{}, err
	}
	var body struct {
		Value Share `json:"value"`
	}
	if err := json.Unmarshal(msg.Body, &body); err != nil {
		return Share{}, fmt.Errorf("read_ok body %s: %w", msg.Body, err)
	}
	return body.Value, nil
}
