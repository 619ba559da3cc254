package history

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"regexp"
	"sort"
	"strconv"
	"strings"

	"olympos.io/encoding/edn"
)

// WriteEDN writes h as history.edn: one EDN map per line.
func WriteEDN(w io.Writer, h []Op) error {
	bw := bufio.NewWriter(w)
	var sb strings.Builder
	for _, op := range h {
		sb.Reset()
		if appendSimpleOp(&sb, op) {
			bw.WriteString(sb.String())
		} else {
			b, err := EDNLine(op)
			if err != nil {
				return fmt.Errorf("encode op %d as EDN: %w", op.Index, err)
			}
			bw.Write(b)
		}
		bw.WriteByte('\n')
	}
	return bw.Flush()
}

// appendSimpleOp writes an op with no error or exception and a simple
// value (see appendSimpleEDN) as EDNLine would, and reports whether it
// could.
func appendSimpleOp(sb *strings.Builder, op Op) bool {
	if op.Error != nil || op.Exception != nil {
		return false
	}
	sb.WriteString("{:index ")
	sb.WriteString(strconv.Itoa(op.Index))
	sb.WriteString(", :time ")
	sb.WriteString(strconv.FormatInt(op.Time, 10))
	sb.WriteString(", :type :")
	sb.WriteString(string(op.Type))
	sb.WriteString(", :process ")
	sb.WriteString(op.Process.String())
	sb.WriteString(", :f ")
	if !appendSimpleEDN(sb, op.F) {
		return false
	}
	sb.WriteString(", :value ")
	if !appendSimpleEDN(sb, op.Value) {
		return false
	}
	if op.Final {
		sb.WriteString(", :final? true")
	}
	sb.WriteString("}")
	return true
}

// WriteJSON writes h as a JSON array with one op per line.
func WriteJSON(w io.Writer, h []Op) error {
	bw := bufio.NewWriter(w)
	bw.WriteString("[")
	for i, op := range h {
		b, err := json.Marshal(op)
		if err != nil {
			return fmt.Errorf("encode op %d as JSON: %w", op.Index, err)
		}
		if i > 0 {
			bw.WriteString(",")
		}
		bw.WriteString("\n")
		bw.Write(b)
	}
	bw.WriteString("\n]\n")
	return bw.Flush()
}

// WriteText writes h as history.txt: one tab-separated line per op,
// process, type, f and value printed readably, then the error, if any,
// printed for people (strings without quotes).
func WriteText(w io.Writer, h []Op) error {
	bw := bufio.NewWriter(w)
	for _, op := range h {
		bw.WriteString(TextLine(op))
		bw.WriteByte('\n')
	}
	return bw.Flush()
}

// TextLine formats one op as history.txt and jepsen.log print it.
func TextLine(op Op) string {
	cols := []string{op.Process.String(), ":" + string(op.Type), ":" + string(op.F), Readable(op.Value)}
	if op.Error != nil {
		cols = append(cols, Plain(op.Error))
	}
	return strings.Join(cols, "\t")
}

// EDNLine prints v as EDN on one line, with the spacing Clojure uses:
// {:a 1, :b [1 2]}.
func EDNLine(v any) ([]byte, error) {
	b, err := edn.MarshalPPrint(v, &edn.PPrintOpts{RightMargin: math.MaxInt32})
	if err != nil {
		return nil, err
	}
	// Strings are escaped, so every raw newline is layout.
	return layout.ReplaceAll(b, []byte(" ")), nil
}

var layout = regexp.MustCompile(`\n\s*`)

// Readable prints v as EDN.
func Readable(v any) string {
	var sb strings.Builder
	if appendSimpleEDN(&sb, v) {
		return sb.String()
	}
	b, err := EDNLine(v)
	if err != nil {
		return fmt.Sprintf("%v", v)
	}
	return string(b)
}

// Plain prints v as Clojure's str does: like EDN, but strings inside lose
// their quotes.
func Plain(v any) string {
	switch x := v.(type) {
	case string:
		return x
	case Keyword:
		return ":" + string(x)
	case []any:
		parts := make([]string, len(x))
		for i, e := range x {
			parts[i] = Plain(e)
		}
		return "[" + strings.Join(parts, " ") + "]"
	case map[Keyword]any:
		keys := make([]string, 0, len(x))
		for k := range x {
			keys = append(keys, string(k))
		}
		sort.Strings(keys)
		parts := make([]string, len(keys))
		for i, k := range keys {
			parts[i] = ":" + k + " " + Plain(x[Keyword(k)])
		}
		return "{" + strings.Join(parts, ", ") + "}"
	}
	return Readable(v)
}

// appendSimpleEDN writes the values most ops hold (nil, booleans,
// integers, plain strings, keywords, and vectors of them) as EDNLine
// would, without its pretty-printer, and reports whether v was one of
// them; after false, sb holds a partial result to throw away. jepsen.log
// prints every op, so this is on the hot path.
func appendSimpleEDN(sb *strings.Builder, v any) bool {
	switch x := v.(type) {
	case nil:
		sb.WriteString("nil")
	case bool:
		sb.WriteString(strconv.FormatBool(x))
	case int64:
		sb.WriteString(strconv.FormatInt(x, 10))
	case int:
		sb.WriteString(strconv.Itoa(x))
	case Keyword:
		if x == "" || strings.ContainsAny(string(x), " ,\"\\()[]{}") {
			return false
		}
		sb.WriteString(":")
		sb.WriteString(string(x))
	case string:
		for i := 0; i < len(x); i++ {
			if c := x[i]; c < 0x20 || c >= 0x7f || c == '"' || c == '\\' {
				return false
			}
		}
		sb.WriteString(`"`)
		sb.WriteString(x)
		sb.WriteString(`"`)
	case []any:
		sb.WriteString("[")
		for i, e := range x {
			if i > 0 {
				sb.WriteString(" ")
			}
			if !appendSimpleEDN(sb, e) {
				return false // the caller starts over with the general printer
			}
		}
		sb.WriteString("]")
	default:
		return false
	}
	return true
}
