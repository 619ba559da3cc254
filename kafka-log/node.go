package main

import (
	"time"

	"github.com/glomers/glomers/node"
)

// tick is how often nodes replicate to each other.
const tick = 100 * time.Millisecond

// Node is the kafka-log node's core: it validates client requests and
// replication batches and passes them to the Log, and replicates every
// tick.
type Node struct {
	node.Every
	l *Log
	// base is the offset clock, in microseconds, at the node's time 0.
	base int64
}

// NewNode returns the constructor of nodes running cfg whose offset
// clock reads base() microseconds at the node's start. The binary counts
// from a fixed epoch, so a restarted node's offsets keep growing; the
// simulator from 0.
func NewNode(cfg Config, base func() int64) node.NewCore {
	return func(id string, ids []string) node.Core {
		return &Node{Every: node.Every{Period: tick}, l: NewLog(id, ids, cfg), base: base()}
	}
}

// clock reads the offset clock at now.
func (n *Node) clock(now time.Duration) int64 { return n.base + now.Microseconds() }

// Handle answers send, poll, commit_offsets and list_committed_offsets,
// and takes in replication batches.
func (n *Node) Handle(now time.Duration, msg node.Message) []node.Out {
	switch msg.Type() {
	case "send":
		var req struct {
			Key *string `json:"key"`
			Msg *int64  `json:"msg"`
		}
		if err := node.Decode(msg, &req); err != nil || req.Key == nil || req.Msg == nil {
			return node.Malformed(msg, "send needs key, a string, and msg, an integer in [-2^63, 2^63): %s", msg.Body)
		}
		off := n.l.Send(n.clock(now), *req.Key, *req.Msg)
		return []node.Out{node.Reply(msg, map[string]any{"type": "send_ok", "offset": off})}
	case "poll":
		var req struct {
			Offsets *map[string]int64 `json:"offsets"`
		}
		if err := node.Decode(msg, &req); err != nil || req.Offsets == nil {
			return node.Malformed(msg, "poll needs offsets, an object of key -> integer offset: %s", msg.Body)
		}
		return []node.Out{node.Reply(msg, map[string]any{"type": "poll_ok", "msgs": n.l.Poll(*req.Offsets)})}
	case "commit_offsets":
		var req struct {
			Offsets *map[string]int64 `json:"offsets"`
		}
		if err := node.Decode(msg, &req); err != nil || req.Offsets == nil {
			return node.Malformed(msg, "commit_offsets needs offsets, an object of key -> integer offset: %s", msg.Body)
		}
		n.l.Commit(*req.Offsets)
		return []node.Out{node.Reply(msg, map[string]string{"type": "commit_offsets_ok"})}
	case "list_committed_offsets":
		var req struct {
			Keys *[]string `json:"keys"`
		}
		if err := node.Decode(msg, &req); err != nil || req.Keys == nil {
			return node.Malformed(msg, "list_committed_offsets needs keys, an array of strings: %s", msg.Body)
		}
		return []node.Out{node.Reply(msg, map[string]any{"type": "list_committed_offsets_ok", "offsets": n.l.Committed(*req.Keys)})}
	case ReplicateType:
		var b Batch
		if err := node.Decode(msg, &b); err != nil || len(b.Keys) != len(b.Entries) || b.From < 0 || b.Ack < 0 {
			// Batches carry no msg_id: nothing is answered, and the
			// sender resends what this one carried.
			return node.Malformed(msg, "replicate: malformed batch: %s", msg.Body)
		}
		n.l.Receive(msg.Src, b)
		return nil
	}
	return node.Unsupported(msg)
}

// Tick replicates to every peer once per tick.
func (n *Node) Tick(now time.Duration) []node.Out {
	if !n.Due(now) {
		return nil
	}
	return n.l.Tick(n.clock(now))
}
