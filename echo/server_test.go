package main

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/glomers/glomers/internal/checker"
	"github.com/glomers/glomers/internal/sim"
	"github.com/glomers/glomers/internal/workload/echo"
	"github.com/glomers/glomers/node"
)

// reply runs one request body through the node and returns its reply
// body, as the line it would print.
func reply(t testing.TB, body string) string {
	t.Helper()
	outs := Node{}.Handle(0, node.Message{Src: "c1", Dest: "n0", Body: json.RawMessage(body)})
	if len(outs) != 1 {
		t.Fatalf("%s: %d replies", body, len(outs))
	}
	b, err := node.EncodeBody(outs[0].Body)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestEchoExact(t *testing.T) {
	tests := []struct{ payload string }{
		{`"Please echo 35"`},
		{`1152921504606846977`}, // 2^60+1
		{`123456789012345678901234567890`},
		{`1.0`},
		{`1e400`},
		{`{"b":[1.50,"<&>"],"a":null}`},
		{`"\u2028 é \ud83d\ude00"`},
		{`null`},
	}
	for _, tt := range tests {
		want := `{"in_reply_to":7,"type":"echo_ok","echo":` + tt.payload + `}`
		if got := reply(t, `{"type":"echo","msg_id":7,"echo":`+tt.payload+`}`); got != want {
			t.Errorf("echo %s:\n got %s\nwant %s", tt.payload, got, want)
		}
	}
}

func TestEchoErrors(t *testing.T) {
	for body, code := range map[string]string{
		`{"type":"echo","msg_id":1}`:          `"code":12`,
		`{"type":"echox","msg_id":1}`:         `"code":10`,
		`{"type":"echo","msg_id":1,"echo":1}`: `"echo_ok"`,
	} {
		if got := reply(t, body); !json.Valid([]byte(got)) || !strings.Contains(got, code) {
			t.Errorf("%s answered %s, want %s", body, got, code)
		}
	}
}

func TestScenarioSeeds(t *testing.T) {
	sim.Seeds(t, 200, func(t *testing.T, seed uint64) {
		c := sim.New(sim.Config{Nodes: 3, New: NewNode, Seed: seed, Workload: echo.Workload()})
		c.Chaos(50, 3*time.Second)
		c.Verify(t)
	})
}

// A node that alters the payload is caught.
func TestScenarioCatchesAlteredEcho(t *testing.T) {
	c := sim.New(sim.Config{Nodes: 3, Seed: 1, Workload: echo.Workload(), New: func(string, []string) node.Core { return altered{} }})
	c.Chaos(50, 3*time.Second)
	if v := c.Check().Validity(); v != checker.Invalid {
		t.Errorf("an echo that alters its payload was judged %v", v)
	}
}

type altered struct{ Node }

func (a altered) Handle(now time.Duration, msg node.Message) []node.Out {
	return []node.Out{node.Reply(msg, Reply(json.RawMessage(`"altered"`)))}
}
