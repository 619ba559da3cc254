package main

import (
	"time"

	"github.com/glomers/glomers/node"
)

// epoch is where the offset clock starts, so offsets stay well below 2^53.
var epoch = time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)

// wallClock reads the offset clock: microseconds since epoch. All nodes,
// and a node's later incarnations, read the same clock.
func wallClock(time.Duration) int64 { return time.Since(epoch).Microseconds() }

// NewNode builds a node's log; it is the solution's node.NewCore.
func NewNode(self string, ids []string) node.Core { return NewLog(self, ids, DefaultConfig, wallClock) }

func main() { node.Main(NewNode) }
