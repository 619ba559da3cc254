package setfull

import (
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"olympos.io/encoding/edn"

	"github.com/glomers/glomers/internal/checker"
	"github.com/glomers/glomers/internal/conformance"
	"github.com/glomers/glomers/internal/history"
)

type conformanceCase struct {
	Workload string          `json:"workload"`
	History  []history.Op    `json:"history"`
	Expect   map[string]any  `json:"expect"`
	Options  json.RawMessage `json:"options"`
}

// asJSON turns r into the corpus's shape: plain JSON, with the ops inside
// worst-stale replaced by their history index.
func asJSON(t *testing.T, r Result) map[string]any {
	t.Helper()
	b, err := json.Marshal(r)
	if err != nil {
		t.Fatalf("marshal result: %v", err)
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	for _, e := range m["worst-stale"].([]any) {
		el := e.(map[string]any)
		for _, k := range []string{"known", "last-absent"} {
			if op, ok := el[k].(map[string]any); ok {
				el[k] = op["index"]
			}
		}
	}
	return m
}

func TestConformance(t *testing.T) {
	files := append(conformance.Glob(t, "g-set-*.json"), conformance.Glob(t, "broadcast-*.json")...)
	for _, f := range files {
		t.Run(strings.TrimSuffix(filepath.Base(f), ".json"), func(t *testing.T) {
			raw, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			var c conformanceCase
			if err := json.Unmarshal(raw, &c); err != nil {
				t.Fatalf("parse %s: %v", f, err)
			}
			add := history.Keyword("add")
			if c.Workload == "broadcast" {
				add = "broadcast"
			}
			got := asJSON(t, Check(c.History, add))
			for k, want := range c.Expect {
				if !reflect.DeepEqual(got[k], want) {
					t.Errorf("%s = %v, want %v", k, got[k], want)
				}
			}
			for k := range got {
				if _, ok := c.Expect[k]; !ok {
					t.Errorf("reported key %s, which the reference result does not have", k)
				}
			}
		})
	}
}

// hist builds a history from (process, type, f, value) rows, with dense
// indices and time = index ms, like Jepsen's test helper.
func hist(rows ...[]any) []history.Op {
	h := make([]history.Op, len(rows))
	for i, r := range rows {
		h[i] = history.Op{
			Index: i, Time: int64(i) * 1_000_000,
			Process: history.Process(r[0].(int)), Type: r[1].(history.Type),
			F: history.Keyword(r[2].(string)), Value: r[3],
		}
	}
	return h
}

const (
	inv = history.Invoke
	ok  = history.OK
	inf = history.Info
)

func TestCheck(t *testing.T) {
	tests := []struct {
		name      string
		add       history.Keyword
		h         []history.Op
		valid     checker.Validity
		stable    int
		lost      []int64
		neverRead []int64
		stale     []int64
		stableLat *Quantiles
		lostLat   *Quantiles
	}{
		{
			name: "empty history is unknown",
			add:  "add", valid: checker.Unknown,
		},
		{
			name: "only reads is unknown",
			add:  "add",
			h: hist(
				[]any{0, inv, "read", nil},
				[]any{0, ok, "read", []any{}},
			),
			valid: checker.Unknown,
		},
		{
			name: "lost broadcast: seen, then missed by a later read",
			add:  "broadcast",
			h: hist(
				[]any{0, inv, "broadcast", int64(7)},
				[]any{0, ok, "broadcast", int64(7)},
				[]any{1, inv, "read", nil},
				[]any{1, ok, "read", []any{int64(7)}},
				[]any{2, inv, "read", nil},
				[]any{2, ok, "read", []any{}},
			),
			valid: checker.Invalid, lost: []int64{7},
			// last present is index 2 (2 ms), known at index 1 (1 ms):
			// (2 ms + 1 ns - 1 ms) truncates to 1 ms.
			lostLat: &Quantiles{1, 1, 1, 1, 1},
		},
		{
			name: "add read as :add under broadcast is ignored",
			add:  "broadcast",
			h: hist(
				[]any{0, inv, "add", int64(1)},
				[]any{0, ok, "add", int64(1)},
				[]any{1, inv, "read", nil},
				[]any{1, ok, "read", []any{}},
			),
			valid: checker.Unknown,
		},
		{
			name: "never read: add info and no read after",
			add:  "add",
			h: hist(
				[]any{0, inv, "add", int64(1)},
				[]any{0, ok, "add", int64(1)},
				[]any{1, inv, "read", nil},
				[]any{1, ok, "read", []any{int64(1)}},
				[]any{0, inv, "add", int64(2)},
				[]any{0, inf, "add", int64(2)},
			),
			valid: checker.Valid, stable: 1, neverRead: []int64{2},
			stableLat: &Quantiles{},
		},
		{
			name: "a read begun before the add completes cannot lose it",
			add:  "add",
			h: hist(
				[]any{1, inv, "read", nil},
				[]any{0, inv, "add", int64(3)},
				[]any{0, ok, "add", int64(3)},
				[]any{1, ok, "read", []any{}},
			),
			valid: checker.Unknown, neverRead: []int64{3},
		},
		{
			name: "stale element: latency arithmetic",
			add:  "broadcast",
			// add 5 ok at index 1 (t=1 ms); the read invoked at index 4
			// (t=4 ms) misses it; the read invoked at index 6 sees it.
			// Stable latency = (4 ms + 1 ns - 1 ms) truncated = 3 ms.
			h: hist(
				[]any{0, inv, "broadcast", int64(5)},
				[]any{0, ok, "broadcast", int64(5)},
				[]any{0, inv, "broadcast", int64(6)},
				[]any{0, ok, "broadcast", int64(6)},
				[]any{1, inv, "read", nil},
				[]any{1, ok, "read", []any{int64(6)}},
				[]any{1, inv, "read", nil},
				[]any{1, ok, "read", []any{int64(5), int64(6)}},
			),
			valid: checker.Valid, stable: 2, stale: []int64{5},
			// latencies: 5 -> 3 ms, 6 -> 0 (never absent): sorted [0 3].
			stableLat: &Quantiles{0, 3, 3, 3, 3},
		},
		{
			name: "duplicates in a read are harmless",
			add:  "add",
			h: hist(
				[]any{0, inv, "add", int64(1)},
				[]any{0, ok, "add", int64(1)},
				[]any{1, inv, "read", nil},
				[]any{1, ok, "read", []any{int64(1), int64(1)}},
			),
			valid: checker.Valid, stable: 1, stableLat: &Quantiles{},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := Check(tt.h, tt.add)
			if r.Valid != tt.valid {
				t.Errorf("valid = %v, want %v", r.Valid, tt.valid)
			}
			if r.StableCount != tt.stable {
				t.Errorf("stable-count = %d, want %d", r.StableCount, tt.stable)
			}
			for _, c := range []struct {
				name      string
				got, want []int64
				count     int
			}{
				{"lost", r.Lost, tt.lost, r.LostCount},
				{"never-read", r.NeverRead, tt.neverRead, r.NeverReadCount},
				{"stale", r.Stale, tt.stale, r.StaleCount},
			} {
				want := c.want
				if want == nil {
					want = []int64{}
				}
				if !reflect.DeepEqual(c.got, want) || c.count != len(want) {
					t.Errorf("%s = %v (count %d), want %v", c.name, c.got, c.count, want)
				}
			}
			if !reflect.DeepEqual(r.StableLatencies, tt.stableLat) {
				t.Errorf("stable-latencies = %+v, want %+v", r.StableLatencies, tt.stableLat)
			}
			if !reflect.DeepEqual(r.LostLatencies, tt.lostLat) {
				t.Errorf("lost-latencies = %+v, want %+v", r.LostLatencies, tt.lostLat)
			}
			if r.DuplicatedCount != 0 || len(r.Duplicated) != 0 {
				t.Errorf("duplicated = %d %v, want 0 {}", r.DuplicatedCount, r.Duplicated)
			}
		})
	}
}

func TestWorstStaleOrder(t *testing.T) {
	// Ten stale elements: 0..9, element i missed by a read i+1 ms after
	// it became known, except 8 and 9, which tie with 7.
	var rows [][]any
	for v := 0; v < 10; v++ {
		rows = append(rows, []any{0, inv, "add", int64(v)}, []any{0, ok, "add", int64(v)})
	}
	rows = append(rows, []any{1, inv, "read", nil}, []any{1, ok, "read", []any{}})
	all := make([]any, 10)
	for v := range all {
		all[v] = int64(v)
	}
	rows = append(rows, []any{1, inv, "read", nil}, []any{1, ok, "read", all})
	r := Check(hist(rows...), "add")
	if r.Valid != checker.Valid || r.StaleCount != 10 {
		t.Fatalf("valid %v, stale %d; want true, 10", r.Valid, r.StaleCount)
	}
	// Element v is known at index 2v+1 and missed at index 20: latency
	// 20-(2v+1) ms, so the lowest elements are the stalest.
	var got []int64
	for _, e := range r.WorstStale {
		got = append(got, e.Element)
	}
	if want := []int64{0, 1, 2, 3, 4, 5, 6, 7}; !reflect.DeepEqual(got, want) {
		t.Errorf("worst-stale elements = %v, want %v", got, want)
	}
	if l := *r.WorstStale[0].StableLatency; l != 19 {
		t.Errorf("worst latency = %d, want 19", l)
	}
	if r.StableLatencies.Max != 19 || r.StableLatencies.Min != 1 || r.StableLatencies.Median != 11 {
		t.Errorf("stable-latencies = %+v", r.StableLatencies)
	}
}

func TestWorstStaleTiesDescending(t *testing.T) {
	h := hist(
		[]any{0, inv, "add", int64(1)},
		[]any{1, inv, "add", int64(2)},
		[]any{0, ok, "add", int64(1)},
		[]any{1, ok, "add", int64(2)},
		[]any{2, inv, "read", nil},
		[]any{2, ok, "read", []any{}},
		[]any{2, inv, "read", nil},
		[]any{2, ok, "read", []any{int64(1), int64(2)}},
	)
	// Both known at 2 and 3 ms; missed at 4 ms: latencies 2 and 1.
	r := Check(h, "add")
	if len(r.WorstStale) != 2 || r.WorstStale[0].Element != 1 || r.WorstStale[1].Element != 2 {
		t.Fatalf("worst-stale = %+v", r.WorstStale)
	}
	// Make them tie: same known time.
	h[3].Time = h[2].Time
	r = Check(h, "add")
	if r.WorstStale[0].Element != 2 || r.WorstStale[1].Element != 1 {
		t.Errorf("ties should come out in descending element order, got %d then %d",
			r.WorstStale[0].Element, r.WorstStale[1].Element)
	}
}

func TestEDNShape(t *testing.T) {
	r := Check(hist(
		[]any{0, inv, "add", int64(1)},
		[]any{0, ok, "add", int64(1)},
		[]any{1, inv, "read", nil},
		[]any{1, ok, "read", []any{int64(1)}},
	), "add")
	b, err := edn.Marshal(r)
	if err != nil {
		t.Fatal(err)
	}
	squash := strings.NewReplacer(" ", "", ",", "", "\n", "")
	s := squash.Replace(string(b))
	for _, want := range []string{":valid?true", ":stable-latencies{000.500.9500.9901 0}", ":duplicated{}", ":worst-stale[]"} {
		if want = squash.Replace(want); !strings.Contains(s, want) {
			t.Errorf("EDN %s lacks %s", b, want)
		}
	}
	if strings.Contains(s, "lost-latencies") {
		t.Errorf("EDN %s has lost-latencies with no lost element", s)
	}
}
