package linearizable

import (
	"encoding/json"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"olympos.io/encoding/edn"

	"github.com/glomers/glomers/internal/checker"
	"github.com/glomers/glomers/internal/history"
)

// ev is one history event: process p's invocation (t == "invoke") or
// completion of f with value v on key k. Indices follow the list order.
type ev struct {
	p int
	t history.Type
	f history.Keyword
	k int64
	v any
}

func build(evs []ev) []history.Op {
	h := make([]history.Op, len(evs))
	for i, e := range evs {
		h[i] = history.Op{Index: i, Type: e.t, Process: history.Process(e.p), F: e.f, Value: []any{e.k, e.v}}
	}
	return h
}

const (
	inv  = history.Invoke
	ok   = history.OK
	fail = history.Fail
	info = history.Info
)

func cas(from, to int64) []any { return []any{from, to} }

func TestCheck(t *testing.T) {
	tests := []struct {
		name     string
		h        []ev
		valid    checker.Validity
		failures []int64
		op       int // index of :op for an invalid key 0, or -1
	}{
		{
			name: "linearizable",
			h: []ev{
				{0, inv, Write, 0, int64(1)}, {0, ok, Write, 0, int64(1)},
				{1, inv, Read, 0, nil}, {0, inv, CAS, 0, cas(1, 2)}, {1, ok, Read, 0, int64(2)}, {0, ok, CAS, 0, cas(1, 2)},
				{1, inv, Read, 0, nil}, {1, ok, Read, 0, int64(2)},
			},
			valid: checker.Valid, failures: []int64{}, op: -1,
		},
		{
			name: "stale read",
			h: []ev{
				{0, inv, Write, 0, int64(1)}, {0, ok, Write, 0, int64(1)},
				{0, inv, Write, 0, int64(2)}, {0, ok, Write, 0, int64(2)},
				{1, inv, Read, 0, nil}, {1, ok, Read, 0, int64(1)},
			},
			valid: checker.Invalid, failures: []int64{0}, op: 5,
		},
		{
			name: "lost write: a cas acts as if an acknowledged write never happened",
			h: []ev{
				{0, inv, Write, 0, int64(1)}, {0, ok, Write, 0, int64(1)},
				{1, inv, Write, 0, int64(2)}, {1, ok, Write, 0, int64(2)},
				{2, inv, CAS, 0, cas(1, 3)}, {2, ok, CAS, 0, cas(1, 3)},
			},
			valid: checker.Invalid, failures: []int64{0}, op: 5,
		},
		{
			name: "info write takes effect later",
			h: []ev{
				{0, inv, Write, 0, int64(1)}, {0, ok, Write, 0, int64(1)},
				{1, inv, Write, 0, int64(2)}, {1, info, Write, 0, int64(2)},
				{0, inv, Read, 0, nil}, {0, ok, Read, 0, int64(1)},
				{0, inv, Read, 0, nil}, {0, ok, Read, 0, int64(2)},
			},
			valid: checker.Valid, failures: []int64{}, op: -1,
		},
		{
			name: "info write cannot take effect twice",
			h: []ev{
				{0, inv, Write, 0, int64(1)}, {0, ok, Write, 0, int64(1)},
				{1, inv, Write, 0, int64(2)}, {1, info, Write, 0, int64(2)},
				{0, inv, Read, 0, nil}, {0, ok, Read, 0, int64(2)},
				{0, inv, Write, 0, int64(3)}, {0, ok, Write, 0, int64(3)},
				{0, inv, Read, 0, nil}, {0, ok, Read, 0, int64(2)},
			},
			valid: checker.Invalid, failures: []int64{0}, op: 9,
		},
		{
			name: "invocation that never completes may take effect",
			h: []ev{
				{1, inv, CAS, 0, cas(0, 4)},
				{0, inv, Write, 0, int64(0)}, {0, ok, Write, 0, int64(0)},
				{0, inv, Read, 0, nil}, {0, ok, Read, 0, int64(4)},
			},
			valid: checker.Valid, failures: []int64{}, op: -1,
		},
		{
			name: "concurrent cas, one after the other",
			h: []ev{
				{0, inv, Write, 0, int64(0)}, {0, ok, Write, 0, int64(0)},
				{1, inv, CAS, 0, cas(0, 1)}, {2, inv, CAS, 0, cas(1, 2)},
				{2, ok, CAS, 0, cas(1, 2)}, {1, ok, CAS, 0, cas(0, 1)},
				{0, inv, Read, 0, nil}, {0, ok, Read, 0, int64(2)},
			},
			valid: checker.Valid, failures: []int64{}, op: -1,
		},
		{
			name: "concurrent cas, both from the same value",
			h: []ev{
				{0, inv, Write, 0, int64(0)}, {0, ok, Write, 0, int64(0)},
				{1, inv, CAS, 0, cas(0, 1)}, {2, inv, CAS, 0, cas(0, 2)},
				{1, ok, CAS, 0, cas(0, 1)}, {2, ok, CAS, 0, cas(0, 2)},
			},
			valid: checker.Invalid, failures: []int64{0}, op: 5,
		},
		{
			name: "failed ops are dropped",
			h: []ev{
				{0, inv, Read, 0, nil}, {0, fail, Read, 0, nil},
				{1, inv, CAS, 0, cas(3, 4)}, {1, fail, CAS, 0, cas(3, 4)},
				{1, inv, Write, 0, int64(1)}, {1, ok, Write, 0, int64(1)},
				{1, inv, CAS, 0, cas(1, 2)}, {1, fail, CAS, 0, cas(1, 2)},
				{0, inv, Read, 0, nil}, {0, ok, Read, 0, int64(1)},
			},
			valid: checker.Valid, failures: []int64{}, op: -1,
		},
		{
			name: "cas on an unwritten register",
			h: []ev{
				{1, inv, CAS, 0, cas(0, 1)}, {1, ok, CAS, 0, cas(0, 1)},
			},
			valid: checker.Invalid, failures: []int64{0}, op: 1,
		},
		{
			name: "a nil read matches anything, as in Knossos",
			h: []ev{
				{0, inv, Write, 0, int64(1)}, {0, ok, Write, 0, int64(1)},
				{1, inv, Read, 0, nil}, {1, ok, Read, 0, nil},
			},
			valid: checker.Valid, failures: []int64{}, op: -1,
		},
		{
			name: "keys are independent",
			h: []ev{
				{0, inv, Write, 0, int64(1)}, {0, ok, Write, 0, int64(1)},
				{1, inv, Read, 1, nil}, {1, ok, Read, 1, int64(1)},
				{2, inv, Read, 0, nil}, {2, ok, Read, 0, int64(1)},
			},
			valid: checker.Invalid, failures: []int64{1}, op: -1,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := build(tt.h)
			got := Check(h, 10*time.Second)
			if got.Valid != tt.valid || !reflect.DeepEqual(got.Failures, tt.failures) {
				t.Fatalf("Check = valid %v, failures %v; want %v, %v\n%+v", got.Valid, got.Failures, tt.valid, tt.failures, got)
			}
			for k, r := range got.Results {
				if r.Valid != r.Linearizable.Valid || r.Linearizable.Analyzer != "porcupine" {
					t.Errorf("key %d: result %+v", k, r)
				}
			}
			if tt.op < 0 {
				return
			}
			a := got.Results[0].Linearizable
			if a.Op == nil || a.Op.Index != tt.op {
				t.Fatalf(":op = %+v, want the op at index %d", a.Op, tt.op)
			}
			if want := h[tt.op].Value.([]any)[1]; !reflect.DeepEqual(a.Op.Value, want) {
				t.Errorf(":op value = %v, want %v (unwrapped)", a.Op.Value, want)
			}
		})
	}
}

func TestCheckExplains(t *testing.T) {
	h := build([]ev{
		{0, inv, Write, 0, int64(1)}, {0, ok, Write, 0, int64(1)},
		{0, inv, Write, 0, int64(2)}, {0, ok, Write, 0, int64(2)},
		{1, inv, Read, 0, nil}, {1, ok, Read, 0, int64(1)},
	})
	a := Check(h, 0).Results[0].Linearizable
	if a.PreviousOK == nil || a.PreviousOK.Index != 3 || a.Value != int64(2) || a.Linearized != 2 || a.OpCount != 3 {
		t.Errorf("analysis = %+v, want previous-ok op 3, value 2, 2 of 3 ops linearized", a)
	}
}

func TestCheckMalformed(t *testing.T) {
	tests := []struct {
		name string
		h    []history.Op
		want string
	}{
		{"not a tuple", []history.Op{{Type: inv, F: Read, Value: int64(3)}}, "not a [key value] tuple"},
		{"key not an integer", []history.Op{{Type: inv, F: Read, Value: []any{"x", nil}}}, "is not an integer"},
		{"unknown function", []history.Op{{Type: inv, F: "append", Value: []any{int64(0), int64(1)}}}, "unknown function :append"},
	}
	for _, tt := range tests {
		got := Check(tt.h, 0)
		if got.Valid != checker.Unknown || !strings.Contains(got.Error, tt.want) {
			t.Errorf("%s: Check = %+v, want unknown with error %q", tt.name, got, tt.want)
		}
	}
}

// TestCheckTimeout builds a history porcupine cannot settle quickly: many
// concurrent :info writes, then reads that see them in an impossible order.
func TestCheckTimeout(t *testing.T) {
	var evs []ev
	const n = 40
	for i := range n {
		evs = append(evs, ev{i, inv, Write, 0, int64(i)})
	}
	for i := range n {
		evs = append(evs, ev{i, info, Write, 0, int64(i)})
	}
	for i := range n {
		evs = append(evs, ev{n, inv, Read, 0, nil}, ev{n, ok, Read, 0, int64(n - 1 - i)})
	}
	evs = append(evs, ev{n, inv, Read, 0, nil}, ev{n, ok, Read, 0, int64(n - 1)})
	start := time.Now()
	got := Check(build(evs), 200*time.Millisecond)
	if got.Valid != checker.Unknown || !strings.Contains(got.Results[0].Linearizable.Error, "timed out") {
		t.Fatalf("Check = %+v, want unknown, timed out", got)
	}
	if took := time.Since(start); took > 5*time.Second {
		t.Errorf("Check took %v with a 200ms timeout", took)
	}
}

func TestResultEncoding(t *testing.T) {
	var evs []ev
	for _, k := range []int64{10, 2, 0, 1} {
		evs = append(evs, ev{0, inv, Write, k, int64(1)}, ev{0, ok, Write, k, int64(1)})
	}
	evs = append(evs, ev{1, inv, Read, 2, nil}, ev{1, ok, Read, 2, int64(3)})
	r := Check(build(evs), 0)
	b, err := history.EDNLine(r)
	if err != nil {
		t.Fatal(err)
	}
	s := string(b)
	for _, want := range []string{":valid? false", ":failures [2]", ":analyzer :porcupine", ":op-count 1"} {
		if !strings.Contains(s, want) {
			t.Errorf("EDN %s lacks %q", s, want)
		}
	}
	if i := []int{strings.Index(s, "{0 {"), strings.Index(s, ", 1 {"), strings.Index(s, ", 2 {"), strings.Index(s, ", 10 {")}; !slices.IsSorted(i) || i[0] < 0 {
		t.Errorf("EDN %s: keys not in order (%v)", s, i)
	}
	var back map[edn.Keyword]any
	if err := edn.Unmarshal(b, &back); err != nil {
		t.Errorf("EDN %s does not parse: %v", s, err)
	}
	j, err := json.Marshal(r)
	if err != nil || !strings.Contains(string(j), `"failures":[2]`) || !strings.Contains(string(j), `"previous-ok"`) {
		t.Errorf("JSON %s, %v", j, err)
	}
}
