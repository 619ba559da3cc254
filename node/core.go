package node

import (
	"bytes"
	"encoding/json"
	"fmt"
	"time"
)

// Out is a message a node sends: Body, any value that encodes to a JSON
// object, to Dest. Every solution's core returns the messages it sends,
// replies included, as Outs.
type Out struct {
	Dest string
	Body any
}

// Core is one node's protocol, a plain state machine with no I/O: it takes
// a message or a clock tick and returns the messages to send. Serve runs a
// core on stdin and stdout; the simulator (internal/sim) runs many in one
// process on a virtual clock. Times count from the start of the node.
//
// A core never sees init: the Machine running it handles init, builds the
// core with NewCore, and holds back every message until then.
type Core interface {
	// Handle handles one message that arrived at now and returns the
	// messages to send, replies included.
	Handle(now time.Duration, msg Message) []Out
	// Tick lets time pass to now and returns the messages that fell due.
	Tick(now time.Duration) []Out
	// Next returns when Tick next has something to do, or false when
	// nothing will fall due before the next message.
	Next() (time.Duration, bool)
}

// NewCore builds the core of node id in a cluster of ids, when the node
// receives its first init.
type NewCore func(id string, ids []string) Core

// NoTimer is embedded by cores that never need Tick.
type NoTimer struct{}

// Tick does nothing.
func (NoTimer) Tick(time.Duration) []Out { return nil }

// Next reports that nothing is ever due.
func (NoTimer) Next() (time.Duration, bool) { return 0, false }

// Every is embedded by cores that tick at a fixed period: Due reports
// whether a tick at now is one, and Next when the next is.
type Every struct {
	Period time.Duration
	last   time.Duration
}

// Due reports whether a period has passed since the last tick that was
// due, and if so starts the next period at now.
func (e *Every) Due(now time.Duration) bool {
	if now-e.last < e.Period {
		return false
	}
	e.last = now
	return true
}

// Next returns the end of the current period.
func (e *Every) Next() (time.Duration, bool) { return e.last + e.Period, e.Period > 0 }

// Error codes a core answers with (Maelstrom's registry).
const (
	CodeNotSupported           = 10
	CodeTemporarilyUnavailable = 11
	CodeMalformedRequest       = 12
	CodeCrash                  = 13
	CodeKeyDoesNotExist        = 20
	CodePreconditionFailed     = 22
)

// Reply returns the answer to req: body with in_reply_to set to req's
// msg_id, copied exactly as it arrived.
func Reply(req Message, body any) Out {
	return Out{Dest: req.Src, Body: spliced{key: "in_reply_to", value: msgID(req.Body), body: body}}
}

// Fail returns the error reply to req with code and a text made from
// format, or nothing when req has no msg_id (nobody waits for an answer).
func Fail(req Message, code int, format string, a ...any) []Out {
	if msgID(req.Body) == nil {
		return nil
	}
	return []Out{Reply(req, ErrorBody{Type: "error", Code: code, Text: fmt.Sprintf(format, a...)})}
}

// Malformed is Fail with error 12 (malformed-request): a definite error,
// the request did not happen.
func Malformed(req Message, format string, a ...any) []Out {
	return Fail(req, CodeMalformedRequest, format, a...)
}

// Unsupported answers a request of a type the core does not know with
// error 10 (not-supported).
func Unsupported(req Message) []Out {
	return Fail(req, CodeNotSupported, "unsupported message type %q", req.Type())
}

// ErrorBody is the body of an error reply.
type ErrorBody struct {
	Type string `json:"type"`
	Code int    `json:"code"`
	Text string `json:"text"`
}

// Decode decodes msg's body into v (a pointer to a struct whose fields
// name the keys it needs), keeping numbers exact: an int64 field takes any
// JSON integer in its range, a json.RawMessage any value as it arrived.
func Decode(msg Message, v any) error {
	d := json.NewDecoder(bytes.NewReader(msg.Body))
	d.UseNumber()
	return d.Decode(v)
}

// spliced is a body with one more key (in_reply_to or msg_id) spliced in,
// so the body's own encoding is kept exactly. A nil value adds nothing.
type spliced struct {
	key   string
	value json.RawMessage
	body  any
}

// MarshalJSON writes body with the key first.
func (r spliced) MarshalJSON() ([]byte, error) {
	b, err := EncodeBody(r.body)
	if err != nil {
		return nil, err
	}
	if r.value == nil {
		return b, nil
	}
	out := make([]byte, 0, len(b)+len(r.value)+len(r.key)+8)
	out = append(out, `{"`+r.key+`":`...)
	out = append(out, r.value...)
	if rest := bytes.TrimSpace(b[1:]); len(rest) > 0 && rest[0] != '}' {
		out = append(out, ',')
	}
	return append(out, b[1:]...), nil
}

// msgID returns the msg_id of a body as it was written, or nil when it
// has none (absent or null).
func msgID(body json.RawMessage) json.RawMessage {
	var env struct {
		MsgID json.RawMessage `json:"msg_id"`
	}
	if json.Unmarshal(body, &env) != nil || len(env.MsgID) == 0 || string(env.MsgID) == "null" {
		return nil
	}
	return env.MsgID
}

// EncodeBody encodes a body as compact JSON without escaping <, > and &,
// so values come out as they went in. A json.RawMessage is used as it is
// (compacted only if it spans lines). The result must be a JSON object.
func EncodeBody(body any) ([]byte, error) {
	var b []byte
	if raw, ok := body.(json.RawMessage); ok && json.Valid(raw) && !bytes.ContainsAny(raw, "\r\n") {
		b = bytes.TrimSpace(raw)
	} else {
		var buf bytes.Buffer
		enc := json.NewEncoder(&buf)
		enc.SetEscapeHTML(false)
		if err := enc.Encode(body); err != nil {
			return nil, fmt.Errorf("encode body: %w", err)
		}
		b = bytes.TrimSuffix(buf.Bytes(), []byte("\n"))
	}
	if len(b) == 0 || b[0] != '{' {
		return nil, fmt.Errorf("body %s is not a JSON object", truncate(b, 200))
	}
	return b, nil
}

// EncodeLine returns the line that sends o from src, newline included.
func EncodeLine(src string, o Out) ([]byte, error) {
	body, err := EncodeBody(o.Body)
	if err != nil {
		return nil, fmt.Errorf("message to %s: %w", o.Dest, err)
	}
	s, _ := json.Marshal(src)
	d, _ := json.Marshal(o.Dest)
	line := make([]byte, 0, len(body)+len(s)+len(d)+32)
	line = append(line, `{"src":`...)
	line = append(line, s...)
	line = append(line, `,"dest":`...)
	line = append(line, d...)
	line = append(line, `,"body":`...)
	line = append(line, body...)
	return append(line, "}\n"...), nil
}

func truncate(b []byte, n int) string {
	if len(b) <= n {
		return string(b)
	}
	return string(b[:n]) + "..."
}
