// Command echo-wrong-type is a broken echo server: it sends the request's
// body back as its reply, type "echo" instead of "echo_ok". The runner
// must show the reply it expected next to the one it got, as JSON.
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
		delete(body, "msg_id")
		return n.Reply(msg, body)
	})
	if err := n.Run(); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}
