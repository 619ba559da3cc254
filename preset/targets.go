package preset

import (
	"strconv"

	"github.com/glomers/glomers/checker/availability"
	"github.com/glomers/glomers/checker/netstats"
	"github.com/glomers/glomers/runner"
)

// TotalAvailability requires every client invocation to complete :ok
// (an :availability ok-fraction of exactly 1).
var TotalAvailability = Target{Name: "ok-fraction 1.0", Check: func(r runner.Results) (bool, string) {
	a, ok := r.Availability.(availability.Result)
	if !ok {
		return false, "no availability result"
	}
	return a.OKFraction == 1, strconv.FormatFloat(a.OKFraction, 'g', -1, 64)
}}

// NoServerMessages requires that no message went between nodes, or
// between a node and a service ([:net :servers :msg-count] is 0).
var NoServerMessages = Target{Name: "zero server messages", Check: func(r runner.Results) (bool, string) {
	n, ok := r.Net.(netstats.Result)
	if !ok {
		return false, "no net result"
	}
	return n.Servers.MsgCount == 0, strconv.Itoa(n.Servers.MsgCount) + " server messages"
}}
