package workload

import (
	"errors"
	"strings"
	"testing"

	"github.com/glomers/glomers/internal/client"
	"github.com/glomers/glomers/internal/message"
)

func TestSchemaErrorsShowJSON(t *testing.T) {
	s := Schema{Type: "read_ok", Fields: map[string]Field{"messages": ListField, "count": IntField}}
	req := message.Body{"type": "read"}
	tests := []struct {
		name  string
		reply message.Body
		wants []string
	}{
		{"wrong type", message.Body{"type": "read", "in_reply_to": int64(4), "messages": []any{}, "count": int64(1)},
			[]string{`expected type "read_ok", got "read"`}},
		{"wrong field type", message.Body{"type": "read_ok", "in_reply_to": int64(4), "messages": map[string]any{"a": int64(1)}, "count": int64(1)},
			[]string{`key "messages" should be [...], got {"a":1}`}},
		{"missing field", message.Body{"type": "read_ok", "in_reply_to": int64(4), "messages": []any{}},
			[]string{`missing key "count"`}},
		{"extra key", message.Body{"type": "read_ok", "in_reply_to": int64(4), "messages": []any{}, "count": int64(1), "extra": true},
			[]string{"unexpected key(s) extra"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := s.Validate("n2", req, tt.reply)
			var m *client.MalformedReplyError
			if !errors.As(err, &m) {
				t.Fatalf("Validate = %v, want a malformed reply", err)
			}
			if want := `{"type": "read_ok", "in_reply_to": 4, "count": (integer), "messages": [...]}`; m.Expected != want {
				t.Errorf("expected shape %s, want %s", m.Expected, want)
			}
			msg := err.Error()
			wants := append([]string{`node n2 was sent {"msg_id":4,"type":"read"}`, "expected a reply of the form " + m.Expected, "but received {"}, tt.wants...)
			for _, w := range wants {
				if !strings.Contains(msg, w) {
					t.Errorf("error lacks %q: %s", w, msg)
				}
			}
			if strings.Contains(msg, "map[") {
				t.Errorf("error shows a Go map: %s", msg)
			}
		})
	}
	if got := s.Shape(message.Body{}); !strings.Contains(got, `"in_reply_to": (the request's msg_id)`) {
		t.Errorf("Shape without a msg_id: %s", got)
	}
}
