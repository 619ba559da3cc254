// Package runner runs one Maelstrom-style test: it starts the nodes, does
// the init handshake, drives clients through the main and final phases,
// stores the history and network journal, and runs the checkers.
package runner

import (
	"io"
	"os"
	"syscall"
	"time"

	"github.com/glomers/glomers/internal/checker/availability"
	"github.com/glomers/glomers/internal/network"
	"github.com/glomers/glomers/internal/workload"
)

// Config is everything one test needs. The CLI builds it from maelstrom
// test's flags.
type Config struct {
	Workload *workload.Workload
	Bin      string   // the node binary
	Args     []string // arguments passed to it

	Nodes           []string
	Concurrency     int
	Rate            float64 // client operations per second, in total; 0 means none
	TimeLimit       time.Duration
	Latency         network.Latency
	Nemesis         []string
	NemesisInterval time.Duration
	Availability    availability.Requirement

	Topology          string
	ConsistencyModels []string
	KeyCount          int
	MaxTxnLength      int
	MaxWritesPerKey   int

	LogStderr  bool
	LogNetSend bool
	LogNetRecv bool

	// Challenge is the preset the test runs for ("3e"), or "".
	Challenge string

	Seed     uint64   // seeds every random choice of the runner
	StoreDir string   // the store root, normally "store"
	Argv     []string // the command line, recorded in test.json

	Console  io.Writer // where people read the run; nil for none
	Progress bool      // show a live progress line (on a terminal)

	// Interrupt, if set, delivers SIGINT and SIGTERM. The first one stops
	// the test early but cleanly: no new operations, in-flight ones
	// complete or time out as usual, the nodes are stopped, and what
	// completed is checked and written, marked interrupted. A second one
	// kills the nodes and calls Exit at once.
	Interrupt <-chan os.Signal
	// Exit ends the program after a second signal; nil means os.Exit.
	Exit func(code int)
	// InitTimeout and RecoveryWait, when positive, replace the protocol's
	// DefaultInitTimeout and DefaultRecoveryWait; the CLI leaves them
	// zero, tests shorten them.
	InitTimeout  time.Duration
	RecoveryWait time.Duration
}

// Timeouts of the protocol, as Maelstrom has them.
const (
	// DefaultInitTimeout is how long a node has to answer init.
	DefaultInitTimeout = 10 * time.Second
	// DefaultRecoveryWait is how long the runner waits after healing the
	// network before the final phase.
	DefaultRecoveryWait = 10 * time.Second
	maxConsoleNotes     = 10
	// TeardownWait bounds, in all, how long teardown waits for killed
	// nodes to close their stdout and stderr.
	TeardownWait = 5 * time.Second
)

// SignalExitCode is the exit code of a program ended by sig: 128 plus its
// number (130 for SIGINT, 143 for SIGTERM), as a shell reports it.
func SignalExitCode(sig os.Signal) int {
	if s, ok := sig.(syscall.Signal); ok {
		return 128 + int(s)
	}
	return 128 + int(syscall.SIGINT)
}

func (c Config) initTimeout() time.Duration {
	if c.InitTimeout > 0 {
		return c.InitTimeout
	}
	return DefaultInitTimeout
}

func (c Config) recoveryWait() time.Duration {
	if c.RecoveryWait > 0 {
		return c.RecoveryWait
	}
	return DefaultRecoveryWait
}

// WorkloadOptions returns the options the workload sees (without its
// random source, which Run seeds).
func (c Config) WorkloadOptions() workload.Options {
	return workload.Options{
		Nodes: c.Nodes, Concurrency: c.Concurrency, KeyCount: c.KeyCount,
		MaxTxnLength: c.MaxTxnLength, MaxWritesPerKey: c.MaxWritesPerKey,
		Topology: c.Topology, ConsistencyModels: c.ConsistencyModels, Latency: c.Latency.Mean,
	}
}
