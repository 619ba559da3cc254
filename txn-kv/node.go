package main

import (
	"time"

	"github.com/glomers/glomers/node"
)

// replicateEvery is how often a node sends its unacknowledged writes to
// each peer, in one message per peer.
const replicateEvery = 100 * time.Millisecond

// Node is the txn-kv node's core: it validates transactions and
// replication messages and passes them to the Store, and sends the
// store's outbox every replicateEvery.
type Node struct {
	node.Every
	store *Store
}

// NewNode builds node id's core; it is the solution's node.NewCore.
func NewNode(id string, ids []string) node.Core {
	return &Node{Every: node.Every{Period: replicateEvery}, store: NewStore(id, ids)}
}

// Handle answers txn and takes in replicate and replicate_ok.
func (n *Node) Handle(_ time.Duration, msg node.Message) []node.Out {
	switch msg.Type() {
	case "txn":
		var req struct {
			Txn *[]Mop `json:"txn"`
		}
		if err := node.Decode(msg, &req); err != nil || req.Txn == nil {
			return node.Malformed(msg, "txn needs txn, a list of [\"r\", key, null] and [\"w\", key, value] with integer keys and values: %s", errText(err, "txn is missing"))
		}
		done, err := n.store.Txn(*req.Txn)
		if err != nil {
			return node.Malformed(msg, "txn: %v", err)
		}
		return []node.Out{node.Reply(msg, map[string]any{"type": "txn_ok", "txn": done})}
	case "replicate":
		var r Replicate
		if err := node.Decode(msg, &r); err != nil {
			// No msg_id, so no answer: the sender sends it again.
			return node.Malformed(msg, "replicate: %v", err)
		}
		return []node.Out{n.store.Receive(msg.Src, r)}
	case "replicate_ok":
		var ack ReplicateOK
		if err := node.Decode(msg, &ack); err != nil {
			return node.Malformed(msg, "replicate_ok: %v", err)
		}
		n.store.Acked(msg.Src, ack.Upto)
		return nil
	}
	return node.Unsupported(msg)
}

// Tick sends the outbox once per period.
func (n *Node) Tick(now time.Duration) []node.Out {
	if !n.Due(now) {
		return nil
	}
	return n.store.Outbox()
}

// errText is err's text, or def when err is nil.
func errText(err error, def string) string {
	if err == nil {
		return def
	}
	return err.Error()
}
