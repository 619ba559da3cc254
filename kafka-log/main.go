package main

import (
	"time"

	"github.com/glomers/glomers/node"
)

// epoch is where the offset clock starts, so offsets stay well below 2^53.
var epoch = time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)

func main() {
	node.Main(NewNode(DefaultConfig, func() int64 { return time.Since(epoch).Microseconds() }))
}
