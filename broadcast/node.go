package main

import (
	"time"

	"github.com/glomers/glomers/node"
)

// Node is the broadcast node's core: it validates client requests and
// gossip, and passes them to the Server. It answers a broadcast only once
// the value is held by another node too (Server.Safe), so that killing
// this node cannot lose an acknowledged value.
type Node struct {
	s       *Server
	started bool      // Hello was sent
	waiting []pending // broadcasts not yet answered, oldest first
}

// pending is a broadcast waiting for its value, number n of this
// incarnation, to be safe.
type pending struct {
	n   int
	req node.Message
}

// NewNode returns the constructor of nodes running cfg. When cfg.Boot is
// nil, the nodes it builds get boot ids 1, 2, 3, … in the order built.
func NewNode(cfg Config) node.NewCore {
	if cfg.Boot == nil {
		var boots int64
		cfg.Boot = func() int64 { boots++; return boots }
	}
	return func(id string, ids []string) node.Core { return &Node{s: NewServer(id, ids, cfg)} }
}

// Handle answers broadcast, read and topology, and takes in gossip.
func (n *Node) Handle(now time.Duration, msg node.Message) []node.Out {
	out := n.start(now)
	out = append(out, n.handle(now, msg)...)
	return n.answer(out)
}

// start sends the Server's Hello the first time the node runs.
func (n *Node) start(now time.Duration) []node.Out {
	if n.started {
		return nil
	}
	n.started = true
	return n.s.Hello(now)
}

// answer appends to out the replies to the broadcasts whose values are
// now safe.
func (n *Node) answer(out []node.Out) []node.Out {
	safe := n.s.Safe()
	i := 0
	for ; i < len(n.waiting) && n.waiting[i].n <= safe; i++ {
		out = append(out, node.Reply(n.waiting[i].req, map[string]string{"type": "broadcast_ok"}))
	}
	n.waiting = n.waiting[i:]
	return out
}

func (n *Node) handle(now time.Duration, msg node.Message) []node.Out {
	switch msg.Type() {
	case "broadcast":
		var req struct {
			Message *int64 `json:"message"`
		}
		if err := node.Decode(msg, &req); err != nil || req.Message == nil {
			return node.Malformed(msg, "broadcast needs message, an integer in [-2^63, 2^63): %s", errText(err, "message is missing"))
		}
		seq, out := n.s.Broadcast(now, *req.Message)
		n.waiting = append(n.waiting, pending{n: seq, req: msg})
		return out
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
func (n *Node) Tick(now time.Duration) []node.Out {
	out := n.start(now)
	return n.answer(append(out, n.s.Tick(now)...))
}

// Next is the server's next deadline, or at once if the node has yet to
// say hello.
func (n *Node) Next() (time.Duration, bool) {
	if !n.started {
		return 0, true
	}
	return n.s.Next()
}

// errText is err's text, or def when err is nil.
func errText(err error, def string) string {
	if err == nil {
		return def
	}
	return err.Error()
}
