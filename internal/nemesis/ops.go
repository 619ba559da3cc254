package nemesis

import "github.com/glomers/glomers/internal/history"

// The helpers below build the nemesis's history ops; the recorder fills in
// Index and Time.

// The nemesis's functions and the keywords of its results.
const (
	FStart   history.Keyword = "start-partition"
	FStop    history.Keyword = "stop-partition"
	Isolated history.Keyword = "isolated"
	Healed   history.Keyword = "network-healed"
)

// StartInvocation records the start of a partition of the given spec:
// {:type :info, :process :nemesis, :f :start-partition, :value :<spec>}.
func StartInvocation(spec Spec) history.Op {
	return history.Op{Type: history.Info, Process: history.Nemesis, F: FStart, Value: history.Keyword(spec)}
}

// StartCompletion records the partition a start installed:
// {:type :info, :f :start-partition, :value [:isolated <grudge>]}.
func StartCompletion(g Grudge) history.Op {
	return history.Op{Type: history.Info, Process: history.Nemesis, F: FStart, Value: []any{Isolated, g}}
}

// StopInvocation records a heal: {:type :info, :f :stop-partition, :value nil}.
// It is also the final phase's single nemesis operation.
func StopInvocation() history.Op {
	return history.Op{Type: history.Info, Process: history.Nemesis, F: FStop}
}

// StopCompletion records that the network healed:
// {:type :info, :f :stop-partition, :value :network-healed}.
func StopCompletion() history.Op {
	return history.Op{Type: history.Info, Process: history.Nemesis, F: FStop, Value: Healed}
}
