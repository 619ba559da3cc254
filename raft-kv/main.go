package main

import (
	"encoding/json"
	"hash/fnv"
	"log"
	"math/rand/v2"
	"sync"
	"time"

	maelstrom "github.com/jepsen-io/maelstrom/demo/go"

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
	for _, op := range []string{"read", "write", "cas"} {
		p.n.Handle(op, p.request)
	}
	p.n.Handle(MsgForward, p.forward)
	p.n.Handle(MsgRelay, p.relay)
	for _, typ := range []string{MsgPreVote, MsgPreVoteOK, MsgVote, MsgVoteOK, MsgAppend, MsgAppendOK} {
		p.n.Handle(typ, p.raft)
	}
	if err := p.n.Run(); err != nil {
		log.Fatal(err)
	}
}

func (p *peer) now() time.Duration { return time.Since(p.start) }

func (p *peer) init(node.Message) error {
	h := fnv.New64a()
	h.Write([]byte(p.n.ID()))
	rng := rand.New(rand.NewPCG(uint64(time.Now().UnixNano()), h.Sum64()))
	p.mu.Lock()
	p.s = NewServer(p.n.ID(), p.n.NodeIDs(), DefaultConfig, rng, p.now())
	p.mu.Unlock()
	go p.clock()
	return nil
}

// clock calls Tick whenever the state's next deadline passes.
func (p *peer) clock() {
	timer := time.NewTimer(time.Hour)
	for {
		p.mu.Lock()
		wait := max(p.s.Next()-p.now(), 0)
		p.mu.Unlock()
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

// request handles read, write and cas. The answer comes from the leader,
// maybe another node, once the command is applied.
func (p *peer) request(msg node.Message) error {
	cmd, err := ParseRequest(msg.Src, msg.Body)
	if err != nil {
		return maelstrom.NewRPCError(maelstrom.MalformedRequest, err.Error())
	}
	p.step(func(s *Server) []Out { return s.Request(p.now(), cmd) })
	return nil
}

func (p *peer) forward(msg node.Message) error {
	var f Forward
	if err := json.Unmarshal(msg.Body, &f); err != nil {
		log.Printf("%s from %s: %v", MsgForward, msg.Src, err)
		return nil
	}
	p.step(func(s *Server) []Out { return s.Forwarded(p.now(), msg.Src, f) })
	return nil
}

func (p *peer) relay(msg node.Message) error {
	var r Relay
	if err := json.Unmarshal(msg.Body, &r); err != nil {
		log.Printf("%s from %s: %v", MsgRelay, msg.Src, err)
		return nil
	}
	p.step(func(s *Server) []Out { return s.Relayed(p.now(), msg.Src, r) })
	return nil
}

func (p *peer) raft(msg node.Message) error {
	var m Msg
	if err := json.Unmarshal(msg.Body, &m); err != nil {
		log.Printf("%s from %s: %v", msg.Type(), msg.Src, err)
		return nil
	}
	m.From, m.To = msg.Src, p.n.ID()
	p.step(func(s *Server) []Out { return s.Step(p.now(), m) })
	return nil
}
