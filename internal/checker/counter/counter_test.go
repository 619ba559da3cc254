package counter

import (
	"encoding/json"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"olympos.io/encoding/edn"

	"github.com/glomers/glomers/internal/checker"
	"github.com/glomers/glomers/internal/conformance"
	"github.com/glomers/glomers/internal/history"
)

// hist builds a history from completions, each preceded by its invocation
// on its own process, as the conformance files do.
func hist(ops ...history.Op) []history.Op {
	var h []history.Op
	for i, op := range ops {
		op.Process = history.Process(i)
		inv := op
		inv.Type = history.Invoke
		if op.F == "read" {
			inv.Value = nil
		}
		inv.Index = len(h)
		h = append(h, inv)
		op.Index = len(h)
		h = append(h, op)
	}
	return h
}

func add(t history.Type, d int64) history.Op {
	return history.Op{Type: t, F: "add", Value: d}
}

func final(v any) history.Op {
	return history.Op{Type: history.OK, F: "read", Value: v, Final: true}
}

func TestCheck(t *testing.T) {
	tests := []struct {
		name       string
		h          []history.Op
		valid      checker.Validity
		errors     []int // indices of the offending reads
		acceptable []Range
	}{
		{"empty", nil, checker.Valid, nil, []Range{{0, 0}}},
		{"exact", hist(add(history.OK, 3), add(history.OK, 2), final(int64(5)), final(int64(5))), checker.Valid, nil, []Range{{5, 5}}},
		{"off by one", hist(add(history.OK, 3), add(history.OK, 2), final(int64(5)), final(int64(4))), checker.Invalid, []int{7}, []Range{{5, 5}}},
		{"fail adds count for nothing", hist(add(history.OK, 3), add(history.Fail, 2), final(int64(5))), checker.Invalid, []int{5}, []Range{{3, 3}}},
		{"info adds may or may not count", hist(add(history.OK, 3), add(history.Info, 2), final(int64(3)), final(int64(5))), checker.Valid, nil, []Range{{3, 3}, {5, 5}}},
		{"info adds coalesce", hist(add(history.Info, 1), add(history.Info, 1), add(history.Info, 2), final(int64(4)), final(int64(5))), checker.Invalid, []int{9}, []Range{{0, 4}}},
		{"negative deltas", hist(add(history.OK, -5), add(history.Info, -1), add(history.Info, 4), final(int64(-6)), final(int64(-3))), checker.Invalid, []int{9}, []Range{{-6, -5}, {-2, -1}}},
		{"non-final reads are not checked", hist(add(history.OK, 1), history.Op{Type: history.OK, F: "read", Value: int64(99)}), checker.Valid, nil, []Range{{1, 1}}},
		{"info final reads are not checked", hist(add(history.OK, 1), history.Op{Type: history.Info, F: "read", Value: nil, Final: true}), checker.Valid, nil, []Range{{1, 1}}},
		{"whole float read", hist(add(history.OK, 1), final(1.0)), checker.Valid, nil, []Range{{1, 1}}},
		{"no final reads at all is valid", hist(add(history.OK, 1), add(history.Info, 2)), checker.Valid, nil, []Range{{1, 1}, {3, 3}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := Check(tt.h)
			if r.Valid != tt.valid {
				t.Errorf("valid = %v, want %v", r.Valid, tt.valid)
			}
			var got []int
			for _, op := range r.Errors {
				got = append(got, op.Index)
			}
			if !reflect.DeepEqual(got, tt.errors) {
				t.Errorf("errors at %v, want %v", got, tt.errors)
			}
			if !reflect.DeepEqual(r.Acceptable, tt.acceptable) {
				t.Errorf("acceptable = %v, want %v", r.Acceptable, tt.acceptable)
			}
		})
	}
}

func TestCheckPanicsOnNonInteger(t *testing.T) {
	r := checker.Safely(func() checker.Result { return Check(hist(final("five"))) })
	if r.Validity() != checker.Unknown {
		t.Errorf("a string read gave %v, want unknown", r.Validity())
	}
	r = checker.Safely(func() checker.Result { return Check(hist(final(2.5))) })
	if r.Validity() != checker.Unknown {
		t.Errorf("a fractional read gave %v, want unknown", r.Validity())
	}
}

func TestEncoding(t *testing.T) {
	r := Check(hist(add(history.OK, 1), add(history.Info, 2), final(int64(2))))
	b, err := edn.Marshal(r)
	if err != nil {
		t.Fatal(err)
	}
	compact := strings.ReplaceAll(string(b), " ", "")
	for _, want := range []string{":valid?false", ":final-reads[2]", ":acceptable[[11][33]]", ":errors[{:index5"} {
		if !strings.Contains(compact, want) {
			t.Errorf("EDN %s lacks %s", b, want)
		}
	}
	b, err = json.Marshal(Check(nil))
	if err != nil {
		t.Fatal(err)
	}
	if want := `{"valid":true,"errors":null,"final-reads":[],"acceptable":[[0,0]]}`; string(b) != want {
		t.Errorf("JSON %s, want %s", b, want)
	}
}

func TestConformance(t *testing.T) {
	files := append(conformance.Glob(t, "pn-counter-*.json"), conformance.Glob(t, "g-counter-*.json")...)
	for _, file := range files {
		t.Run(filepath.Base(file), func(t *testing.T) {
			c := conformance.Load(t, file)
			h := c.History
			r := Check(h)
			// errors are given by history index.
			var errIdx []int
			for _, op := range r.Errors {
				errIdx = append(errIdx, op.Index)
			}
			got := map[string]any{"valid": r.Valid, "errors": errIdx, "final-reads": r.FinalReads, "acceptable": r.Acceptable}
			if len(c.Expect) == 0 {
				t.Fatal("case asserts nothing")
			}
			for k, want := range c.Expect {
				g, ok := got[k]
				if !ok {
					t.Errorf("expect key %q is not produced", k)
					continue
				}
				gb, err := json.Marshal(g)
				if err != nil {
					t.Fatal(err)
				}
				if !jsonEqual(t, gb, want) {
					t.Errorf("%s = %s, want %s", k, gb, want)
				}
			}
		})
	}
}

func jsonEqual(t *testing.T, a, b []byte) bool {
	t.Helper()
	var x, y any
	if err := json.Unmarshal(a, &x); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &y); err != nil {
		t.Fatal(err)
	}
	return reflect.DeepEqual(x, y)
}
