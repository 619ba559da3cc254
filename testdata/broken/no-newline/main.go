// Command no-newline is a broken node: it answers init without the
// trailing newline, so the reply is never a complete line. The runner must
// say so rather than only report a timeout.
package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os"
)

func main() {
	in := bufio.NewScanner(os.Stdin)
	for in.Scan() {
		var msg struct {
			Src  string         `json:"src"`
			Dest string         `json:"dest"`
			Body map[string]any `json:"body"`
		}
		if err := json.Unmarshal(in.Bytes(), &msg); err != nil {
			continue
		}
		reply, _ := json.Marshal(map[string]any{"src": msg.Dest, "dest": msg.Src,
			"body": map[string]any{"type": "init_ok", "in_reply_to": msg.Body["msg_id"]}})
		fmt.Print(string(reply)) // no newline
	}
}
