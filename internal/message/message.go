// Package message defines the envelope that travels on the simulated
// network, and parses and validates what a node prints on stdout exactly as
// Maelstrom's protocol requires.
package message

import (
	"encoding/json"
	"fmt"
	"strings"

	"github.com/glomers/glomers/internal/jsonvalue"
)

// Message is one network message: an envelope with a network-wide id and a
// JSON body. It is written to a node's stdin as one JSON line.
type Message struct {
	ID   int64           `json:"id"`
	Src  string          `json:"src"`
	Dest string          `json:"dest"`
	Body json.RawMessage `json:"body"`
}

// Body is a decoded message body: top-level keys as strings, values as
// plain data with numbers as int64 or float64 (see jsonvalue.Decode).
type Body map[string]any

// Type returns the body's "type" field, or "" if absent or not a string.
func (b Body) Type() string {
	s, _ := b["type"].(string)
	return s
}

// Int returns an integer field of the body and whether it was present as a
// whole number.
func (b Body) Int(key string) (int64, bool) {
	switch v := b[key].(type) {
	case int64:
		return v, true
	case float64:
		if v == float64(int64(v)) {
			return int64(v), true
		}
	}
	return 0, false
}

// New builds a message with a body encoded from b.
func New(src, dest string, b Body) Message {
	raw, err := json.Marshal(b)
	if err != nil {
		panic(fmt.Sprintf("message: body not encodable: %v", err))
	}
	return Message{Src: src, Dest: dest, Body: raw}
}

// DecodeBody decodes the message body. A null body is an empty Body.
func (m Message) DecodeBody() (Body, error) {
	v, err := jsonvalue.Decode(m.Body)
	if err != nil {
		return nil, err
	}
	switch b := v.(type) {
	case nil:
		return Body{}, nil
	case map[string]any:
		return Body(b), nil
	default:
		return nil, fmt.Errorf("body is %s, not an object", jsonvalue.Kind(v))
	}
}

// Line returns the message as one JSON line, newline included, as it is
// written to a node's stdin.
func (m Message) Line() []byte {
	b, err := json.Marshal(m)
	if err != nil {
		panic(fmt.Sprintf("message: not encodable: %v", err))
	}
	return append(b, '\n')
}

// IsClient reports whether id names a client: Maelstrom treats every id
// that starts with "c" as one.
func IsClient(id string) bool { return strings.HasPrefix(id, "c") }
