// Package service holds Maelstrom's built-in services, lin-kv, seq-kv,
// lww-kv and lin-tso, as pure state machines: each takes one request body
// and returns the reply body. They do no I/O; the runner registers them on
// the network, feeds them one message at a time (Maelstrom runs one thread
// per service, so requests are handled serially, in delivery order) and
// sends the replies. Services are never partitioned.
//
// Every reply carries in_reply_to (the request's msg_id, or null) and no
// msg_id. A request of an unknown type gets no reply at all, as in
// Maelstrom, where the service thread logs "Error in service worker!" and
// the caller times out.
//
// Keys and values are arbitrary JSON compared by exact value, so 1, 1.0 and
// "1" are three different keys; see EDN for how values print in error
// texts. jsonvalue.Decode keeps that distinction: a number written without
// fraction or exponent is an int64, any other (1.0, 1e2) a float64, and
// Serve writes a whole float64 back with a fraction. Not preserved:
// integers beyond 64 bits (float64 here, a BigInt in Clojure) and the key
// order of JSON objects (sorted here when printed).
//
// Decisions on Maelstrom's quirks:
//
//   - seq-kv reproduces the wrap-around of its 32-state window (see SeqKV).
//   - lww-kv reproduces the code, not the documentation: two replicas that
//     never merge (see LWWKV).
package service

import (
	"bytes"
	"fmt"
	"math/rand/v2"

	"github.com/glomers/glomers/internal/message"
)

// Service is one Maelstrom service. Implementations are not safe for
// concurrent use: the caller serializes requests, as Maelstrom does.
type Service interface {
	// Handle answers one request from src. A nil reply means the request
	// type is unknown and no reply must be sent.
	Handle(src string, req message.Body) message.Body
}

// Names lists the services, in the order Maelstrom starts them.
var Names = []string{"lin-kv", "seq-kv", "lww-kv", "lin-tso"}

// New returns the named service. rng drives seq-kv's and lww-kv's choices
// and must not be nil for them; it must not be used elsewhere while the
// service runs.
func New(name string, rng *rand.Rand) (Service, error) {
	switch name {
	case "lin-kv":
		return NewLinKV(), nil
	case "seq-kv":
		return NewSeqKV(rng), nil
	case "lww-kv":
		return NewLWWKV(rng), nil
	case "lin-tso":
		return NewLinTSO(), nil
	}
	return nil, fmt.Errorf("unknown service %q (known: %v)", name, Names)
}

// Serve handles message m addressed to the service id and returns the
// reply message, from id to m's sender. ok is false when the request type
// is unknown, and no reply must be sent. Float values that are whole are
// encoded with a fraction (1.0), so they stay floats for the receiver.
func Serve(s Service, id string, m message.Message) (reply message.Message, ok bool, err error) {
	req, err := m.DecodeBody()
	if err != nil {
		return message.Message{}, false, fmt.Errorf("service %s: request from %s: %w", id, m.Src, err)
	}
	body := s.Handle(m.Src, req)
	if body == nil {
		return message.Message{}, false, nil
	}
	var buf bytes.Buffer
	if err := encodeJSON(&buf, map[string]any(body)); err != nil {
		return message.Message{}, false, fmt.Errorf("service %s: reply to %s: %w", id, m.Src, err)
	}
	return message.Message{Src: id, Dest: m.Src, Body: buf.Bytes()}, true, nil
}

// reply completes body as an answer to req: it sets in_reply_to to req's
// msg_id, or null if it had none.
func reply(req, body message.Body) message.Body {
	body["in_reply_to"] = req["msg_id"]
	return body
}

// Error codes the KV services return.
const (
	CodeKeyDoesNotExist     = 20
	CodePreconditionFailed  = 22
	textKeyDoesNotExist     = "key does not exist"
	formatPreconditionError = "current value %s is not %s"
)

func errorBody(code int64, text string) message.Body {
	return message.Body{"type": "error", "code": code, "text": text}
}
