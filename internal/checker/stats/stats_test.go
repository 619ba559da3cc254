package stats

import (
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"testing"

	"github.com/glomers/glomers/internal/checker"
	"github.com/glomers/glomers/internal/conformance"
	"github.com/glomers/glomers/internal/history"
)

func TestConformanceStatsByF(t *testing.T) {
	path := filepath.Join(conformance.Dir(t), "extra", "stats-by-f.json")
	data, err := os.ReadFile(path)
	if err != nil {
		t.Skipf("skipping: %v", err)
	}
	var c struct {
		History []history.Op `json:"history"`
		Expect  Result       `json:"expect"`
	}
	if err := json.Unmarshal(data, &c); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	got := Check(c.History)
	if !reflect.DeepEqual(got, c.Expect) {
		t.Errorf("Check = %+v\nwant    %+v", got, c.Expect)
	}
}

func op(typ history.Type, p history.Process, f history.Keyword) history.Op {
	return history.Op{Type: typ, Process: p, F: f}
}

func TestCheck(t *testing.T) {
	type C = Counts
	tests := []struct {
		name string
		h    []history.Op
		want Result
	}{
		{
			name: "empty history",
			want: Result{Counts: C{Valid: checker.Valid}, ByF: map[history.Keyword]Counts{}},
		},
		{
			name: "invocations only",
			h:    []history.Op{op(history.Invoke, 0, "read"), op(history.Invoke, 1, "write")},
			want: Result{Counts: C{Valid: checker.Valid}, ByF: map[history.Keyword]Counts{}},
		},
		{
			name: "nemesis ops ignored",
			h: []history.Op{
				op(history.Info, history.Nemesis, "start-partition"),
				op(history.Invoke, 0, "read"),
				op(history.OK, 0, "read"),
				op(history.Info, history.Nemesis, "stop-partition"),
			},
			want: Result{
				Counts: C{Valid: checker.Valid, Count: 1, OKCount: 1},
				ByF:    map[history.Keyword]Counts{"read": {Valid: checker.Valid, Count: 1, OKCount: 1}},
			},
		},
		{
			name: "crash counted but exempt from the verdict",
			h: []history.Op{
				op(history.Invoke, 0, "send"),
				op(history.OK, 0, "send"),
				op(history.Invoke, 1, "crash"),
				op(history.Info, 1, "crash"),
			},
			want: Result{
				Counts: C{Valid: checker.Valid, Count: 2, OKCount: 1, InfoCount: 1},
				ByF: map[history.Keyword]Counts{
					"send":  {Valid: checker.Valid, Count: 1, OKCount: 1},
					"crash": {Valid: checker.Invalid, Count: 1, InfoCount: 1},
				},
			},
		},
		{
			name: "function that never succeeds",
			h: []history.Op{
				op(history.OK, 0, "add"),
				op(history.Fail, 1, "read"),
				op(history.Info, 2, "read"),
			},
			want: Result{
				Counts: C{Valid: checker.Invalid, Count: 3, OKCount: 1, FailCount: 1, InfoCount: 1},
				ByF: map[history.Keyword]Counts{
					"add":  {Valid: checker.Valid, Count: 1, OKCount: 1},
					"read": {Valid: checker.Invalid, Count: 2, FailCount: 1, InfoCount: 1},
				},
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Check(tt.h)
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("Check = %+v\nwant    %+v", got, tt.want)
			}
			if got.Validity() != tt.want.Valid {
				t.Errorf("Validity() = %v, want %v", got.Validity(), tt.want.Valid)
			}
		})
	}
}
