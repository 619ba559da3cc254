package main

import (
	"time"

	"github.com/glomers/glomers/node"
)

func main() {
	cfg := DefaultConfig
	// A restarted process gets a larger boot id than its predecessor.
	cfg.Boot = func() int64 { return time.Now().UnixMicro() }
	node.Main(NewNode(cfg))
}
