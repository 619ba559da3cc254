package main

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/glomers/glomers/internal/checker"
	simnet "github.com/glomers/glomers/internal/network"
	"github.com/glomers/glomers/internal/sim"
	"github.com/glomers/glomers/internal/workload/kafka"
	"github.com/glomers/glomers/node"
)

// simClock is the offset clock in the simulator: the cluster's virtual
// time, which a restarted node keeps reading where its predecessor left.
func simClock(now time.Duration) int64 { return now.Microseconds() }

func simNode(cfg Config) node.NewCore {
	return func(self string, ids []string) node.Core { return NewLog(self, ids, cfg, simClock) }
}

// scenario is a seeded run of the kafka workload on nodes nodes with
// lin-kv, partitions, and, when kills is set, nodes killed and restarted.
func scenario(seed uint64, nodes int, kills bool, newCore node.NewCore) *sim.Cluster {
	c := sim.New(sim.Config{Nodes: nodes, New: newCore, Seed: seed, Workload: kafka.Workload(), Services: []string{"lin-kv"},
		Latency: simnet.Latency{Mean: 5 * time.Millisecond, Dist: simnet.Exponential}})
	if kills {
		c.Kills(4 * time.Second)
	}
	c.Chaos(100, 4*time.Second)
	return c
}

func TestScenarioSeeds(t *testing.T) {
	sim.Seeds(t, 5, func(t *testing.T, seed uint64) {
		scenario(seed, 2, false, simNode(DefaultConfig)).Verify(t)
	})
}

func TestKillScenarioSeeds(t *testing.T) {
	sim.Seeds(t, 8, func(t *testing.T, seed uint64) {
		scenario(seed, 2+int(seed%2), true, simNode(DefaultConfig)).Verify(t)
	})
}

// A node that acknowledges a send before it is durable, and serves polls
// from memory, loses acknowledged sends when killed: caught.
func TestKillScenarioCatchesEarlyAcks(t *testing.T) {
	early := func(self string, ids []string) node.Core {
		return &earlyAck{NewLog(self, ids, DefaultConfig, simClock)}
	}
	caught := 0
	for seed := range uint64(3) {
		if scenario(seed, 2, true, early).Check().Validity() == checker.Invalid {
			caught++
		}
	}
	if caught == 0 {
		t.Error("early acknowledgements were never caught in 3 seeds")
	}
}

// earlyAck answers a send as soon as it is assigned an offset, and makes
// it visible at once.
type earlyAck struct{ *Log }

func (e *earlyAck) Handle(now time.Duration, msg node.Message) []node.Out {
	out := e.Log.Handle(now, msg)
	if msg.Type() != "send" || e.phase != ready {
		return out
	}
	replies := &e.replies
	if len(*replies) == 0 || !(*replies)[len(*replies)-1].send {
		replies = &e.flight.replies // the send went out with a write at once
	}
	r := (*replies)[len(*replies)-1]
	*replies = (*replies)[:len(*replies)-1]
	var off int64
	json.Unmarshal([]byte(mustEncodeQuiet(r.out.Body)), &struct {
		Offset *int64 `json:"offset"`
	}{&off})
	for key, last := range e.last {
		if last == off {
			var b struct {
				Msg int64 `json:"msg"`
			}
			node.Decode(msg, &b)
			e.addEntries([]Entry{{Key: key, Off: off, Msg: b.Msg}})
		}
	}
	return append(out, r.out)
}

func TestChunkEncoding(t *testing.T) {
	b, err := json.Marshal(Chunk{})
	if err != nil || string(b) != `{"p":0,"v":0}` {
		t.Errorf("empty chunk %s, %v: nil and empty lists must encode alike, or a cas from it fails", b, err)
	}
	if ChunkKey("n1", 3) != "kafka/n1/3" {
		t.Errorf("ChunkKey = %s", ChunkKey("n1", 3))
	}
}

func TestSendWaitsForLinKV(t *testing.T) {
	l := NewLog("n0", []string{"n0", "n1"}, DefaultConfig, simClock)
	out := l.Handle(0, node.Message{Src: "c1", Dest: "n0", Body: json.RawMessage(`{"type":"send","msg_id":1,"key":"k","msg":5}`)})
	if len(out) != 1 || out[0].Dest != service || !strings.Contains(mustEncode(t, out[0].Body), `"key":"kafka/n0/0"`) {
		t.Fatalf("a new node must first read its chunk back: %v", out)
	}
}

func mustEncodeQuiet(v any) string {
	b, _ := node.EncodeBody(v)
	return string(b)
}

func mustEncode(t *testing.T, v any) string {
	t.Helper()
	b, err := node.EncodeBody(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
