// Command raft-kv is a linearizable key-value store on Raft, Maelstrom's
// lin-kv protocol (challenge 7 here): read, write and cas on any JSON key.
// See README.md for the design.
//
// The store is Server, a plain struct with no I/O: it takes a client
// request, a message from a peer or the passing of time and returns the
// messages to send. Raft (raft.go) is the consensus state machine under
// it; Node (node.go) is the node.Core that parses messages for it.
package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"slices"
	"time"

	"github.com/glomers/glomers/node"
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
	// RelayAfter is how long a peer may go without telling us that it
	// hears us before our messages to it also go through every other
	// node. Zero never relays.
	RelayAfter time.Duration
}

// DefaultConfig is what the binary uses.
var DefaultConfig = Config{Raft: DefaultRaftConfig, NoLeaderWait: 800 * time.Millisecond, MaxHops: 2, RelayAfter: 300 * time.Millisecond}

// MsgForward carries a client request from a node to its leader;
// MsgRelay carries a message between two nodes through a third.
const (
	MsgForward = "kv_forward"
	MsgRelay   = "kv_relay"
)

// Command is a client request, as it travels to the leader and through
// the log. Client and MsgID say whom to answer.
type Command struct {
	Client string          `json:"client"`
	MsgID  int64           `json:"msg_id"`
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
		MsgID int64           `json:"msg_id"`
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

// Forward is the message that carries a command to the leader. Hears is
// as in Msg.
type Forward struct {
	Type  string   `json:"type"`
	Hops  int      `json:"hops"`
	Cmd   Command  `json:"cmd"`
	Hears []string `json:"hears,omitempty"`
}

// Relay is a message from From to To through another node, which passes
// it on unchanged. It holds a Raft message or a forwarded request.
type Relay struct {
	Type string   `json:"type"`
	From string   `json:"from"`
	To   string   `json:"to"`
	Msg  *Msg     `json:"msg,omitempty"`
	Fwd  *Forward `json:"fwd,omitempty"`
}

// Server is one node of the store: a Raft node and the key-value state it
// applies. The leader answers every client itself, whichever node the
// client asked: a node that is not the leader forwards the request, and
// the leader replies straight to the client when the command is applied
// (or at once, for a read under its lease).
type Server struct {
	cfg   Config
	raft  *Raft
	data  map[string]json.RawMessage // by canonical key
	last  map[string]int64           // per client, the msg_id of its last command applied
	held  []held                     // requests waiting for a leader
	links map[string]*link           // per peer
	out   []node.Out

	// onChange, if set (tests), is called when the role or term changed.
	onChange func(now time.Duration, r *Raft)
	seen     [2]int // the role and term onChange last saw
}

// link is what a node knows of its connection with one peer.
type link struct {
	heard    time.Duration // when a message from it last came straight to us
	reported time.Duration // when it last told us whom it hears
	hearsUs  bool          // whether it then heard us
	directAt time.Duration // when we last sent it a message directly
}

// held is a request that arrived while no leader was known.
type held struct {
	cmd   Command
	hops  int
	since time.Duration
}

// NewServer returns node id of the cluster nodes at time now.
func NewServer(id string, nodes []string, cfg Config, rng *rand.Rand, now time.Duration) *Server {
	s := &Server{cfg: cfg, raft: NewRaft(id, nodes, cfg.Raft, rng, now), data: map[string]json.RawMessage{},
		last: map[string]int64{}, links: map[string]*link{}}
	for _, p := range s.raft.peers {
		// Assume every link works until a peer says otherwise.
		s.links[p] = &link{heard: now, reported: now, hearsUs: true}
	}
	return s
}

// Raft returns the consensus state, for tests and logs.
func (s *Server) Raft() *Raft { return s.raft }

// Request handles a request from a client.
func (s *Server) Request(now time.Duration, cmd Command) []node.Out {
	s.handle(now, cmd, 0)
	return s.flush(now)
}

// Forwarded handles a request that node from forwarded.
func (s *Server) Forwarded(now time.Duration, from string, f Forward) []node.Out {
	s.heardFrom(now, from)
	s.forwarded(now, from, f)
	return s.flush(now)
}

// Step handles a Raft message from a peer.
func (s *Server) Step(now time.Duration, m Msg) []node.Out {
	s.heardFrom(now, m.From)
	s.step(now, m)
	return s.flush(now)
}

// Relayed handles a relay that node via passed on: it is for us, or we
// pass it on to its destination.
func (s *Server) Relayed(now time.Duration, via string, r Relay) []node.Out {
	s.heardFrom(now, via)
	switch {
	case r.To != s.raft.ID():
		s.out = append(s.out, node.Out{Dest: r.To, Body: r})
	case r.Msg != nil:
		m := *r.Msg
		m.From, m.To = r.From, r.To
		s.step(now, m)
	case r.Fwd != nil:
		s.forwarded(now, r.From, *r.Fwd)
	}
	return s.flush(now)
}

func (s *Server) step(now time.Duration, m Msg) {
	s.report(now, m.From, m.Hears)
	s.raft.Step(now, m)
}

func (s *Server) forwarded(now time.Duration, from string, f Forward) {
	s.report(now, from, f.Hears)
	s.handle(now, f.Cmd, f.Hops)
}

func (s *Server) heardFrom(now time.Duration, peer string) {
	if l := s.links[peer]; l != nil {
		l.heard = now
	}
}

// report notes whom peer hears.
func (s *Server) report(now time.Duration, peer string, hears []string) {
	if l := s.links[peer]; l != nil {
		l.reported, l.hearsUs = now, slices.Contains(hears, s.raft.ID())
	}
}

// hears lists the peers whose messages came straight to us of late.
func (s *Server) hears(now time.Duration) []string {
	var out []string
	for _, p := range s.raft.peers {
		if now-s.links[p].heard < s.cfg.RelayAfter {
			out = append(out, p)
		}
	}
	return out
}

// send sends a Raft message or a forwarded request to a peer, and, when
// the peer has not said of late that it hears us, through every other
// node as well: under a partition where no two nodes hear each other both
// ways (majorities-ring), each pair still talks through the third.
// A node that hears nobody does not relay: it is most likely cut off from
// everyone. (Finer filters, such as relaying only through peers known to
// hear us, deadlock in the ring: that knowledge itself travels by relay.)
// Copies may arrive twice; Raft does not mind, and a command is applied
// once (see apply).
func (s *Server) send(now time.Duration, to string, m *Msg, f *Forward) {
	hears := s.hears(now)
	var body any
	if m != nil {
		m.Hears = hears
		body = *m
	} else {
		f.Hears = hears
		body = *f
	}
	l := s.links[to]
	if s.cfg.RelayAfter <= 0 || l == nil || (l.hearsUs && now-l.reported < s.cfg.RelayAfter) {
		s.out = append(s.out, node.Out{Dest: to, Body: body})
		return
	}
	if len(hears) == 0 {
		s.out = append(s.out, node.Out{Dest: to, Body: body})
		return // we hear nobody: most likely cut off from everyone
	}
	// When the peer said of late that it does not hear us, the direct copy
	// would be lost: send one only now and then, so that the peer notices
	// when the link comes back.
	if l.hearsUs || now-l.reported >= s.cfg.RelayAfter || now-l.directAt >= s.cfg.RelayAfter/2 {
		s.out = append(s.out, node.Out{Dest: to, Body: body})
		l.directAt = now
	}
	for _, via := range s.raft.peers {
		if via != to {
			s.out = append(s.out, node.Out{Dest: via, Body: Relay{Type: MsgRelay, From: s.raft.ID(), To: to, Msg: m, Fwd: f}})
		}
	}
}

// Tick lets time pass.
func (s *Server) Tick(now time.Duration) []node.Out {
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
			s.reply(cmd, errorBody(node.CodeCrash, fmt.Sprintf("encode the command: %v", err)))
			return
		}
		s.raft.Propose(now, data)
		s.raft.Tick(now) // sends at once when there is no batching
	case leader == "":
		s.held = append(s.held, held{cmd: cmd, hops: hops, since: now})
	case hops >= s.cfg.MaxHops:
		s.reply(cmd, errorBody(node.CodeTemporarilyUnavailable, fmt.Sprintf("%s forwarded this request %d times without reaching the leader; try again", s.raft.ID(), hops)))
	default:
		s.send(now, leader, nil, &Forward{Type: MsgForward, Hops: hops + 1, Cmd: cmd})
	}
}

// flush applies what Raft committed, sends held requests on once a
// leader is known (or answers them when they waited too long), and
// returns everything to send.
func (s *Server) flush(now time.Duration) []node.Out {
	if st := [2]int{int(s.raft.Role()), s.raft.Term()}; s.onChange != nil && st != s.seen {
		s.seen = st
		s.onChange(now, s.raft)
	}
	for {
		msgs, done := s.raft.Ready()
		for _, m := range msgs {
			s.send(now, m.To, &m, nil)
		}
		for _, c := range done {
			if len(c.Data) == 0 {
				continue // a leader's first entry
			}
			var cmd Command
			if err := json.Unmarshal(c.Data, &cmd); err != nil {
				continue // cannot happen: the leader encoded it
			}
			if cmd.MsgID <= s.last[cmd.Client] {
				continue // a copy of a command already applied
			}
			s.last[cmd.Client] = cmd.MsgID
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
		s.reply(h.cmd, errorBody(node.CodeTemporarilyUnavailable, fmt.Sprintf("%s knows no leader (it may be cut off from a majority); try again", s.raft.ID())))
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
			return errorBody(node.CodeKeyDoesNotExist, fmt.Sprintf("key %s does not exist", key))
		}
		return map[string]any{"type": "read_ok", "value": cur}
	case "write":
		s.data[key] = json.RawMessage(canonical(cmd.Value))
		return map[string]any{"type": "write_ok"}
	case "cas":
		if !ok {
			return errorBody(node.CodeKeyDoesNotExist, fmt.Sprintf("key %s does not exist", key))
		}
		if canonical(cur) != canonical(cmd.From) {
			return errorBody(node.CodePreconditionFailed, fmt.Sprintf("key %s holds %s, not %s", key, cur, canonical(cmd.From)))
		}
		s.data[key] = json.RawMessage(canonical(cmd.To))
		return map[string]any{"type": "cas_ok"}
	}
	return errorBody(node.CodeNotSupported, fmt.Sprintf("unknown operation %q", cmd.Op))
}

func (s *Server) reply(cmd Command, body map[string]any) {
	body["in_reply_to"] = cmd.MsgID
	s.out = append(s.out, node.Out{Dest: cmd.Client, Body: body})
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
