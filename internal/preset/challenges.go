package preset

import "time"

// all lists the challenges in order, with the flags of
// ../shared/spec/challenges.md, then our fault presets.
var all = append(official, faultPresets()...)

// official lists the challenges in order, with the flags of
// ../shared/spec/challenges.md. Add one entry per challenge.
var official = []Preset{
	{
		ID: "1", Title: "echo", Binary: "echo",
		Flags:   []string{"-w", "echo", "--node-count", "1", "--time-limit", "10"},
		Targets: []Target{Valid},
	},
	{
		ID: "2", Title: "unique ids", Binary: "unique-ids",
		Flags:   []string{"-w", "unique-ids", "--time-limit", "30", "--rate", "1000", "--node-count", "3", "--availability", "total", "--nemesis", "partition"},
		Targets: []Target{Valid, TotalAvailability, NoServerMessages},
	},
	{
		ID: "3a", Title: "single-node broadcast", Binary: "broadcast",
		Flags:   []string{"-w", "broadcast", "--node-count", "1", "--time-limit", "20", "--rate", "10"},
		Targets: []Target{Valid},
	},
	{
		ID: "3b", Title: "multi-node broadcast", Binary: "broadcast",
		Flags:   []string{"-w", "broadcast", "--node-count", "5", "--time-limit", "20", "--rate", "10"},
		Targets: []Target{Valid},
	},
	{
		ID: "3c", Title: "fault-tolerant broadcast", Binary: "broadcast",
		Flags:   []string{"-w", "broadcast", "--node-count", "5", "--time-limit", "20", "--rate", "10", "--nemesis", "partition"},
		Targets: []Target{Valid},
	},
	{
		ID: "3d", Title: "efficient broadcast, part I", Binary: "broadcast",
		Flags:   []string{"-w", "broadcast", "--node-count", "25", "--time-limit", "20", "--rate", "100", "--latency", "100"},
		Targets: broadcastTargets(30, 400*time.Millisecond, 600*time.Millisecond),
	},
	{
		ID: "3e", Title: "efficient broadcast, part II", Binary: "broadcast",
		Flags:   []string{"-w", "broadcast", "--node-count", "25", "--time-limit", "20", "--rate", "100", "--latency", "100"},
		Targets: broadcastTargets(20, time.Second, 2*time.Second),
	},
	{
		ID: "4", Title: "grow-only counter", Binary: "g-counter",
		Flags:   []string{"-w", "g-counter", "--node-count", "3", "--rate", "100", "--time-limit", "20", "--nemesis", "partition"},
		Targets: []Target{Valid},
	},
	{
		ID: "5a", Title: "single-node kafka-style log", Binary: "kafka-log",
		Flags:   []string{"-w", "kafka", "--node-count", "1", "--concurrency", "2n", "--time-limit", "20", "--rate", "1000"},
		Targets: []Target{Valid},
	},
	{
		ID: "5b", Title: "multi-node kafka-style log", Binary: "kafka-log",
		Flags:   []string{"-w", "kafka", "--node-count", "2", "--concurrency", "2n", "--time-limit", "20", "--rate", "1000"},
		Targets: []Target{Valid},
	},
	{
		ID: "5c", Title: "efficient kafka-style log", Binary: "kafka-log",
		Flags:   []string{"-w", "kafka", "--node-count", "2", "--concurrency", "2n", "--time-limit", "20", "--rate", "1000"},
		Targets: []Target{Valid, MsgsPerOp(1.0, true, "ours"), NonCrashAvailability},
	},
	{
		ID: "6a", Title: "single-node, totally-available transactions", Binary: "txn-kv",
		Flags:   []string{"-w", "txn-rw-register", "--node-count", "1", "--time-limit", "20", "--rate", "1000", "--concurrency", "2n", "--consistency-models", "read-uncommitted", "--availability", "total"},
		Targets: []Target{Valid, TotalAvailability},
	},
	{
		ID: "6b", Title: "totally-available, read uncommitted transactions", Binary: "txn-kv",
		Flags:   []string{"-w", "txn-rw-register", "--node-count", "2", "--concurrency", "2n", "--time-limit", "20", "--rate", "1000", "--consistency-models", "read-uncommitted", "--availability", "total", "--nemesis", "partition"},
		Targets: []Target{Valid, TotalAvailability},
	},
	{
		ID: "6c", Title: "totally-available, read committed transactions", Binary: "txn-kv",
		Flags:   []string{"-w", "txn-rw-register", "--node-count", "2", "--concurrency", "2n", "--time-limit", "20", "--rate", "1000", "--consistency-models", "read-committed", "--availability", "total", "--nemesis", "partition"},
		Targets: []Target{Valid, TotalAvailability},
	},
	{
		ID: "7a", Title: "linearizable key-value store on Raft", Binary: "raft-kv",
		Flags:   []string{"-w", "lin-kv", "--node-count", "3", "--concurrency", "4n", "--rate", "30", "--time-limit", "20"},
		Targets: []Target{Valid, MsgsPerOp(3.0, true, "ours")},
		Latency: true,
	},
	{
		ID: "7b", Title: "linearizable key-value store on Raft, partitions", Binary: "raft-kv",
		Flags:   []string{"-w", "lin-kv", "--node-count", "3", "--concurrency", "4n", "--rate", "30", "--time-limit", "60", "--nemesis", "partition", "--nemesis-interval", "10"},
		Targets: []Target{Valid, OKFraction(0.55, "ours"), MsgsPerOp(3.0, true, "ours")},
		Latency: true,
	},
}
