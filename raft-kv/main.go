package main

import (
	"time"

	"github.com/glomers/glomers/node"
)

func main() { node.Main(NewNode(DefaultConfig, uint64(time.Now().UnixNano()))) }
