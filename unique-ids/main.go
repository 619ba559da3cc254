package main

import (
	"log"
	"sync/atomic"

	maelstrom "github.com/jepsen-io/maelstrom/demo/go"

	"github.com/glomers/glomers/node"
)

func main() {
	boot := NewBoot()
	n := node.New()
	var ids atomic.Pointer[IDs] // set once init names this node
	n.Handle("init", func(node.Message) error {
		ids.Store(NewIDs(n.ID(), boot))
		return nil
	})
	n.Handle("generate", func(msg node.Message) error {
		g := ids.Load()
		if g == nil {
			return maelstrom.NewRPCError(maelstrom.TemporarilyUnavailable, "generate before init")
		}
		return n.Reply(msg, Generate(g))
	})
	if err := n.Run(); err != nil {
		log.Fatal(err)
	}
}
