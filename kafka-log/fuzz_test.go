package main

import (
	"testing"

	"github.com/glomers/glomers/internal/sim"
	"github.com/glomers/glomers/node"
)

// FuzzHandle feeds a node arbitrary client requests and peer messages
// (seed corpus in testdata/fuzz/FuzzHandle): it must never crash, send a
// message Maelstrom would refuse, or answer a request other than once,
// with a definite error when it refuses it.
func FuzzHandle(f *testing.F) {
	newCore := func(self string, ids []string) node.Core { return NewLog(self, ids, DefaultConfig, simClock) }
	// A node answers nothing before it has read its chunks back from
	// lin-kv, and a send only once lin-kv holds it.
	sim.Fuzz(f, newCore, []string{"n0", "n1", "n2"}, "send", "poll", "commit_offsets", "list_committed_offsets")
}
