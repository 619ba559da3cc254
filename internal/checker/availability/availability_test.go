package availability

import (
	"testing"

	"github.com/glomers/glomers/internal/checker"
	"github.com/glomers/glomers/internal/history"
)

func TestParse(t *testing.T) {
	tests := []struct {
		in      string
		want    Requirement
		wantErr bool
	}{
		{"total", Requirement{Set: true, Total: true, Min: 1}, false},
		{"0.5", Requirement{Set: true, Min: 0.5}, false},
		{"0", Requirement{Set: true, Min: 0}, false},
		{"1", Requirement{Set: true, Min: 1}, false},
		{".99", Requirement{Set: true, Min: 0.99}, false},
		{"", Requirement{}, true},
		{"Total", Requirement{}, true},
		{":total", Requirement{}, true},
		{"half", Requirement{}, true},
		{"1.5", Requirement{}, true},
		{"-0.1", Requirement{}, true},
		{"NaN", Requirement{}, true},
		{"Inf", Requirement{}, true},
	}
	for _, tt := range tests {
		got, err := Parse(tt.in)
		if got != tt.want || (err != nil) != tt.wantErr {
			t.Errorf("Parse(%q) = %+v, %v; want %+v, error %v", tt.in, got, err, tt.want, tt.wantErr)
		}
		if err == nil {
			if back, err := Parse(got.String()); err != nil || back != got {
				t.Errorf("Parse(%q).String() = %q does not parse back: %+v, %v", tt.in, got.String(), back, err)
			}
		}
	}
	if s := (Requirement{}).String(); s != "" {
		t.Errorf("zero Requirement prints %q, want \"\"", s)
	}
}

// ops returns a history of n invocations, ok of which complete :ok and the
// rest :fail, plus nemesis :info ops around them.
func ops(n, ok int) []history.Op {
	h := []history.Op{{Type: history.Info, Process: history.Nemesis, F: "start-partition"}}
	for i := range n {
		p := history.Process(i)
		h = append(h, history.Op{Type: history.Invoke, Process: p, F: "read"})
		typ := history.Fail
		if i < ok {
			typ = history.OK
		}
		h = append(h, history.Op{Type: typ, Process: p, F: "read"})
	}
	return append(h, history.Op{Type: history.Info, Process: history.Nemesis, F: "stop-partition"})
}

func TestCheck(t *testing.T) {
	none := Requirement{}
	total := Requirement{Set: true, Total: true, Min: 1}
	half := Requirement{Set: true, Min: 0.5}
	tests := []struct {
		name string
		h    []history.Op
		req  Requirement
		frac float64
		want checker.Validity
	}{
		{"empty, none", nil, none, 1, checker.Valid},
		{"empty, total", nil, total, 1, checker.Valid},
		{"empty, half", nil, half, 1, checker.Valid},
		{"all ok, total", ops(4, 4), total, 1, checker.Valid},
		{"one failed, total", ops(4, 3), total, 0.75, checker.Invalid},
		{"none ok, none", ops(4, 0), none, 0, checker.Valid},
		{"exactly half", ops(4, 2), half, 0.5, checker.Valid},
		{"below half", ops(3, 1), half, 1.0 / 3, checker.Invalid},
		{"above half", ops(3, 2), half, 2.0 / 3, checker.Valid},
		{"pending invocation counts", append(ops(1, 1), history.Op{Type: history.Invoke, Process: 5}), total, 0.5, checker.Invalid},
	}
	for _, tt := range tests {
		got := Check(tt.h, tt.req)
		if got.OKFraction != tt.frac || got.Valid != tt.want || got.Validity() != tt.want {
			t.Errorf("%s: Check = %+v, want ok-fraction %v, valid %v", tt.name, got, tt.frac, tt.want)
		}
	}
}
