package message

import (
	"encoding/json"
	"errors"
	"reflect"
	"strings"
	"testing"
)

func TestParseRejects(t *testing.T) {
	tests := []struct {
		name   string
		line   string
		reason string // a substring of the ParseError's reason
	}{
		{"not JSON", `hello world`, "not well-formed JSON"},
		{"truncated JSON", `{"src":"n1","dest":"c1","body":{`, "not well-formed JSON"},
		{"trailing data", `{"src":"n1","dest":"c1","body":{}} {}`, "not well-formed JSON"},
		{"empty line", ``, "empty line"},
		{"blank line", "  \t", "empty line"},
		{"array", `[1,2]`, "must be a JSON object, got an array"},
		{"string", `"hi"`, "must be a JSON object, got a string"},
		{"missing src", `{"dest":"c1","body":{}}`, `missing "src"`},
		{"null src", `{"src":null,"dest":"c1","body":{}}`, `missing "src"`},
		{"missing dest", `{"src":"n1","body":{}}`, `missing "dest"`},
		{"missing body", `{"src":"n1","dest":"c1"}`, `missing "body"`},
		{"non-string src", `{"src":1,"dest":"c1","body":{}}`, `"src" must be a string, got a number`},
		{"non-string dest", `{"src":"n1","dest":["c1"],"body":{}}`, `"dest" must be a string, got an array`},
		{"empty src", `{"src":"","dest":"c1","body":{}}`, `"src" is empty`},
		{"empty dest", `{"src":"n1","dest":"","body":{}}`, `"dest" is empty`},
		{"extra key", `{"src":"n1","dest":"c1","body":{},"type":"echo_ok"}`, `unexpected top-level key(s) ["type"]`},
		{"extra keys sorted", `{"src":"n1","dest":"c1","body":{},"z":1,"msg_id":2}`, `["msg_id" "z"]`},
		{"string id", `{"id":"7","src":"n1","dest":"c1","body":{}}`, `"id" must be an integer`},
		{"float id", `{"id":1.5,"src":"n1","dest":"c1","body":{}}`, `"id" must be an integer`},
		{"null id", `{"id":null,"src":"n1","dest":"c1","body":{}}`, `"id" must be an integer`},
		{"array body", `{"src":"n1","dest":"c1","body":[1]}`, `"body" must be an object, got an array`},
		{"string body", `{"src":"n1","dest":"c1","body":"x"}`, `"body" must be an object, got a string`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse("n1", []byte(tt.line))
			var pe *ParseError
			if !errors.As(err, &pe) {
				t.Fatalf("Parse(%q) error = %v, want *ParseError", tt.line, err)
			}
			if !strings.Contains(pe.Reason, tt.reason) {
				t.Errorf("reason = %q, want it to contain %q", pe.Reason, tt.reason)
			}
			if pe.Node != "n1" || pe.Line != tt.line {
				t.Errorf("ParseError = %+v, want node n1 and the line", pe)
			}
			if msg := pe.Error(); !strings.Contains(msg, "node n1") || !strings.Contains(msg, tt.reason) {
				t.Errorf("Error() = %q", msg)
			}
		})
	}
}

func TestParseAccepts(t *testing.T) {
	tests := []struct {
		name string
		line string
		src  string
		dest string
		body Body
	}{
		{"plain", `{"src":"n1","dest":"c1","body":{"type":"echo_ok","in_reply_to":1}}`, "n1", "c1",
			Body{"type": "echo_ok", "in_reply_to": int64(1)}},
		{"null body", `{"src":"n1","dest":"n2","body":null}`, "n1", "n2", Body{}},
		{"empty body", `{"src":"n1","dest":"lin-kv","body":{}}`, "n1", "lin-kv", Body{}},
		{"with id", `{"id":42,"src":"n1","dest":"c1","body":{"type":"x"}}`, "n1", "c1", Body{"type": "x"}},
		{"surrounding space", "  {\"src\":\"n1\",\"dest\":\"c1\",\"body\":{}}\r\n", "n1", "c1", Body{}},
		{"nested body", `{"src":"n1","dest":"c1","body":{"v":[1,2.5,{"k":null}]}}`, "n1", "c1",
			Body{"v": []any{int64(1), 2.5, map[string]any{"k": nil}}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, err := Parse("n1", []byte(tt.line))
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			if m.Src != tt.src || m.Dest != tt.dest {
				t.Errorf("src, dest = %q, %q; want %q, %q", m.Src, m.Dest, tt.src, tt.dest)
			}
			b, err := m.DecodeBody()
			if err != nil {
				t.Fatalf("DecodeBody: %v", err)
			}
			if !reflect.DeepEqual(b, tt.body) {
				t.Errorf("body = %#v, want %#v", b, tt.body)
			}
		})
	}
}

func TestBody(t *testing.T) {
	b := Body{"type": "read_ok", "msg_id": int64(3), "f": 2.0, "g": 2.5, "s": "4"}
	if b.Type() != "read_ok" || (Body{"type": 1}).Type() != "" || (Body{}).Type() != "" {
		t.Error("Type() wrong")
	}
	tests := []struct {
		key  string
		want int64
		ok   bool
	}{
		{"msg_id", 3, true},
		{"f", 2, true},
		{"g", 0, false},
		{"s", 0, false},
		{"missing", 0, false},
	}
	for _, tt := range tests {
		if got, ok := b.Int(tt.key); got != tt.want || ok != tt.ok {
			t.Errorf("Int(%q) = %d, %v; want %d, %v", tt.key, got, ok, tt.want, tt.ok)
		}
	}
}

func TestMessageLine(t *testing.T) {
	m := New("c1", "n1", Body{"type": "echo", "msg_id": int64(1), "echo": "hi"})
	m.ID = 5
	line := m.Line()
	if !strings.HasSuffix(string(line), "}\n") || strings.Count(string(line), "\n") != 1 {
		t.Fatalf("Line() = %q, want one JSON line", line)
	}
	var back struct {
		ID   int64          `json:"id"`
		Src  string         `json:"src"`
		Dest string         `json:"dest"`
		Body map[string]any `json:"body"`
	}
	if err := json.Unmarshal(line, &back); err != nil {
		t.Fatal(err)
	}
	if back.ID != 5 || back.Src != "c1" || back.Dest != "n1" || back.Body["echo"] != "hi" {
		t.Errorf("Line() = %s", line)
	}
	if _, err := (Message{Body: json.RawMessage(`[1]`)}).DecodeBody(); err == nil || !strings.Contains(err.Error(), "an array") {
		t.Errorf("DecodeBody of an array: %v", err)
	}
}

func TestIsClient(t *testing.T) {
	for id, want := range map[string]bool{"c1": true, "c": true, "cas": true, "n1": false, "lin-kv": false, "": false, "C1": false} {
		if got := IsClient(id); got != want {
			t.Errorf("IsClient(%q) = %v, want %v", id, got, want)
		}
	}
}
