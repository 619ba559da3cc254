// Command kafka-nondurable is a broken kafka node: kafka-log as it was
// before kill faults, which acknowledges a send as soon as it has stored
// the message in its own memory and replicates it to the other nodes up to
// 100 ms later. It is valid under partitions, but a node killed right after
// send_ok loses acknowledged messages, and a restarted node numbers its
// entries from scratch, which its peers take for duplicates. Under
// --nemesis kill the kafka checker must report :lost-write.
package main

import (
	"encoding/json"
	"fmt"
	"log"
	"sync"
	"time"

	"github.com/glomers/glomers/node"
)

// tick is how often nodes replicate to each other.
const tick = 100 * time.Millisecond

// epoch is where the offset clock starts, so offsets stay well below 2^53.
var epoch = time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)

// now reads the offset clock: microseconds since epoch.
func now() int64 { return time.Since(epoch).Microseconds() }

// peer wires a Log to a node: one lock around the state, a ticker, and the
// batches the state returns sent after the lock is released.
type peer struct {
	n *node.Node

	mu sync.Mutex
	l  *Log
}

func main() {
	p := &peer{n: node.New()}
	p.n.Handle("init", p.init)
	p.n.Handle("send", p.send)
	p.n.Handle("poll", p.poll)
	p.n.Handle("commit_offsets", p.commit)
	p.n.Handle("list_committed_offsets", p.listCommitted)
	p.n.Handle(ReplicateType, p.replicate)
	if err := p.n.Run(); err != nil {
		log.Fatal(err)
	}
}

func (p *peer) init(node.Message) error {
	p.mu.Lock()
	p.l = NewLog(p.n.ID(), p.n.NodeIDs(), DefaultConfig)
	p.mu.Unlock()
	if len(p.n.NodeIDs()) > 1 {
		go func() {
			for range time.Tick(tick) {
				p.step(func(l *Log) []Out { return l.Tick(now()) })
			}
		}()
	}
	return nil
}

// step runs f on the state under the lock, then sends what it returns.
func (p *peer) step(f func(*Log) []Out) {
	p.mu.Lock()
	if p.l == nil {
		p.mu.Unlock()
		return
	}
	out := f(p.l)
	p.mu.Unlock()
	for _, o := range out {
		if err := p.n.Send(o.Dest, o.Body); err != nil {
			log.Printf("send to %s: %v", o.Dest, err)
		}
	}
}

func (p *peer) send(msg node.Message) error {
	var body struct {
		Key *string `json:"key"`
		Msg *int64  `json:"msg"`
	}
	if err := json.Unmarshal(msg.Body, &body); err != nil || body.Key == nil || body.Msg == nil {
		return fmt.Errorf("send: want a string key and an integer msg: %s", msg.Body)
	}
	var off int64
	p.step(func(l *Log) []Out { off = l.Send(now(), *body.Key, *body.Msg); return nil })
	return p.n.Reply(msg, map[string]any{"type": "send_ok", "offset": off})
}

func (p *peer) poll(msg node.Message) error {
	var body struct {
		Offsets map[string]int64 `json:"offsets"`
	}
	if err := json.Unmarshal(msg.Body, &body); err != nil {
		return fmt.Errorf("poll: want offsets {key: int}: %s", msg.Body)
	}
	var msgs map[string][][2]int64
	p.step(func(l *Log) []Out { msgs = l.Poll(body.Offsets); return nil })
	return p.n.Reply(msg, map[string]any{"type": "poll_ok", "msgs": msgs})
}

func (p *peer) commit(msg node.Message) error {
	var body struct {
		Offsets map[string]int64 `json:"offsets"`
	}
	if err := json.Unmarshal(msg.Body, &body); err != nil {
		return fmt.Errorf("commit_offsets: want offsets {key: int}: %s", msg.Body)
	}
	p.step(func(l *Log) []Out { l.Commit(body.Offsets); return nil })
	return p.n.Reply(msg, map[string]any{"type": "commit_offsets_ok"})
}

func (p *peer) listCommitted(msg node.Message) error {
	var body struct {
		Keys []string `json:"keys"`
	}
	if err := json.Unmarshal(msg.Body, &body); err != nil {
		return fmt.Errorf("list_committed_offsets: want keys [string]: %s", msg.Body)
	}
	var offsets map[string]int64
	p.step(func(l *Log) []Out { offsets = l.Committed(body.Keys); return nil })
	return p.n.Reply(msg, map[string]any{"type": "list_committed_offsets_ok", "offsets": offsets})
}

func (p *peer) replicate(msg node.Message) error {
	var b Batch
	if err := json.Unmarshal(msg.Body, &b); err != nil {
		// A node does not answer replication, not even with an error.
		log.Printf("replicate from %s: %v", msg.Src, err)
		return nil
	}
	p.step(func(l *Log) []Out { l.Receive(msg.Src, b); return nil })
	return nil
}
