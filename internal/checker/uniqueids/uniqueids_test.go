package uniqueids

import (
	"bytes"
	"encoding/json"
	"path/filepath"
	"reflect"
	"testing"

	"olympos.io/encoding/edn"

	"github.com/glomers/glomers/internal/checker"
	"github.com/glomers/glomers/internal/conformance"
	"github.com/glomers/glomers/internal/history"
	"github.com/glomers/glomers/internal/jsonvalue"
)

// decode parses JSON as the runner does: integers as int64.
func decode(t *testing.T, raw []byte) any {
	t.Helper()
	if len(raw) == 0 {
		return nil
	}
	v, err := jsonvalue.Decode(raw)
	if err != nil {
		t.Fatalf("decode %s: %v", raw, err)
	}
	return v
}

func TestConformance(t *testing.T) {
	for _, file := range conformance.Glob(t, "unique-ids-*.json") {
		t.Run(filepath.Base(file), func(t *testing.T) {
			c := conformance.Load(t, file)
			h := c.History
			out, err := json.Marshal(Check(h))
			if err != nil {
				t.Fatal(err)
			}
			var got map[string]json.RawMessage
			if err := json.Unmarshal(out, &got); err != nil {
				t.Fatal(err)
			}
			for k, want := range c.Expect {
				if !reflect.DeepEqual(decode(t, got[k]), decode(t, want)) {
					t.Errorf("%s: got %s, want %s", k, got[k], want)
				}
			}
		})
	}
}

// gen builds a history of :generate pairs, one process per value; a value
// of info marks an indeterminate completion.
type info struct{}

func gen(values ...any) []history.Op {
	var h []history.Op
	for p, v := range values {
		h = append(h, history.Op{Type: history.Invoke, Process: history.Process(p), F: "generate"})
		done := history.Op{Type: history.OK, Process: history.Process(p), F: "generate", Value: v}
		if _, ok := v.(info); ok {
			done.Type, done.Value = history.Info, nil
		}
		h = append(h, done)
	}
	for i := range h {
		h[i].Index = i
	}
	return h
}

func TestCheck(t *testing.T) {
	tests := []struct {
		name       string
		h          []history.Op
		valid      checker.Validity
		attempted  int
		acked      int
		dupCount   int
		duplicated Duplicates
		lo, hi     any
	}{
		{"empty", nil, checker.Valid, 0, 0, 0, Duplicates{}, nil, nil},
		{"distinct ints", gen(int64(3), int64(1), int64(2)), checker.Valid, 3, 3, 0, Duplicates{}, int64(1), int64(3)},
		{"int and float of the same value differ", gen(int64(1), 1.0), checker.Valid, 2, 2, 0, Duplicates{}, int64(1), 1.0},
		{"numbers numerically", gen(int64(10), 9.5, int64(-2)), checker.Valid, 3, 3, 0, Duplicates{}, int64(-2), int64(10)},
		{"strings", gen("n1-2", "n1-10", "n0-5"), checker.Valid, 3, 3, 0, Duplicates{}, "n0-5", "n1-2"},
		{"info counts only as attempted", gen(int64(1), info{}), checker.Valid, 2, 1, 0, Duplicates{}, int64(1), int64(1)},
		{"duplicate strings", gen("a", "b", "a", "c", "a", "b"), checker.Invalid, 6, 6, 2,
			Duplicates{{"a", 3}, {"b", 2}}, "a", "c"},
		{"duplicate arrays by value", gen([]any{"n1", int64(1)}, []any{"n2", int64(1)}, []any{"n1", int64(1)}), checker.Invalid, 3, 3, 1,
			Duplicates{{[]any{"n1", int64(1)}, 2}}, []any{"n1", int64(1)}, []any{"n2", int64(1)}},
		{"duplicate objects by value", gen(map[string]any{"n": "n1", "c": int64(1)}, map[string]any{"c": int64(1), "n": "n1"}), checker.Invalid, 2, 2, 1,
			Duplicates{{map[string]any{"c": int64(1), "n": "n1"}, 2}}, map[string]any{"c": int64(1), "n": "n1"}, map[string]any{"c": int64(1), "n": "n1"}},
		{"duplicate nulls", gen(nil, nil), checker.Invalid, 2, 2, 1, Duplicates{{nil, 2}}, nil, nil},
		{"mixed kinds", gen("x", int64(1), nil, true, []any{}), checker.Valid, 5, 5, 0, Duplicates{}, nil, []any{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := Check(tt.h)
			if r.Valid != tt.valid || r.AttemptedCount != tt.attempted || r.AcknowledgedCount != tt.acked || r.DuplicatedCount != tt.dupCount {
				t.Errorf("got valid %v attempted %d acked %d dups %d, want %v %d %d %d",
					r.Valid, r.AttemptedCount, r.AcknowledgedCount, r.DuplicatedCount, tt.valid, tt.attempted, tt.acked, tt.dupCount)
			}
			if !reflect.DeepEqual(r.Duplicated, tt.duplicated) {
				t.Errorf("duplicated %v, want %v", r.Duplicated, tt.duplicated)
			}
			if !reflect.DeepEqual(r.Range, [2]any{tt.lo, tt.hi}) {
				t.Errorf("range %v, want [%v %v]", r.Range, tt.lo, tt.hi)
			}
		})
	}
}

func TestCheckIgnoresOtherFunctions(t *testing.T) {
	h := gen(int64(1), int64(1))
	for i := range h {
		h[i].F = "echo"
	}
	h = append(h, history.Op{Type: history.Info, Process: history.Nemesis, F: "start-partition", Value: history.Keyword("one")})
	if r := Check(h); r.Valid != checker.Valid || r.AttemptedCount != 0 || r.AcknowledgedCount != 0 {
		t.Errorf("got %+v", r)
	}
}

// TestDuplicatedCap checks that only the 48 most frequent duplicates are
// listed, in ID order, while the count covers them all.
func TestDuplicatedCap(t *testing.T) {
	var values []any
	for id := range 60 {
		// IDs 0..11 appear 3 times, the rest twice.
		n := 2
		if id < 12 {
			n = 3
		}
		for range n {
			values = append(values, int64(id))
		}
	}
	r := Check(gen(values...))
	if r.Valid != checker.Invalid || r.DuplicatedCount != 60 || len(r.Duplicated) != MaxDuplicated {
		t.Fatalf("valid %v, duplicated-count %d, %d listed", r.Valid, r.DuplicatedCount, len(r.Duplicated))
	}
	for i, d := range r.Duplicated {
		// The 12 triples, then the 36 lowest pairs (ties by ID), in ID order.
		want := Duplicate{ID: int64(i), Count: 2}
		if i < 12 {
			want.Count = 3
		}
		if !reflect.DeepEqual(d, want) {
			t.Fatalf("entry %d is %v, want %v", i, d, want)
		}
	}
}

func TestEncoding(t *testing.T) {
	r := Check(gen(int64(0), int64(1), int64(0), "a", "a"))
	e, err := edn.Marshal(r)
	if err != nil {
		t.Fatal(err)
	}
	wantEDN := `{:valid? false :attempted-count 5 :acknowledged-count 5 :duplicated-count 2 :duplicated {0 2"a"2} :range[0"a"]}`
	if string(e) != wantEDN {
		t.Errorf("EDN\n got %s\nwant %s", e, wantEDN)
	}
	j, err := json.Marshal(r)
	if err != nil {
		t.Fatal(err)
	}
	wantJSON := `{"valid":false,"attempted-count":5,"acknowledged-count":5,"duplicated-count":2,"duplicated":{"0":2,"a":2},"range":[0,"a"]}`
	if !bytes.Equal(j, []byte(wantJSON)) {
		t.Errorf("JSON\n got %s\nwant %s", j, wantJSON)
	}
	empty, _ := edn.Marshal(Check(nil))
	if want := `{:valid? true :attempted-count 0 :acknowledged-count 0 :duplicated-count 0 :duplicated {} :range[nil nil]}`; string(empty) != want {
		t.Errorf("empty EDN\n got %s\nwant %s", empty, want)
	}
}

func TestCompare(t *testing.T) {
	ordered := []any{
		nil, false, true,
		-1.5, int64(-1), int64(0), 0.0, 0.5, int64(1), 1.0, int64(1) << 62,
		// Java compares UTF-16 code units: U+1F600 is D83D DE00, below U+FFFF.
		"", "a", "b", "ba", "\U0001F600", "\uffff",
		[]any{}, []any{int64(9)}, []any{int64(1), int64(2)}, []any{int64(1), int64(3)},
		map[string]any{"a": int64(1)},
	}
	for i, a := range ordered {
		for j, b := range ordered {
			want := cmpInt(i, j)
			if got := Compare(a, b); got != want {
				t.Errorf("Compare(%#v, %#v) = %d, want %d", a, b, got, want)
			}
		}
	}
}
