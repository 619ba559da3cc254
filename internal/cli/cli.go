// Package cli is the glomers command line: test (maelstrom test's flags),
// run (the challenge presets) and their exit codes.
package cli

import (
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"

	"github.com/spf13/pflag"

	"github.com/glomers/glomers/internal/checker"
	"github.com/glomers/glomers/internal/runner"
	"github.com/glomers/glomers/internal/workload/registry"
)

// Exit codes, as Maelstrom's.
const (
	ExitValid   = 0
	ExitInvalid = 1
	ExitUnknown = 2
	ExitUsage   = 254
	ExitCrash   = 255
)

func implemented() []string { return registry.Names() }

// Env is what a command reads and writes.
type Env struct {
	Stdout, Stderr io.Writer
	Terminal       bool // stdout is a terminal: show progress
	// HandleSignals makes test, run and bench catch SIGINT and SIGTERM
	// and stop a test cleanly (see runner.Config.Interrupt).
	HandleSignals bool
	// Interrupt delivers the caught signals; Main sets it.
	Interrupt <-chan os.Signal
}

const usage = `Usage: glomers COMMAND [OPTIONS ...]

Commands:
  test   run one test, with maelstrom test's flags (glomers test --help)
  run    run a challenge at its official flags and check its targets:
         glomers run ID|all [--bin-dir DIR] [--seed N]
  bench    run a challenge several times and print its figures:
           glomers bench ID|broadcast [--runs N] [--partition]
  presets  print challenges as "ID BINARY FLAGS..." lines: glomers presets ID|all
  analyze  re-run the checkers on a stored run (-t FOLDER, default the latest)
           or on a history file (--history FILE -w WORKLOAD)
  serve    browse the store's runs: glomers serve [--host H] [--port P] [--store DIR]
`

// Main runs the command line args (without the program name) and returns
// the exit code.
func Main(args []string, env Env) int {
	if len(args) == 0 {
		fmt.Fprint(env.Stderr, usage)
		return ExitUsage
	}
	switch args[0] {
	case "test", "run", "bench":
		if env.HandleSignals && env.Interrupt == nil {
			ch := make(chan os.Signal, 2)
			signal.Notify(ch, os.Interrupt, syscall.SIGTERM)
			defer signal.Stop(ch)
			env.Interrupt = ch
		}
	}
	switch args[0] {
	case "test":
		return testCmd(args[1:], env)
	case "run":
		return runCmd(args[1:], env)
	case "analyze":
		return analyzeCmd(args[1:], env)
	case "presets":
		return presetsCmd(args[1:], env)
	case "serve":
		return serveCmd(args[1:], env)
	case "bench":
		return benchCmd(args[1:], env)
	case "-h", "--help", "help":
		fmt.Fprint(env.Stdout, usage)
		return ExitValid
	}
	fmt.Fprintf(env.Stderr, "glomers: unknown command %q\n\n%s", args[0], usage)
	return ExitUsage
}

// parseTest parses maelstrom test's flags. It returns a non-nil exit code
// when the command should stop (help, or bad arguments).
func parseTest(args []string, env Env) (runner.Config, int, *testFlags, bool) {
	fs := pflag.NewFlagSet("glomers test", pflag.ContinueOnError)
	fs.SetOutput(io.Discard)
	var f testFlags
	registerTestFlags(fs, &f)
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, pflag.ErrHelp) {
			fmt.Fprintf(env.Stdout, "Usage: glomers test -w WORKLOAD --bin BINARY [OPTIONS] [-- BINARY ARGS]\n\n%s", fs.FlagUsages())
			return runner.Config{}, ExitValid, nil, false
		}
		fmt.Fprintf(env.Stderr, "%v\n", err)
		return runner.Config{}, ExitUsage, nil, false
	}
	cfg, err := f.config(fs, fs.Args())
	if err != nil {
		fmt.Fprintf(env.Stderr, "%v\n", err)
		return runner.Config{}, ExitUsage, nil, false
	}
	cfg.Argv = append([]string{"test"}, args...)
	cfg.Console = env.Stdout
	cfg.Progress = env.Terminal
	cfg.Interrupt = env.Interrupt
	return cfg, 0, &f, true
}

func testCmd(args []string, env Env) int {
	cfg, code, f, ok := parseTest(args, env)
	if !ok {
		return code
	}
	seed := cfg.Seed
	for i := 0; i < f.testCount; i++ {
		if i > 0 {
			cfg.Seed = seed + uint64(i)
		}
		out, err := runner.Run(cfg)
		if code := exitCode(out, err, env); code != ExitValid {
			return code
		}
	}
	return ExitValid
}

// exitCode reports a finished run's verdict as an exit code.
func exitCode(out *runner.Outcome, err error, env Env) int {
	var crash *runner.CrashError
	switch {
	case errors.As(err, &crash):
		// The runner has printed the report; say where it is kept.
		if out != nil {
			fmt.Fprintf(env.Stderr, "\nglomers: the test crashed (report above and in %s; history and node logs are there too)\n", filepath.Join(out.Dir, runner.CrashFile))
		} else {
			fmt.Fprintf(env.Stderr, "\nglomers: the test crashed:\n%v\n", crash.Err)
		}
		return ExitCrash
	case err != nil:
		fmt.Fprintf(env.Stderr, "glomers: %v\n", err)
		return ExitCrash
	}
	if out.Interrupted != nil {
		fmt.Fprintf(env.Stderr, "\nglomers: interrupted; the results in %s cover only the operations that completed before it (verdict: %v)\n", out.Dir, out.Results.Valid)
		return runner.SignalExitCode(out.Interrupted)
	}
	switch out.Results.Valid {
	case checker.Valid:
		return ExitValid
	case checker.Invalid:
		return ExitInvalid
	}
	return ExitUnknown
}

// defaultBinDir is the folder of the running glomers binary, where make
// build puts every solution.
func defaultBinDir() string {
	exe, err := os.Executable()
	if err != nil {
		return "bin"
	}
	return filepath.Dir(exe)
}

func join(xs []string) string { return strings.Join(xs, " ") }
