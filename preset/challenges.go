package preset

import "time"

// all lists the challenges in order, with the flags of
// ../shared/spec/challenges.md. Add one entry per challenge.
var all = []Preset{
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
}
