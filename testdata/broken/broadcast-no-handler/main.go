// Command broadcast-no-handler is step 1 of Maelstrom's broadcast guide,
// written with the Maelstrom library directly: it handles broadcast, read
// and topology except the type named by its argument, so the library's
// Run stops at the first message of that type and the node exits 1.
// "topology" makes it crash during setup, "read" (at --rate 0) during the
// final phase. The runner must report the crash, never a timeout.
package main

import (
	"encoding/json"
	"log"
	"os"
	"sync"

	maelstrom "github.com/jepsen-io/maelstrom/demo/go"
)

func main() {
	missing := ""
	if len(os.Args) > 1 {
		missing = os.Args[1]
	}
	n := maelstrom.NewNode()
	var mu sync.Mutex
	var seen []any
	handlers := map[string]maelstrom.HandlerFunc{
		"broadcast": func(msg maelstrom.Message) error {
			var body map[string]any
			if err := json.Unmarshal(msg.Body, &body); err != nil {
				return err
			}
			mu.Lock()
			seen = append(seen, body["message"])
			mu.Unlock()
			return n.Reply(msg, map[string]any{"type": "broadcast_ok"})
		},
		"read": func(msg maelstrom.Message) error {
			mu.Lock()
			defer mu.Unlock()
			return n.Reply(msg, map[string]any{"type": "read_ok", "messages": append([]any{}, seen...)})
		},
		"topology": func(msg maelstrom.Message) error {
			return n.Reply(msg, map[string]any{"type": "topology_ok"})
		},
	}
	for typ, h := range handlers {
		if typ != missing {
			n.Handle(typ, h)
		}
	}
	if err := n.Run(); err != nil {
		log.Fatal(err)
	}
}
