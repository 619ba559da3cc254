package main

import (
	"testing"

	"github.com/glomers/glomers/internal/sim"
)

// FuzzHandle feeds a node arbitrary client requests and peer messages
// (seed corpus in testdata/fuzz/FuzzHandle): it must never crash, send a
// message Maelstrom would refuse, or answer a request other than once,
// with a definite error when it refuses it.
func FuzzHandle(f *testing.F) {
	sim.Fuzz(f, NewNode, []string{"n0", "n1", "n2"}, "replicate", "replicate_ok")
}
