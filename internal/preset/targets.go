package preset

import (
	"fmt"
	"strconv"

	"github.com/glomers/glomers/internal/checker/availability"
	"github.com/glomers/glomers/internal/checker/netstats"
	"github.com/glomers/glomers/internal/checker/stats"
	"github.com/glomers/glomers/internal/runner"
)

// TotalAvailability requires every client invocation to complete :ok
// (an :availability ok-fraction of exactly 1): official, as the challenges
// that have it pass --availability total.
var TotalAvailability = Target{Name: "ok-fraction 1.0", Official: true, Check: func(r runner.Results) (bool, string) {
	a, ok := r.Availability.(availability.Result)
	if !ok {
		return false, "no availability result"
	}
	return a.OKFraction == 1, strconv.FormatFloat(a.OKFraction, 'g', -1, 64)
}}

// OKFraction requires an :availability ok-fraction of at least min; who
// is as for MsgsPerOp.
func OKFraction(min float64, who string) Target {
	return Target{
		Name:     fmt.Sprintf("ok-fraction >= %s (%s)", strconv.FormatFloat(min, 'f', -1, 64), who),
		Official: who == "official",
		Check: func(r runner.Results) (bool, string) {
			a, ok := r.Availability.(availability.Result)
			if !ok {
				return false, "no availability result"
			}
			return a.OKFraction >= min, strconv.FormatFloat(a.OKFraction, 'f', 3, 64)
		},
	}
}

// NoServerMessages requires that no message went between nodes, or
// between a node and a service ([:net :servers :msg-count] is 0).
var NoServerMessages = Target{Name: "zero server messages (ours)", Check: func(r runner.Results) (bool, string) {
	n, ok := r.Net.(netstats.Result)
	if !ok {
		return false, "no net result"
	}
	return n.Servers.MsgCount == 0, strconv.Itoa(n.Servers.MsgCount) + " server messages"
}}

// NonCrashAvailability requires every client invocation other than
// kafka's :crash (always :info) and :debug-topic-partitions to complete
// :ok, counted from :stats by function.
var NonCrashAvailability = Target{Name: "ok-fraction 1.0 over non-crash ops (ours)", Check: func(r runner.Results) (bool, string) {
	s, ok := r.Stats.(stats.Result)
	if !ok {
		return false, "no stats result"
	}
	var n, okCount int
	for f, c := range s.ByF {
		if stats.Exempt[f] {
			continue
		}
		n += c.Count
		okCount += c.OKCount
	}
	if n == 0 {
		return false, "no non-crash ops"
	}
	frac := float64(okCount) / float64(n)
	return frac == 1, fmt.Sprintf("%g (%d of %d not ok)", frac, n-okCount, n)
}}
