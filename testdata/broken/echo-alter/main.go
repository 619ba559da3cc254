// Command echo-alter is a broken echo server: it changes the payload it
// echoes. The echo checker must find every reply wrong.
package main

import (
	"encoding/json"
	"log"

	"github.com/glomers/glomers/node"
)

func main() {
	n := node.New()
	n.Handle("echo", func(msg node.Message) error {
		var body map[string]any
		if err := json.Unmarshal(msg.Body, &body); err != nil {
			return err
		}
		return n.Reply(msg, map[string]any{"type": "echo_ok", "echo": "not-right"})
	})
	if err := n.Run(); err != nil {
		log.Fatal(err)
	}
}
