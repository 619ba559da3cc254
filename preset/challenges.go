package preset

// all lists the challenges in order, with the flags of
// ../shared/spec/challenges.md. Add one entry per challenge.
var all = []Preset{
	{
		ID: "1", Title: "echo", Binary: "echo",
		Flags:   []string{"-w", "echo", "--node-count", "1", "--time-limit", "10"},
		Targets: []Target{Valid},
	},
}
