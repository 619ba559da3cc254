package elle

import (
	"bytes"
	"encoding/json"

	"github.com/glomers/glomers/internal/checker"
	"github.com/glomers/glomers/internal/checker/cycle"
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

type field = cycle.Field

func (r Result) fields() []field {
	fs := []field{{Key: "valid?", Value: r.Valid}}
	if r.Error != "" {
		fs = append(fs, field{Key: "error", Value: r.Error})
	}
	if r.hasAnomalies {
		fs = append(fs, field{Key: "anomaly-types", Value: keywordList(r.AnomalyTypes)}, field{Key: "anomalies", Value: r.Anomalies})
	}
	if r.hasBoundary {
		fs = append(fs, field{Key: "not", Value: keywordSet(r.Not)}, field{Key: "also-not", Value: keywordSet(r.AlsoNot)})
	}
	return fs
}

// MarshalEDN writes the result map with Elle's keys.
func (r Result) MarshalEDN() ([]byte, error) { return cycle.EDNMap(r.fields()) }

// MarshalJSON writes the result map; "valid?" is spelled "valid".
func (r Result) MarshalJSON() ([]byte, error) {
	fs := r.fields()
	fs[0].Key = "valid"
	return cycle.JSONMap(fs)
}

// MarshalEDN writes the anomalies as a map sorted by type; nil prints nil.
func (a Anomalies) MarshalEDN() ([]byte, error) {
	if a == nil {
		return []byte("nil"), nil
	}
	return cycle.EDNMap(a.fields())
}

// MarshalJSON writes the anomalies as an object sorted by type.
func (a Anomalies) MarshalJSON() ([]byte, error) {
	if a == nil {
		return []byte("null"), nil
	}
	return cycle.JSONMap(a.fields())
}

func (a Anomalies) fields() []field { return cycle.SortedFields(a) }

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
type valueSet = cycle.ValueSet

// CycleCase is a dependency cycle: Cycle lists the ops, first and last the
// same; Steps[i] explains why Cycle[i] precedes Cycle[i+1]; Type is the
// anomaly (G0, G1c, G-single-item, ...).
type CycleCase = cycle.Case

// Step explains one edge of a cycle (see cycle.Step).
type Step = cycle.Step

// CycleExistsCase says that a subgraph of some strongly connected component
// has a cycle, so the model Not cannot hold, without finding the cycle.
type CycleExistsCase = cycle.ExistsCase

// TimeoutCase says the cycle search of one strongly connected component
// ran out of time while looking for AnomalySpecType, after finding no
// cycle of the types in DoesNotContain.
type TimeoutCase = cycle.TimeoutCase
