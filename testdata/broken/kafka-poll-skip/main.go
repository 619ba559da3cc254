// Command kafka-poll-skip is a broken kafka node: its log is correct, but
// every third poll of a key from a nonzero offset starts one message
// late, skipping the message at the requested offset. The kafka checker
// must report :poll-skip.
package main

import (
	"encoding/json"
	"log"
	"sync"

	"github.com/glomers/glomers/node"
)

func main() {
	n := node.New()
	var mu sync.Mutex
	logs := map[string][]int64{} // key -> messages; the offset is the index
	polls := 0
	n.Handle("send", func(msg node.Message) error {
		var b struct {
			Key string `json:"key"`
			Msg int64  `json:"msg"`
		}
		if err := json.Unmarshal(msg.Body, &b); err != nil {
			return err
		}
		mu.Lock()
		off := len(logs[b.Key])
		logs[b.Key] = append(logs[b.Key], b.Msg)
		mu.Unlock()
		return n.Reply(msg, map[string]any{"type": "send_ok", "offset": off})
	})
	n.Handle("poll", func(msg node.Message) error {
		var b struct {
			Offsets map[string]int64 `json:"offsets"`
		}
		if err := json.Unmarshal(msg.Body, &b); err != nil {
			return err
		}
		mu.Lock()
		out := map[string][][2]int64{}
		for k, from := range b.Offsets {
			if from > 0 && int(from)+1 < len(logs[k]) {
				if polls++; polls%3 == 0 {
					from++ // the bug
				}
			}
			for off := from; off < int64(len(logs[k])); off++ {
				out[k] = append(out[k], [2]int64{off, logs[k][off]})
			}
		}
		mu.Unlock()
		return n.Reply(msg, map[string]any{"type": "poll_ok", "msgs": out})
	})
	n.Handle("commit_offsets", func(msg node.Message) error {
		return n.Reply(msg, map[string]any{"type": "commit_offsets_ok"})
	})
	n.Handle("list_committed_offsets", func(msg node.Message) error {
		return n.Reply(msg, map[string]any{"type": "list_committed_offsets_ok", "offsets": map[string]int64{}})
	})
	if err := n.Run(); err != nil {
		log.Fatal(err)
	}
}
