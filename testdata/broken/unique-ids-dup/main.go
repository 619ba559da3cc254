// Command unique-ids-dup is a broken unique-ids server: every node counts
// 0, 1, 2, … on its own, so with more than one node (or one node asked
// after a restart) the same IDs come back from different nodes. The
// unique-ids checker must report the repeats as duplicated.
package main

import (
	"log"
	"sync/atomic"

	"github.com/glomers/glomers/node"
)

func main() {
	n := node.New()
	var next atomic.Int64
	n.Handle("generate", func(msg node.Message) error {
		id := next.Add(1) - 1
		return n.Reply(msg, map[string]any{"type": "generate_ok", "id": id})
	})
	if err := n.Run(); err != nil {
		log.Fatal(err)
	}
}
