package main

import (
	"time"

	"github.com/glomers/glomers/node"
)

// Node is the broadcast node's core: it validates client requests and
// gossip, and passes them to the Server.
type Node struct {
	s *Server
}

// NewNode returns the constructor of nodes running cfg.
func NewNode(cfg Config) node.NewCore {
	return func(id string, ids []string) node.Core { return &Node{s: NewServer(id, ids, cfg)} }
}

// Handle answers broadcast, read and topology, and takes in gossip.
func (n *Node) Handle(now time.Duration, msg node.Message) []node.Out {
	switch msg.Type() {
	case "broadcast":
		var req struct {
			Message *int64 `json:"message"`
		}
		if err := node.Decode(msg, &req); err != nil || req.Message == nil {
			return node.Malformed(msg, "broadcast needs message, an integer in [-2^63, 2^63): %s", errText(err, "message is missing"))
		}
		out := n.s.Broadcast(now, *req.Message)
		return append(out, node.Reply(msg, map[string]string{"type": "broadcast_ok"}))
	case "read":
		vs := n.s.Read()
		if vs == nil {
			vs = []int64{}
		}
		return []node.Out{node.Reply(msg, map[string]any{"type": "read_ok", "messages": vs})}
	case "topology":
		// The overlay is our own star; the offered topology is only
		// checked.
		var req struct {
			Topology *map[string][]string `json:"topology"`
		}
		if err := node.Decode(msg, &req); err != nil || req.Topology == nil {
			return node.Malformed(msg, "topology needs topology, an object of node id -> [node id]: %s", errText(err, "topology is missing"))
		}
		return []node.Out{node.Reply(msg, map[string]string{"type": "topology_ok"})}
	case GossipType:
		var g Gossip
		if err := node.Decode(msg, &g); err != nil {
			// Gossip carries no msg_id: Malformed answers nothing, and the
			// sender repairs what this message carried.
			return node.Malformed(msg, "gossip: %v", err)
		}
		return n.s.Receive(now, msg.Src, g)
	}
	return node.Unsupported(msg)
}

// Tick lets the server's batches and repairs fall due.
func (n *Node) Tick(now time.Duration) []node.Out { return n.s.Tick(now) }

// Next is the server's next deadline.
func (n *Node) Next() (time.Duration, bool) { return n.s.Next() }

// errText is err's text, or def when err is nil.
func errText(err error, def string) string {
	if err == nil {
		return def
	}
	return err.Error()
}
