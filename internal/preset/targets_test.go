package preset

import (
	"testing"

	"github.com/glomers/glomers/internal/checker"
	"github.com/glomers/glomers/internal/checker/availability"
	"github.com/glomers/glomers/internal/checker/netstats"
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
