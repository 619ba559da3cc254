package cycle

import (
	"bytes"
	"encoding/json"
	"sort"

	"olympos.io/encoding/edn"

	"github.com/glomers/glomers/internal/history"
)

// Case is a dependency cycle: Cycle lists the ops, first and last the
// same; Steps[i] explains why Cycle[i] precedes Cycle[i+1]; Type is the
// anomaly (G0, G1c, G-single-item, ...).
type Case struct {
	Cycle []history.Op    `edn:"cycle" json:"cycle"`
	Steps []Step          `edn:"steps" json:"steps"`
	Type  history.Keyword `edn:"type" json:"type"`
}

// Step explains one edge of a cycle. Type is ww, wr, rw, realtime or
// process. Data steps give the key, the value(s) and the indices of the two
// micro-ops; realtime steps give A (the completion of the first op) and B
// (the invocation of the second); process steps give the process.
type Step struct {
	Type      history.Keyword
	Key       any
	Value     any
	Value2    any // value', for ww and rw
	AMopIndex int
	BMopIndex int
	A, B      history.Op
	Process   history.Process
}

// Fields returns the step's keys in Elle's order, only those of its type.
func (s Step) Fields() []Field {
	fs := []Field{{"type", s.Type}}
	switch s.Type {
	case "wr":
		fs = append(fs, Field{"key", s.Key}, Field{"value", s.Value},
			Field{"a-mop-index", s.AMopIndex}, Field{"b-mop-index", s.BMopIndex})
	case "ww", "rw":
		fs = append(fs, Field{"key", s.Key}, Field{"value", s.Value}, Field{"value'", s.Value2},
			Field{"a-mop-index", s.AMopIndex}, Field{"b-mop-index", s.BMopIndex})
	case "realtime":
		fs = append(fs, Field{"a'", s.A}, Field{"b", s.B})
	case "process":
		fs = append(fs, Field{"process", s.Process})
	}
	return fs
}

// MarshalEDN writes the step as Elle does, with only its type's keys.
func (s Step) MarshalEDN() ([]byte, error) { return EDNMap(s.Fields()) }

// MarshalJSON writes the step with only its type's keys.
func (s Step) MarshalJSON() ([]byte, error) { return JSONMap(s.Fields()) }

// ExistsCase says that a subgraph of some strongly connected component
// has a cycle, so the model Not cannot hold, without finding the cycle.
type ExistsCase struct {
	Type     history.Keyword `edn:"type" json:"type"`
	Not      history.Keyword `edn:"not" json:"not"`
	Subgraph []any           `edn:"subgraph" json:"subgraph"`
	SCCSize  int             `edn:"scc-size" json:"scc-size"`
	SCC      ValueSet        `edn:"scc" json:"scc"` // op indices
}

// TimeoutCase says the cycle search of one strongly connected component
// ran out of time while looking for AnomalySpecType, after finding no
// cycle of the types in DoesNotContain.
type TimeoutCase struct {
	Type            history.Keyword   `edn:"type" json:"type"`
	AnomalySpecType history.Keyword   `edn:"anomaly-spec-type" json:"anomaly-spec-type"`
	DoesNotContain  []history.Keyword `edn:"does-not-contain" json:"does-not-contain"`
	SCCSize         int               `edn:"scc-size" json:"scc-size"`
}

// ValueSet prints as an EDN set and a JSON array, in the order given.
type ValueSet []any

// MarshalEDN writes #{...}.
func (s ValueSet) MarshalEDN() ([]byte, error) {
	b, err := edn.Marshal([]any(s))
	if err != nil {
		return nil, err
	}
	return append(append([]byte("#{"), b[1:len(b)-1]...), '}'), nil
}

// MarshalJSON writes a JSON array.
func (s ValueSet) MarshalJSON() ([]byte, error) { return json.Marshal([]any(s)) }

// Field is one key of a map written in a fixed key order.
type Field struct {
	Key   string
	Value any
}

// EDNMap writes fs as an EDN map with keyword keys, in order.
func EDNMap(fs []Field) ([]byte, error) {
	var b bytes.Buffer
	b.WriteByte('{')
	for i, f := range fs {
		if i > 0 {
			b.WriteString(", ")
		}
		v, err := edn.Marshal(f.Value)
		if err != nil {
			return nil, err
		}
		b.WriteString(":" + f.Key + " ")
		b.Write(v)
	}
	b.WriteByte('}')
	return b.Bytes(), nil
}

// JSONMap writes fs as a JSON object, in order.
func JSONMap(fs []Field) ([]byte, error) {
	var b bytes.Buffer
	b.WriteByte('{')
	for i, f := range fs {
		if i > 0 {
			b.WriteByte(',')
		}
		k, _ := json.Marshal(f.Key)
		v, err := json.Marshal(f.Value)
		if err != nil {
			return nil, err
		}
		b.Write(k)
		b.WriteByte(':')
		b.Write(v)
	}
	b.WriteByte('}')
	return b.Bytes(), nil
}

// SortedFields returns m's entries sorted by key.
func SortedFields[V any](m map[history.Keyword]V) []Field {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, string(k))
	}
	sort.Strings(keys)
	fs := make([]Field, len(keys))
	for i, k := range keys {
		fs[i] = Field{k, m[history.Keyword(k)]}
	}
	return fs
}
