// Package kafka is the checker of Maelstrom's kafka workload, Jepsen's
// jepsen.tests.kafka checker: it derives per-key logs from the offsets that
// sends and polls report, then looks for duplicated, inconsistent, lost,
// skipped, reordered and unseen messages, aborted reads, and dependency
// cycles between sends and polls (write-read plus realtime order).
//
// Analyze returns every error found; Check condenses them into the result
// map Maelstrom prints under :workload, valid unless an error type outside
// the allowed set (Allowed) occurs.
//
// Differences from the original, all where it would throw (making the
// workload :unknown) or where it is nondeterministic:
//
//   - A polled message that no op ever sent to that key is reported as a
//     "no-writer-of-value" error, which invalidates the test; the original
//     throws :no-writer-of-value while building the write-read graph.
//   - A key that :ok polls only ever returned empty (or without offsets)
//     has no lost-write bound; the original indexes position -1 and throws
//     (Maelstrom issue 98). Here the key is skipped and a line is added to
//     Warnings, without changing the verdict.
//   - Where the original picks an arbitrary element of a hash set (the
//     message kept for an offset with several messages, the op reported as
//     :max-read), this port picks the smallest message, and a message that
//     some op actually polled.
//   - Logs, realtime-lag tables and the :unseen series are kept in maps and
//     delta-encoded series, so memory and time follow the number of
//     operations, never offset values.
//   - The cycle search runs on the engine shared with the Elle checkers
//     (package cycle), walking operations in Elle's order as Jepsen's
//     kafka checker does, labels each edge once (ww, then wr, then
//     realtime, the explainers' order), and only searches the cycle types
//     this graph can hold (G0, G1c and their -realtime variants). On a search timeout it
//     reports :cycle-search-timeout and the cycle-exists cases, without
//     Elle's extra fallback cycle.
package kafka

import (
	"encoding/json"
	"fmt"
	"reflect"
	"slices"

	"olympos.io/encoding/edn"

	"github.com/glomers/glomers/internal/checker"
	"github.com/glomers/glomers/internal/history"
)

// Allowed returns the error types that do not invalidate a test: always
// int-send-skip and the G0 and PL-1 cycle types; poll-skip and
// nonmonotonic-poll when clients subscribe; the G1c and PL-2 cycle types
// with ww dependencies. In Maelstrom only the first group applies.
func Allowed(opts Options) map[string]bool {
	ok := map[string]bool{}
	for _, t := range []string{TypeIntSendSkip, "G0", "G0-process", "G0-realtime",
		"PL-1-cycle-exists", "strong-PL-1-cycle-exists"} {
		ok[t] = true
	}
	if opts.Subscribe {
		ok[TypePollSkip], ok[TypeNonmonotonicPoll] = true, true
	}
	if opts.WWDeps {
		for _, t := range []string{"G1c", "G1c-process", "G1c-realtime",
			"PL-2-cycle-exists", "strong-PL-2-cycle-exists"} {
			ok[t] = true
		}
	}
	return ok
}

// Summary is one condensed error type: how many cases there were and a
// sample of them.
type Summary struct {
	Count int `edn:"count" json:"count"`
	Errs  any `edn:"errs" json:"errs"`
}

// RealtimeLag is the :worst-realtime-lag entry, in seconds. Process and
// Key are nil when the history has no :ok poll.
type RealtimeLag struct {
	Time    float64          `edn:"time" json:"time"`
	Process *history.Process `edn:"process,omitempty" json:"process,omitempty"`
	Key     *string          `edn:"key,omitempty" json:"key,omitempty"`
	Lag     float64          `edn:"lag" json:"lag"`
}

// Result is the kafka checker's result. Errors holds every error type but
// unseen, and is written as top-level keys, as Jepsen merges them into the
// result map.
type Result struct {
	Valid            checker.Validity   `edn:"valid?" json:"valid"`
	WorstRealtimeLag RealtimeLag        `edn:"worst-realtime-lag" json:"worst-realtime-lag"`
	BadErrorTypes    []history.Keyword  `edn:"bad-error-types" json:"bad-error-types"`
	ErrorTypes       []history.Keyword  `edn:"error-types" json:"error-types"`
	InfoTxnCauses    []any              `edn:"info-txn-causes" json:"info-txn-causes"`
	Errors           map[string]Summary `edn:"-" json:"-"`
	Unseen           *Unseen            `edn:"unseen,omitempty" json:"unseen,omitempty"`
	Warnings         []string           `edn:"warnings,omitempty" json:"warnings,omitempty"`
}

// Validity returns the verdict.
func (r Result) Validity() checker.Validity { return r.Valid }

// Check analyses h and builds the result map: valid unless some error type
// is outside Allowed(opts).
func Check(h []history.Op, opts Options) Result {
	an := Analyze(h, opts)
	allowed := Allowed(opts)
	r := Result{
		BadErrorTypes: []history.Keyword{},
		ErrorTypes:    []history.Keyword{},
		InfoTxnCauses: infoCauses(h),
		Errors:        map[string]Summary{},
		Warnings:      an.Warnings,
	}
	for _, t := range sortedKeys(an.Errors) {
		r.ErrorTypes = append(r.ErrorTypes, history.Keyword(t))
		if !allowed[t] {
			r.BadErrorTypes = append(r.BadErrorTypes, history.Keyword(t))
		}
		if t == TypeUnseen {
			u := an.Errors[t].(Unseen)
			if !opts.AllErrors {
				msgs := map[string][]int64{}
				for k, vs := range u.Messages {
					msgs[k] = vs[:min(len(vs), 32)]
				}
				u.Messages = msgs
			}
			r.Unseen = &u
			continue
		}
		r.Errors[t] = condense(an.Errors[t], opts.AllErrors)
	}
	r.Valid = checker.Of(len(r.BadErrorTypes) == 0)
	if l := an.WorstRealtimeLag; l.Found {
		p, k := l.Process, l.Key
		r.WorstRealtimeLag = RealtimeLag{Time: seconds(l.Time), Process: &p, Key: &k, Lag: seconds(l.Lag)}
	}
	return r
}

// infoCauses returns the distinct :error values of :info sends, polls and
// txns, in order of first appearance.
func infoCauses(h []history.Op) []any {
	out := []any{}
	seen := map[string]bool{}
	for _, op := range h {
		if op.Type != history.Info || (op.F != "send" && op.F != "poll" && op.F != "txn") {
			continue
		}
		id := fmt.Sprintf("%#v", op.Error)
		if !seen[id] {
			seen[id] = true
			out = append(out, op.Error)
		}
	}
	return out
}

// condense samples one error type's cases as Jepsen's condense-error does:
// the smallest duplicates, cycles and inconsistencies, the most negative
// nonmonotonic deltas and the largest skips; other types are kept whole.
func condense(errs any, all bool) Summary {
	switch e := errs.(type) {
	case bool:
		return Summary{Count: 1, Errs: e}
	case []Duplicate:
		return sample(e, all, 32, false, func(x Duplicate) int { return x.Count })
	case []Cycle:
		return sample(e, all, 8, false, func(x Cycle) int { return len(x.Steps) })
	case []InconsistentOffset:
		return sample(e, all, 32, false, func(x InconsistentOffset) int { return len(x.Values) })
	case []IntNonmonotonic:
		return sample(e, all, 8, false, func(x IntNonmonotonic) int { return x.Delta })
	case []Nonmonotonic:
		return sample(e, all, 8, false, func(x Nonmonotonic) int { return x.Delta })
	case []IntSkip:
		return sample(e, all, 8, true, func(x IntSkip) int { return x.Delta })
	case []PollSkip:
		return sample(e, all, 8, true, func(x PollSkip) int { return x.Delta })
	}
	n := 1
	if rv := reflect.ValueOf(errs); rv.Kind() == reflect.Slice {
		n = rv.Len()
	}
	return Summary{Count: n, Errs: errs}
}

// sample sorts xs stably by key and keeps the first (or last) n.
func sample[T any](xs []T, all bool, n int, last bool, key func(T) int) Summary {
	s := Summary{Count: len(xs), Errs: xs}
	if all {
		return s
	}
	ys := slices.Clone(xs)
	slices.SortStableFunc(ys, func(a, b T) int { return key(a) - key(b) })
	if len(ys) > n {
		if last {
			ys = ys[len(ys)-n:]
		} else {
			ys = ys[:n]
		}
	}
	s.Errs = ys
	return s
}

// fields returns the result as one flat map, error types as keys.
func (r Result) fields() map[string]any {
	m := map[string]any{
		"valid?":             r.Valid,
		"worst-realtime-lag": r.WorstRealtimeLag,
		"bad-error-types":    r.BadErrorTypes,
		"error-types":        r.ErrorTypes,
		"info-txn-causes":    r.InfoTxnCauses,
	}
	for t, s := range r.Errors {
		m[t] = s
	}
	if r.Unseen != nil {
		m["unseen"] = r.Unseen
	}
	if len(r.Warnings) > 0 {
		m["warnings"] = r.Warnings
	}
	return m
}

// MarshalEDN writes the result as Jepsen's flat result map.
func (r Result) MarshalEDN() ([]byte, error) {
	m := map[edn.Keyword]any{}
	for k, v := range r.fields() {
		m[edn.Keyword(k)] = v
	}
	return edn.Marshal(m)
}

// MarshalJSON writes the result as a flat object; "valid?" is "valid".
func (r Result) MarshalJSON() ([]byte, error) {
	m := r.fields()
	m["valid"] = m["valid?"]
	delete(m, "valid?")
	return json.Marshal(m)
}
