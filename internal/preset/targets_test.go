package preset

import (
	"testing"
	"time"

	"github.com/glomers/glomers/internal/checker"
	"github.com/glomers/glomers/internal/checker/availability"
	"github.com/glomers/glomers/internal/checker/netstats"
	"github.com/glomers/glomers/internal/history"
	"github.com/glomers/glomers/internal/runner"
)

func TestTargets(t *testing.T) {
	crashed := checker.Crashed{Valid: checker.Unknown, Error: "boom"}
	tests := []struct {
		name   string
		target Target
		r      runner.Results
		ok     bool
	}{
		{"all ok", TotalAvailability, runner.Results{Availability: availability.Result{OKFraction: 1}}, true},
		{"one failure", TotalAvailability, runner.Results{Availability: availability.Result{OKFraction: 0.999}}, false},
		{"availability crashed", TotalAvailability, runner.Results{Availability: crashed}, false},
		{"no server messages", NoServerMessages, runner.Results{Net: netstats.Result{Servers: netstats.Counts{}}}, true},
		{"one server message", NoServerMessages, runner.Results{Net: netstats.Result{Servers: netstats.Counts{MsgCount: 1}}}, false},
		{"net crashed", NoServerMessages, runner.Results{Net: crashed}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if ok, got := tt.target.Check(tt.r); ok != tt.ok || got == "" {
				t.Errorf("%s: got %v (%q), want %v", tt.target.Name, ok, got, tt.ok)
			}
		})
	}
}

func TestUniqueIDsPreset(t *testing.T) {
	p, err := Lookup("2")
	if err != nil {
		t.Fatal(err)
	}
	if p.Binary != "unique-ids" || len(p.Targets) != 3 {
		t.Errorf("preset 2: %+v", p)
	}
}

func TestOKFraction(t *testing.T) {
	target := OKFraction(0.55, "ours")
	if target.Name != "ok-fraction >= 0.55 (ours)" {
		t.Errorf("name %q", target.Name)
	}
	for _, tt := range []struct {
		r  runner.Results
		ok bool
	}{
		{runner.Results{Availability: availability.Result{OKFraction: 0.55}}, true},
		{runner.Results{Availability: availability.Result{OKFraction: 0.549}}, false},
		{runner.Results{}, false},
	} {
		if ok, got := target.Check(tt.r); ok != tt.ok {
			t.Errorf("%+v: got %v (%s), want %v", tt.r.Availability, ok, got, tt.ok)
		}
	}
}

func TestOKLatencies(t *testing.T) {
	ms := int64(time.Millisecond)
	h := []history.Op{
		{Index: 0, Type: history.Invoke, Process: 0, Time: 0},
		{Index: 1, Type: history.Invoke, Process: 1, Time: 0},
		{Index: 2, Type: history.OK, Process: 0, Time: 10 * ms},
		{Index: 3, Type: history.Fail, Process: 1, Time: 900 * ms}, // not ok: not counted
		{Index: 4, Type: history.Invoke, Process: 0, Time: 20 * ms},
		{Index: 5, Type: history.OK, Process: 0, Time: 50 * ms},
		{Index: 6, Type: history.Invoke, Process: history.Nemesis, Time: 0},
		{Index: 7, Type: history.Info, Process: history.Nemesis, Time: 5 * ms},
	}
	got := OKLatencies(h)
	want := Latencies{Count: 2, Median: 30 * time.Millisecond, P95: 30 * time.Millisecond, Max: 30 * time.Millisecond}
	if got != want {
		t.Errorf("got %+v, want %+v", got, want)
	}
	if (OKLatencies(nil) != Latencies{}) {
		t.Error("no ops should give zero latencies")
	}
}
