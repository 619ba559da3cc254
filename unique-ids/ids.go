// Command unique-ids is the solution to challenge 2: every node answers
// generate requests with IDs unique across the cluster, alone, so it stays
// available under any partition and sends no messages to other nodes. See
// README.md for why the IDs cannot repeat, even across restarts.
package main

import (
	"crypto/rand"
	"encoding/hex"
	"strconv"
	"sync/atomic"
	"time"

	"github.com/glomers/glomers/node"
)

// IDs hands out the IDs of one node during one boot.
type IDs struct {
	prefix string // "<node>-<boot>-"
	count  atomic.Uint64
}

// NewIDs returns the ID source of node during the boot identified by boot
// (see NewBoot).
func NewIDs(node, boot string) *IDs {
	return &IDs{prefix: node + "-" + boot + "-"}
}

// Next returns a fresh ID: "<node>-<boot>-<counter in base 36>". It is
// safe for concurrent use.
func (g *IDs) Next() string {
	return g.prefix + strconv.FormatUint(g.count.Add(1), 36)
}

// NewBoot returns a random boot identifier: 64 bits from crypto/rand as 16
// hex digits. It does not depend on the clock.
func NewBoot() string {
	var b [8]byte
	rand.Read(b[:]) // never fails (Go 1.24+: it crashes the program instead)
	return hex.EncodeToString(b[:])
}

// GenerateReply is the body of the answer to a generate request.
type GenerateReply struct {
	Type string `json:"type"`
	ID   string `json:"id"`
}

// Generate is the reply to a generate request.
func Generate(g *IDs) GenerateReply {
	return GenerateReply{Type: "generate_ok", ID: g.Next()}
}

// Node is the unique-ids node's core. Its IDs live as long as the
// process: a repeated init reaches the Machine, not the core, so the
// counter never starts again.
type Node struct {
	node.NoTimer
	ids *IDs
}

// NewNode returns the constructor of nodes of one boot.
func NewNode(boot string) node.NewCore {
	return func(id string, _ []string) node.Core { return &Node{ids: NewIDs(id, boot)} }
}

// Handle answers generate.
func (n *Node) Handle(_ time.Duration, msg node.Message) []node.Out {
	if msg.Type() != "generate" {
		return node.Unsupported(msg)
	}
	return []node.Out{node.Reply(msg, Generate(n.ids))}
}
