package main

import (
	"cmp"
	"encoding/json"
	"fmt"
	"slices"

	"github.com/glomers/glomers/node"
)

// Version orders the writes of a key: a Lamport timestamp, ties broken by
// the id of the node that wrote it. The zero Version is older than every
// write.
type Version struct {
	TS   uint64
	Node string
}

// Less reports whether v is older than w.
func (v Version) Less(w Version) bool {
	if v.TS != w.TS {
		return v.TS < w.TS
	}
	return v.Node < w.Node
}

// Register is a key's value and the version that wrote it.
type Register struct {
	Value   int64
	Version Version
}

// Mop is one micro-op of a transaction: ["r", key, value-or-null] or
// ["w", key, value] on the wire.
type Mop struct {
	F     string // "r" or "w"
	Key   int64
	Value *int64 // nil for a read of a key never written
}

// String writes m as it travels: ["w",1,2].
func (m Mop) String() string {
	b, _ := m.MarshalJSON()
	return string(b)
}

// MarshalJSON writes m as [f, key, value].
func (m Mop) MarshalJSON() ([]byte, error) { return json.Marshal([]any{m.F, m.Key, m.Value}) }

// UnmarshalJSON reads [f, key, value].
func (m *Mop) UnmarshalJSON(b []byte) error {
	var raw []json.RawMessage
	if err := json.Unmarshal(b, &raw); err != nil || len(raw) != 3 {
		return fmt.Errorf("micro-op %s is not [f, key, value]", b)
	}
	if err := json.Unmarshal(raw[0], &m.F); err != nil {
		return fmt.Errorf("micro-op %s: function: %w", b, err)
	}
	if err := json.Unmarshal(raw[1], &m.Key); err != nil {
		return fmt.Errorf("micro-op %s: key: %w", b, err)
	}
	m.Value = nil
	if err := json.Unmarshal(raw[2], &m.Value); err != nil {
		return fmt.Errorf("micro-op %s: value: %w", b, err)
	}
	return nil
}

// Write is a committed transaction's final write of a key, as replicated:
// [key, value, ts] on the wire. The writer is the sender.
type Write struct {
	Key, Value int64
	TS         uint64
}

// MarshalJSON writes w as [key, value, ts].
func (w Write) MarshalJSON() ([]byte, error) { return json.Marshal([]any{w.Key, w.Value, w.TS}) }

// UnmarshalJSON reads [key, value, ts].
func (w *Write) UnmarshalJSON(b []byte) error {
	var raw []json.RawMessage
	if err := json.Unmarshal(b, &raw); err != nil || len(raw) != 3 {
		return fmt.Errorf("write %s is not [key, value, ts]", b)
	}
	for i, dst := range []any{&w.Key, &w.Value, &w.TS} {
		if err := json.Unmarshal(raw[i], dst); err != nil {
			return fmt.Errorf("write %s: %w", b, err)
		}
	}
	return nil
}

// Replicate carries a node's committed writes that a peer has not
// acknowledged yet: every one with a timestamp up to Upto.
type Replicate struct {
	Type   string  `json:"type"` // "replicate"
	Writes []Write `json:"writes"`
	Upto   uint64  `json:"upto"`
}

// ReplicateOK acknowledges every write of a Replicate with a timestamp up
// to Upto.
type ReplicateOK struct {
	Type string `json:"type"` // "replicate_ok"
	Upto uint64 `json:"upto"`
}

// Store is one node's replica of the registers. It runs each transaction
// atomically against its own state, and replicates the committed
// transactions' final writes to every peer until acknowledged. It does no
// I/O and is not safe for concurrent use.
type Store struct {
	id    string
	peers []string
	clock uint64
	regs  map[int64]Register
	// pending holds, per peer, this node's newest write of each key that
	// the peer has not acknowledged.
	pending map[string]map[int64]Write
	// leakFirst replicates a transaction's first write of each key instead
	// of its final one: a deliberately broken variant, for the tests
	// (peers see intermediate writes).
	leakFirst bool
}

// NewStore returns the empty replica of node id in a cluster of nodes.
func NewStore(id string, nodes []string) *Store {
	s := &Store{id: id, regs: map[int64]Register{}, pending: map[string]map[int64]Write{}}
	for _, n := range nodes {
		if n != id {
			s.peers = append(s.peers, n)
			s.pending[n] = map[int64]Write{}
		}
	}
	return s
}

// StartClock moves the version clock to at least ts. A node started again
// after a kill has lost its clock; started at the wall clock in
// microseconds, its versions are newer than every version its killed
// predecessor gave, so its commits are not taken for old ones.
func (s *Store) StartClock(ts uint64) { s.clock = max(s.clock, ts) }

// Txn runs txn and returns it with the reads filled in. Reads see the
// committed state plus the transaction's own earlier writes; the final
// writes are installed at once with a new version, newer than every
// version this node has seen, and queued for the peers.
func (s *Store) Txn(txn []Mop) ([]Mop, error) {
	for _, m := range txn {
		if (m.F != "r" && m.F != "w") || (m.F == "w" && m.Value == nil) {
			return nil, fmt.Errorf("micro-op %s: want [\"r\", key, null] or [\"w\", key, integer value]", m)
		}
	}
	s.clock++
	v := Version{TS: s.clock, Node: s.id}
	own := map[int64]int64{}   // this transaction's writes so far
	first := map[int64]int64{} // its first write of each key
	out := make([]Mop, len(txn))
	for i, m := range txn {
		out[i] = m
		if m.F == "w" {
			own[m.Key] = *m.Value
			if _, ok := first[m.Key]; !ok {
				first[m.Key] = *m.Value
			}
			continue
		}
		if x, ok := own[m.Key]; ok {
			out[i].Value = &x
		} else if r, ok := s.regs[m.Key]; ok {
			out[i].Value = &r.Value
		} else {
			out[i].Value = nil
		}
	}
	for k, x := range own {
		s.regs[k] = Register{Value: x, Version: v}
		if s.leakFirst {
			x = first[k]
		}
		for _, p := range s.peers {
			s.pending[p][k] = Write{Key: k, Value: x, TS: v.TS}
		}
	}
	return out, nil
}

// Outbox returns one Replicate per peer that has writes to receive, with
// all of them. Sent again until acknowledged, a write survives lost
// messages and partitions.
func (s *Store) Outbox() []node.Out {
	var out []node.Out
	for _, p := range s.peers {
		if len(s.pending[p]) == 0 {
			continue
		}
		r := Replicate{Type: "replicate", Upto: s.clock, Writes: make([]Write, 0, len(s.pending[p]))}
		for _, w := range s.pending[p] {
			r.Writes = append(r.Writes, w)
		}
		slices.SortFunc(r.Writes, func(a, b Write) int { return cmp.Compare(a.Key, b.Key) })
		out = append(out, node.Out{Dest: p, Body: r})
	}
	return out
}

// Receive applies a peer's writes: each one replaces a key's register only
// if its version is newer, so every replica keeps the newest version of
// each key whatever the order of arrival. It returns the acknowledgement.
func (s *Store) Receive(from string, r Replicate) node.Out {
	for _, w := range r.Writes {
		v := Version{TS: w.TS, Node: from}
		s.clock = max(s.clock, w.TS)
		if s.regs[w.Key].Version.Less(v) {
			s.regs[w.Key] = Register{Value: w.Value, Version: v}
		}
	}
	return node.Out{Dest: from, Body: ReplicateOK{Type: "replicate_ok", Upto: r.Upto}}
}

// Acked drops the writes peer has acknowledged: every pending one with a
// timestamp up to upto. A newer write of the same key stays pending.
func (s *Store) Acked(peer string, upto uint64) {
	for k, w := range s.pending[peer] {
		if w.TS <= upto {
			delete(s.pending[peer], k)
		}
	}
}

// Pending returns how many writes wait for peer's acknowledgement.
func (s *Store) Pending(peer string) int { return len(s.pending[peer]) }
