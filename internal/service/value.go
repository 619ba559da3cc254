package service

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"reflect"
	"sort"
	"strconv"
	"strings"
)

// Keys and values are plain JSON data as jsonvalue.Decode returns it: nil,
// bool, string, int64 (a JSON number written without fraction or exponent
// that fits in 64 bits), float64 (every other number), []any and
// map[string]any. Clojure compares decoded JSON with =, under which a Long
// never equals a Double, so 1 and 1.0 are different values; int64 and
// float64 keep that apart. What is not preserved: integers beyond 64 bits
// (Clojure keeps a BigInt; here they become float64) and the order of keys
// inside JSON objects (printed sorted here, in parse order by Clojure).

// normalize turns the Go numeric types a caller may have put in a body into
// int64 or float64, recursively, so that equality and keys agree with
// values decoded from JSON.
func normalize(v any) any {
	switch x := v.(type) {
	case int:
		return int64(x)
	case int32:
		return int64(x)
	case float32:
		return float64(x)
	case json.Number:
		if i, err := x.Int64(); err == nil {
			return i
		}
		f, _ := x.Float64()
		return f
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, e := range x {
			out[k] = normalize(e)
		}
		return out
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = normalize(e)
		}
		return out
	}
	return v
}

// equal is Clojure's = on decoded JSON, with a and b normalized.
func equal(a, b any) bool {
	if fa, ok := a.(float64); ok {
		if fb, ok := b.(float64); ok {
			return fa == fb // 0.0 = -0.0, as in Clojure
		}
	}
	return reflect.DeepEqual(a, b)
}

// keyOf returns a string that identifies a normalized key: its EDN form,
// which tells every distinct JSON value apart.
func keyOf(k any) string { return EDN(k) }

// EDN prints a decoded JSON value the way Clojure's pr-str prints it:
// strings quoted, null as nil, integers as digits, floats as Java prints a
// double (1.0, 1.5E-4), arrays as [1 2], objects as {"a" 1, "b" 2} with
// keys sorted.
func EDN(v any) string {
	var b strings.Builder
	writeEDN(&b, normalize(v))
	return b.String()
}

func writeEDN(b *strings.Builder, v any) {
	switch x := v.(type) {
	case nil:
		b.WriteString("nil")
	case bool:
		b.WriteString(strconv.FormatBool(x))
	case string:
		writeEDNString(b, x)
	case int64:
		b.WriteString(strconv.FormatInt(x, 10))
	case float64:
		b.WriteString(javaDouble(x))
	case []any:
		b.WriteByte('[')
		for i, e := range x {
			if i > 0 {
				b.WriteByte(' ')
			}
			writeEDN(b, e)
		}
		b.WriteByte(']')
	case map[string]any:
		keys := make([]string, 0, len(x))
		for k := range x {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		b.WriteByte('{')
		for i, k := range keys {
			if i > 0 {
				b.WriteString(", ")
			}
			writeEDNString(b, k)
			b.WriteByte(' ')
			writeEDN(b, x[k])
		}
		b.WriteByte('}')
	default:
		fmt.Fprint(b, x)
	}
}

func writeEDNString(b *strings.Builder, s string) {
	b.WriteByte('"')
	for _, r := range s {
		switch r {
		case '"':
			b.WriteString(`\"`)
		case '\\':
			b.WriteString(`\\`)
		case '\n':
			b.WriteString(`\n`)
		case '\t':
			b.WriteString(`\t`)
		case '\r':
			b.WriteString(`\r`)
		case '\b':
			b.WriteString(`\b`)
		case '\f':
			b.WriteString(`\f`)
		default:
			b.WriteRune(r)
		}
	}
	b.WriteByte('"')
}

// plain prints v as Clojure's str does: like EDN, except that a string is
// printed bare and nil as nothing.
func plain(v any) string {
	switch x := normalize(v).(type) {
	case nil:
		return ""
	case string:
		return x
	default:
		return EDN(x)
	}
}

// javaDouble formats f as Java's Double.toString: plain decimal with at
// least one fractional digit for 1e-3 <= |f| < 1e7, otherwise a mantissa
// with at least one fractional digit and an E exponent.
func javaDouble(f float64) string {
	switch {
	case math.IsNaN(f):
		return "NaN"
	case math.IsInf(f, 1):
		return "Infinity"
	case math.IsInf(f, -1):
		return "-Infinity"
	}
	if a := math.Abs(f); a == 0 || (a >= 1e-3 && a < 1e7) {
		s := strconv.FormatFloat(f, 'f', -1, 64)
		if !strings.Contains(s, ".") {
			s += ".0"
		}
		return s
	}
	s := strconv.FormatFloat(f, 'E', -1, 64) // e.g. 1.5E-04, 1E+10
	mant, exp, _ := strings.Cut(s, "E")
	if !strings.Contains(mant, ".") {
		mant += ".0"
	}
	n, _ := strconv.Atoi(exp)
	return mant + "E" + strconv.Itoa(n)
}

// encodeJSON writes v as JSON, printing a float64 that happens to be whole
// with a fraction (1.0), so that it reads back as a float and not as the
// integer 1.
func encodeJSON(buf *bytes.Buffer, v any) error {
	switch x := normalize(v).(type) {
	case float64:
		if math.IsNaN(x) || math.IsInf(x, 0) {
			return fmt.Errorf("cannot encode %v as JSON", x)
		}
		s := strconv.FormatFloat(x, 'g', -1, 64)
		if !strings.ContainsAny(s, ".eE") {
			s += ".0"
		}
		buf.WriteString(s)
	case []any:
		buf.WriteByte('[')
		for i, e := range x {
			if i > 0 {
				buf.WriteByte(',')
			}
			if err := encodeJSON(buf, e); err != nil {
				return err
			}
		}
		buf.WriteByte(']')
	case map[string]any:
		keys := make([]string, 0, len(x))
		for k := range x {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		buf.WriteByte('{')
		for i, k := range keys {
			if i > 0 {
				buf.WriteByte(',')
			}
			kb, _ := json.Marshal(k)
			buf.Write(kb)
			buf.WriteByte(':')
			if err := encodeJSON(buf, x[k]); err != nil {
				return err
			}
		}
		buf.WriteByte('}')
	default:
		b, err := json.Marshal(x)
		if err != nil {
			return err
		}
		buf.Write(b)
	}
	return nil
}
