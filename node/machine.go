package node

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"
	"time"
)

// MaxEarly is how many messages a node holds back while it waits for
// init; later ones are dropped (and logged).
const MaxEarly = 100_000

// Machine runs a Core behind Maelstrom's init protocol, with no I/O and
// no goroutines: Serve drives it from stdin, the simulator from its
// network. It handles init itself, before anything else:
//
//   - the first init builds the core and answers init_ok; messages that
//     arrived before it were held back and are handled right after it, as
//     the initialized node;
//   - a repeated init with the same ids is answered init_ok and changes
//     nothing (the state is never reset); one naming the node differently
//     gets error 12;
//   - a body that is not an object, a type that is not a string, or a
//     msg_id that is not an integer gets error 12 (when it can be
//     answered) and never reaches the core.
type Machine struct {
	newCore NewCore
	core    Core
	id      string
	ids     []string
	early   []Message
	// Logf, if set, receives a line for every message dropped or refused.
	Logf func(format string, a ...any)
}

// NewMachine returns a machine that builds its core with newCore on init.
func NewMachine(newCore NewCore) *Machine { return &Machine{newCore: newCore} }

// ID returns the node's id, or "" before init.
func (m *Machine) ID() string { return m.id }

// Core returns the core, or nil before init.
func (m *Machine) Core() Core { return m.core }

// Step handles one message that arrived at now and returns the messages
// to send, all from ID(). Replies (see Reply) to a message sent without
// msg_id are dropped: nobody waits for them.
func (m *Machine) Step(now time.Duration, msg Message) []Out { return unanswered(m.step(now, msg)) }

func (m *Machine) step(now time.Duration, msg Message) []Out {
	env, err := ParseEnvelope(msg.Body)
	if err == nil && env.Type == "init" && env.InReplyTo == nil {
		return m.init(now, msg)
	}
	if m.core == nil {
		if len(m.early) >= MaxEarly {
			m.logf("dropping %s from %s: %d messages already wait for init", truncate(msg.Body, 200), msg.Src, MaxEarly)
			return nil
		}
		m.early = append(m.early, msg)
		return nil
	}
	return m.handle(now, msg, err)
}

// handle passes a message of an initialized node to the core if its
// envelope is well-formed (err is nil).
func (m *Machine) handle(now time.Duration, msg Message, err *EnvelopeError) []Out {
	if err != nil {
		m.logf("refusing a message from %s: %v", msg.Src, err)
		if err.msgIDOK {
			return Malformed(msg, "%v", err)
		}
		return nil
	}
	return m.core.Handle(now, msg)
}

// Tick lets the core's time pass; nothing happens before init.
func (m *Machine) Tick(now time.Duration) []Out {
	if m.core == nil {
		return nil
	}
	return m.core.Tick(now)
}

// Next returns when Tick next has something to do.
func (m *Machine) Next() (time.Duration, bool) {
	if m.core == nil {
		return 0, false
	}
	return m.core.Next()
}

func (m *Machine) init(now time.Duration, msg Message) []Out {
	var body struct {
		NodeID  *string  `json:"node_id"`
		NodeIDs []string `json:"node_ids"`
	}
	if err := json.Unmarshal(msg.Body, &body); err != nil || body.NodeID == nil || *body.NodeID == "" || !slices.Contains(body.NodeIDs, *body.NodeID) {
		if m.core == nil {
			// No id to answer from: a message with an empty src is
			// itself malformed.
			m.logf("ignoring a malformed init (the node has no id yet to answer from): %s", truncate(msg.Body, 300))
			return nil
		}
		return Malformed(msg, "init needs a node_id string that is one of the node_ids strings, got %s", truncate(msg.Body, 300))
	}
	initOK := Reply(msg, map[string]string{"type": "init_ok"})
	if m.core != nil {
		if *body.NodeID != m.id || !slices.Equal(body.NodeIDs, m.ids) {
			return Malformed(msg, "this node was initialized as %s of %v and cannot become %s of %v", m.id, m.ids, *body.NodeID, body.NodeIDs)
		}
		return []Out{initOK} // a repeated init changes nothing
	}
	m.id, m.ids = *body.NodeID, slices.Clone(body.NodeIDs)
	m.core = m.newCore(m.id, slices.Clone(m.ids))
	out := []Out{initOK}
	early := m.early
	m.early = nil
	for _, e := range early {
		_, err := ParseEnvelope(e.Body)
		out = append(out, m.handle(now, e, err)...)
	}
	return out
}

// unanswered drops replies to messages that had no msg_id.
func unanswered(outs []Out) []Out {
	kept := outs[:0]
	for _, o := range outs {
		if r, ok := o.Body.(spliced); ok && r.key == "in_reply_to" && r.value == nil {
			continue
		}
		kept = append(kept, o)
	}
	return kept
}

func (m *Machine) logf(format string, a ...any) {
	if m.Logf != nil {
		m.Logf(format, a...)
	}
}

// Envelope is the part of a body every message shares.
type Envelope struct {
	Type      string
	MsgID     *int64
	InReplyTo *int64
}

// EnvelopeError says why a body is not a well-formed message body.
type EnvelopeError struct {
	Reason  string
	msgIDOK bool // the body has a usable msg_id to answer
}

func (e *EnvelopeError) Error() string { return e.Reason }

// ParseEnvelope reads type, msg_id and in_reply_to, as Maelstrom's schema
// wants them: the body is an object, type a string, msg_id and
// in_reply_to integers when present.
func ParseEnvelope(body json.RawMessage) (Envelope, *EnvelopeError) {
	var fields struct {
		Type      json.RawMessage `json:"type"`
		MsgID     json.RawMessage `json:"msg_id"`
		InReplyTo json.RawMessage `json:"in_reply_to"`
	}
	trimmed := bytes.TrimLeft(body, " \t\r\n")
	if len(trimmed) == 0 || trimmed[0] != '{' || json.Unmarshal(body, &fields) != nil {
		return Envelope{}, &EnvelopeError{Reason: fmt.Sprintf("the body is not a JSON object: %s", truncate(body, 200))}
	}
	var env Envelope
	intField := func(raw json.RawMessage) (*int64, bool) {
		if len(raw) == 0 || string(raw) == "null" {
			return nil, true
		}
		var n int64
		if err := json.Unmarshal(raw, &n); err != nil {
			return nil, false
		}
		return &n, true
	}
	var ok bool
	if env.MsgID, ok = intField(fields.MsgID); !ok {
		return env, &EnvelopeError{Reason: fmt.Sprintf("msg_id must be an integer, got %s", truncate(fields.MsgID, 100))}
	}
	if env.InReplyTo, ok = intField(fields.InReplyTo); !ok {
		return env, &EnvelopeError{Reason: fmt.Sprintf("in_reply_to must be an integer, got %s", truncate(fields.InReplyTo, 100)), msgIDOK: env.MsgID != nil}
	}
	if len(fields.Type) == 0 {
		return env, &EnvelopeError{Reason: "the body has no type", msgIDOK: env.MsgID != nil}
	}
	if err := json.Unmarshal(fields.Type, &env.Type); err != nil || string(fields.Type) == "null" {
		return env, &EnvelopeError{Reason: fmt.Sprintf("type must be a string, got %s", truncate(fields.Type, 100)), msgIDOK: env.MsgID != nil}
	}
	return env, nil
}
