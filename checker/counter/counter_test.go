package counter

import (
	"encoding/json"
	"github.com/glomers/glomers/internal/conformance"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"olympos.io/encoding/edn"

	"github.com/glomers/glomers/checker"
	"github.com/glomers/glomers/history"
	"github.com/glomers/glomers/message"
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

type conformanceCase struct {
	History []struct {
		Index   int             `json:"index"`
		Time    int64           `json:"time"`
		Type    history.Type    `json:"type"`
		Process history.Process `json:"process"`
		F       history.Keyword `json:"f"`
		Value   json.RawMessage `json:"value"`
		Final   bool            `json:"final"`
	} `json:"history"`
	Expect map[string]json.RawMessage `json:"expect"`
}

func TestConformance(t *testing.T) {
	dir := conformance.Dir(t)
	var files []string
	for _, pat := range []string{"pn-counter-*.json", "g-counter-*.json"} {
		m, err := filepath.Glob(filepath.Join(dir, pat))
		if err != nil {
			t.Fatal(err)
		}
		files = append(files, m...)
	}
	if len(files) == 0 {
		t.Fatal("no pn-counter-*.json or g-counter-*.json conformance cases")
	}
	for _, file := range files {
		t.Run(filepath.Base(file), func(t *testing.T) {
			raw, err := os.ReadFile(file)
			if err != nil {
				t.Fatal(err)
			}
			var c conformanceCase
			if err := json.Unmarshal(raw, &c); err != nil {
				t.Fatal(err)
			}
			var h []history.Op
			for _, op := range c.History {
				var v any
				if len(op.Value) > 0 {
					if v, err = message.Decode(op.Value); err != nil {
						t.Fatal(err)
					}
				}
				h = append(h, history.Op{Index: op.Index, Time: op.Time, Type: op.Type, Process: op.Process, F: op.F, Value: v, Final: op.Final})
			}
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
