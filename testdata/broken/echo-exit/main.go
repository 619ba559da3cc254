// Command echo-exit is a broken echo server: it answers three echoes, then
// writes a last word to stderr and exits with status 3. The runner must
// report the crash at once and exit 255.
package main

import (
	"encoding/json"
	"fmt"
	"os"
	"sync/atomic"

	"github.com/glomers/glomers/node"
)

func main() {
	n := node.New()
	var count atomic.Int64
	n.Handle("echo", func(msg node.Message) error {
		if count.Add(1) > 3 {
			fmt.Fprintln(os.Stderr, "simulated failure: out of echoes")
			os.Exit(3)
		}
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
