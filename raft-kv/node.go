package main

import (
	"encoding/json"
	"hash/fnv"
	"math/rand/v2"
	"time"

	"github.com/glomers/glomers/node"
)

// Node is the raft-kv node's core: it parses client requests and peer
// messages and passes them to the Server.
type Node struct {
	s *Server
}

// NewNode returns the constructor of nodes running cfg. Each node draws
// its election timeouts from seed and its id.
func NewNode(cfg Config, seed uint64) node.NewCore {
	return func(id string, ids []string) node.Core {
		h := fnv.New64a()
		h.Write([]byte(id))
		rng := rand.New(rand.NewPCG(seed, h.Sum64()))
		return &Node{s: NewServer(id, ids, cfg, rng, 0)}
	}
}

// Server returns the store, for tests.
func (n *Node) Server() *Server { return n.s }

// Handle takes read, write and cas from clients, and Raft messages,
// forwarded requests and relays from peers.
func (n *Node) Handle(now time.Duration, msg node.Message) []node.Out {
	switch typ := msg.Type(); typ {
	case "read", "write", "cas":
		cmd, err := ParseRequest(msg.Src, msg.Body)
		if err != nil {
			return node.Malformed(msg, "%v", err)
		}
		return n.s.Request(now, cmd)
	case MsgForward:
		var f Forward
		if err := json.Unmarshal(msg.Body, &f); err != nil {
			return node.Malformed(msg, "%s: %v", typ, err) // no msg_id: only logged
		}
		return n.s.Forwarded(now, msg.Src, f)
	case MsgRelay:
		var r Relay
		if err := json.Unmarshal(msg.Body, &r); err != nil {
			return node.Malformed(msg, "%s: %v", typ, err)
		}
		return n.s.Relayed(now, msg.Src, r)
	case MsgPreVote, MsgPreVoteOK, MsgVote, MsgVoteOK, MsgAppend, MsgAppendOK:
		var m Msg
		if err := json.Unmarshal(msg.Body, &m); err != nil {
			return node.Malformed(msg, "%s: %v", typ, err)
		}
		m.From, m.To = msg.Src, msg.Dest
		return n.s.Step(now, m)
	}
	return node.Unsupported(msg)
}

// Tick lets the server's timers fall due.
func (n *Node) Tick(now time.Duration) []node.Out { return n.s.Tick(now) }

// Next is the server's next deadline.
func (n *Node) Next() (time.Duration, bool) { return n.s.Next(), true }
