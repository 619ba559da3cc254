package sim

import (
	"encoding/json"
	"reflect"
	"slices"
	"testing"
	"time"

	"github.com/glomers/glomers/internal/checker"
	"github.com/glomers/glomers/internal/message"
	"github.com/glomers/glomers/internal/network"
	"github.com/glomers/glomers/internal/workload/echo"
	"github.com/glomers/glomers/internal/workload/gset"
	"github.com/glomers/glomers/node"
)

// echoCore answers echo; alter makes it change the payload.
type echoCore struct {
	node.NoTimer
	alter bool
}

func (e *echoCore) Handle(_ time.Duration, msg node.Message) []node.Out {
	var req struct {
		Echo json.RawMessage `json:"echo"`
	}
	if msg.Type() != "echo" || node.Decode(msg, &req) != nil {
		return node.Unsupported(msg)
	}
	if e.alter {
		req.Echo = json.RawMessage(`"altered"`)
	}
	return []node.Out{node.Reply(msg, map[string]any{"type": "echo_ok", "echo": req.Echo})}
}

func TestEcho(t *testing.T) {
	for _, alter := range []bool{false, true} {
		c := New(Config{Nodes: 2, Seed: 1, Workload: echo.Workload(),
			New: func(string, []string) node.Core { return &echoCore{alter: alter} }})
		c.Test(20, 5*time.Second, nil)
		if res := c.Check(); res.Validity() != checker.Of(!alter) {
			t.Errorf("alter=%v: verdict %v", alter, res.Validity())
		}
		if n := len(c.History()); n < 150 {
			t.Errorf("alter=%v: %d ops, want about 200 (20/s for 5 s, invoke and completion)", alter, n)
		}
	}
}

// gsetCore is a g-set node that gossips its whole set to every peer every
// 100 ms; local keeps it to itself (a broken node).
type gsetCore struct {
	node.Every
	self  string
	peers []string
	vals  map[int64]bool
	local bool
}

func newGSet(local bool) node.NewCore {
	return func(id string, ids []string) node.Core {
		g := &gsetCore{Every: node.Every{Period: 100 * time.Millisecond}, self: id, vals: map[int64]bool{}, local: local}
		for _, p := range ids {
			if p != id {
				g.peers = append(g.peers, p)
			}
		}
		return g
	}
}

func (g *gsetCore) sorted() []int64 {
	var vs []int64
	for v := range g.vals {
		vs = append(vs, v)
	}
	slices.Sort(vs)
	return vs
}

func (g *gsetCore) Handle(_ time.Duration, msg node.Message) []node.Out {
	var req struct {
		Element int64   `json:"element"`
		Values  []int64 `json:"values"`
	}
	if err := node.Decode(msg, &req); err != nil {
		return node.Malformed(msg, "%v", err)
	}
	switch msg.Type() {
	case "add":
		g.vals[req.Element] = true
		return []node.Out{node.Reply(msg, map[string]any{"type": "add_ok"})}
	case "read":
		return []node.Out{node.Reply(msg, map[string]any{"type": "read_ok", "value": g.sorted()})}
	case "gossip":
		for _, v := range req.Values {
			g.vals[v] = true
		}
		return nil
	}
	return node.Unsupported(msg)
}

func (g *gsetCore) Tick(now time.Duration) []node.Out {
	if !g.Due(now) || g.local {
		return nil
	}
	var out []node.Out
	for _, p := range g.peers {
		out = append(out, node.Out{Dest: p, Body: map[string]any{"type": "gossip", "values": g.sorted()}})
	}
	return out
}

func gsetRun(seed uint64, local bool) *Cluster {
	c := New(Config{Nodes: 3, Seed: seed, Workload: gset.Workload(), New: newGSet(local),
		Latency: network.Latency{Mean: 50 * time.Millisecond, Dist: network.Exponential}})
	c.Test(20, 5*time.Second, func() {
		c.At(c.Now()+time.Second, func() { c.Isolate([]string{"n0"}, []string{"n1", "n2"}) })
		c.At(c.Now()+3*time.Second, c.Heal)
	})
	return c
}

func TestGSetSeeds(t *testing.T) {
	Seeds(t, 50, func(t *testing.T, seed uint64) {
		gsetRun(seed, false).Verify(t)
	})
}

func TestBrokenGSetFails(t *testing.T) {
	if res := gsetRun(1, true).Check(); res.Validity() != checker.Invalid {
		t.Errorf("a g-set that never gossips was judged %v", res.Validity())
	}
}

// A seed replays exactly: same history, same journal.
func TestDeterministic(t *testing.T) {
	a, b := gsetRun(7, false), gsetRun(7, false)
	if !reflect.DeepEqual(a.History(), b.History()) {
		t.Error("two runs of seed 7 gave different histories")
	}
	if !reflect.DeepEqual(a.Journal(), b.Journal()) {
		t.Error("two runs of seed 7 gave different journals")
	}
	if c := gsetRun(8, false); reflect.DeepEqual(a.Journal(), c.Journal()) {
		t.Error("seeds 7 and 8 gave the same journal")
	}
}

// Messages that reach a node before its init wait for it, then are
// handled by the initialized node.
func TestMessagesBeforeInitWait(t *testing.T) {
	c := New(Config{Nodes: 2, Seed: 1, New: newGSet(true)})
	c.Send("n0", "n1", message.Body{"type": "gossip", "values": []int64{7}})
	var got message.Body
	c.Call("n1", message.Body{"type": "read"}, time.Second, func(r message.Body, err error) {
		if err != nil {
			t.Errorf("read: %v", err)
		}
		got = r
	})
	c.RunUntil(100 * time.Millisecond)
	if got != nil {
		t.Fatalf("n1 answered %v before its init", got)
	}
	c.Init("n1")
	c.RunUntil(200 * time.Millisecond)
	if v, _ := json.Marshal(got["value"]); string(v) != "[7]" {
		t.Errorf("read after init = %v, want [7]", got)
	}
}
