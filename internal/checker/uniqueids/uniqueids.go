// Package uniqueids is Jepsen's unique-ids checker: the values of the :ok
// :generate completions must all be distinct.
//
// IDs may be any JSON value. Two IDs are the same when they are equal as
// values: numbers of the same kind (integer or float) with the same value,
// equal strings, or arrays and objects with equal contents. As in Clojure,
// the integer 1 and the float 1.0 are different IDs.
//
// The range and the order of :duplicated use the total order of Compare.
package uniqueids

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"math/big"
	"sort"
	"strconv"
	"strings"
	"unicode/utf16"

	"olympos.io/encoding/edn"

	"github.com/glomers/glomers/internal/checker"
	"github.com/glomers/glomers/internal/history"
)

// MaxDuplicated is how many duplicated IDs the result lists: those with
// the highest counts.
const MaxDuplicated = 48

// Result is the unique-ids result.
type Result struct {
	Valid checker.Validity `edn:"valid?" json:"valid"`
	// AttemptedCount is the number of :generate invocations.
	AttemptedCount int `edn:"attempted-count" json:"attempted-count"`
	// AcknowledgedCount is the number of :ok :generate completions.
	AcknowledgedCount int `edn:"acknowledged-count" json:"acknowledged-count"`
	// DuplicatedCount is the number of distinct IDs acknowledged more than
	// once.
	DuplicatedCount int `edn:"duplicated-count" json:"duplicated-count"`
	// Duplicated lists up to MaxDuplicated of those IDs, the most frequent,
	// in ID order.
	Duplicated Duplicates `edn:"duplicated" json:"duplicated"`
	// Range is the lowest and highest acknowledged ID, or [nil nil].
	Range [2]any `edn:"range" json:"range"`
}

// Validity returns the verdict.
func (r Result) Validity() checker.Validity { return r.Valid }

// Duplicate is an ID acknowledged Count (> 1) times.
type Duplicate struct {
	ID    any
	Count int
}

// Duplicates is a sorted map from ID to count, kept as a slice in ID order.
// It encodes as an EDN map, and as a JSON object whose keys are the IDs
// printed as strings (a string ID as itself, any other ID as its JSON).
type Duplicates []Duplicate

// MarshalEDN writes {id count, …} in ID order.
func (d Duplicates) MarshalEDN() ([]byte, error) {
	var b bytes.Buffer
	b.WriteByte('{')
	for i, e := range d {
		if i > 0 {
			b.WriteString(", ")
		}
		id, err := edn.Marshal(e.ID)
		if err != nil {
			return nil, fmt.Errorf("encode ID %v as EDN: %w", e.ID, err)
		}
		b.Write(id)
		b.WriteString(" " + strconv.Itoa(e.Count))
	}
	b.WriteByte('}')
	return b.Bytes(), nil
}

// MarshalJSON writes {"id": count, …} in ID order.
func (d Duplicates) MarshalJSON() ([]byte, error) {
	var b bytes.Buffer
	b.WriteByte('{')
	for i, e := range d {
		if i > 0 {
			b.WriteByte(',')
		}
		key, ok := e.ID.(string)
		if !ok {
			k, err := json.Marshal(e.ID)
			if err != nil {
				return nil, fmt.Errorf("encode ID %v as JSON: %w", e.ID, err)
			}
			key = string(k)
		}
		k, _ := json.Marshal(key)
		b.Write(k)
		b.WriteString(":" + strconv.Itoa(e.Count))
	}
	b.WriteByte('}')
	return b.Bytes(), nil
}

// Check judges the :generate ops of h.
func Check(h []history.Op) Result {
	r := Result{Duplicated: Duplicates{}}
	type tally struct {
		id    any
		count int
	}
	counts := map[string]*tally{}
	var order []*tally // first-seen order, for determinism
	for _, op := range h {
		if op.F != "generate" {
			continue
		}
		switch op.Type {
		case history.Invoke:
			r.AttemptedCount++
		case history.OK:
			r.AcknowledgedCount++
			k := key(op.Value)
			t := counts[k]
			if t == nil {
				t = &tally{id: op.Value}
				counts[k] = t
				order = append(order, t)
			}
			t.count++
			if r.AcknowledgedCount == 1 || Compare(op.Value, r.Range[0]) < 0 {
				r.Range[0] = op.Value
			}
			if r.AcknowledgedCount == 1 || Compare(op.Value, r.Range[1]) > 0 {
				r.Range[1] = op.Value
			}
		}
	}
	for _, t := range order {
		if t.count > 1 {
			r.Duplicated = append(r.Duplicated, Duplicate{ID: t.id, Count: t.count})
		}
	}
	r.DuplicatedCount = len(r.Duplicated)
	sort.SliceStable(r.Duplicated, func(i, j int) bool {
		a, b := r.Duplicated[i], r.Duplicated[j]
		if a.Count != b.Count {
			return a.Count > b.Count
		}
		return Compare(a.ID, b.ID) < 0
	})
	if len(r.Duplicated) > MaxDuplicated {
		r.Duplicated = r.Duplicated[:MaxDuplicated]
	}
	sort.SliceStable(r.Duplicated, func(i, j int) bool {
		return Compare(r.Duplicated[i].ID, r.Duplicated[j].ID) < 0
	})
	r.Valid = checker.Of(r.DuplicatedCount == 0)
	return r
}

// key returns a string that two IDs share exactly when they are equal as
// values.
func key(v any) string {
	var b strings.Builder
	writeKey(&b, v)
	return b.String()
}

func writeKey(b *strings.Builder, v any) {
	switch x := v.(type) {
	case nil:
		b.WriteString("n")
	case bool:
		b.WriteString("b" + strconv.FormatBool(x))
	case string:
		b.WriteString("s" + strconv.Quote(x))
	case history.Keyword:
		b.WriteString("k" + strconv.Quote(string(x)))
	case []any:
		b.WriteString("[")
		for _, e := range x {
			writeKey(b, e)
			b.WriteString(",")
		}
		b.WriteString("]")
	case map[string]any:
		keys := make([]string, 0, len(x))
		for k := range x {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		b.WriteString("{")
		for _, k := range keys {
			b.WriteString(strconv.Quote(k) + ":")
			writeKey(b, x[k])
			b.WriteString(",")
		}
		b.WriteString("}")
	default:
		if n, ok := toNumber(v); ok {
			if n.float {
				f := n.f
				if f == 0 {
					f = 0 // -0.0 equals 0.0
				}
				b.WriteString("f" + strconv.FormatFloat(f, 'g', -1, 64))
			} else {
				b.WriteString("i" + n.i.String())
			}
			return
		}
		fmt.Fprintf(b, "?%T:%#v", v, v)
	}
}

// Ranks of the kinds of value, in the order Compare puts them.
const (
	rankNil = iota
	rankBool
	rankNumber
	rankString
	rankArray
	rankObject
	rankOther
)

func rank(v any) int {
	switch v.(type) {
	case nil:
		return rankNil
	case bool:
		return rankBool
	case string, history.Keyword:
		return rankString
	case []any:
		return rankArray
	case map[string]any:
		return rankObject
	}
	if _, ok := toNumber(v); ok {
		return rankNumber
	}
	return rankOther
}

// Compare orders IDs, returning -1, 0 or +1. It agrees with Clojure's
// compare wherever that is defined for JSON values: numbers by value,
// strings by UTF-16 code units, booleans false first, nil before
// everything, and arrays (vectors) shorter first, then element by element.
// Where Clojure would throw (mixed kinds, objects), it extends the order
// instead: nil < booleans < numbers < strings < arrays < objects, and
// objects by their canonical encoding. An integer and a float of equal
// value are different IDs; the integer comes first. Compare returns 0
// exactly when the IDs are equal.
func Compare(a, b any) int {
	ra, rb := rank(a), rank(b)
	if ra != rb {
		return cmpInt(ra, rb)
	}
	switch ra {
	case rankNil:
		return 0
	case rankBool:
		return cmpBool(a.(bool), b.(bool))
	case rankNumber:
		na, _ := toNumber(a)
		nb, _ := toNumber(b)
		return na.cmp(nb)
	case rankString:
		return cmpUTF16(stringOf(a), stringOf(b))
	case rankArray:
		xa, xb := a.([]any), b.([]any)
		if len(xa) != len(xb) {
			return cmpInt(len(xa), len(xb))
		}
		for i := range xa {
			if c := Compare(xa[i], xb[i]); c != 0 {
				return c
			}
		}
		return 0
	}
	return strings.Compare(key(a), key(b))
}

func stringOf(v any) string {
	if k, ok := v.(history.Keyword); ok {
		return string(k)
	}
	return v.(string)
}

func cmpInt(a, b int) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

func cmpBool(a, b bool) int {
	switch {
	case a == b:
		return 0
	case !a:
		return -1
	}
	return 1
}

// cmpUTF16 compares strings as Java does: by UTF-16 code units.
func cmpUTF16(a, b string) int {
	ua, ub := utf16.Encode([]rune(a)), utf16.Encode([]rune(b))
	for i := 0; i < len(ua) && i < len(ub); i++ {
		if ua[i] != ub[i] {
			return cmpInt(int(ua[i]), int(ub[i]))
		}
	}
	return cmpInt(len(ua), len(ub))
}

// number is an integer (i) or a float (f).
type number struct {
	float bool
	i     *big.Int
	f     float64
}

func toNumber(v any) (number, bool) {
	switch x := v.(type) {
	case int:
		return number{i: big.NewInt(int64(x))}, true
	case int64:
		return number{i: big.NewInt(x)}, true
	case uint64:
		return number{i: new(big.Int).SetUint64(x)}, true
	case *big.Int:
		return number{i: x}, true
	case float64:
		return number{float: true, f: x}, true
	case json.Number:
		if i, ok := new(big.Int).SetString(string(x), 10); ok {
			return number{i: i}, true
		}
		if f, err := x.Float64(); err == nil {
			return number{float: true, f: f}, true
		}
	}
	return number{}, false
}

// cmp orders numbers by value; equal values order integers first. NaN
// comes before every other number.
func (a number) cmp(b number) int {
	if c := a.cmpValue(b); c != 0 {
		return c
	}
	return cmpBool(a.float, b.float)
}

func (a number) cmpValue(b number) int {
	an, bn := a.float && math.IsNaN(a.f), b.float && math.IsNaN(b.f)
	if an || bn {
		return cmpBool(!an, !bn)
	}
	if !a.float && !b.float {
		return a.i.Cmp(b.i)
	}
	return a.big().Cmp(b.big())
}

func (a number) big() *big.Float {
	if a.float {
		return new(big.Float).SetFloat64(a.f)
	}
	return new(big.Float).SetInt(a.i)
}
