// Command raft-kv is a linearizable key-value store on Raft, Maelstrom's
// lin-kv protocol (challenge 7 here): read, write and cas on any JSON key.
// See README.md for the design.
//
// The core is Server, a plain struct with no I/O: it takes a client
// request, a message from a peer or the passing of time and returns the
// messages to send. Raft (raft.go) is the consensus state machine under
// it. main.go wires them to the node.
package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"time"
)

// Config tunes a Server.
type Config struct {
	Raft RaftConfig
	// NoLeaderWait is how long a request waits for a leader to be known
	// before it is answered with error 11 (temporarily unavailable). The
	// client gives up after 1 s.
	NoLeaderWait time.Duration
	// MaxHops is how many times a request may be forwarded.
	MaxHops int
}

// DefaultConfig is what the binary uses.
var DefaultConfig = Config{Raft: DefaultRaftConfig, NoLeaderWait: 800 * time.Millisecond, MaxHops: 2}

// The lin-kv error codes used here.
const (
	CodeTemporarilyUnavailable = 11
	CodeKeyDoesNotExist        = 20
	CodePreconditionFailed     = 22
)

// MsgForward carries a client request from a node to its leader.
const MsgForward = "kv_forward"

// Command is a client request, as it travels to the leader and through
// the log. Client and MsgID say whom to answer.
type Command struct {
	Client string          `json:"client"`
	MsgID  int             `json:"msg_id"`
	Op     string          `json:"op"` // read, write or cas
	Key    json.RawMessage `json:"key"`
	Value  json.RawMessage `json:"value,omitempty"`
	From   json.RawMessage `json:"from,omitempty"`
	To     json.RawMessage `json:"to,omitempty"`
}

// ParseRequest reads a client's read, write or cas request from src.
func ParseRequest(src string, raw json.RawMessage) (Command, error) {
	var body struct {
		Type  string          `json:"type"`
		MsgID int             `json:"msg_id"`
		Key   json.RawMessage `json:"key"`
		Value json.RawMessage `json:"value"`
		From  json.RawMessage `json:"from"`
		To    json.RawMessage `json:"to"`
	}
	if err := json.Unmarshal(raw, &body); err != nil {
		return Command{}, fmt.Errorf("malformed request: %w", err)
	}
	missing := ""
	switch {
	case body.Type != "read" && body.Type != "write" && body.Type != "cas":
		return Command{}, fmt.Errorf("unknown request type %q (want read, write or cas)", body.Type)
	case body.Key == nil:
		missing = "key"
	case body.Type == "write" && body.Value == nil:
		missing = "value"
	case body.Type == "cas" && (body.From == nil || body.To == nil):
		missing = "from and to"
	}
	if missing != "" {
		return Command{}, fmt.Errorf("%s needs %s: %s", body.Type, missing, raw)
	}
	return Command{Client: src, MsgID: body.MsgID, Op: body.Type, Key: body.Key, Value: body.Value, From: body.From, To: body.To}, nil
}

// Forward is the message that carries a command to the leader.
type Forward struct {
	Type string  `json:"type"`
	Hops int     `json:"hops"`
	Cmd  Command `json:"cmd"`
}

// Out is a message to send: a Raft message, a forwarded request, or the
// answer to a client.
type Out struct {
	Dest string
	Body any
}

// Server is one node of the store: a Raft node and the key-value state it
// applies. The leader answers every client itself, whichever node the
// client asked: a node that is not the leader forwards the request, and
// the leader replies straight to the client when the command is applied
// (or at once, for a read under its lease).
type Server struct {
	cfg  Config
	raft *Raft
	data map[string]json.RawMessage // by canonical key
	held []held                     // requests waiting for a leader
	out  []Out
}

// held is a request that arrived while no leader was known.
type held struct {
	cmd   Command
	hops  int
	since time.Duration
}

// NewServer returns node id of the cluster nodes at time now.
func NewServer(id string, nodes []string, cfg Config, rng *rand.Rand, now time.Duration) *Server {
	return &Server{cfg: cfg, raft: NewRaft(id, nodes, cfg.Raft, rng, now), data: map[string]json.RawMessage{}}
}

// Raft returns the consensus state, for tests and logs.
func (s *Server) Raft() *Raft { return s.raft }

// Request handles a request from a client.
func (s *Server) Request(now time.Duration, cmd Command) []Out {
	s.handle(now, cmd, 0)
	return s.flush(now)
}

// Forwarded handles a request another node forwarded.
func (s *Server) Forwarded(now time.Duration, f Forward) []Out {
	s.handle(now, f.Cmd, f.Hops)
	return s.flush(now)
}

// Step handles a Raft message from a peer.
func (s *Server) Step(now time.Duration, m Msg) []Out {
	s.raft.Step(now, m)
	return s.flush(now)
}

// Tick lets time pass.
func (s *Server) Tick(now time.Duration) []Out {
	s.raft.Tick(now)
	return s.flush(now)
}

// Next returns when Tick next has something to do.
func (s *Server) Next() time.Duration {
	next := s.raft.Next()
	if len(s.held) > 0 {
		next = min(next, s.held[0].since+s.cfg.NoLeaderWait)
	}
	return next
}

func (s *Server) handle(now time.Duration, cmd Command, hops int) {
	switch leader := s.raft.Leader(); {
	case leader == s.raft.ID():
		if cmd.Op == "read" && s.raft.LeaseRead(now) {
			s.reply(cmd, s.apply(cmd))
			return
		}
		data, err := json.Marshal(cmd)
		if err != nil {
			s.reply(cmd, errorBody(13, fmt.Sprintf("encode the command: %v", err)))
			return
		}
		s.raft.Propose(now, data)
		s.raft.Tick(now) // sends at once when there is no batching
	case leader == "":
		s.held = append(s.held, held{cmd: cmd, hops: hops, since: now})
	case hops >= s.cfg.MaxHops:
		s.reply(cmd, errorBody(CodeTemporarilyUnavailable, fmt.Sprintf("%s forwarded this request %d times without reaching the leader; try again", s.raft.ID(), hops)))
	default:
		s.out = append(s.out, Out{Dest: leader, Body: Forward{Type: MsgForward, Hops: hops + 1, Cmd: cmd}})
	}
}

// flush applies what Raft committed, sends held requests on once a
// leader is known (or answers them when they waited too long), and
// returns everything to send.
func (s *Server) flush(now time.Duration) []Out {
	for {
		msgs, done := s.raft.Ready()
		for _, m := range msgs {
			s.out = append(s.out, Out{Dest: m.To, Body: m})
		}
		for _, c := range done {
			if len(c.Data) == 0 {
				continue // a leader's first entry
			}
			var cmd Command
			if err := json.Unmarshal(c.Data, &cmd); err != nil {
				continue // cannot happen: the leader encoded it
			}
			body := s.apply(cmd)
			if s.raft.Role() == Leader {
				s.reply(cmd, body)
			}
		}
		if len(msgs) == 0 && len(done) == 0 {
			break
		}
	}
	if s.raft.Leader() != "" && len(s.held) > 0 {
		waiting := s.held
		s.held = nil
		for _, h := range waiting {
			s.handle(now, h.cmd, h.hops)
		}
		return s.flush(now) // a leader's proposals may have committed

	}
	for len(s.held) > 0 && now-s.held[0].since >= s.cfg.NoLeaderWait {
		h := s.held[0]
		s.held = s.held[1:]
		s.reply(h.cmd, errorBody(CodeTemporarilyUnavailable, fmt.Sprintf("%s knows no leader (it may be cut off from a majority); try again", s.raft.ID())))
	}
	out := s.out
	s.out = nil
	return out
}

// apply runs cmd on the state and returns the answer's body (without
// in_reply_to).
func (s *Server) apply(cmd Command) map[string]any {
	key := canonical(cmd.Key)
	cur, ok := s.data[key]
	switch cmd.Op {
	case "read":
		if !ok {
			return errorBody(CodeKeyDoesNotExist, fmt.Sprintf("key %s does not exist", key))
		}
		return map[string]any{"type": "read_ok", "value": cur}
	case "write":
		s.data[key] = json.RawMessage(canonical(cmd.Value))
		return map[string]any{"type": "write_ok"}
	case "cas":
		if !ok {
			return errorBody(CodeKeyDoesNotExist, fmt.Sprintf("key %s does not exist", key))
		}
		if canonical(cur) != canonical(cmd.From) {
			return errorBody(CodePreconditionFailed, fmt.Sprintf("key %s holds %s, not %s", key, cur, canonical(cmd.From)))
		}
		s.data[key] = json.RawMessage(canonical(cmd.To))
		return map[string]any{"type": "cas_ok"}
	}
	return errorBody(10, fmt.Sprintf("unknown operation %q", cmd.Op))
}

func (s *Server) reply(cmd Command, body map[string]any) {
	body["in_reply_to"] = cmd.MsgID
	s.out = append(s.out, Out{Dest: cmd.Client, Body: body})
}

func errorBody(code int, text string) map[string]any {
	return map[string]any{"type": "error", "code": code, "text": text}
}

// canonical returns v without insignificant white space, so equal JSON
// values compare equal byte for byte.
func canonical(v json.RawMessage) string {
	if len(v) == 0 {
		return "null"
	}
	var b bytes.Buffer
	if err := json.Compact(&b, v); err != nil {
		return string(v)
	}
	return b.String()
}
