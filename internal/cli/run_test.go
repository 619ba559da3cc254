package cli

import (
	"bytes"
	"strings"
	"testing"

	"github.com/glomers/glomers/internal/checker"
	"github.com/glomers/glomers/internal/checker/netstats"
	"github.com/glomers/glomers/internal/checker/setfull"
	"github.com/glomers/glomers/internal/preset"
	"github.com/glomers/glomers/internal/runner"
)

// broadcastResults is a valid 3e-style run with the given server
// msgs-per-op and stable latencies (ms).
func broadcastResults(msgsPerOp float64, median, max int64) runner.Results {
	return runner.Results{
		Valid:    checker.Valid,
		Net:      netstats.Result{Valid: checker.Valid, Servers: netstats.Counts{MsgsPerOp: &msgsPerOp}},
		Workload: setfull.Result{Valid: checker.Valid, StableLatencies: &setfull.Quantiles{Median: median, Max: max}},
	}
}

// TestJudge: a run fails (exit 1) only for an invalid verdict or a missed
// official limit; a missed goal of ours is shown but never fails it, and
// the summary names every missed target.
func TestJudge(t *testing.T) {
	p3e, err := preset.Lookup("3e")
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name       string
		res        runner.Results
		code       int
		wantCode   int
		wantMissed []string
		official   string
	}{
		{"all met", broadcastResults(1.5, 300, 500), ExitValid, ExitValid, nil, "met"},
		{"our max latency missed", broadcastResults(1.5, 300, 634), ExitValid, ExitValid,
			[]string{"stable latency max <= 600ms (ours): 634ms"}, "met"},
		{"official msgs-per-op and our goal missed", broadcastResults(25, 300, 500), ExitValid, ExitInvalid,
			[]string{"msgs-per-op < 20 (official): 25.00", "msgs-per-op <= 2 (ours): 25.00"}, "MISSED"},
		{"invalid verdict", func() runner.Results { r := broadcastResults(1, 1, 1); r.Valid = checker.Invalid; return r }(),
			ExitInvalid, ExitInvalid, []string{"valid: false"}, "MISSED"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var out bytes.Buffer
			r := judge(p3e, tt.res, nil, tt.code, &out)
			if r.code != tt.wantCode {
				t.Errorf("code %d, want %d\n%s", r.code, tt.wantCode, out.String())
			}
			if strings.Join(r.missed, "|") != strings.Join(tt.wantMissed, "|") {
				t.Errorf("missed %q, want %q", r.missed, tt.wantMissed)
			}
			var sum bytes.Buffer
			printSummary(&sum, []row{r})
			for _, m := range tt.wantMissed {
				if !strings.Contains(sum.String(), m) {
					t.Errorf("summary lacks %q:\n%s", m, sum.String())
				}
			}
			if !strings.Contains(sum.String(), "  "+tt.official+"  ") {
				t.Errorf("summary does not say official limits %s:\n%s", tt.official, sum.String())
			}
			if len(tt.wantMissed) > 0 && tt.wantCode == ExitValid && !strings.Contains(out.String(), "does not fail the run") {
				t.Errorf("target lines do not say a missed goal does not fail the run:\n%s", out.String())
			}
		})
	}
}
