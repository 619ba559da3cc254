package kafka

import (
	"encoding/json"

	"olympos.io/encoding/edn"

	"github.com/glomers/glomers/internal/history"
)

// The error types the analysis can report, as they appear in
// Analysis.Errors and in the result.
const (
	TypeDuplicate             = "duplicate"
	TypeIntPollSkip           = "int-poll-skip"
	TypeIntNonmonotonicPoll   = "int-nonmonotonic-poll"
	TypeIntNonmonotonicSend   = "int-nonmonotonic-send"
	TypeIntSendSkip           = "int-send-skip"
	TypeInconsistentOffsets   = "inconsistent-offsets"
	TypePrecommittedRead      = "precommitted-read"
	TypeG1a                   = "G1a"
	TypeLostWrite             = "lost-write"
	TypeNonmonotonicPoll      = "nonmonotonic-poll"
	TypeNonmonotonicSend      = "nonmonotonic-send"
	TypePollSkip              = "poll-skip"
	TypeUnseen                = "unseen"
	TypeNoWriter              = "no-writer-of-value"
	TypeEmptyTransactionGraph = "empty-transaction-graph"
	TypeCycleSearchTimeout    = "cycle-search-timeout"
)

// Duplicate is a message that appears at more than one offset of a key.
type Duplicate struct {
	Key     string  `edn:"key" json:"key"`
	Value   int64   `edn:"value" json:"value"`
	Count   int     `edn:"count" json:"count"`
	Offsets []int64 `edn:"offsets" json:"offsets"`
}

// InconsistentOffset is an offset at which several messages were seen.
// Index is the dense index of the offset (its position once holes are
// removed).
type InconsistentOffset struct {
	Key    string  `edn:"key" json:"key"`
	Offset int64   `edn:"offset" json:"offset"`
	Index  int     `edn:"index" json:"index"`
	Values []int64 `edn:"values" json:"values"`
}

// IntSkip is an :int-poll-skip or :int-send-skip: two consecutive messages
// of one key inside one op that jump over Skipped.
type IntSkip struct {
	Key     string     `edn:"key" json:"key"`
	Values  []int64    `edn:"values" json:"values"`
	Delta   int        `edn:"delta" json:"delta"`
	Skipped []int64    `edn:"skipped" json:"skipped"`
	Op      history.Op `edn:"op" json:"op"`
}

// IntNonmonotonic is an :int-nonmonotonic-poll or :int-nonmonotonic-send:
// two consecutive messages of one key inside one op that go backwards in
// the log or repeat.
type IntNonmonotonic struct {
	Key    string     `edn:"key" json:"key"`
	Values []int64    `edn:"values" json:"values"`
	Delta  int        `edn:"delta" json:"delta"`
	Op     history.Op `edn:"op" json:"op"`
}

// PrecommittedRead is an op that polled a message it sent itself.
type PrecommittedRead struct {
	Op    history.Op `edn:"op" json:"op"`
	Key   string     `edn:"key" json:"key"`
	Value int64      `edn:"value" json:"value"`
}

// G1a is an :ok poll that read a message sent by a :fail op. Writer is the
// last op that sent that message.
type G1a struct {
	Key    string     `edn:"key" json:"key"`
	Value  int64      `edn:"value" json:"value"`
	Writer history.Op `edn:"writer" json:"writer"`
	Reader history.Op `edn:"reader" json:"reader"`
}

// LostWrite is a committed send below the highest offset some :ok poll
// read, which no :ok poll ever returned. MaxRead is a reader of the
// message at MaxReadIndex, when there is one.
type LostWrite struct {
	Key          string      `edn:"key" json:"key"`
	Value        int64       `edn:"value" json:"value"`
	Index        int         `edn:"index" json:"index"`
	MaxReadIndex int         `edn:"max-read-index" json:"max-read-index"`
	Writer       history.Op  `edn:"writer" json:"writer"`
	MaxRead      *history.Op `edn:"max-read" json:"max-read"`
}

// Nonmonotonic is a :nonmonotonic-poll or :nonmonotonic-send: a process's
// op started at or before where its previous op on that key left off.
// Ops is [previous op, this op].
type Nonmonotonic struct {
	Key    string       `edn:"key" json:"key"`
	Values []int64      `edn:"values" json:"values"`
	Delta  int          `edn:"delta" json:"delta"`
	Ops    []history.Op `edn:"ops" json:"ops"`
}

// PollSkip is a process's poll that started after a gap in the log since
// its previous poll of that key. Ops is [previous op, this op].
type PollSkip struct {
	Key     string       `edn:"key" json:"key"`
	Delta   int          `edn:"delta" json:"delta"`
	Skipped []int64      `edn:"skipped" json:"skipped"`
	Ops     []history.Op `edn:"ops" json:"ops"`
}

// Unseen is the :unseen error: acknowledged messages no :ok poll returned
// by the end of the history. Unseen counts them per key; Messages lists
// them (sorted).
type Unseen struct {
	Time     int64              `edn:"time" json:"time"`
	Unseen   map[string]int     `edn:"unseen" json:"unseen"`
	Messages map[string][]int64 `edn:"messages" json:"messages"`
}

// NoWriter is a message polled from a key that no op ever sent to it. The
// original checker throws here; this port reports it instead.
type NoWriter struct {
	Key     string       `edn:"key" json:"key"`
	Value   any          `edn:"value" json:"value"` // an int64, or a message that is not an integer
	Readers []history.Op `edn:"readers" json:"readers"`
	Message string       `edn:"message" json:"message"`
}

// Cycle is a dependency cycle (G0, G1c and their -realtime variants).
// Cycle lists completion ops, the first repeated at the end; Steps
// explains each edge.
type Cycle struct {
	Type  history.Keyword `edn:"type" json:"type"`
	Cycle []history.Op    `edn:"cycle" json:"cycle"`
	Steps []Step          `edn:"steps" json:"steps"`
}

// Step is one edge of a cycle. ww steps have Value and Value2 (value'),
// wr steps Value, and realtime steps A (the completion of the first op)
// and B (the invocation of the second).
type Step struct {
	Type      history.Keyword `edn:"type" json:"type"`
	Key       string          `edn:"key,omitempty" json:"key,omitempty"`
	Value     *int64          `edn:"value,omitempty" json:"value,omitempty"`
	Value2    *int64          `edn:"-" json:"-"`
	AMopIndex *int            `edn:"a-mop-index,omitempty" json:"a-mop-index,omitempty"`
	BMopIndex *int            `edn:"b-mop-index,omitempty" json:"b-mop-index,omitempty"`
	A         *history.Op     `edn:"a',omitempty" json:"a-prime,omitempty"` // JSON tags cannot hold a quote
	B         *history.Op     `edn:"b,omitempty" json:"b,omitempty"`
}

// CycleExists says that the dependency graph restricted to Subgraph has a
// cycle, so the model Not is ruled out, although no typed cycle was found
// (the search timed out).
type CycleExists struct {
	Type     history.Keyword `edn:"type" json:"type"`
	Not      history.Keyword `edn:"not" json:"not"`
	Subgraph []string        `edn:"subgraph" json:"subgraph"`
	SCCSize  int             `edn:"scc-size" json:"scc-size"`
	SCC      []int           `edn:"scc" json:"scc"`
}

// CycleSearchTimeout reports a strongly connected component whose cycle
// search ran out of time.
type CycleSearchTimeout struct {
	AnomalySpecType string   `edn:"anomaly-spec-type" json:"anomaly-spec-type"`
	DoesNotContain  []string `edn:"does-not-contain" json:"does-not-contain"`
	SCCSize         int      `edn:"scc-size" json:"scc-size"`
}

// MarshalJSON writes the step with Value2 under "value'", a name
// encoding/json tags cannot spell.
func (s Step) MarshalJSON() ([]byte, error) {
	type plain Step
	b, err := json.Marshal(plain(s))
	if err != nil || s.Value2 == nil {
		return b, err
	}
	m := map[string]json.RawMessage{}
	if err := json.Unmarshal(b, &m); err != nil {
		return nil, err
	}
	m["value'"], _ = json.Marshal(*s.Value2)
	return json.Marshal(m)
}

// MarshalEDN writes the step with Value2 under :value'.
func (s Step) MarshalEDN() ([]byte, error) {
	m := map[edn.Keyword]any{"type": s.Type}
	if s.Key != "" {
		m["key"] = s.Key
	}
	if s.Value != nil {
		m["value"] = *s.Value
	}
	if s.Value2 != nil {
		m["value'"] = *s.Value2
	}
	if s.AMopIndex != nil {
		m["a-mop-index"] = *s.AMopIndex
	}
	if s.BMopIndex != nil {
		m["b-mop-index"] = *s.BMopIndex
	}
	if s.A != nil {
		m["a'"] = *s.A
	}
	if s.B != nil {
		m["b"] = *s.B
	}
	return edn.Marshal(m)
}
