// Command kafka-lost is a broken kafka node: it acknowledges every send
// with a fresh offset, but drops every fourth message instead of storing
// it, so polls never return it although they read past its offset. The
// kafka checker must report :lost-write.
package main

import (
	"encoding/json"
	"log"
	"sync"

	"github.com/glomers/glomers/node"
)

type entry struct{ off, msg int64 }

func main() {
	n := node.New()
	var mu sync.Mutex
	logs := map[string][]entry{}
	next := map[string]int64{}
	sends := 0
	n.Handle("send", func(msg node.Message) error {
		var b struct {
			Key string `json:"key"`
			Msg int64  `json:"msg"`
		}
		if err := json.Unmarshal(msg.Body, &b); err != nil {
			return err
		}
		mu.Lock()
		off := next[b.Key]
		next[b.Key]++
		if sends++; sends%4 != 0 { // the bug: every fourth message is dropped
			logs[b.Key] = append(logs[b.Key], entry{off, b.Msg})
		}
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
			for _, e := range logs[k] {
				if e.off >= from {
					out[k] = append(out[k], [2]int64{e.off, e.msg})
				}
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
