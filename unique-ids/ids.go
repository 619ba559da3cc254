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
