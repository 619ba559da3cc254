package e2e

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os/exec"
	"strings"
	"testing"
)

// feed runs a solution binary, writes lines to its stdin at once (init
// and the requests back to back), closes stdin and returns the bodies of
// the messages it printed, each with its src.
func feed(t *testing.T, binary string, lines ...string) []printed {
	t.Helper()
	cmd := exec.Command(bin(binary))
	cmd.Stdin = strings.NewReader(strings.Join(lines, "\n") + "\n")
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("%s: %v\n%s", binary, err, stderr.String())
	}
	var out []printed
	for _, l := range strings.Split(strings.TrimSpace(stdout.String()), "\n") {
		var p printed
		if err := json.Unmarshal([]byte(l), &p); err != nil {
			t.Fatalf("%s printed %q: %v", binary, l, err)
		}
		p.line = l
		out = append(out, p)
	}
	return out
}

type printed struct {
	Src  string          `json:"src"`
	Dest string          `json:"dest"`
	Body json.RawMessage `json:"body"`
	line string
}

func request(src string, body string) string {
	return fmt.Sprintf(`{"src":%q,"dest":"n1","body":%s}`, src, body)
}

const init1 = `{"src":"c0","dest":"n1","body":{"type":"init","msg_id":1,"node_id":"n1","node_ids":["n1"]}}`

// big is 2^60+1, which a float64 rounds to 1152921504606846976.
const big = "1152921504606846977"

// TestSolutionsInitBackToBack feeds each solution init, a write and a
// read in one go, 20 times: every reply comes from n1 (init is handled
// first), the write is acknowledged and the read returns it, 2^60+1
// exactly. g-counter and kafka-log are not here: they acknowledge a write
// only once a service holds it (so that a kill loses nothing acknowledged),
// and no service answers on stdin; internal/sim runs them with services.
func TestSolutionsInitBackToBack(t *testing.T) {
	tests := []struct {
		binary      string
		write, read string
		want        string // in the read's reply
	}{
		{"echo", `{"type":"echo","msg_id":2,"echo":` + big + `}`, `{"type":"echo","msg_id":3,"echo":{"a":[` + big + `,"<&>"]}}`, `"echo":{"a":[` + big + `,"<&>"]}`},
		{"broadcast", `{"type":"broadcast","msg_id":2,"message":` + big + `}`, `{"type":"read","msg_id":3}`, `"messages":[` + big + `]`},
		{"txn-kv", `{"type":"txn","msg_id":2,"txn":[["w",` + big + `,` + big + `]]}`, `{"type":"txn","msg_id":3,"txn":[["r",` + big + `,null]]}`, `"txn":[["r",` + big + `,` + big + `]]`},
	}
	for _, tt := range tests {
		t.Run(tt.binary, func(t *testing.T) {
			for try := range 20 {
				out := feed(t, tt.binary, init1, request("c1", tt.write), request("c1", tt.read))
				if len(out) != 3 {
					t.Fatalf("try %d: %d messages, want 3: %v", try, len(out), out)
				}
				for _, p := range out {
					if p.Src != "n1" {
						t.Fatalf("try %d: a reply from %q, not n1: %s", try, p.Src, p.line)
					}
				}
				if strings.Contains(string(out[1].Body), `"error"`) {
					t.Fatalf("try %d: the write failed: %s", try, out[1].line)
				}
				if !strings.Contains(string(out[2].Body), tt.want) {
					t.Fatalf("try %d: read %s, want %s in it", try, out[2].line, tt.want)
				}
			}
		})
	}
}

// TestUniqueIDsSecondInit: a second init does not make the ids repeat.
func TestUniqueIDsSecondInit(t *testing.T) {
	gen := request("c1", `{"type":"generate","msg_id":2}`)
	out := feed(t, "unique-ids", init1, gen, gen, init1, gen, gen)
	seen := map[string]bool{}
	for _, p := range out {
		var b struct {
			Type string `json:"type"`
			ID   any    `json:"id"`
		}
		json.Unmarshal(p.Body, &b)
		if b.Type != "generate_ok" {
			continue
		}
		id := fmt.Sprint(b.ID)
		if seen[id] {
			t.Fatalf("id %s given twice across a second init: %v", id, out)
		}
		seen[id] = true
	}
	if len(seen) != 4 {
		t.Errorf("%d ids, want 4: %v", len(seen), out)
	}
}

// TestMalformedRequests: each solution answers malformed requests with
// error 12 and unknown types with error 10, and keeps serving. g-counter
// and kafka-log first read their state back from a service (service), so
// they answer the malformed requests at once but hold the good one.
func TestMalformedRequests(t *testing.T) {
	tests := []struct {
		binary  string
		bad     []string
		good    string // answered normally afterwards
		service string
	}{
		{"broadcast", []string{`{"type":"broadcast","msg_id":2,"message":"x"}`, `{"type":"broadcast","msg_id":3}`, `{"type":"broadcast","msg_id":4,"message":1.5}`}, `{"type":"read","msg_id":9}`, ""},
		{"kafka-log", []string{`{"type":"send","msg_id":2,"key":1,"msg":1}`, `{"type":"poll","msg_id":3,"offsets":[1]}`, `{"type":"commit_offsets","msg_id":4}`}, `{"type":"list_committed_offsets","msg_id":9,"keys":[]}`, "lin-kv"},
		{"g-counter", []string{`{"type":"add","msg_id":2,"delta":-1}`, `{"type":"add","msg_id":3,"delta":"1"}`, `{"type":"add","msg_id":4,"delta":9223372036854775808}`}, `{"type":"read","msg_id":9}`, "seq-kv"},
		{"txn-kv", []string{`{"type":"txn","msg_id":2,"txn":[["w",1,null]]}`, `{"type":"txn","msg_id":3,"txn":[["x",1,1]]}`, `{"type":"txn","msg_id":4,"txn":{}}`}, `{"type":"txn","msg_id":9,"txn":[["r",1,null]]}`, ""},
		{"echo", []string{`{"type":"echo","msg_id":2}`, `{"type":7,"msg_id":3}`, `{"msg_id":4}`}, `{"type":"echo","msg_id":9,"echo":1}`, ""},
	}
	for _, tt := range tests {
		t.Run(tt.binary, func(t *testing.T) {
			lines := []string{init1}
			for _, b := range tt.bad {
				lines = append(lines, request("c1", b))
			}
			lines = append(lines, request("c1", `{"type":"frobnicate","msg_id":5}`), request("c1", tt.good))
			out := feed(t, tt.binary, lines...)
			if tt.service != "" {
				var replies []printed
				for _, p := range out {
					if p.Dest != tt.service {
						replies = append(replies, p)
					}
				}
				if len(replies) != len(out)-1 {
					t.Fatalf("want one request to %s before it serves: %v", tt.service, out)
				}
				out = append(replies, printed{line: "(held until " + tt.service + " answers)"})
			}
			if len(out) != len(lines) {
				t.Fatalf("%d messages for %d lines: %v", len(out), len(lines), out)
			}
			for i, p := range out[1 : len(out)-2] {
				if !strings.Contains(p.line, `"code":12`) {
					t.Errorf("%s answered %s, want error 12", tt.bad[i], p.line)
				}
			}
			if p := out[len(out)-2]; !strings.Contains(p.line, `"code":10`) {
				t.Errorf("an unknown type answered %s, want error 10", p.line)
			}
			if p := out[len(out)-1]; strings.Contains(p.line, `"error"`) {
				t.Errorf("after the malformed requests, %s answered %s", tt.good, p.line)
			}
		})
	}
}
