package elle

import (
	"bytes"
	"encoding/json"
	"sort"

	"olympos.io/encoding/edn"

	"github.com/glomers/glomers/internal/checker"
	"github.com/glomers/glomers/internal/history"
)

// Result is the checker's verdict in the shape of Elle's result map:
// {:valid? true} alone when nothing reportable was found, otherwise the
// anomaly types, the anomalies, and the weakest models ruled out (:not) and
// the other ruled-out models (:also-not). Error is set, with Valid Unknown,
// when the history could not be checked (Elle would throw).
type Result struct {
	Valid        checker.Validity
	AnomalyTypes []history.Keyword // sorted
	Anomalies    Anomalies
	Not, AlsoNot []history.Keyword // friendly model names, sorted
	Error        string

	// Which optional keys are printed.
	hasAnomalies bool // :anomaly-types and :anomalies
	hasBoundary  bool // :not and :also-not
}

// Validity returns the verdict.
func (r Result) Validity() checker.Validity { return r.Valid }

// Anomalies maps an anomaly type to its cases: a slice of one of the case
// types of this package, or true for :empty-transaction-graph.
type Anomalies map[history.Keyword]any

type field struct {
	key   string
	value any
}

func (r Result) fields() []field {
	fs := []field{{"valid?", r.Valid}}
	if r.Error != "" {
		fs = append(fs, field{"error", r.Error})
	}
	if r.hasAnomalies {
		fs = append(fs, field{"anomaly-types", keywordList(r.AnomalyTypes)}, field{"anomalies", r.Anomalies})
	}
	if r.hasBoundary {
		fs = append(fs, field{"not", keywordSet(r.Not)}, field{"also-not", keywordSet(r.AlsoNot)})
	}
	return fs
}

// MarshalEDN writes the result map with Elle's keys.
func (r Result) MarshalEDN() ([]byte, error) { return marshalEDNMap(r.fields()) }

// MarshalJSON writes the result map; "valid?" is spelled "valid".
func (r Result) MarshalJSON() ([]byte, error) {
	fs := r.fields()
	fs[0].key = "valid"
	return marshalJSONMap(fs)
}

// MarshalEDN writes the anomalies as a map sorted by type; nil prints nil.
func (a Anomalies) MarshalEDN() ([]byte, error) {
	if a == nil {
		return []byte("nil"), nil
	}
	return marshalEDNMap(a.fields())
}

// MarshalJSON writes the anomalies as an object sorted by type.
func (a Anomalies) MarshalJSON() ([]byte, error) {
	if a == nil {
		return []byte("null"), nil
	}
	return marshalJSONMap(a.fields())
}

func (a Anomalies) fields() []field {
	keys := make([]string, 0, len(a))
	for k := range a {
		keys = append(keys, string(k))
	}
	sort.Strings(keys)
	fs := make([]field, len(keys))
	for i, k := range keys {
		fs[i] = field{k, a[history.Keyword(k)]}
	}
	return fs
}

func marshalEDNMap(fs []field) ([]byte, error) {
	var b bytes.Buffer
	b.WriteByte('{')
	for i, f := range fs {
		if i > 0 {
			b.WriteString(", ")
		}
		v, err := edn.Marshal(f.value)
		if err != nil {
			return nil, err
		}
		b.WriteString(":" + f.key + " ")
		b.Write(v)
	}
	b.WriteByte('}')
	return b.Bytes(), nil
}

func marshalJSONMap(fs []field) ([]byte, error) {
	var b bytes.Buffer
	b.WriteByte('{')
	for i, f := range fs {
		if i > 0 {
			b.WriteByte(',')
		}
		k, _ := json.Marshal(f.key)
		v, err := json.Marshal(f.value)
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

// keywordList prints as an EDN list, (:a :b), and a JSON array.
type keywordList []history.Keyword

func (l keywordList) MarshalEDN() ([]byte, error) { return ednSeq("(", ")", l) }
func (l keywordList) MarshalJSON() ([]byte, error) {
	return json.Marshal(append([]history.Keyword{}, l...))
}

// keywordSet prints as an EDN set, #{:a :b}, and a JSON array.
type keywordSet []history.Keyword

func (s keywordSet) MarshalEDN() ([]byte, error) { return ednSeq("#{", "}", s) }
func (s keywordSet) MarshalJSON() ([]byte, error) {
	return json.Marshal(append([]history.Keyword{}, s...))
}

func ednSeq(open, close string, ks []history.Keyword) ([]byte, error) {
	var b bytes.Buffer
	b.WriteString(open)
	for i, k := range ks {
		if i > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(":" + string(k))
	}
	b.WriteString(close)
	return b.Bytes(), nil
}

// G1Case is a G1a (aborted read) or G1b (intermediate read): Op read, with
// Mop, a value Writer wrote and then aborted or overwrote.
type G1Case struct {
	Op     history.Op `edn:"op" json:"op"`
	Mop    Mop        `edn:"mop" json:"mop"`
	Writer history.Op `edn:"writer" json:"writer"`
}

// InternalCase is a read (Mop) inside Op that disagrees with the value the
// transaction itself last wrote or read (Expected).
type InternalCase struct {
	Op       history.Op `edn:"op" json:"op"`
	Mop      Mop        `edn:"mop" json:"mop"`
	Expected any        `edn:"expected" json:"expected"`
}

// LostUpdateCase lists ok transactions that all read Key = Value and then
// wrote Key.
type LostUpdateCase struct {
	Key   any          `edn:"key" json:"key"`
	Value any          `edn:"value" json:"value"`
	Txns  []history.Op `edn:"txns" json:"txns"`
}

// CyclicVersionsCase is a cycle in Key's inferred version order, found when
// the analyzers named in Sources were combined.
type CyclicVersionsCase struct {
	Key     any               `edn:"key" json:"key"`
	SCC     valueSet          `edn:"scc" json:"scc"`
	Sources []history.Keyword `edn:"sources" json:"sources"`
}

// valueSet prints as an EDN set and a JSON array, in sorted order.
type valueSet []any

func (s valueSet) MarshalEDN() ([]byte, error) {
	b, err := edn.Marshal([]any(s))
	if err != nil {
		return nil, err
	}
	return append(append([]byte("#{"), b[1:len(b)-1]...), '}'), nil
}

func (s valueSet) MarshalJSON() ([]byte, error) { return json.Marshal([]any(s)) }

// CycleCase is a dependency cycle: Cycle lists the ops, first and last the
// same; Steps[i] explains why Cycle[i] precedes Cycle[i+1]; Type is the
// anomaly (G0, G1c, G-single-item, ...).
type CycleCase struct {
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

func (s Step) fields() []field {
	fs := []field{{"type", s.Type}}
	switch s.Type {
	case "wr":
		fs = append(fs, field{"key", s.Key}, field{"value", s.Value},
			field{"a-mop-index", s.AMopIndex}, field{"b-mop-index", s.BMopIndex})
	case "ww", "rw":
		fs = append(fs, field{"key", s.Key}, field{"value", s.Value}, field{"value'", s.Value2},
			field{"a-mop-index", s.AMopIndex}, field{"b-mop-index", s.BMopIndex})
	case "realtime":
		fs = append(fs, field{"a'", s.A}, field{"b", s.B})
	case "process":
		fs = append(fs, field{"process", s.Process})
	}
	return fs
}

// MarshalEDN writes the step as Elle does, with only its type's keys.
func (s Step) MarshalEDN() ([]byte, error) { return marshalEDNMap(s.fields()) }

// MarshalJSON writes the step with only its type's keys.
func (s Step) MarshalJSON() ([]byte, error) { return marshalJSONMap(s.fields()) }

// CycleExistsCase says that a subgraph of some strongly connected component
// has a cycle, so the model Not cannot hold, without finding the cycle.
type CycleExistsCase struct {
	Type     history.Keyword `edn:"type" json:"type"`
	Not      history.Keyword `edn:"not" json:"not"`
	Subgraph []any           `edn:"subgraph" json:"subgraph"`
	SCCSize  int             `edn:"scc-size" json:"scc-size"`
	SCC      valueSet        `edn:"scc" json:"scc"` // op indices
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
