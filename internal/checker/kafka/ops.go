package kafka

import (
	"encoding/json"
	"math"
	"reflect"
	"sort"
	"strconv"

	"github.com/glomers/glomers/internal/history"
)

// A pair is one [offset, message] entry of a send or a poll. HasOffset is
// false when the offset is unknown (a bare message, or a nil offset).
type pair struct {
	Offset    int64
	HasOffset bool
	Value     int64
}

// keyPairs is the list of pairs one op sent to, or polled from, one key.
type keyPairs struct {
	Key   string
	Pairs []pair
}

// A mop is one parsed micro-op: a send of one pair to Key, or a poll
// returning Polls (keys sorted).
type mop struct {
	Send  bool
	Key   string
	Pair  pair
	Polls []keyPairs
}

// parsed is what the checker needs from one op: its micro-ops, and its
// writes and reads grouped by key in first-appearance order (op-writes and
// op-reads).
type parsed struct {
	mops   []mop
	writes []keyPairs // only for :send and :txn ops
	reads  []keyPairs // only for :poll and :txn ops
	// foreign are polled messages that are not integers (Maelstrom's
	// schema accepts any message), which no op can have sent.
	foreign []foreignMsg
}

// foreignMsg is a polled [offset msg] pair whose msg is not an integer.
type foreignMsg struct {
	Key string
	Msg any
}

// lookup returns the pairs for key k, and whether k is present.
func lookup(kps []keyPairs, k string) ([]pair, bool) {
	for _, kp := range kps {
		if kp.Key == k {
			return kp.Pairs, true
		}
	}
	return nil, false
}

// appendTo adds ps under k, keeping first-appearance key order.
func appendTo(kps []keyPairs, k string, ps ...pair) []keyPairs {
	for i := range kps {
		if kps[i].Key == k {
			kps[i].Pairs = append(kps[i].Pairs, ps...)
			return kps
		}
	}
	return append(kps, keyPairs{Key: k, Pairs: append([]pair(nil), ps...)})
}

// parseOp reads the micro-ops of a :send, :poll or :txn op. Anything it
// cannot read (a malformed micro-op, a non-integer message) is skipped.
func parseOp(op history.Op) parsed {
	var p parsed
	f := string(op.F)
	if f != "send" && f != "poll" && f != "txn" {
		return p
	}
	for _, m := range list(op.Value) {
		parts := list(m)
		if len(parts) == 0 {
			p.mops = append(p.mops, mop{})
			continue
		}
		name, _ := str(parts[0])
		switch name {
		case "send":
			if len(parts) < 3 {
				p.mops = append(p.mops, mop{})
				continue
			}
			k, ok := key(parts[1])
			pr, ok2 := parsePair(parts[2], true)
			if !ok || !ok2 {
				p.mops = append(p.mops, mop{})
				continue
			}
			p.mops = append(p.mops, mop{Send: true, Key: k, Pair: pr})
			if f != "poll" {
				p.writes = appendTo(p.writes, k, pr)
			}
		case "poll":
			var polls []keyPairs
			var foreign []foreignMsg
			if len(parts) > 1 {
				polls, foreign = parsePolls(parts[1])
			}
			p.mops = append(p.mops, mop{Polls: polls})
			if f != "send" {
				for _, kp := range polls {
					p.reads = appendTo(p.reads, kp.Key, kp.Pairs...)
				}
				p.foreign = append(p.foreign, foreign...)
			}
		default:
			p.mops = append(p.mops, mop{})
		}
	}
	return p
}

// parsePolls reads a poll result {k [[offset msg] ...]}, keys sorted, and
// lists apart the pairs whose message is not an integer.
func parsePolls(x any) ([]keyPairs, []foreignMsg) {
	rv := reflect.ValueOf(x)
	if !rv.IsValid() || rv.Kind() != reflect.Map {
		return nil, nil
	}
	var out []keyPairs
	var foreign []foreignMsg
	it := rv.MapRange()
	for it.Next() {
		k, ok := key(it.Key().Interface())
		if !ok {
			continue
		}
		kp := keyPairs{Key: k, Pairs: []pair{}}
		for _, e := range list(it.Value().Interface()) {
			if pr, ok := parsePair(e, false); ok {
				kp.Pairs = append(kp.Pairs, pr)
			} else if parts := list(e); len(parts) == 2 {
				if _, isInt := integer(parts[1]); !isInt {
					foreign = append(foreign, foreignMsg{k, parts[1]})
				}
			}
		}
		out = append(out, kp)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Key < out[j].Key })
	sort.SliceStable(foreign, func(i, j int) bool { return foreign[i].Key < foreign[j].Key })
	return out, foreign
}

// parsePair reads [offset msg], or a bare msg when bare is allowed.
func parsePair(x any, bare bool) (pair, bool) {
	if parts := list(x); parts != nil {
		if len(parts) != 2 {
			return pair{}, false
		}
		v, ok := integer(parts[1])
		if !ok {
			return pair{}, false
		}
		off, hasOff := integer(parts[0])
		return pair{Offset: off, HasOffset: hasOff, Value: v}, true
	}
	if !bare {
		return pair{}, false
	}
	v, ok := integer(x)
	return pair{Value: v}, ok
}

// keysOf reads the key list of an :assign or :subscribe op.
func keysOf(x any) map[string]bool {
	ks := map[string]bool{}
	for _, e := range list(x) {
		if k, ok := key(e); ok {
			ks[k] = true
		}
	}
	return ks
}

// list returns the elements of a slice or array, or nil.
func list(x any) []any {
	if xs, ok := x.([]any); ok {
		return xs
	}
	rv := reflect.ValueOf(x)
	if !rv.IsValid() || (rv.Kind() != reflect.Slice && rv.Kind() != reflect.Array) {
		return nil
	}
	xs := make([]any, rv.Len())
	for i := range xs {
		xs[i] = rv.Index(i).Interface()
	}
	return xs
}

// str returns a string or keyword as a string.
func str(x any) (string, bool) {
	rv := reflect.ValueOf(x)
	if rv.IsValid() && rv.Kind() == reflect.String {
		return rv.String(), true
	}
	return "", false
}

// key returns a key as a string; integer keys are written in decimal.
func key(x any) (string, bool) {
	if s, ok := str(x); ok {
		return s, true
	}
	if n, ok := integer(x); ok {
		return strconv.FormatInt(n, 10), true
	}
	return "", false
}

// integer returns an integral number of any Go numeric type.
func integer(x any) (int64, bool) {
	switch n := x.(type) {
	case int64:
		return n, true
	case int:
		return int64(n), true
	case float64:
		if n == math.Trunc(n) && !math.IsInf(n, 0) {
			return int64(n), true
		}
		return 0, false
	case json.Number:
		i, err := n.Int64()
		return i, err == nil
	case nil:
		return 0, false
	}
	rv := reflect.ValueOf(x)
	switch rv.Kind() {
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return rv.Int(), true
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return int64(rv.Uint()), true
	case reflect.Float32:
		f := rv.Float()
		return int64(f), f == math.Trunc(f)
	}
	return 0, false
}
