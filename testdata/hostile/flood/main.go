// Command flood is a hostile echo server for `glomers bench hostile`: it
// answers echoes, and from init on sends its next peer messages as fast as
// it can. The runner's memory must stay bounded however long it runs.
package main

import (
	"encoding/json"
	"fmt"
	"os"
	"sync"

	"github.com/glomers/glomers/node"
)

func main() {
	n := node.New()
	var once sync.Once
	n.Handle("echo", func(msg node.Message) error {
		once.Do(func() { go flood(n) })
		var body map[string]any
		if err := json.Unmarshal(msg.Body, &body); err != nil {
			return err
		}
		return n.Reply(msg, map[string]any{"type": "echo_ok", "echo": body["echo"]})
	})
	n.Handle("flood", func(node.Message) error { return nil })
	if err := n.Run(); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}

// flood sends numbered messages to the next node in the cluster forever.
func flood(n *node.Node) {
	ids := n.NodeIDs()
	var peer string
	for i, id := range ids {
		if id == n.ID() {
			peer = ids[(i+1)%len(ids)]
		}
	}
	for i := 0; ; i++ {
		if err := n.Send(peer, map[string]any{"type": "flood", "n": i}); err != nil {
			return
		}
	}
}
