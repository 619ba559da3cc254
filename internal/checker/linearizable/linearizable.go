// Package linearizable is the lin-kv checker: it splits a history of
// [key value] operations by key, as Jepsen's independent checker does, and
// checks each key's operations for linearizability against Knossos'
// cas-register model, using porcupine in place of Knossos.
//
// The model and the history are Knossos':
//
//   - the register starts as nil; a write sets it; a cas [from to] is legal
//     only when the register holds from, and then sets it to to;
//   - a read of v is legal when v is the register's value, or when v is nil
//     (Knossos treats a nil read as a wildcard);
//   - :fail operations did not happen and are dropped, so a read of a
//     missing key (error 20, :fail) says nothing;
//   - :info writes and cas, and invocations that never completed, may take
//     effect at any time after their invocation, or never: they return at
//     infinity with an unknown outcome. :info reads are dropped, as they
//     constrain nothing.
//
// Operations are ordered by their history indices, which are unique, so
// an operation precedes another exactly when it completed before the other
// was invoked.
//
// The result has Maelstrom's shape, {:valid? v, :results {k {:valid? v,
// :linearizable {...}}}, :failures [k ...]}, with :unknown keys not listed
// under :failures. It differs from Knossos' output in the per-key
// :linearizable map: :analyzer is :porcupine, and instead of :configs,
// :final-paths and :last-op an invalid key reports :op (the first completed
// operation that no linearization could include), :previous-ok (the last
// operation of the longest linearizable prefix found), :value (the
// register's value after that prefix, when not nil) and :linearized (that
// prefix's length). Operations are shown with their values unwrapped from
// the [key value] tuples, as in Jepsen's per-key histories. There is no
// per-key :timeline and no linear.svg. A key whose search runs out of time
// is :unknown, with an :error.
package linearizable

import (
	"bytes"
	"fmt"
	"io"
	"maps"
	"math"
	"slices"
	"strconv"
	"sync"
	"time"

	"github.com/anishathalye/porcupine"
	"olympos.io/encoding/edn"

	"github.com/glomers/glomers/internal/checker"
	"github.com/glomers/glomers/internal/history"
)

// DefaultTimeout is how long the lin-kv workload lets the search run.
const DefaultTimeout = 30 * time.Second

// The functions of a cas register.
const (
	Read  history.Keyword = "read"
	Write history.Keyword = "write"
	CAS   history.Keyword = "cas"
)

// Result is the verdict on a whole history.
type Result struct {
	Valid    checker.Validity `edn:"valid?" json:"valid"`
	Results  Results          `edn:"results" json:"results"`
	Failures []int64          `edn:"failures" json:"failures"`
	// Error says why the history could not be checked.
	Error string `edn:"error,omitempty" json:"error,omitempty"`
}

// Validity returns the verdict.
func (r Result) Validity() checker.Validity { return r.Valid }

// Results are the verdicts by key. They encode as an EDN map in key order.
type Results map[int64]KeyResult

// MarshalEDN writes {k result, …} in key order.
func (r Results) MarshalEDN() ([]byte, error) {
	keys := slices.Sorted(maps.Keys(r))
	var b bytes.Buffer
	b.WriteByte('{')
	for i, k := range keys {
		if i > 0 {
			b.WriteString(", ")
		}
		v, err := edn.Marshal(r[k])
		if err != nil {
			return nil, fmt.Errorf("encode the result of key %d as EDN: %w", k, err)
		}
		b.WriteString(strconv.FormatInt(k, 10) + " ")
		b.Write(v)
	}
	b.WriteByte('}')
	return b.Bytes(), nil
}

// KeyResult is the verdict on one key.
type KeyResult struct {
	Valid        checker.Validity `edn:"valid?" json:"valid"`
	Linearizable Analysis         `edn:"linearizable" json:"linearizable"`
}

// Analysis is the linearizability search of one key.
type Analysis struct {
	Valid    checker.Validity `edn:"valid?" json:"valid"`
	Analyzer history.Keyword  `edn:"analyzer" json:"analyzer"`
	// OpCount is the number of operations searched (:ok and :info).
	OpCount int `edn:"op-count" json:"op-count"`
	// Op is the first completed operation that could not be linearized.
	Op *history.Op `edn:"op,omitempty" json:"op,omitempty"`
	// PreviousOK is the last operation of the longest linearizable prefix.
	PreviousOK *history.Op `edn:"previous-ok,omitempty" json:"previous-ok,omitempty"`
	// Value is the register's value after that prefix, if not nil.
	Value any `edn:"value,omitempty" json:"value,omitempty"`
	// Linearized is the length of that prefix.
	Linearized int `edn:"linearized,omitempty" json:"linearized,omitempty"`
	// Error says why the verdict is unknown.
	Error string `edn:"error,omitempty" json:"error,omitempty"`
	// info is the search of an invalid key, kept for Visualize.
	info *porcupine.LinearizationInfo
}

// Check checks every key of h. timeout bounds each key's search; keys are
// searched concurrently, so it bounds the whole check. Zero means no limit.
func Check(h []history.Op, timeout time.Duration) Result {
	keys, err := split(h)
	if err != nil {
		return Result{Valid: checker.Unknown, Results: Results{}, Failures: []int64{}, Error: err.Error()}
	}
	res := Result{Results: make(Results, len(keys)), Failures: []int64{}}
	var (
		mu sync.Mutex
		wg sync.WaitGroup
	)
	for k, ops := range keys {
		wg.Add(1)
		go func() {
			defer wg.Done()
			a := checkKey(ops, timeout)
			mu.Lock()
			res.Results[k] = KeyResult{Valid: a.Valid, Linearizable: a}
			mu.Unlock()
		}()
	}
	wg.Wait()
	var vs []checker.Validity
	for k, r := range res.Results {
		vs = append(vs, r.Valid)
		if r.Valid == checker.Invalid {
			res.Failures = append(res.Failures, k)
		}
	}
	slices.Sort(res.Failures)
	res.Valid = checker.Merge(vs...)
	return res
}

// op is one register operation of one key: the invocation and completion
// (nil if it never completed), with values unwrapped from their tuples.
type op struct {
	invoke, done history.Op
	complete     bool
}

// split groups h's client operations by key, unwrapping [key value]
// tuples, and drops the :fail ones.
func split(h []history.Op) (map[int64][]op, error) {
	keys := map[int64][]op{}
	for _, p := range history.Pairs(h) {
		inv := p.Invoke
		if !inv.IsClient() {
			continue
		}
		if p.Completion != nil && p.Completion.Type == history.Fail {
			continue
		}
		if inv.F != Read && inv.F != Write && inv.F != CAS {
			return nil, fmt.Errorf("op %d: unknown function %s for a cas register", inv.Index, inv.F)
		}
		k, v, err := tuple(inv.Value)
		if err != nil {
			return nil, fmt.Errorf("op %d: %w", inv.Index, err)
		}
		inv.Value = v
		o := op{invoke: inv}
		if p.Completion != nil {
			done := *p.Completion
			_, dv, err := tuple(done.Value)
			if err != nil {
				return nil, fmt.Errorf("op %d: %w", done.Index, err)
			}
			done.Value = dv
			o.done, o.complete = done, true
		}
		keys[k] = append(keys[k], o)
	}
	return keys, nil
}

// tuple unwraps [k v], whose key must be an integer.
func tuple(value any) (int64, any, error) {
	t, ok := value.([]any)
	if !ok || len(t) != 2 {
		return 0, nil, fmt.Errorf("value %s is not a [key value] tuple", history.Readable(value))
	}
	switch k := t[0].(type) {
	case int64:
		return k, t[1], nil
	case float64:
		if k == math.Trunc(k) {
			return int64(k), t[1], nil
		}
	}
	return 0, nil, fmt.Errorf("key %s of %s is not an integer", history.Readable(t[0]), history.Readable(value))
}

// input is what a register operation asks for. Values are in their
// canonical EDN form, so the model's state is comparable.
type input struct {
	f             history.Keyword
	value         string // write
	from, to      string // cas
	fromV, toV, v any    // the original values, to report them
}

// output is what it answered; unknown for :info operations.
type output struct {
	value   string // read
	unknown bool
}

// nilValue is the canonical form of nil: the register's initial state.
var nilValue = canon(nil)

func canon(v any) string { return history.Readable(v) }

// model is Knossos' cas-register over canonical values.
var model = porcupine.Model{
	Init: func() any { return nilValue },
	Step: func(state, in, out any) (bool, any) {
		s, i, o := state.(string), in.(input), out.(output)
		switch i.f {
		case Read:
			return o.unknown || o.value == nilValue || o.value == s, s
		case Write:
			return true, i.value
		default: // cas
			if s == i.from {
				return true, i.to
			}
			return o.unknown, s
		}
	},
	DescribeOperation: func(in, out any) string {
		i, o := in.(input), out.(output)
		switch {
		case i.f == Read:
			return "read " + o.value
		case i.f == Write:
			return "write " + i.value
		}
		return "cas " + i.from + " → " + i.to
	},
}

// checkKey searches one key's operations for a linearization.
func checkKey(ops []op, timeout time.Duration) Analysis {
	pops, shown, err := porcupineOps(ops)
	if err != nil {
		return Analysis{Valid: checker.Unknown, Analyzer: "porcupine", Error: err.Error()}
	}
	a := Analysis{Analyzer: "porcupine", OpCount: len(pops)}
	result, info := porcupine.CheckOperationsVerbose(model, pops, timeout)
	switch result {
	case porcupine.Ok:
		a.Valid = checker.Valid
		return a
	case porcupine.Unknown:
		a.Valid = checker.Unknown
		a.Error = fmt.Sprintf("the search timed out after %v", timeout)
		return a
	}
	a.Valid = checker.Invalid
	a.info = &info
	explain(&a, pops, shown, info)
	return a
}

// porcupineOps turns one key's operations into porcupine's, with the
// history op to report for each.
func porcupineOps(ops []op) (pops []porcupine.Operation, shown []history.Op, err error) {
	// Ops that may never take effect return just after the last event of
	// the key: that constrains the search as a return at infinity would,
	// and keeps the picture's time axis short.
	var never int64
	for _, o := range ops {
		never = max(never, int64(o.invoke.Index)+1)
		if o.complete {
			never = max(never, int64(o.done.Index)+1)
		}
	}
	for _, o := range ops {
		in := input{f: o.invoke.F}
		switch o.invoke.F {
		case Write:
			in.value, in.v = canon(o.invoke.Value), o.invoke.Value
		case CAS:
			ft, ok := o.invoke.Value.([]any)
			if !ok || len(ft) != 2 {
				return nil, nil, fmt.Errorf("op %d: cas value %s is not [from to]", o.invoke.Index, history.Readable(o.invoke.Value))
			}
			in.from, in.to, in.fromV, in.toV = canon(ft[0]), canon(ft[1]), ft[0], ft[1]
		}
		po := porcupine.Operation{ClientId: int(o.invoke.Process), Input: in, Call: int64(o.invoke.Index)}
		switch {
		case o.complete && o.done.Type == history.OK:
			po.Return = int64(o.done.Index)
			po.Output = output{value: canon(o.done.Value)}
			shown = append(shown, o.done)
		case o.invoke.F == Read:
			continue // an :info read constrains nothing
		default:
			po.Return = never
			po.Output = output{unknown: true}
			if o.complete {
				shown = append(shown, o.done)
			} else {
				shown = append(shown, o.invoke)
			}
		}
		pops = append(pops, po)
	}
	return pops, shown, nil
}

// Visualize writes porcupine's interactive HTML picture of key in r, a
// result of Check: its operations per process, and the longest
// linearizations the search found. Times on its axis are history indices
// (invocation and completion order); ops of unknown outcome run to the far
// right. Only keys Check found not linearizable can be drawn.
func Visualize(w io.Writer, r Result, key int64) error {
	kr, ok := r.Results[key]
	if !ok {
		return fmt.Errorf("the result has no key %d", key)
	}
	if kr.Linearizable.info == nil {
		return fmt.Errorf("key %d has no search to draw (only keys Check found not linearizable have one)", key)
	}
	return porcupine.Visualize(model, *kr.Linearizable.info, w)
}

// explain fills in an invalid key's details from the longest linearizable
// prefix porcupine found.
func explain(a *Analysis, pops []porcupine.Operation, shown []history.Op, info porcupine.LinearizationInfo) {
	var best []int
	for _, parts := range info.PartialLinearizations() {
		for _, p := range parts {
			if len(p) > len(best) || (len(p) == len(best) && slices.Compare(p, best) < 0) {
				best = p
			}
		}
	}
	in := make([]bool, len(pops))
	state := model.Init()
	for _, id := range best {
		in[id] = true
		_, state = model.Step(state, pops[id].Input, pops[id].Output)
	}
	a.Linearized = len(best)
	if len(best) > 0 {
		prev := shown[best[len(best)-1]]
		a.PreviousOK = &prev
	}
	if state != nilValue {
		a.Value = valueOf(state.(string), pops, best)
	}
	first := -1
	for id, po := range pops {
		if !in[id] && po.Return != math.MaxInt64 && (first < 0 || po.Return < pops[first].Return) {
			first = id
		}
	}
	if first >= 0 {
		o := shown[first]
		a.Op = &o
	}
}

// valueOf returns the original value whose canonical form is s, as the
// last write or cas of the prefix wrote it.
func valueOf(s string, pops []porcupine.Operation, prefix []int) any {
	for i := len(prefix) - 1; i >= 0; i-- {
		in := pops[prefix[i]].Input.(input)
		if in.f == Write && in.value == s {
			return in.v
		}
		if in.f == CAS && in.to == s {
			return in.toV
		}
	}
	return s
}
