// Package nodetest runs solution nodes in-process for tests: each node is a
// real node.Node on pipes, and a small router carries what they print to
// the other nodes, to in-memory Maelstrom services, or back to the test's
// client, with a switch that partitions the nodes from each other.
package nodetest

import (
	"bufio"
	"context"
	"io"
	"sync"
	"testing"
	"time"

	"github.com/glomers/glomers/internal/message"
	"github.com/glomers/glomers/internal/service"
	"github.com/glomers/glomers/node"
)

// ClientID is the id the test's requests come from.
const ClientID = "c1"

// ReplyTimeout is how long Call waits for a reply.
const ReplyTimeout = 5 * time.Second

// Cluster is a set of in-process nodes. Services, if any, answer the
// nodes' requests serially, as Maelstrom's do.
type Cluster struct {
	t        testing.TB
	stdin    map[string]*io.PipeWriter
	replies  chan message.Message
	services map[string]service.Service

	mu          sync.Mutex // guards partitioned, msgID and the services
	partitioned bool
	msgID       int
}

// Start runs one node per id, each set up by setup (which registers its
// handlers), and initialises them all. The nodes stop when the test ends.
func Start(t testing.TB, ids []string, services map[string]service.Service, setup func(context.Context, *node.Node)) *Cluster {
	t.Helper()
	c := &Cluster{t: t, stdin: map[string]*io.PipeWriter{}, replies: make(chan message.Message, 100), services: services}
	ctx, stop := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	for _, id := range ids {
		inR, inW := io.Pipe()
		outR, outW := io.Pipe()
		c.stdin[id] = inW
		n := node.NewIO(inR, outW)
		setup(ctx, n)
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := n.Run(); err != nil {
				t.Error(err)
			}
			outW.Close()
		}()
		go c.route(id, outR)
	}
	t.Cleanup(func() {
		stop()
		for _, w := range c.stdin {
			w.Close()
		}
		wg.Wait()
	})
	for _, id := range ids {
		if r := c.Call(id, map[string]any{"type": "init", "node_id": id, "node_ids": ids}); r.Type() != "init_ok" {
			t.Fatalf("init %s: %v", id, r)
		}
	}
	return c
}

// route carries every line node id prints to its destination.
func (c *Cluster) route(id string, out io.Reader) {
	sc := bufio.NewScanner(out)
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		m, err := message.Parse(id, sc.Bytes())
		if err != nil {
			c.t.Error(err)
			continue
		}
		c.mu.Lock()
		svc, isService := c.services[m.Dest]
		partitioned := c.partitioned
		c.mu.Unlock()
		switch {
		case m.Dest == ClientID:
			c.replies <- m
		case isService:
			c.mu.Lock()
			r, ok, err := service.Serve(svc, m.Dest, m)
			c.mu.Unlock()
			if err != nil || !ok {
				c.t.Errorf("%s: no reply to %s (%v)", m.Dest, m.Body, err)
				continue
			}
			c.stdin[id].Write(r.Line())
		case !partitioned:
			if w := c.stdin[m.Dest]; w != nil {
				w.Write(m.Line())
			}
		}
	}
}

// Partition cuts (true) or heals (false) every node-to-node link.
// Services and the client are never cut off.
func (c *Cluster) Partition(on bool) {
	c.mu.Lock()
	c.partitioned = on
	c.mu.Unlock()
}

// Call sends body (msg_id is set here) from the client to dest and
// returns the reply, failing the test after ReplyTimeout.
func (c *Cluster) Call(dest string, body map[string]any) message.Body {
	c.t.Helper()
	c.mu.Lock()
	c.msgID++
	id := c.msgID
	c.mu.Unlock()
	body["msg_id"] = id
	c.stdin[dest].Write(message.New(ClientID, dest, body).Line())
	select {
	case m := <-c.replies:
		b, err := m.DecodeBody()
		if err != nil {
			c.t.Fatal(err)
		}
		if r, _ := b.Int("in_reply_to"); r != int64(id) {
			c.t.Fatalf("reply %v, want in_reply_to %d", b, id)
		}
		return b
	case <-time.After(ReplyTimeout):
		c.t.Fatalf("no reply to %v from %s", body, dest)
	}
	return nil
}
