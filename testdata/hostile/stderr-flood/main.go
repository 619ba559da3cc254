// Command stderr-flood is a hostile echo server for `glomers bench
// hostile`: while it answers echoes it writes 1 GiB to stderr with no
// newline. The runner must copy it to the node's log without holding it.
package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"

	"github.com/glomers/glomers/node"
)

func main() {
	go func() {
		chunk := bytes.Repeat([]byte("x"), 1<<20)
		for range 1024 {
			if _, err := os.Stderr.Write(chunk); err != nil {
				return
			}
		}
	}()
	n := node.New()
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
