package main

import (
	"testing"

	"github.com/glomers/glomers/internal/sim"
)

// FuzzHandle feeds a node arbitrary client requests and peer messages
// (seed corpus in testdata/fuzz/FuzzHandle): it must never crash, send a
// message Maelstrom would refuse, or answer a request other than once,
// with a definite error when it refuses it.
//
// A node holds requests until it has read its share back from seq-kv,
// and answers an add once seq-kv holds it.
func FuzzHandle(f *testing.F) {
	sim.Fuzz(f, NewNode, []string{"n0", "n1", "n2"}, "write_ok", "read_ok", "add", "read")
}
