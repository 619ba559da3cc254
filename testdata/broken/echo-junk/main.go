// Command echo-junk is a broken echo server: it answers init properly, then
// prints plain text instead of JSON for every echo request. The runner
// must name the node and the line, keep reading, and the clients time out.
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
		if msg.Body["type"] == "init" {
			reply, _ := json.Marshal(map[string]any{"src": msg.Dest, "dest": msg.Src,
				"body": map[string]any{"type": "init_ok", "in_reply_to": msg.Body["msg_id"]}})
			fmt.Printf("%s\n", reply)
			continue
		}
		fmt.Printf("echoing %v\n", msg.Body["echo"])
	}
}
