package main

import (
	"encoding/json"
	"fmt"
	"log"
	"sync"
	"time"

	"github.com/glomers/glomers/node"
)

// peer wires a Server to a node: one lock around the state, a clock, a
// timer for the state's next deadline, and the messages the state returns
// sent after the lock is released.
type peer struct {
	n     *node.Node
	start time.Time
	wake  chan struct{} // a step may have moved the next deadline

	mu sync.Mutex
	s  *Server
}

func main() {
	p := &peer{n: node.New(), start: time.Now(), wake: make(chan struct{}, 1)}
	p.n.Handle("init", p.init)
	p.n.Handle("topology", func(msg node.Message) error {
		// The overlay is our own star; the offered topology is not used.
		return p.n.Reply(msg, map[string]any{"type": "topology_ok"})
	})
	p.n.Handle("broadcast", p.broadcast)
	p.n.Handle("read", p.read)
	p.n.Handle(GossipType, p.gossip)
	if err := p.n.Run(); err != nil {
		log.Fatal(err)
	}
}

func (p *peer) now() time.Duration { return time.Since(p.start) }

func (p *peer) init(node.Message) error {
	p.mu.Lock()
	p.s = NewServer(p.n.ID(), p.n.NodeIDs(), DefaultConfig)
	p.mu.Unlock()
	go p.clock()
	return nil
}

// clock calls Tick whenever the state's next deadline passes.
func (p *peer) clock() {
	timer := time.NewTimer(time.Hour)
	for {
		p.mu.Lock()
		next, ok := p.s.Next()
		p.mu.Unlock()
		wait := time.Hour
		if ok {
			wait = max(next-p.now(), 0)
		}
		timer.Reset(wait)
		select {
		case <-timer.C:
			p.step(func(s *Server) []Out { return s.Tick(p.now()) })
		case <-p.wake:
			// Recompute the deadline (Reset discards a stale firing).
		}
	}
}

// step runs f on the state under the lock, then sends what it returns.
func (p *peer) step(f func(*Server) []Out) {
	p.mu.Lock()
	if p.s == nil {
		p.mu.Unlock()
		return
	}
	out := f(p.s)
	p.mu.Unlock()
	select {
	case p.wake <- struct{}{}:
	default:
	}
	for _, o := range out {
		if err := p.n.Send(o.Dest, o.Body); err != nil {
			log.Printf("send to %s: %v", o.Dest, err)
		}
	}
}

func (p *peer) broadcast(msg node.Message) error {
	var body struct {
		Message *int64 `json:"message"`
	}
	if err := json.Unmarshal(msg.Body, &body); err != nil || body.Message == nil {
		return fmt.Errorf("broadcast: message must be an integer: %s", msg.Body)
	}
	p.step(func(s *Server) []Out { return s.Broadcast(p.now(), *body.Message) })
	return p.n.Reply(msg, map[string]any{"type": "broadcast_ok"})
}

func (p *peer) read(msg node.Message) error {
	var vs []int64
	p.step(func(s *Server) []Out { vs = s.Read(); return nil })
	if vs == nil {
		vs = []int64{}
	}
	return p.n.Reply(msg, map[string]any{"type": "read_ok", "messages": vs})
}

func (p *peer) gossip(msg node.Message) error {
	var g Gossip
	if err := json.Unmarshal(msg.Body, &g); err != nil {
		// A node does not answer gossip, not even with an error.
		log.Printf("gossip from %s: %v", msg.Src, err)
		return nil
	}
	p.step(func(s *Server) []Out { return s.Receive(p.now(), msg.Src, g) })
	return nil
}
