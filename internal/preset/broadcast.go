package preset

import (
	"fmt"
	"strconv"
	"time"

	"github.com/glomers/glomers/internal/checker/netstats"
	"github.com/glomers/glomers/internal/checker/setfull"
	"github.com/glomers/glomers/internal/runner"
)

// MsgsPerOp requires [:net :servers :msgs-per-op] below limit (at most
// limit when inclusive). who labels the bound: "official" makes it an
// official target, anything else ("ours") a goal.
func MsgsPerOp(limit float64, inclusive bool, who string) Target {
	return Target{
		Name:     fmt.Sprintf("msgs-per-op %s %s (%s)", cmp(inclusive), strconv.FormatFloat(limit, 'f', -1, 64), who),
		Official: who == "official",
		Check: func(r runner.Results) (bool, string) {
			n, ok := r.Net.(netstats.Result)
			if !ok || n.Servers.MsgsPerOp == nil {
				return false, "no msgs-per-op"
			}
			got := *n.Servers.MsgsPerOp
			return within(got, limit, inclusive), strconv.FormatFloat(got, 'f', 2, 64)
		},
	}
}

// StableLatency requires a quantile of the broadcast checker's
// :stable-latencies (0.5 for the median, 1 for the maximum) below limit
// (at most limit when inclusive). who is as for MsgsPerOp.
func StableLatency(quantile float64, limit time.Duration, inclusive bool, who string) Target {
	label := "median"
	if quantile == 1 {
		label = "max"
	}
	return Target{
		Name:     fmt.Sprintf("stable latency %s %s %s (%s)", label, cmp(inclusive), limit, who),
		Official: who == "official",
		Check: func(r runner.Results) (bool, string) {
			s, ok := r.Workload.(setfull.Result)
			if !ok || s.StableLatencies == nil {
				return false, "no stable latencies"
			}
			ms := s.StableLatencies.Median
			if quantile == 1 {
				ms = s.StableLatencies.Max
			}
			got := time.Duration(ms) * time.Millisecond
			return within(float64(got), float64(limit), inclusive), got.String()
		},
	}
}

func cmp(inclusive bool) string {
	if inclusive {
		return "<="
	}
	return "<"
}

func within(got, limit float64, inclusive bool) bool {
	if inclusive {
		return got <= limit
	}
	return got < limit
}

// broadcastOurs are our targets for 3d and 3e: one build that is both
// cheap and fast.
var broadcastOurs = []Target{
	MsgsPerOp(2.0, true, "ours"),
	StableLatency(0.5, 400*time.Millisecond, true, "ours"),
	StableLatency(1, 600*time.Millisecond, true, "ours"),
}

// broadcastTargets are 3d's and 3e's targets: valid, the official bounds,
// then ours.
func broadcastTargets(msgs float64, median, max time.Duration) []Target {
	ts := []Target{
		Valid,
		MsgsPerOp(msgs, false, "official"),
		StableLatency(0.5, median, false, "official"),
		StableLatency(1, max, false, "official"),
	}
	return append(ts, broadcastOurs...)
}
