package elle

import (
	"encoding/json"
	"fmt"
	"math"
	"sort"
	"strings"

	"olympos.io/encoding/edn"

	"github.com/glomers/glomers/internal/history"
	"github.com/glomers/glomers/internal/jsonvalue"
)

// Mop is a micro-op as reported in anomalies: [f key value], with f the
// keyword r or w and value nil for a read that saw nothing.
type Mop []any

// mop is a parsed micro-op. Keys and values are normalized: integers
// become int64, and a nil value stays nil.
type mop struct {
	write bool
	key   any
	value any
}

func (m mop) export() Mop {
	f := history.Keyword("r")
	if m.write {
		f = "w"
	}
	return Mop{f, m.key, m.value}
}

// kv is one external read or write of a transaction.
type kv struct {
	key, value any
}

// txn is one client operation of the history with its micro-ops parsed.
type txn struct {
	op     history.Op
	pair   int // position of the matching invocation or completion, or -1
	mops   []mop
	reads  []kv // external reads: first micro-op on a key, if a read
	writes []kv // external writes: last write to each key
}

// extRead returns the value of t's external read of k.
func (t *txn) extRead(k any) (any, bool) { return lookup(t.reads, k) }

// extWrite returns the value of t's external write of k.
func (t *txn) extWrite(k any) (any, bool) { return lookup(t.writes, k) }

func lookup(kvs []kv, k any) (any, bool) {
	for _, e := range kvs {
		if e.key == k {
			return e.value, true
		}
	}
	return nil, false
}

// mopIndex returns the index of the first micro-op of t equal to
// [f k v], or -1.
func (t *txn) mopIndex(write bool, k, v any) int {
	for i, m := range t.mops {
		if m.write == write && m.key == k && m.value == v {
			return i
		}
	}
	return -1
}

func (t *txn) is(ty history.Type) bool { return t.op.Type == ty }

// parseHistory keeps the client ops of h, parses their transactions, and
// pairs invocations with completions by process.
func parseHistory(h []history.Op) ([]txn, error) {
	var txns []txn
	open := map[history.Process]int{}
	for _, op := range h {
		if !op.IsClient() {
			continue
		}
		t := txn{op: op, pair: -1}
		if err := t.parse(); err != nil {
			return nil, fmt.Errorf("op %d: %w", op.Index, err)
		}
		i := len(txns)
		if op.Type == history.Invoke {
			open[op.Process] = i
		} else if j, ok := open[op.Process]; ok {
			t.pair = j
			txns[j].pair = i
			delete(open, op.Process)
		}
		txns = append(txns, t)
	}
	return txns, nil
}

func (t *txn) parse() error {
	if t.op.Value == nil {
		return nil
	}
	ms, ok := t.op.Value.([]any)
	if !ok {
		return fmt.Errorf("transaction must be a list of micro-ops, got %T", t.op.Value)
	}
	t.mops = make([]mop, len(ms))
	first := map[any]bool{}
	for i, x := range ms {
		m, err := parseMop(x)
		if err != nil {
			return err
		}
		t.mops[i] = m
		if !first[m.key] {
			first[m.key] = true
			if !m.write {
				t.reads = append(t.reads, kv{m.key, m.value})
			}
		}
		if m.write {
			t.writes = setKV(t.writes, m.key, m.value)
		}
	}
	return nil
}

// setKV sets k in kvs, keeping the position of its first insertion.
func setKV(kvs []kv, k, v any) []kv {
	for i := range kvs {
		if kvs[i].key == k {
			kvs[i].value = v
			return kvs
		}
	}
	return append(kvs, kv{k, v})
}

func parseMop(x any) (mop, error) {
	xs, ok := x.([]any)
	if !ok || len(xs) != 3 {
		return mop{}, fmt.Errorf("micro-op must be [f key value], got %v", x)
	}
	var f string
	switch y := xs[0].(type) {
	case string:
		f = strings.TrimPrefix(y, ":")
	case history.Keyword:
		f = string(y)
	}
	if f != "r" && f != "w" {
		return mop{}, fmt.Errorf("micro-op function must be r or w, got %v", xs[0])
	}
	k, err := normalize(xs[1])
	if err != nil {
		return mop{}, err
	}
	v, err := normalize(xs[2])
	if err != nil {
		return mop{}, err
	}
	return mop{write: f == "w", key: k, value: v}, nil
}

// normalize turns every integer representation into int64, so keys and
// values compare equal however they were decoded. Strings and keywords are
// kept as they are.
func normalize(x any) (any, error) {
	switch y := x.(type) {
	case nil, int64, string, history.Keyword:
		return y, nil
	case int:
		return int64(y), nil
	case int32:
		return int64(y), nil
	case int16:
		return int64(y), nil
	case int8:
		return int64(y), nil
	case uint32:
		return int64(y), nil
	case uint16:
		return int64(y), nil
	case uint8:
		return int64(y), nil
	case float64:
		if y == math.Trunc(y) && math.Abs(y) < 1<<63 {
			return int64(y), nil
		}
	case json.Number:
		if n, err := y.Int64(); err == nil {
			return n, nil
		}
	}
	// Anything else ({}, [1 2], true, 1.5) is opaque data, as Elle sees it:
	// equal to another value only if the data are equal.
	b, err := json.Marshal(x)
	if err != nil {
		return nil, fmt.Errorf("key or value %v (%T) cannot be compared: %w", x, x, err)
	}
	return Opaque(b), nil
}

// Opaque is a key or value that is neither an integer nor a string (a JSON
// object, list, boolean or fraction). Elle compares such values as plain
// data, so it is held as its canonical JSON (object keys sorted), which is
// equal exactly when the data are.
type Opaque string

// String returns the value's JSON.
func (o Opaque) String() string { return string(o) }

// MarshalJSON writes the value as it was.
func (o Opaque) MarshalJSON() ([]byte, error) { return []byte(o), nil }

// MarshalEDN writes the value as EDN data.
func (o Opaque) MarshalEDN() ([]byte, error) {
	v, err := jsonvalue.Decode([]byte(o))
	if err != nil {
		return nil, err
	}
	return edn.Marshal(v)
}

// lessValue orders normalized keys and values: nil first, then integers,
// then strings, then opaque values by their JSON.
func lessValue(a, b any) bool {
	ra, rb := rank(a), rank(b)
	if ra != rb {
		return ra < rb
	}
	switch x := a.(type) {
	case int64:
		return x < b.(int64)
	case string:
		return x < b.(string)
	case Opaque:
		return x < b.(Opaque)
	case history.Keyword:
		return x < b.(history.Keyword)
	}
	return false
}

func rank(x any) int {
	switch x.(type) {
	case nil:
		return 0
	case int64:
		return 1
	case string:
		return 2
	case Opaque:
		return 3
	}
	return 4
}

func sortValues(vs []any) {
	sort.Slice(vs, func(i, j int) bool { return lessValue(vs[i], vs[j]) })
}
