package elle

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/glomers/glomers/internal/checker"
	"github.com/glomers/glomers/internal/conformance"
)

// TestListAppendConformance checks CheckListAppend against every
// txn-list-append case of the conformance corpus.
// Cycles must be Elle's own, listed from the same op: the search walks
// operations in Elle's hash order (cycle.History.ElleOrder).
//
// Detector-level cases (Elle's g1a-cases, g1b-cases and internal-cases
// tests) run that detector alone, as the source does: for six of them
// Elle's full checker would stop on a read of an element nobody appended.
func TestListAppendConformance(t *testing.T) {
	files := conformance.Glob(t, "txn-list-append-*.json")
	passed := 0
	for _, f := range files {
		name := filepath.Base(f)
		ok := t.Run(name, func(t *testing.T) {
			b, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			var c conformanceCase
			if err := json.Unmarshal(b, &c); err != nil {
				t.Fatal(err)
			}
			if strings.Contains(c.Source, "cases-test") {
				checkDetectors(t, c)
				return
			}
			r := CheckListAppend(c.History, c.options(t))
			if want, ok := c.Expect["throws"].(map[string]any); ok {
				checkThrows(t, c, r, want)
				return
			}
			got := toJSON(t, r)
			expect := c.Expect
			if first, ok := expect["anomalies-first"].(map[string]any); ok {
				gotA, _ := got["anomalies"].(map[string]any)
				for typ, w := range first {
					cs, _ := gotA[typ].([]any)
					if len(cs) == 0 {
						t.Errorf("anomalies-first.%s: got none", typ)
						continue
					}
					if !matches(w, cs[0], "") {
						t.Errorf("anomalies-first.%s: got %s, want %s", typ, mustJSON(cs[0]), mustJSON(w))
					}
				}
				expect = without(expect, "anomalies-first")
			}
			for _, diff := range compareExpect(expect, got) {
				t.Error(diff)
			}
			if t.Failed() {
				t.Logf("got %s", mustJSON(r))
			}
		})
		if ok {
			passed++
		}
	}
	t.Logf("%d of %d txn-list-append conformance cases pass", passed, len(files))
}

func without(m map[string]any, key string) map[string]any {
	out := map[string]any{}
	for k, v := range m {
		if k != key {
			out[k] = v
		}
	}
	return out
}

// checkDetectors runs the detectors a detector-level case asserts.
func checkDetectors(t *testing.T, c conformanceCase) {
	txns, err := parseAppends(c.History)
	if err != nil {
		t.Fatal(err)
	}
	internal, future := appendInternalCases(txns)
	got := map[string]any{}
	put := func(k string, v any, n int) {
		if n > 0 {
			got[k] = v
		}
	}
	put("G1a", appendG1aCases(txns), len(appendG1aCases(txns)))
	put("G1b", appendG1bCases(txns), len(appendG1bCases(txns)))
	put("internal", internal, len(internal))
	put("future-read", future, len(future))
	want := map[string]any{"anomalies": c.Expect["anomalies"]}
	for _, diff := range compareExpect(want, map[string]any{"anomalies": toJSON(t, got)}) {
		t.Error(diff)
	}
}

// checkThrows checks a case whose source expects Elle to throw: the
// result is unknown with the error, which carries the asserted fields.
func checkThrows(t *testing.T, c conformanceCase, r Result, want map[string]any) {
	if r.Valid != checker.Unknown || r.Error == "" {
		t.Fatalf("want an unknown result with an error, got %s", mustJSON(r))
	}
	_, err := checkListAppend(c.History, c.options(t))
	var dup *DuplicateAppendsError
	if want["type"] != "duplicate-appends" || !errors.As(err, &dup) {
		t.Fatalf("want a %v error, got %v", want["type"], err)
	}
	got := map[string]any{"type": "duplicate-appends", "op": toJSON(t, dup.Op), "key": dup.Key, "value": dup.Value}
	if !matches(want, toJSON(t, got), "") {
		t.Errorf("throws: got %s, want %s", mustJSON(got), mustJSON(want))
	}
}
