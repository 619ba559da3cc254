// Command txn-kv solves Gossip Glomers challenges 6a–6c: a totally
// available, read-committed key-value store of integer registers. Each
// node runs transactions on its own replica (see Store) and replicates the
// committed writes to its peers in the background; see README.md.
package main

import (
	"context"
	"encoding/json"
	"fmt"
	"log"
	"sync"
	"time"

	maelstrom "github.com/jepsen-io/maelstrom/demo/go"

	"github.com/glomers/glomers/node"
)

// epoch is where the version clock starts (see Store.StartClock), so
// timestamps stay well below 2^53.
var epoch = time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)

// replicateEvery is how often a node sends its unacknowledged writes to
// each peer, in one message per peer.
const replicateEvery = 100 * time.Millisecond

func main() {
	n := node.New()
	serve(context.Background(), n)
	if err := n.Run(); err != nil {
		log.Fatal(err)
	}
}

// server wires a Store to a node.
type server struct {
	n     *node.Node
	mu    sync.Mutex
	store *Store // nil until init
}

// serve registers the handlers on n. The replication loop stops when ctx
// ends.
func serve(ctx context.Context, n *node.Node) {
	s := &server{n: n}
	n.Handle("init", func(node.Message) error {
		s.mu.Lock()
		s.store = NewStore(n.ID(), n.NodeIDs())
		s.store.StartClock(uint64(time.Since(epoch).Microseconds()))
		s.mu.Unlock()
		go s.replicateLoop(ctx)
		return nil
	})
	n.Handle("txn", s.txn)
	n.Handle("replicate", s.replicate)
	n.Handle("replicate_ok", s.replicateOK)
}

func (s *server) txn(msg node.Message) error {
	var req struct {
		Txn []Mop `json:"txn"`
	}
	if err := json.Unmarshal(msg.Body, &req); err != nil {
		return maelstrom.NewRPCError(maelstrom.MalformedRequest, fmt.Sprintf("txn: %v", err))
	}
	s.mu.Lock()
	if s.store == nil {
		s.mu.Unlock()
		return maelstrom.NewRPCError(maelstrom.TemporarilyUnavailable, "txn before init")
	}
	done, err := s.store.Txn(req.Txn)
	s.mu.Unlock()
	if err != nil {
		return maelstrom.NewRPCError(maelstrom.MalformedRequest, fmt.Sprintf("txn: %v", err))
	}
	return s.n.Reply(msg, map[string]any{"type": "txn_ok", "txn": done})
}

func (s *server) replicate(msg node.Message) error {
	var r Replicate
	if err := json.Unmarshal(msg.Body, &r); err != nil {
		return fmt.Errorf("replicate from %s: %w", msg.Src, err)
	}
	s.mu.Lock()
	if s.store == nil {
		s.mu.Unlock()
		return nil // the sender will send it again
	}
	ack := s.store.Receive(msg.Src, r)
	s.mu.Unlock()
	return s.n.Send(ack.Dest, ack.Body)
}

func (s *server) replicateOK(msg node.Message) error {
	var ack ReplicateOK
	if err := json.Unmarshal(msg.Body, &ack); err != nil {
		return fmt.Errorf("replicate_ok from %s: %w", msg.Src, err)
	}
	s.mu.Lock()
	if s.store != nil {
		s.store.Acked(msg.Src, ack.Upto)
	}
	s.mu.Unlock()
	return nil
}

// replicateLoop sends the store's outbox every replicateEvery until ctx
// ends.
func (s *server) replicateLoop(ctx context.Context) {
	tick := time.NewTicker(replicateEvery)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
		s.mu.Lock()
		out := s.store.Outbox()
		s.mu.Unlock()
		for _, e := range out {
			if err := s.n.Send(e.Dest, e.Body); err != nil {
				log.Printf("replicate to %s: %v", e.Dest, err)
			}
		}
	}
}
