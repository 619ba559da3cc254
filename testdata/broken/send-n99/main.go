// Command send-n99 is a broken echo server: after init it sends a flood
// of gossip to n99, a node that does not exist (20 000 messages, or the
// number given as its argument), then echoes correctly. The runner must
// show the first such message and count the rest, not print each one.
package main

import (
	"encoding/json"
	"fmt"
	"os"
	"strconv"

	"github.com/glomers/glomers/node"
)

func main() {
	count := 20000
	if len(os.Args) > 1 {
		count, _ = strconv.Atoi(os.Args[1])
	}
	n := node.New()
	n.Handle("init", func(node.Message) error {
		go func() {
			for i := range count {
				n.Send("n99", map[string]any{"type": "gossip", "seq": i})
			}
		}()
		return nil
	})
	n.Handle("echo", func(msg node.Message) error {
		var body map[string]any
		if err := json.Unmarshal(msg.Body, &body); err != nil {
			return err
		}
		return n.Reply(msg, map[string]any{"type": "echo_ok", "echo": body["echo"]})
	})
	if err := n.Run(); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}
