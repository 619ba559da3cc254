package elle

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/glomers/glomers/internal/checker"
	"github.com/glomers/glomers/internal/conformance"
)

// TestListAppendConformance checks CheckListAppend against every
// txn-list-append case of the conformance corpus.
//
// Cycles are compared up to rotation: Elle starts its search from vertices
// in hash order and reports the cycle from wherever it started, glomers
// from the lowest op index, so the same cycle may be listed from another
// op (README, "Where glomers differs from Maelstrom"). Steps rotate with
// the cycle, so every op and every step must still match.
//
// Detector-level cases (Elle's g1a-cases, g1b-cases and internal-cases
// tests) run that detector alone, as the source does: for six of them
// Elle's full checker would stop on a read of an element nobody appended.
func TestListAppendConformance(t *testing.T) {
	files := conformance.Glob(t, "txn-list-append-*.json")
	passed, rotated := 0, 0
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
					if alignCycle(w, cs[0]) {
						rotated++
					}
					if !matches(w, cs[0], "") {
						t.Errorf("anomalies-first.%s: got %s, want %s", typ, mustJSON(cs[0]), mustJSON(w))
					}
				}
				expect = without(expect, "anomalies-first")
			}
			rotated += alignCycles(expect, got)
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
	t.Logf("%d of %d txn-list-append conformance cases pass (%d cycles listed from another op than Elle's)", passed, len(files), rotated)
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

// alignCycles rotates every got cycle of expect's cycle anomalies so that
// it starts where the expected one does, and returns how many it rotated.
func alignCycles(expect, got map[string]any) int {
	wantA, _ := expect["anomalies"].(map[string]any)
	gotA, _ := got["anomalies"].(map[string]any)
	n := 0
	for typ, ws := range wantA {
		wl, _ := ws.([]any)
		gl, _ := gotA[typ].([]any)
		for i := range wl {
			if i < len(gl) && alignCycle(wl[i], gl[i]) {
				n++
			}
		}
	}
	return n
}

// alignCycle rotates got's cycle and steps (in place) to start at want's
// first op, reporting whether it had to.
func alignCycle(want, got any) bool {
	w, _ := want.(map[string]any)
	g, _ := got.(map[string]any)
	wc, _ := w["cycle"].([]any)
	gc, _ := g["cycle"].([]any)
	gs, _ := g["steps"].([]any)
	if len(wc) == 0 || len(gc) != len(wc) || len(gs) != len(gc)-1 {
		return false
	}
	n := len(gs)
	for r := 0; r < n; r++ {
		op, _ := gc[r].(map[string]any)
		if !reflect.DeepEqual(op["index"], wc[0]) {
			continue
		}
		if r == 0 {
			return false
		}
		cyc := make([]any, 0, n+1)
		steps := make([]any, 0, n)
		for i := 0; i < n; i++ {
			cyc = append(cyc, gc[(r+i)%n])
			steps = append(steps, gs[(r+i)%n])
		}
		g["cycle"] = append(cyc, gc[r])
		g["steps"] = steps
		return true
	}
	return false
}
