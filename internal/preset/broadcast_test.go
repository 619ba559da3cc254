package preset

import (
	"testing"

	"github.com/glomers/glomers/internal/checker"
	"github.com/glomers/glomers/internal/checker/netstats"
	"github.com/glomers/glomers/internal/checker/setfull"
	"github.com/glomers/glomers/internal/runner"
)

func broadcastResults(perOp float64, median, max int64) runner.Results {
	return runner.Results{
		Valid:    checker.Valid,
		Net:      netstats.Result{Servers: netstats.Counts{MsgsPerOp: &perOp}},
		Workload: setfull.Result{Valid: checker.Valid, StableLatencies: &setfull.Quantiles{Median: median, Max: max}},
	}
}

func TestBroadcastTargets(t *testing.T) {
	p, err := Lookup("3e")
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name    string
		r       runner.Results
		failing []string
	}{
		{"ours met", broadcastResults(1.5, 300, 450), nil},
		{"at our bounds", broadcastResults(2.0, 400, 600), nil},
		{"too many messages", broadcastResults(2.01, 300, 450), []string{"msgs-per-op <= 2 (ours)"}},
		{"slow", broadcastResults(1.5, 401, 601), []string{
			"stable latency median <= 400ms (ours)", "stable latency max <= 600ms (ours)"}},
		{"official only", broadcastResults(19, 999, 1999), []string{
			"msgs-per-op <= 2 (ours)", "stable latency median <= 400ms (ours)", "stable latency max <= 600ms (ours)"}},
		{"nothing official", broadcastResults(20, 1000, 2000), []string{
			"msgs-per-op < 20 (official)", "stable latency median < 1s (official)", "stable latency max < 2s (official)",
			"msgs-per-op <= 2 (ours)", "stable latency median <= 400ms (ours)", "stable latency max <= 600ms (ours)"}},
		{"no results", runner.Results{Valid: checker.Unknown}, []string{
			"valid", "msgs-per-op < 20 (official)", "stable latency median < 1s (official)", "stable latency max < 2s (official)",
			"msgs-per-op <= 2 (ours)", "stable latency median <= 400ms (ours)", "stable latency max <= 600ms (ours)"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var failing []string
			for _, target := range p.Targets {
				if ok, _ := target.Check(tt.r); !ok {
					failing = append(failing, target.Name)
				}
			}
			if len(failing) != len(tt.failing) {
				t.Fatalf("failing %q, want %q", failing, tt.failing)
			}
			for i := range failing {
				if failing[i] != tt.failing[i] {
					t.Errorf("failing %q, want %q", failing, tt.failing)
				}
			}
		})
	}
	d, err := Lookup("3d")
	if err != nil {
		t.Fatal(err)
	}
	if ok, got := d.Targets[2].Check(broadcastResults(1, 400, 500)); ok {
		t.Errorf("3d's official median bound (< 400ms) accepted %s", got)
	}
}
