// Command no-flush is a broken node: it answers init through a
// bufio.Writer it never flushes, so nothing reaches stdout. The runner
// must say that stdout may be buffered and show what it wrote to stderr.
package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os"
)

func main() {
	in := bufio.NewScanner(os.Stdin)
	out := bufio.NewWriter(os.Stdout) // never flushed: the bug
	for in.Scan() {
		var msg struct {
			Src  string         `json:"src"`
			Dest string         `json:"dest"`
			Body map[string]any `json:"body"`
		}
		if err := json.Unmarshal(in.Bytes(), &msg); err != nil {
			continue
		}
		fmt.Fprintf(os.Stderr, "no-flush: got %v, answering\n", msg.Body["type"])
		reply, _ := json.Marshal(map[string]any{"src": msg.Dest, "dest": msg.Src,
			"body": map[string]any{"type": msg.Body["type"].(string) + "_ok", "in_reply_to": msg.Body["msg_id"]}})
		out.Write(append(reply, '\n'))
	}
}
