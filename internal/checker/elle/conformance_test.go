package elle

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"testing"

	"github.com/glomers/glomers/internal/conformance"
	"github.com/glomers/glomers/internal/history"
)

type conformanceCase struct {
	Options map[string]json.RawMessage `json:"options"`
	Notes   string                     `json:"notes"`
	Source  string                     `json:"source"`
	History []history.Op               `json:"history"`
	Expect  map[string]any             `json:"expect"`
}

func (c conformanceCase) options(t *testing.T) Options {
	var o Options
	for k, raw := range c.Options {
		var err error
		switch k {
		case "consistency-models":
			var ms []string
			err = json.Unmarshal(raw, &ms)
			if ms == nil {
				ms = []string{} // explicit null: no models
			}
			o.ConsistencyModels = ms
		case "anomalies":
			err = json.Unmarshal(raw, &o.Anomalies)
		case "wfr-keys":
			err = json.Unmarshal(raw, &o.WFRKeys)
		case "sequential-keys":
			err = json.Unmarshal(raw, &o.SequentialKeys)
		case "linearizable-keys":
			err = json.Unmarshal(raw, &o.LinearizableKeys)
		default:
			t.Fatalf("unknown option %q", k)
		}
		if err != nil {
			t.Fatalf("option %s: %v", k, err)
		}
	}
	return o
}

// TestConformance checks Check against every txn-rw-register case of the
// conformance corpus, comparing each key the case's "expect" gives.
//
// txn-rw-register-read-of-unwritten-value: Elle 0.2.2 asserts
// {:valid? true} for a read of a value nobody wrote (its test says "TODO:
// this represents a bug!"). We match Elle: a read with no writer adds no
// edge and no anomaly.
func TestConformance(t *testing.T) {
	files := conformance.Glob(t, "txn-rw-register-*.json")
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
			r := Check(c.History, c.options(t))
			got := toJSON(t, r)
			for _, diff := range compareExpect(c.Expect, got) {
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
	t.Logf("%d of %d txn-rw-register conformance cases pass", passed, len(files))
}

func toJSON(t *testing.T, v any) map[string]any {
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	return m
}

func mustJSON(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		return err.Error()
	}
	return string(b)
}

// compareExpect compares the keys of expect with got and describes each
// difference.
func compareExpect(expect, got map[string]any) []string {
	var diffs []string
	if len(expect) == 1 && expect["valid"] == true && len(got) != 1 {
		diffs = append(diffs, fmt.Sprintf("expected exactly {valid: true}, got keys %v", keysOf(got)))
	}
	for _, k := range keysOf(expect) {
		want := expect[k]
		if k != "anomalies" {
			if !reflect.DeepEqual(want, got[k]) {
				diffs = append(diffs, fmt.Sprintf("%s: got %v, want %v", k, got[k], want))
			}
			continue
		}
		gotA, _ := got["anomalies"].(map[string]any)
		for typ, cases := range want.(map[string]any) {
			g, present := gotA[typ]
			if cases == nil {
				if present {
					diffs = append(diffs, fmt.Sprintf("anomalies.%s: got %v, want none", typ, g))
				}
				continue
			}
			if !present || !matches(cases, g, "") {
				diffs = append(diffs, fmt.Sprintf("anomalies.%s: got %s, want %s", typ, mustJSON(g), mustJSON(cases)))
			}
		}
	}
	return diffs
}

// opKeys hold ops, which expect gives as history indices (realtime steps
// give theirs under a' and b).
var opKeys = map[string]bool{"op": true, "writer": true, "cycle": true, "txns": true, "a'": true, "b": true}

// matches compares an expected value with a got one; under an op key,
// expected indices match got ops with that index.
func matches(want, got any, key string) bool {
	if opKeys[key] {
		if ws, ok := want.([]any); ok {
			gs, ok := got.([]any)
			if !ok || len(gs) != len(ws) {
				return false
			}
			for i := range ws {
				if !matches(ws[i], gs[i], key) {
					return false
				}
			}
			return true
		}
		if _, isIndex := want.(float64); !isIndex {
			return reflect.DeepEqual(want, got) // e.g. the "..." of dirty-update txns
		}
		g, ok := got.(map[string]any)
		return ok && reflect.DeepEqual(g["index"], want)
	}
	switch w := want.(type) {
	case map[string]any:
		g, ok := got.(map[string]any)
		if !ok || len(g) != len(w) {
			return false
		}
		for k, v := range w {
			if !matches(v, g[k], k) {
				return false
			}
		}
		return true
	case []any:
		g, ok := got.([]any)
		if !ok || len(g) != len(w) {
			return false
		}
		for i := range w {
			if !matches(w[i], g[i], key) {
				return false
			}
		}
		return true
	}
	return reflect.DeepEqual(want, got)
}

func keysOf(m map[string]any) []string {
	ks := make([]string, 0, len(m))
	for k := range m {
		ks = append(ks, k)
	}
	sort.Strings(ks)
	return ks
}
