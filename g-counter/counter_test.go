package main

import (
	"encoding/json"
	"math"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/glomers/glomers/internal/checker"
	simnet "github.com/glomers/glomers/internal/network"
	"github.com/glomers/glomers/internal/sim"
	"github.com/glomers/glomers/internal/workload/counter"
	"github.com/glomers/glomers/node"
)

// handle runs one client request through a recovered c, answering its
// seq-kv write (if any) with write_ok, and returns the reply body.
func handle(t *testing.T, c *Counter, body string) string {
	t.Helper()
	c.recovered = true
	outs := c.Handle(0, node.Message{Src: "c1", Dest: c.self, Body: json.RawMessage(body)})
	if len(outs) == 1 && outs[0].Dest == kvService {
		w := outs[0].Body.(kvRequest)
		outs = c.Handle(0, node.Message{Src: kvService, Dest: c.self, Body: json.RawMessage(`{"type":"write_ok","in_reply_to":` + strconv.FormatInt(w.MsgID, 10) + `}`)})
	}
	if len(outs) != 1 {
		t.Fatalf("%s: %d messages back, want one reply", body, len(outs))
	}
	b, err := node.EncodeBody(outs[0].Body)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestAddValidation(t *testing.T) {
	tests := []struct{ body, want string }{
		{`{"type":"add","msg_id":1,"delta":3}`, `"type":"add_ok"`},
		{`{"type":"add","msg_id":1,"delta":-1}`, `"code":12,"text":"add: delta -1 is negative`},
		{`{"type":"add","msg_id":1,"delta":1.5}`, `"code":12`},
		{`{"type":"add","msg_id":1,"delta":"1"}`, `"code":12`},
		{`{"type":"add","msg_id":1}`, `"code":12`},
		{`{"type":"add","msg_id":1,"delta":9223372036854775807}`, `"code":12,"text":"add: delta 9223372036854775807 would take the counter (3 here) past 2^63-1"`},
		{`{"type":"add","msg_id":1,"delta":1e3}`, `"code":12`},
		{`{"type":"subtract","msg_id":1}`, `"code":10`},
		{`{"type":"read","msg_id":1}`, `"value":3`},
	}
	c := NewCounter("n0", []string{"n0", "n1"})
	for _, tt := range tests {
		if got := handle(t, c, tt.body); !strings.Contains(got, tt.want) {
			t.Errorf("%s answered %s, want %s", tt.body, got, tt.want)
		}
	}
}

func TestExactValues(t *testing.T) {
	c := NewCounter("n0", []string{"n0"})
	handle(t, c, `{"type":"add","msg_id":1,"delta":1152921504606846977}`)
	if got := handle(t, c, `{"type":"read","msg_id":2}`); got != `{"in_reply_to":2,"type":"read_ok","value":1152921504606846977}` {
		t.Errorf("read after adding 2^60+1 = %s", got)
	}
	handle(t, c, `{"type":"add","msg_id":3,"delta":`+strconv.FormatInt(math.MaxInt64-1152921504606846977, 10)+`}`)
	if got := handle(t, c, `{"type":"add","msg_id":4,"delta":1}`); !strings.Contains(got, `"code":12`) {
		t.Errorf("add past 2^63-1 answered %s", got)
	}
}

func TestLearnKeepsNewest(t *testing.T) {
	c := NewCounter("n1", []string{"n0", "n1", "n2"})
	if got := c.peers; len(got) != 2 || got[0] != "n0" || got[1] != "n2" {
		t.Fatalf("peers %v", got)
	}
	c.own = 3
	c.learn("n0", Share{Seq: 2, Total: 10})
	c.learn("n0", Share{Seq: 1, Total: 4}) // older: ignored
	c.learn("n2", Share{Seq: 1, Total: 1})
	if v := c.Value(); v != 14 {
		t.Errorf("Value = %d, want 14", v)
	}
	if Key("n1") != "g-counter/n1" {
		t.Errorf("Key = %s", Key("n1"))
	}
}

// scenario is the seeded run: three nodes and seq-kv on exponential
// latency, nodes initialized one by one under load, random partitions;
// the g-counter checker judges every read.
func scenario(seed uint64, newCore node.NewCore) *sim.Cluster {
	return run(seed, newCore, false)
}

// killScenario is scenario with nodes killed and restarted meanwhile.
func killScenario(seed uint64, newCore node.NewCore) *sim.Cluster {
	return run(seed, newCore, true)
}

func run(seed uint64, newCore node.NewCore, kills bool) *sim.Cluster {
	c := sim.New(sim.Config{Nodes: 3, New: newCore, Seed: seed, Workload: counter.GCounter(), Services: []string{"seq-kv"},
		Latency: network(20 * time.Millisecond)})
	if kills {
		c.Kills(5 * time.Second)
	}
	c.Chaos(20, 5*time.Second)
	return c
}

func TestScenarioSeeds(t *testing.T) {
	sim.Seeds(t, 200, func(t *testing.T, seed uint64) {
		scenario(seed, NewNode).Verify(t)
	})
}

// A counter that never learns its peers' shares is caught.
func TestScenarioCatchesLocalCounter(t *testing.T) {
	local := func(self string, _ []string) node.Core { return NewCounter(self, []string{self}) }
	sim.Catches(t, 1, func(seed uint64) *sim.Cluster { return scenario(seed, local) })
}

func network(mean time.Duration) simnet.Latency {
	return simnet.Latency{Mean: mean, Dist: simnet.Exponential}
}

func TestKillScenarioSeeds(t *testing.T) {
	sim.Seeds(t, 50, func(t *testing.T, seed uint64) {
		killScenario(seed, NewNode).Verify(t)
	})
}

// A counter that does not read its share back after a restart starts
// again from zero and overwrites what it acknowledged: caught.
func TestKillScenarioCatchesForgetfulRestart(t *testing.T) {
	forgetful := func(self string, ids []string) node.Core {
		c := NewCounter(self, ids)
		c.recovered = true
		return c
	}
	caught := 0
	for seed := range uint64(10) {
		if killScenario(seed, forgetful).Check().Validity() == checker.Invalid {
			caught++
		}
	}
	if caught == 0 {
		t.Error("a counter that forgets its share on restart was never caught in 10 seeds")
	}
}

func TestAddIsAcknowledgedOnceInSeqKV(t *testing.T) {
	c := NewCounter("n0", []string{"n0", "n1"})
	if next, ok := c.Next(); !ok || next != 0 {
		t.Fatalf("a new counter must read its share back at once; Next = %v %v", next, ok)
	}
	add := node.Message{Src: "c1", Dest: "n0", Body: json.RawMessage(`{"type":"add","msg_id":7,"delta":5}`)}
	out := c.Handle(0, add)
	if len(out) != 1 || out[0].Body.(kvRequest).Type != "read" || out[0].Body.(kvRequest).Key != Key("n0") {
		t.Fatalf("before recovery an add must wait while the share is read back: %+v", out)
	}
	readID := out[0].Body.(kvRequest).MsgID
	out = c.Handle(0, node.Message{Src: kvService, Dest: "n0", Body: json.RawMessage(`{"type":"read_ok","in_reply_to":` + strconv.FormatInt(readID, 10) + `,"value":{"seq":9,"total":40}}`)})
	if len(out) != 1 || out[0].Dest != kvService {
		t.Fatalf("after recovery the held add must become a seq-kv write, not a reply: %+v", out)
	}
	w := out[0].Body.(kvRequest)
	if w.Type != "write" || *w.Value != (Share{Seq: 9 + seqGap + 1, Total: 45}) {
		t.Errorf("write %+v: want the recovered total plus the add, seq past any write in flight", w)
	}
	out = c.Handle(0, node.Message{Src: kvService, Dest: "n0", Body: json.RawMessage(`{"type":"write_ok","in_reply_to":` + strconv.FormatInt(w.MsgID, 10) + `}`)})
	if len(out) != 1 || out[0].Dest != "c1" {
		t.Fatalf("write_ok must release the add_ok: %+v", out)
	}
}

// A scenario replays exactly from its seed.
func TestScenarioReplays(t *testing.T) {
	sim.Replays(t, 7, func(seed uint64) *sim.Cluster { return scenario(seed, NewNode) })
}
