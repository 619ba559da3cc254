package kafka

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"testing"

	"github.com/glomers/glomers/internal/checker"
	"github.com/glomers/glomers/internal/conformance"
	"github.com/glomers/glomers/internal/history"
)

type conformanceCase struct {
	Options map[string]any  `json:"options"`
	Notes   string          `json:"notes"`
	History []history.Op    `json:"history"`
	Expect  json.RawMessage `json:"expect"`
}

func TestConformance(t *testing.T) {
	files := conformance.Glob(t, "kafka-*.json")
	passed := 0
	for _, f := range files {
		ok := t.Run(filepath.Base(f), func(t *testing.T) {
			b, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			var c conformanceCase
			if err := json.Unmarshal(b, &c); err != nil {
				t.Fatal(err)
			}
			var expect map[string]any
			if err := json.Unmarshal(c.Expect, &expect); err != nil {
				t.Fatal(err)
			}
			opts := Options{WWDeps: c.Options["ww-deps"] == true}
			an := Analyze(c.History, opts)
			for k, want := range expect {
				switch k {
				case "errors":
					for typ, list := range want.(map[string]any) {
						got, present := an.Errors[typ]
						if list == nil {
							if present {
								t.Errorf("errors.%s: want none, got %s", typ, js(got))
							}
							continue
						}
						if !present {
							t.Errorf("errors.%s: want %s, got none", typ, js(list))
							continue
						}
						if !matchSet(list.([]any), generic(got).([]any)) {
							t.Errorf("errors.%s:\nwant %s\ngot  %s", typ, js(list), js(got))
						}
					}
				case "error-types":
					var types []string
					for typ := range an.Errors {
						types = append(types, typ)
					}
					sort.Strings(types)
					if !match(want, generic(types)) && !(len(types) == 0 && len(want.([]any)) == 0) {
						t.Errorf("error-types: want %s, got %v: %s", js(want), types, js(an.Errors))
					}
				case "unseen":
					if got := unseenGeneric(an.Unseen); !match(want, got) {
						t.Errorf("unseen:\nwant %s\ngot  %s", js(want), js(got))
					}
				case "duplicate-values":
					set := map[int64]bool{}
					dups, _ := an.Errors[TypeDuplicate].([]Duplicate)
					for _, d := range dups {
						set[d.Value] = true
					}
					var got []int64
					for v := range set {
						got = append(got, v)
					}
					sort.Slice(got, func(i, j int) bool { return got[i] < got[j] })
					if !match(want, generic(got)) {
						t.Errorf("duplicate-values: want %s, got %v", js(want), got)
					}
				case "valid":
					r := Check(c.History, opts)
					var v checker.Validity
					b, _ := json.Marshal(want)
					if err := v.UnmarshalJSON(b); err != nil {
						t.Fatal(err)
					}
					if r.Valid != v {
						t.Errorf("valid: want %v, got %v (%s)", v, r.Valid, js(r))
					}
				default:
					t.Errorf("unknown expect key %q", k)
				}
			}
		})
		if ok {
			passed++
		}
	}
	t.Logf("kafka conformance: %d of %d cases pass", passed, len(files))
}

func unseenGeneric(s UnseenSeries) any {
	var out []any
	for i, m := range s.Maps() {
		p := map[string]any{"time": s.Points[i].Time, "unseen": m}
		if i == len(s.Points)-1 {
			p["messages"] = s.Messages
		}
		out = append(out, p)
	}
	return generic(out)
}

// generic round-trips x through JSON.
func generic(x any) any {
	b, err := json.Marshal(x)
	if err != nil {
		panic(err)
	}
	var g any
	if err := json.Unmarshal(b, &g); err != nil {
		panic(err)
	}
	return g
}

func js(x any) string {
	b, err := json.Marshal(x)
	if err != nil {
		return fmt.Sprint(x)
	}
	return string(b)
}

// matchSet matches two lists in any order.
func matchSet(want, got []any) bool {
	if len(want) != len(got) {
		return false
	}
	used := make([]bool, len(got))
outer:
	for _, w := range want {
		for j, g := range got {
			if !used[j] && match(w, g) {
				used[j] = true
				continue outer
			}
		}
		return false
	}
	return true
}

// match compares an expected JSON value with an actual one. An expected
// number matches an embedded op whose index it is, as the corpus refers to
// ops by history index.
func match(want, got any) bool {
	switch w := want.(type) {
	case nil:
		return got == nil
	case float64:
		if op, ok := got.(map[string]any); ok {
			_, isOp := op["process"]
			return isOp && op["index"] == w
		}
		return got == w
	case string, bool:
		return got == w
	case []any:
		g, ok := got.([]any)
		if !ok {
			return len(w) == 0 && got == nil
		}
		if len(g) != len(w) {
			return false
		}
		for i := range w {
			if !match(w[i], g[i]) {
				return false
			}
		}
		return true
	case map[string]any:
		g, ok := got.(map[string]any)
		if !ok || len(g) != len(w) {
			return false
		}
		for k, v := range w {
			gv, ok := g[k]
			if !ok || !match(v, gv) {
				return false
			}
		}
		return true
	}
	return false
}
