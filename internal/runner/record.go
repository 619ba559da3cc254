package runner

import "github.com/glomers/glomers/internal/rundir"

// NewRecord describes cfg.
func NewRecord(cfg Config) rundir.Record {
	return rundir.Record{
		Name: cfg.Workload.Name, Challenge: cfg.Challenge, Argv: cfg.Argv, Seed: cfg.Seed, Bin: cfg.Bin, Args: cfg.Args,
		Nodes: cfg.Nodes, Concurrency: cfg.Concurrency, Rate: cfg.Rate, TimeLimit: cfg.TimeLimit.Seconds(),
		Latency: cfg.Latency.Mean.Milliseconds(), LatencyDist: string(cfg.Latency.Dist),
		Nemesis: cfg.Nemesis, NemesisInterval: cfg.NemesisInterval.Seconds(),
		Availability: cfg.Availability.String(), Topology: cfg.Topology,
		ConsistencyModels: cfg.ConsistencyModels, KeyCount: cfg.KeyCount,
		MaxTxnLength: cfg.MaxTxnLength, MaxWritesPerKey: cfg.MaxWritesPerKey,
	}
}
