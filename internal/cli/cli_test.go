package cli

import (
	"bytes"
	"os"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/spf13/pflag"

	"github.com/glomers/glomers/internal/network"
)

// exe is an executable file to pass as --bin: the test binary itself.
var exe = os.Args[0]

func TestBadArguments(t *testing.T) {
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"no command", nil, "Usage: glomers COMMAND"},
		{"unknown command", []string{"frobnicate"}, `unknown command "frobnicate"`},
		{"missing bin", []string{"test", "-w", "echo"}, "Expected a --bin PATH_TO_BINARY to test"},
		{"unknown workload", []string{"test", "-w", "nope", "--bin", exe}, `--workload must be one of`},
		{"unknown flag", []string{"test", "-w", "echo", "--bin", exe, "--frob"}, "unknown flag: --frob"},
		{"malformed number", []string{"test", "-w", "echo", "--bin", exe, "--rate", "fast"}, `invalid argument "fast"`},
		{"negative rate", []string{"test", "-w", "echo", "--bin", exe, "--rate", "-1"}, "--rate must be zero or more"},
		{"zero time limit", []string{"test", "-w", "echo", "--bin", exe, "--time-limit", "0"}, "--time-limit must be positive"},
		{"bad concurrency", []string{"test", "-w", "echo", "--bin", exe, "--concurrency", "2x"}, "--concurrency must be a number"},
		{"bad latency dist", []string{"test", "-w", "echo", "--bin", exe, "--latency-dist", "pareto"}, `unknown latency distribution "pareto"`},
		{"bad nemesis", []string{"test", "-w", "echo", "--bin", exe, "--nemesis", "partition,crash"}, `--nemesis: unknown fault "crash" (known: partition, kill, pause)`},
		{"bad nemesis interval", []string{"test", "-w", "echo", "--bin", exe, "--nemesis-interval", "0"}, "--nemesis-interval must be a positive number"},
		{"bad availability", []string{"test", "-w", "echo", "--bin", exe, "--availability", "most"}, `--availability must be "total" or a number`},
		{"bad topology", []string{"test", "-w", "echo", "--bin", exe, "--topology", "ring"}, "--topology must be one of"},
		{"bad model", []string{"test", "-w", "echo", "--bin", exe, "--consistency-models", "serializable,snapshot"}, `unknown model "snapshot"`},
		{"zero node count", []string{"test", "-w", "echo", "--bin", exe, "--node-count", "0"}, "--node-count must be positive"},
		{"client-like node name", []string{"test", "-w", "echo", "--bin", exe, "--nodes", "n1,c2"}, `node name "c2" starts with c`},
		{"missing binary", []string{"test", "-w", "echo", "--bin", "/nonexistent/node"}, "--bin /nonexistent/node: stat"},
		{"binary that is a folder", []string{"test", "-w", "echo", "--bin", os.TempDir()}, "is not an executable file"},
		{"lin-kv concurrency", []string{"test", "-w", "lin-kv", "--bin", exe, "--node-count", "3", "--concurrency", "5"}, "lin-kv needs --concurrency to be a multiple of 2n"},
		{"unknown challenge", []string{"run", "9z"}, `no challenge "9z"`},
		{"run without id", []string{"run"}, "glomers run takes one challenge id or all"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			code := Main(tt.args, Env{Stdout: &stdout, Stderr: &stderr})
			if code != ExitUsage {
				t.Errorf("exit code %d, want %d", code, ExitUsage)
			}
			if !strings.Contains(stderr.String(), tt.want) {
				t.Errorf("stderr %q lacks %q", stderr.String(), tt.want)
			}
		})
	}
}

func TestHelp(t *testing.T) {
	for _, args := range [][]string{{"--help"}, {"test", "--help"}, {"run", "--help"}} {
		var stdout, stderr bytes.Buffer
		if code := Main(args, Env{Stdout: &stdout, Stderr: &stderr}); code != ExitValid {
			t.Errorf("%v: exit %d, want 0", args, code)
		}
		if !strings.Contains(stdout.String(), "Usage") {
			t.Errorf("%v: no usage in %q", args, stdout.String())
		}
	}
}

func TestTestFlags(t *testing.T) {
	tests := []struct {
		name        string
		args        []string
		nodes       []string
		concurrency int
		binArgs     []string
		check       func(t *testing.T, f *testFlags)
	}{
		{name: "defaults", args: nil, nodes: []string{"n1", "n2", "n3", "n4", "n5"}, concurrency: 5},
		{name: "node count", args: []string{"--node-count", "3", "--concurrency", "2n"}, nodes: []string{"n0", "n1", "n2"}, concurrency: 6},
		{name: "node list", args: []string{"--nodes", "a, b,d", "--concurrency", "4"}, nodes: []string{"a", "b", "d"}, concurrency: 4},
		{name: "repeated node flag", args: []string{"-n", "x", "-n", "y"}, nodes: []string{"x", "y"}, concurrency: 2},
		{name: "binary arguments anywhere", args: []string{"foo", "--node-count", "1", "--", "--bar"}, nodes: []string{"n0"}, concurrency: 1, binArgs: []string{"foo", "--bar"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fs := pflag.NewFlagSet("t", pflag.ContinueOnError)
			var f testFlags
			registerTestFlags(fs, &f)
			if err := fs.Parse(append([]string{"-w", "echo", "--bin", exe}, tt.args...)); err != nil {
				t.Fatal(err)
			}
			cfg, err := f.config(fs, fs.Args())
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(cfg.Nodes, tt.nodes) {
				t.Errorf("nodes %v, want %v", cfg.Nodes, tt.nodes)
			}
			if cfg.Concurrency != tt.concurrency {
				t.Errorf("concurrency %d, want %d", cfg.Concurrency, tt.concurrency)
			}
			if len(tt.binArgs) > 0 && !reflect.DeepEqual(cfg.Args, tt.binArgs) {
				t.Errorf("binary args %v, want %v", cfg.Args, tt.binArgs)
			}
		})
	}
}

func TestFlagValues(t *testing.T) {
	fs := pflag.NewFlagSet("t", pflag.ContinueOnError)
	var f testFlags
	registerTestFlags(fs, &f)
	args := []string{"-w", "echo", "--bin", exe, "--latency", "100", "--latency-dist", "uniform",
		"--nemesis", "partition, kill,pause,kill", "--nemesis-interval", "1/2", "--consistency-models", "read-committed , serializable,PL-3",
		"--availability", "total", "--time-limit", "7", "--seed", "42"}
	if err := fs.Parse(args); err != nil {
		t.Fatal(err)
	}
	cfg, err := f.config(fs, fs.Args())
	if err != nil {
		t.Fatal(err)
	}
	if want := (network.Latency{Mean: 100 * time.Millisecond, Dist: network.Uniform}); cfg.Latency != want {
		t.Errorf("latency %+v, want %+v", cfg.Latency, want)
	}
	if cfg.NemesisInterval != 500*time.Millisecond {
		t.Errorf("nemesis interval %s, want 500ms", cfg.NemesisInterval)
	}
	if want := []string{"partition", "kill", "pause"}; !reflect.DeepEqual(cfg.Nemesis, want) {
		t.Errorf("nemesis %v, want %v", cfg.Nemesis, want)
	}
	if want := []string{"read-committed", "serializable", "PL-3"}; !reflect.DeepEqual(cfg.ConsistencyModels, want) {
		t.Errorf("models %v, want %v", cfg.ConsistencyModels, want)
	}
	if !cfg.Availability.Total || cfg.TimeLimit != 7*time.Second || cfg.Seed != 42 {
		t.Errorf("availability %+v, time limit %s, seed %d", cfg.Availability, cfg.TimeLimit, cfg.Seed)
	}
}

// TestAnalyzeHistoryUsesFileOptions: a history file with "workload" and
// "options" (the conformance corpus's form) is judged under its own
// options unless a flag overrides them.
func TestAnalyzeHistoryUsesFileOptions(t *testing.T) {
	// A read of nil after a write of 1 completed: valid under
	// read-uncommitted, a realtime anomaly under strict-serializable.
	path := t.TempDir() + "/case.json"
	doc := `{"workload": "txn-rw-register", "options": {"consistency-models": ["read-uncommitted"], "anomalies": ["G1"]},
	"history": [
	 {"index": 0, "time": 0, "type": "invoke", "process": 0, "f": "txn", "value": [["w", 1, 1]]},
	 {"index": 1, "time": 1, "type": "ok", "process": 0, "f": "txn", "value": [["w", 1, 1]]},
	 {"index": 2, "time": 2, "type": "invoke", "process": 1, "f": "txn", "value": [["r", 1, null]]},
	 {"index": 3, "time": 3, "type": "ok", "process": 1, "f": "txn", "value": [["r", 1, null]]}]}`
	if err := os.WriteFile(path, []byte(doc), 0o644); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		args []string
		want int
	}{
		{"file's options and workload", []string{"analyze", "--history", path}, ExitValid},
		{"flag overrides the file", []string{"analyze", "--history", path, "--consistency-models", "strict-serializable"}, ExitInvalid},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			if code := Main(tt.args, Env{Stdout: &stdout, Stderr: &stderr}); code != tt.want {
				t.Errorf("exit %d, want %d\nstdout: %s\nstderr: %s", code, tt.want, stdout.String(), stderr.String())
			}
			if want := `option "anomalies" is ignored`; !strings.Contains(stderr.String(), want) {
				t.Errorf("stderr %q lacks %q", stderr.String(), want)
			}
		})
	}
}
