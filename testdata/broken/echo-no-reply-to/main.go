// Command echo-no-reply-to is a broken echo server: it answers echoes with
// Send instead of Reply, so its echo_ok carries no in_reply_to and answers
// no request. The runner must say so, naming the node and the message.
package main

import (
	"encoding/json"
	"fmt"
	"os"

	"github.com/glomers/glomers/node"
)

func main() {
	n := node.New()
	n.Handle("echo", func(msg node.Message) error {
		var body map[string]any
		if err := json.Unmarshal(msg.Body, &body); err != nil {
			return err
		}
		return n.Send(msg.Src, map[string]any{"type": "echo_ok", "echo": body["echo"]})
	})
	if err := n.Run(); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}
