package jsonvalue

import (
	"math"
	"reflect"
	"strings"
	"testing"
)

func TestDecodeNumbers(t *testing.T) {
	tests := []struct {
		in   string
		want any
	}{
		{`0`, int64(0)},
		{`-7`, int64(-7)},
		{`9007199254740993`, int64(9007199254740993)}, // 2^53+1: not exact as float64
		{`9223372036854775807`, int64(math.MaxInt64)},
		{`-9223372036854775808`, int64(math.MinInt64)},
		{`1.5`, 1.5},
		{`1.0`, 1.0},
		{`1e3`, 1000.0},
		{`18446744073709551616`, 18446744073709551616.0}, // beyond int64
		{`[1, 2.5, "3"]`, []any{int64(1), 2.5, "3"}},
		{`{"a":{"b":[12345678901234567]}}`, map[string]any{"a": map[string]any{"b": []any{int64(12345678901234567)}}}},
		{`null`, nil},
	}
	for _, tt := range tests {
		got, err := Decode([]byte(tt.in))
		if err != nil {
			t.Errorf("Decode(%s): %v", tt.in, err)
			continue
		}
		if !reflect.DeepEqual(got, tt.want) {
			t.Errorf("Decode(%s) = %#v, want %#v", tt.in, got, tt.want)
		}
	}
	for _, bad := range []string{``, `{`, `1 2`, `nul`} {
		if _, err := Decode([]byte(bad)); err == nil {
			t.Errorf("Decode(%q) accepted", bad)
		}
	}
}

func TestText(t *testing.T) {
	tests := []struct {
		v    any
		want string
	}{
		{map[string]any{"type": "echo", "echo": "a<b"}, `{"echo":"a<b","type":"echo"}`},
		{[]any{int64(1), 2.5, nil}, `[1,2.5,null]`},
		{"x", `"x"`},
		{func() {}, "0x"},
	}
	for _, tt := range tests {
		if got := Text(tt.v); !strings.HasPrefix(got, tt.want) {
			t.Errorf("Text(%v) = %s, want %s", tt.v, got, tt.want)
		}
	}
}
