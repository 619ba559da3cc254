// Command echo is the solution to challenge 1: it answers every echo
// request with the same payload, byte for byte.
package main

import (
	"encoding/json"
	"time"

	"github.com/glomers/glomers/node"
)

// Node is the echo node's core.
type Node struct{ node.NoTimer }

// NewNode returns a node; echo needs neither its id nor its peers.
func NewNode(string, []string) node.Core { return Node{} }

// Handle answers echo with echo_ok and the payload exactly as it arrived.
func (Node) Handle(_ time.Duration, msg node.Message) []node.Out {
	if msg.Type() != "echo" {
		return node.Unsupported(msg)
	}
	var req struct {
		Echo json.RawMessage `json:"echo"`
	}
	if err := node.Decode(msg, &req); err != nil || req.Echo == nil {
		return node.Malformed(msg, "echo needs an echo field (any JSON value): %s", msg.Body)
	}
	return []node.Out{node.Reply(msg, Reply(req.Echo))}
}

// Reply is the body of the answer to payload: {"type":"echo_ok","echo":
// payload}, with payload kept byte for byte.
func Reply(payload json.RawMessage) json.RawMessage {
	b := make([]byte, 0, len(payload)+32)
	b = append(b, `{"type":"echo_ok","echo":`...)
	b = append(b, payload...)
	return append(b, '}')
}
