package history

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/big"
	"strings"

	"olympos.io/encoding/edn"

	"github.com/glomers/glomers/internal/jsonvalue"
)

// Read parses a history in either form glomers writes or accepts: a JSON
// array of ops, JSON ops one per line, or EDN maps (history.edn, one per
// line or in a vector). Keywords in EDN become Keyword values; JSON
// numbers become int64 when whole.
func Read(r io.Reader) ([]Op, error) {
	data, err := io.ReadAll(r)
	if err != nil {
		return nil, fmt.Errorf("read history: %w", err)
	}
	trimmed := bytes.TrimSpace(data)
	switch {
	case len(trimmed) == 0:
		return nil, nil
	case trimmed[0] == '[':
		if ops, err := readJSONArray(trimmed); err == nil {
			return ops, nil
		}
	case trimmed[0] == '{' && isJSONObject(trimmed):
		var doc struct {
			History json.RawMessage `json:"history"`
		}
		if json.Unmarshal(trimmed, &doc) == nil && len(doc.History) > 0 {
			return readJSONArray(doc.History) // a file with a "history" field
		}
		return readJSONLines(trimmed)
	}
	return readEDN(trimmed)
}

// isJSONObject tells a JSON object ({"...) from an EDN map ({:...).
func isJSONObject(b []byte) bool {
	rest := bytes.TrimLeft(b[1:], " \t\r\n")
	return len(rest) > 0 && (rest[0] == '"' || rest[0] == '}')
}

func readJSONArray(data []byte) ([]Op, error) {
	var raw []json.RawMessage
	if err := json.Unmarshal(data, &raw); err != nil {
		return nil, fmt.Errorf("history is not a JSON array of ops: %w", err)
	}
	ops := make([]Op, 0, len(raw))
	for i, r := range raw {
		op, err := opFromJSON(r)
		if err != nil {
			return nil, fmt.Errorf("op %d: %w", i, err)
		}
		ops = append(ops, op)
	}
	return ops, nil
}

func readJSONLines(data []byte) ([]Op, error) {
	var ops []Op
	for i, line := range bytes.Split(data, []byte("\n")) {
		if len(bytes.TrimSpace(line)) == 0 {
			continue
		}
		op, err := opFromJSON(line)
		if err != nil {
			return nil, fmt.Errorf("line %d: %w", i+1, err)
		}
		ops = append(ops, op)
	}
	return ops, nil
}

func opFromJSON(raw []byte) (Op, error) {
	v, err := jsonvalue.Decode(raw)
	if err != nil {
		return Op{}, fmt.Errorf("not a JSON op: %w", err)
	}
	m, ok := v.(map[string]any)
	if !ok {
		return Op{}, fmt.Errorf("not a JSON op: %s", raw)
	}
	return opFromMap(func(k string) (any, bool) {
		v, ok := m[k]
		return v, ok
	})
}

func readEDN(data []byte) ([]Op, error) {
	dec := edn.NewDecoder(bytes.NewReader(data))
	var ops []Op
	for {
		var v any
		err := dec.Decode(&v)
		if errors.Is(err, io.EOF) {
			return ops, nil
		}
		if err != nil {
			return nil, fmt.Errorf("history is neither JSON nor EDN: %w", err)
		}
		items := []any{v}
		if vec, ok := v.([]any); ok {
			items = vec
		}
		for _, item := range items {
			m, ok := item.(map[any]any)
			if !ok {
				return nil, fmt.Errorf("EDN op %d is not a map: %v", len(ops), item)
			}
			op, err := opFromMap(func(k string) (any, bool) {
				v, ok := m[edn.Keyword(k)]
				if !ok {
					v, ok = m[edn.Keyword(k+"?")]
				}
				return normalizeEDN(v), ok
			})
			if err != nil {
				return nil, fmt.Errorf("EDN op %d: %w", len(ops), err)
			}
			ops = append(ops, op)
		}
	}
}

func normalizeEDN(v any) any {
	switch x := v.(type) {
	case int:
		return int64(x)
	case *big.Int:
		return x.Int64()
	case edn.Symbol:
		return string(x)
	case map[any]any:
		allKeywords := true
		for k := range x {
			if _, ok := k.(edn.Keyword); !ok {
				allKeywords = false
			}
		}
		if allKeywords {
			out := make(map[Keyword]any, len(x))
			for k, e := range x {
				out[k.(edn.Keyword)] = normalizeEDN(e)
			}
			return out
		}
		out := make(map[string]any, len(x))
		for k, e := range x {
			out[fmt.Sprint(normalizeEDN(k))] = normalizeEDN(e)
		}
		return out
	case []any:
		for i, e := range x {
			x[i] = normalizeEDN(e)
		}
	case edn.Tag:
		return normalizeEDN(x.Value)
	}
	if s, ok := v.(map[edn.Keyword]any); ok {
		return s
	}
	return v
}

// opFromMap builds an op from its fields, whichever encoding they came in.
func opFromMap(get func(string) (any, bool)) (Op, error) {
	var op Op
	if v, ok := get("index"); ok {
		i, err := toInt(v)
		if err != nil {
			return op, fmt.Errorf("index: %w", err)
		}
		op.Index = int(i)
	}
	if v, ok := get("time"); ok {
		t, err := toInt(v)
		if err != nil {
			return op, fmt.Errorf("time: %w", err)
		}
		op.Time = t
	}
	t, _ := get("type")
	switch typ := Type(strings.TrimPrefix(fmt.Sprint(t), ":")); typ {
	case Invoke, OK, Fail, Info:
		op.Type = typ
	default:
		return op, fmt.Errorf("type must be invoke, ok, fail or info, got %v", t)
	}
	p, _ := get("process")
	switch x := p.(type) {
	case int64:
		op.Process = Process(x)
	case Keyword, string:
		if strings.TrimPrefix(fmt.Sprint(x), ":") != "nemesis" {
			return op, fmt.Errorf("process must be a number or nemesis, got %v", x)
		}
		op.Process = Nemesis
	default:
		return op, fmt.Errorf("process must be a number or nemesis, got %v", p)
	}
	f, _ := get("f")
	op.F = Keyword(strings.TrimPrefix(fmt.Sprint(f), ":"))
	op.Value, _ = get("value")
	op.Error, _ = get("error")
	if fin, ok := get("final"); ok {
		op.Final = fin == true
	}
	op.Exception, _ = get("exception")
	return op, nil
}

func toInt(v any) (int64, error) {
	switch x := v.(type) {
	case int64:
		return x, nil
	case float64:
		return int64(x), nil
	}
	return 0, fmt.Errorf("not an integer: %v", v)
}
