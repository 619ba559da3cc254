// Command echo-setsid-child is an echo server that, on init, starts a child
// in a new session (setsid) which inherits its stdout and stderr and lives
// for 20 s. Killing the node's process group does not reach the child, so
// the node's output stays open: the runner's teardown must stay within its
// bound and say what it waited for.
package main

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"syscall"

	"github.com/glomers/glomers/node"
)

func main() {
	n := node.New()
	child := exec.Command("sleep", "20")
	child.Stdout, child.Stderr = os.Stdout, os.Stderr
	child.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
	if err := child.Start(); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
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
