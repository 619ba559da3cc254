package cli

import (
	"errors"
	"fmt"
	"math/big"
	"os"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/pflag"

	"github.com/glomers/glomers/internal/checker/availability"
	"github.com/glomers/glomers/internal/checker/elle"
	"github.com/glomers/glomers/internal/nemesis"
	"github.com/glomers/glomers/internal/network"
	"github.com/glomers/glomers/internal/runner"
	"github.com/glomers/glomers/internal/workload/registry"
)

// workloadNames are the workloads maelstrom test accepts.
var workloadNames = []string{"broadcast", "echo", "g-counter", "g-set", "kafka", "lin-kv", "pn-counter", "txn-list-append", "txn-rw-register", "unique-ids"}

var topologies = []string{"grid", "line", "tree", "tree2", "tree3", "tree4", "total"}

// testFlags holds the raw values of maelstrom test's flags.
type testFlags struct {
	workload, bin, concurrency, latencyDist, nemesis, nemesisInterval string
	availability, topology, consistencyModels, nodes, storeDir        string
	nodeList                                                          []string
	nodeCount, timeLimit, latency, keyCount, maxTxnLength             int
	maxWritesPerKey, testCount                                        int
	rate                                                              float64
	seed                                                              uint64
	logStderr, logNetSend, logNetRecv                                 bool
}

// registerTestFlags defines maelstrom test's flags on fs.
func registerTestFlags(fs *pflag.FlagSet, f *testFlags) {
	fs.StringVarP(&f.workload, "workload", "w", "lin-kv", "workload to run: "+strings.Join(workloadNames, ", "))
	fs.StringVar(&f.bin, "bin", "", "node binary to launch once per node (required)")
	fs.IntVar(&f.nodeCount, "node-count", 0, "number of nodes, named n0..n(N-1)")
	fs.StringVar(&f.nodes, "nodes", "", "comma-separated node names (default n1,n2,n3,n4,n5)")
	fs.StringArrayVarP(&f.nodeList, "node", "n", nil, "a node name (repeatable)")
	fs.StringVar(&f.concurrency, "concurrency", "1n", "client worker count: a number, or Nn for N times the node count")
	fs.Float64Var(&f.rate, "rate", 5, "client operations per second, in total")
	fs.IntVar(&f.timeLimit, "time-limit", 60, "seconds of the main phase")
	fs.IntVar(&f.latency, "latency", 0, "mean one-way latency of node and service messages, in ms")
	fs.StringVar(&f.latencyDist, "latency-dist", "constant", "latency distribution: constant, uniform or exponential")
	fs.StringVar(&f.nemesis, "nemesis", "", "faults to inject, comma-separated: partition, kill, pause")
	fs.StringVar(&f.nemesisInterval, "nemesis-interval", "10", "mean seconds between nemesis operations")
	fs.StringVar(&f.availability, "availability", "", "minimum ok fraction: total, or a number from 0 to 1")
	fs.StringVar(&f.topology, "topology", "grid", "broadcast topology: "+strings.Join(topologies, ", "))
	fs.StringVar(&f.consistencyModels, "consistency-models", "strict-serializable", "comma-separated consistency models (txn workloads)")
	fs.IntVar(&f.keyCount, "key-count", 0, "number of active keys (default: the workload's)")
	fs.IntVar(&f.maxTxnLength, "max-txn-length", 4, "longest transaction")
	fs.IntVar(&f.maxWritesPerKey, "max-writes-per-key", 16, "writes per key before it is retired")
	fs.BoolVar(&f.logStderr, "log-stderr", false, "also log every node stderr line to the console")
	fs.BoolVar(&f.logNetSend, "log-net-send", false, "log every message as it enters the network")
	fs.BoolVar(&f.logNetRecv, "log-net-recv", false, "log every message as it is delivered")
	fs.IntVar(&f.testCount, "test-count", 1, "run this many tests, stopping at the first that is not valid")
	fs.Uint64Var(&f.seed, "seed", 0, "seed for every random choice of the runner (default: from the clock; printed and stored)")
	fs.StringVar(&f.storeDir, "store", "store", "folder that keeps the runs")
	// Jepsen options Maelstrom accepts and ignores.
	for _, name := range []string{"username", "password", "ssh-private-key", "nodes-file"} {
		fs.String(name, "", "ignored")
		fs.MarkHidden(name)
	}
	for _, name := range []string{"strict-host-key-checking", "no-ssh", "leave-db-running", "logging-json"} {
		fs.Bool(name, false, "ignored")
		fs.MarkHidden(name)
	}
}

var concurrencyRE = regexp.MustCompile(`^(\d+)(n?)$`)

// config validates the flags and turns them into a runner configuration.
// Every problem is listed, one per line.
func (f *testFlags) config(fs *pflag.FlagSet, args []string) (runner.Config, error) {
	var errs []error
	bad := func(format string, a ...any) { errs = append(errs, fmt.Errorf(format, a...)) }
	cfg := runner.Config{Args: args, Rate: f.rate, StoreDir: f.storeDir, Seed: f.seed,
		LogStderr: f.logStderr, LogNetSend: f.logNetSend, LogNetRecv: f.logNetRecv,
		KeyCount: f.keyCount, MaxTxnLength: f.maxTxnLength, MaxWritesPerKey: f.maxWritesPerKey,
		Topology: f.topology}

	if f.bin == "" {
		bad("Expected a --bin PATH_TO_BINARY to test")
	} else if st, err := os.Stat(f.bin); err != nil {
		bad("--bin %s: %v (build the solutions with make build)", f.bin, err)
	} else if st.IsDir() || st.Mode()&0o111 == 0 {
		bad("--bin %s is not an executable file", f.bin)
	}
	cfg.Bin = f.bin
	if !contains(workloadNames, f.workload) {
		bad("--workload must be one of %s, got %q", strings.Join(workloadNames, ", "), f.workload)
	} else if w := registry.New(f.workload); w == nil {
		bad("workload %q is not implemented by glomers yet (implemented: %s)", f.workload, strings.Join(implemented(), ", "))
	} else {
		cfg.Workload = w
	}

	// Nodes: --node-count wins over --nodes; -n adds to the list.
	switch {
	case fs.Changed("node-count"):
		if f.nodeCount <= 0 {
			bad("--node-count must be positive, got %d", f.nodeCount)
		}
		for i := range max(f.nodeCount, 0) {
			cfg.Nodes = append(cfg.Nodes, fmt.Sprintf("n%d", i))
		}
		cfg.Nodes = append(cfg.Nodes, f.nodeList...)
	case f.nodes != "" || len(f.nodeList) > 0:
		if f.nodes != "" {
			cfg.Nodes = regexp.MustCompile(`,\s*`).Split(f.nodes, -1)
		}
		cfg.Nodes = append(cfg.Nodes, f.nodeList...)
	default:
		cfg.Nodes = []string{"n1", "n2", "n3", "n4", "n5"}
	}
	seen := map[string]bool{}
	for _, n := range cfg.Nodes {
		switch {
		case n == "":
			bad("node names must not be empty")
		case strings.HasPrefix(n, "c"):
			bad("node name %q starts with c, which Maelstrom reserves for clients", n)
		case seen[n]:
			bad("node %q is listed twice", n)
		}
		seen[n] = true
	}

	if m := concurrencyRE.FindStringSubmatch(f.concurrency); m == nil {
		bad("--concurrency must be a number, optionally followed by n (e.g. 4 or 2n), got %q", f.concurrency)
	} else {
		c, _ := strconv.Atoi(m[1])
		if m[2] == "n" {
			c *= len(cfg.Nodes)
		}
		if c <= 0 {
			bad("--concurrency must give at least one worker, got %q", f.concurrency)
		}
		cfg.Concurrency = c
	}
	if f.rate < 0 {
		bad("--rate must be zero or more, got %v", f.rate)
	}
	if f.timeLimit <= 0 {
		bad("--time-limit must be positive, got %d", f.timeLimit)
	}
	cfg.TimeLimit = time.Duration(f.timeLimit) * time.Second
	if f.latency < 0 {
		bad("--latency must be zero or more, got %d", f.latency)
	}
	dist, err := network.ParseDist(f.latencyDist)
	if err != nil {
		bad("--latency-dist: %v", err)
	}
	cfg.Latency = network.Latency{Mean: time.Duration(f.latency) * time.Millisecond, Dist: dist}

	if strings.TrimSpace(f.nemesis) != "" {
		for _, n := range regexp.MustCompile(`\s*,\s*`).Split(strings.TrimSpace(f.nemesis), -1) {
			f, err := nemesis.ParseFault(n)
			if err != nil {
				bad("--nemesis: %v", err)
			} else if !slices.Contains(cfg.Nemesis, string(f)) {
				cfg.Nemesis = append(cfg.Nemesis, string(f))
			}
		}
	}
	if iv, err := parseSeconds(f.nemesisInterval); err != nil || iv <= 0 {
		bad("--nemesis-interval must be a positive number of seconds (e.g. 10, 2.5 or 1/2), got %q", f.nemesisInterval)
	} else {
		cfg.NemesisInterval = time.Duration(iv * float64(time.Second))
	}
	if f.availability != "" {
		req, err := availability.Parse(f.availability)
		if err != nil {
			bad("%v", err)
		}
		cfg.Availability = req
	}
	if !contains(topologies, f.topology) {
		bad("--topology must be one of %s, got %q", strings.Join(topologies, ", "), f.topology)
	}
	// Maelstrom splits on \s+,\s+ only (a quirk); we accept "a,b" too.
	for _, m := range regexp.MustCompile(`\s*,\s*`).Split(strings.TrimSpace(f.consistencyModels), -1) {
		if !contains(elle.KnownModels(), m) {
			bad("--consistency-models: unknown model %q (known: %s)", m, strings.Join(elle.KnownModels(), ", "))
		}
		cfg.ConsistencyModels = append(cfg.ConsistencyModels, m)
	}
	for name, v := range map[string]int{"key-count": f.keyCount, "max-txn-length": f.maxTxnLength, "max-writes-per-key": f.maxWritesPerKey} {
		if fs.Changed(name) && v <= 0 {
			bad("--%s must be positive, got %d", name, v)
		}
	}
	if f.testCount <= 0 {
		bad("--test-count must be positive, got %d", f.testCount)
	}
	if f.seed == 0 {
		cfg.Seed = uint64(time.Now().UnixNano())
	}
	if cfg.Workload != nil && cfg.Workload.Validate != nil && len(errs) == 0 {
		if err := cfg.Workload.Validate(cfg.WorkloadOptions()); err != nil {
			bad("%v", err)
		}
	}
	return cfg, errors.Join(errs...)
}

// parseSeconds reads a number as Clojure's read-string would for this
// flag: an integer, a decimal or a ratio.
func parseSeconds(s string) (float64, error) {
	r, ok := new(big.Rat).SetString(strings.TrimSpace(s))
	if !ok {
		return 0, fmt.Errorf("not a number: %q", s)
	}
	f, _ := r.Float64()
	return f, nil
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
