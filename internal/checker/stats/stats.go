// Package stats is Jepsen's always-on :stats checker: ok, fail and info
// counts over client completions, in total and per function. It is valid
// only if every function succeeded at least once, except kafka's :crash
// and :debug-topic-partitions, which are counted but cannot make it
// invalid (Maelstrom wraps it in jepsen.tests.kafka/stats-checker for
// every workload).
package stats

import (
	"olympos.io/encoding/edn"

	"github.com/glomers/glomers/internal/checker"
	"github.com/glomers/glomers/internal/history"
)

// Counts are the completion counts of a set of operations.
type Counts struct {
	Valid     checker.Validity `edn:"valid?" json:"valid"`
	Count     int              `edn:"count" json:"count"`
	OKCount   int              `edn:"ok-count" json:"ok-count"`
	FailCount int              `edn:"fail-count" json:"fail-count"`
	InfoCount int              `edn:"info-count" json:"info-count"`
}

// Result is the :stats result.
type Result struct {
	Counts
	ByF map[edn.Keyword]Counts `edn:"by-f" json:"by-f"`
}

// Validity returns the verdict.
func (r Result) Validity() checker.Validity { return r.Valid }

// Exempt are the functions whose own verdict does not count: kafka's
// :crash always ends :info.
var Exempt = map[history.Keyword]bool{"crash": true, "debug-topic-partitions": true}

// Check counts the client completions of h.
func Check(h []history.Op) Result {
	r := Result{ByF: map[edn.Keyword]Counts{}}
	for _, op := range h {
		if op.Type == history.Invoke || !op.IsClient() {
			continue
		}
		c := r.ByF[op.F]
		c.add(op.Type)
		r.ByF[op.F] = c
		r.add(op.Type)
	}
	var vs []checker.Validity
	for f, c := range r.ByF {
		c.Valid = checker.Of(c.OKCount > 0)
		r.ByF[f] = c
		if !Exempt[f] {
			vs = append(vs, c.Valid)
		}
	}
	r.Valid = checker.Merge(vs...)
	return r
}

func (c *Counts) add(t history.Type) {
	c.Count++
	switch t {
	case history.OK:
		c.OKCount++
	case history.Fail:
		c.FailCount++
	case history.Info:
		c.InfoCount++
	}
}
