package runner

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/glomers/glomers/internal/checker"
	"github.com/glomers/glomers/internal/history"
	"github.com/glomers/glomers/internal/nemesis"
	"github.com/glomers/glomers/internal/workload"
	"github.com/glomers/glomers/internal/workload/broadcast"
	"github.com/glomers/glomers/internal/workload/echo"
)

// These tests run runner.Run end to end on tiny nodes (the test binary
// itself, see testnode_test.go) with short limits, so that every phase of
// the orchestration is covered without building the solutions.

// syncBuffer is a console that the runner's goroutines may write while
// the test reads it.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// testConfig is a short test of w on nodes with the given behaviour.
func testConfig(t *testing.T, w *workload.Workload, behaviour string, args ...string) (Config, *syncBuffer) {
	t.Helper()
	bin, binArgs := nodeConfig(t, behaviour, args...)
	console := &syncBuffer{}
	return Config{
		Workload: w, Bin: bin, Args: binArgs,
		Nodes: []string{"n0", "n1"}, Concurrency: 2, Rate: 100, TimeLimit: 500 * time.Millisecond,
		Topology: "grid", Seed: 1, StoreDir: t.TempDir(), Console: console,
		InitTimeout: 2 * time.Second, RecoveryWait: 200 * time.Millisecond,
	}, console
}

func mustExist(t *testing.T, dir string, names ...string) {
	t.Helper()
	for _, name := range names {
		if _, err := os.Stat(filepath.Join(dir, name)); err != nil {
			t.Errorf("run folder lacks %s: %v", name, err)
		}
	}
}

// The main phase hands operations to every worker and records each
// invocation with its completion, then the run is analysed and written.
// Breaks if the main phase hands out nothing, loses a completion, or the
// analysis or its files are not written.
func TestRunMainPhase(t *testing.T) {
	cfg, console := testConfig(t, echo.Workload(), nodeEcho)
	out, err := Run(cfg)
	if err != nil {
		t.Fatalf("Run: %v\nconsole:\n%s", err, console)
	}
	if out.Results.Valid != checker.Valid {
		t.Errorf("verdict %v, want valid: %+v", out.Results.Valid, out.Results)
	}
	invokes, oks := 0, 0
	processes := map[history.Process]bool{}
	for _, op := range out.History {
		switch op.Type {
		case history.Invoke:
			invokes++
			processes[op.Process] = true
		case history.OK:
			oks++
		}
	}
	if invokes < 5 || oks != invokes {
		t.Errorf("%d invocations, %d ok; want at least 5, all ok", invokes, oks)
	}
	if !processes[0] || !processes[1] || len(processes) != 2 {
		t.Errorf("processes %v, want the two workers 0 and 1", processes)
	}
	mustExist(t, out.Dir, "test.json", "jepsen.log", "history.edn", "history.txt", "history.json",
		"net-journal.json", "results.edn", "results.json", "node-logs/n0.log", "node-logs/n1.log")
	if !strings.Contains(console.String(), "Everything looks good!") {
		t.Errorf("console lacks the verdict:\n%s", console)
	}
}

// After the main phase the runner stops the nemesis, heals the network,
// waits RecoveryWait, and has every worker perform its final operations.
// Breaks if the final phase is skipped, runs before the heal and the wait,
// or a worker's final read is missing.
func TestRunFinalPhase(t *testing.T) {
	cfg, console := testConfig(t, broadcast.Workload(), nodeBroadcast)
	cfg.Nodes = []string{"n0", "n1", "n2"}
	cfg.Concurrency = 3
	cfg.Nemesis = []string{"partition"}
	cfg.NemesisInterval = 100 * time.Millisecond
	out, err := Run(cfg)
	if err != nil {
		t.Fatalf("Run: %v\nconsole:\n%s", err, console)
	}
	if out.Results.Valid != checker.Valid {
		t.Errorf("verdict %v, want valid: %s", out.Results.Valid, out.Results.Workload)
	}
	// The nemesis heals the network during the main phase too; the final
	// phase begins with the last heal.
	var healed, lastMain time.Duration = -1, 0
	finals := map[history.Process]int{}
	for _, op := range out.History {
		at := time.Duration(op.Time)
		switch {
		case op.F == nemesis.FStop && op.Value == nemesis.Healed:
			healed = at
		case op.Final && op.Type == history.Invoke:
			finals[op.Process]++
			if healed < lastMain {
				t.Fatalf("final read %+v before the network healed after the main phase (last heal %v, last main-phase op %v)", op, healed, lastMain)
			}
			if at < healed+cfg.RecoveryWait {
				t.Errorf("final read at %v, less than %v after the heal at %v", at, cfg.RecoveryWait, healed)
			}
		case op.IsClient() && op.Type == history.Invoke:
			if len(finals) > 0 {
				t.Errorf("main-phase op %+v among the final reads", op)
			}
			lastMain = max(lastMain, at)
		}
	}
	if len(finals) != 3 {
		t.Errorf("final reads per process %v, want one for each of 3 workers", finals)
	}
	for p, n := range finals {
		if n != 1 {
			t.Errorf("process %d made %d final reads, want 1", p, n)
		}
	}
}

// Setup sends each node its neighbours (broadcast's topology) before the
// main phase; a node that refuses the setup RPC crashes the test with the
// node and the error named. Breaks if setup is skipped, sends the wrong
// topology, or a failed setup is ignored.
func TestRunSetup(t *testing.T) {
	t.Run("topology delivered", func(t *testing.T) {
		cfg, console := testConfig(t, broadcast.Workload(), nodeBroadcast)
		cfg.Topology = "line"
		cfg.Rate = 0
		cfg.TimeLimit = 100 * time.Millisecond
		out, err := Run(cfg)
		if err != nil {
			t.Fatalf("Run: %v\nconsole:\n%s", err, console)
		}
		topo, err := broadcast.Topology("line", cfg.Nodes)
		if err != nil {
			t.Fatal(err)
		}
		for _, id := range cfg.Nodes {
			log, err := os.ReadFile(filepath.Join(out.Dir, "node-logs", id+".log"))
			if err != nil {
				t.Fatal(err)
			}
			want, _ := json.Marshal(topo[id])
			if line := "topology of " + id + ": " + string(want); !strings.Contains(string(log), line) {
				t.Errorf("%s's log lacks %q:\n%s", id, line, log)
			}
		}
	})
	t.Run("topology refused", func(t *testing.T) {
		cfg, _ := testConfig(t, broadcast.Workload(), nodeEcho)
		_, err := Run(cfg)
		var crash *CrashError
		if !errors.As(err, &crash) {
			t.Fatalf("Run returned %v, want a *CrashError", err)
		}
		for _, want := range []string{"setting up n0: topology:", "unsupported: topology"} {
			if !strings.Contains(err.Error(), want) {
				t.Errorf("error lacks %q:\n%v", want, err)
			}
		}
	})
}

// A node that exits during the main phase stops the test at once with a
// crash report naming the node, its exit status and its stderr; the
// history so far is still written, and there is no analysis. Breaks if a
// crash goes unnoticed until teardown (the run would last its whole time
// limit), or the report or the history is lost.
func TestRunNodeCrash(t *testing.T) {
	cfg, console := testConfig(t, echo.Workload(), nodeCrash)
	cfg.TimeLimit = time.Minute
	start := time.Now()
	out, err := Run(cfg)
	if elapsed := time.Since(start); elapsed > 20*time.Second {
		t.Errorf("Run took %v: the crash did not stop the %v test", elapsed, cfg.TimeLimit)
	}
	var crash *CrashError
	if !errors.As(err, &crash) {
		t.Fatalf("Run returned %v, want a *CrashError", err)
	}
	for _, want := range []string{"crashed with exit status 3", "boom: the third echo", "node-logs/n"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("crash report lacks %q:\n%v", want, err)
		}
	}
	if !strings.Contains(console.String(), "Test crashed!") {
		t.Errorf("console lacks \"Test crashed!\":\n%s", console)
	}
	if out == nil || len(out.History) == 0 {
		t.Fatalf("outcome %+v: want the history up to the crash", out)
	}
	mustExist(t, out.Dir, "history.edn", "history.txt", "jepsen.log")
	if _, err := os.Stat(filepath.Join(out.Dir, "results.edn")); err == nil {
		t.Error("a crashed test wrote results.edn")
	}
}

// A node that never answers init crashes the test after InitTimeout with
// Maelstrom's message, and says what it wrote without a newline. Breaks if
// the runner waits forever, goes on to the main phase, or drops the hint.
func TestRunInitNotAnswered(t *testing.T) {
	tests := []struct {
		behaviour string
		want      []string
	}{
		{nodeSilent, []string{"Expected node n0 to respond to an init message, but node did not respond within 300ms."}},
		{nodePartial, []string{"did not respond within 300ms", "with no trailing newline", `{"src":"n0","dest":`}},
	}
	for _, tt := range tests {
		t.Run(tt.behaviour, func(t *testing.T) {
			cfg, _ := testConfig(t, echo.Workload(), tt.behaviour)
			cfg.Nodes = []string{"n0"}
			cfg.InitTimeout = 300 * time.Millisecond
			out, err := Run(cfg)
			var crash *CrashError
			if !errors.As(err, &crash) {
				t.Fatalf("Run returned %v, want a *CrashError", err)
			}
			for _, want := range tt.want {
				if !strings.Contains(err.Error(), want) {
					t.Errorf("error lacks %q:\n%v", want, err)
				}
			}
			if len(out.History) != 0 {
				t.Errorf("history %v: the main phase ran after a failed init", out.History)
			}
		})
	}
}

// Teardown kills every node and the processes it started (its process
// group), and a node killed at teardown is not a crash. Breaks if a node
// or its child outlives the test, or teardown reports its own kills.
func TestRunTeardown(t *testing.T) {
	pidDir := t.TempDir()
	cfg, console := testConfig(t, echo.Workload(), nodeSpawn, pidDir)
	cfg.Rate = 0
	cfg.TimeLimit = 100 * time.Millisecond
	if _, err := Run(cfg); err != nil {
		t.Fatalf("Run: %v\nconsole:\n%s", err, console)
	}
	mustBeGone(t, pidDir, cfg.Nodes)
}

// mustBeGone checks that every process whose pid a spawn or mute node
// wrote to pidDir has ended.
func mustBeGone(t *testing.T, pidDir string, nodes []string) {
	t.Helper()
	for _, id := range nodes {
		b, err := os.ReadFile(filepath.Join(pidDir, id+".pids"))
		if err != nil {
			t.Fatal(err)
		}
		for _, f := range strings.Fields(string(b)) {
			pid, err := strconv.Atoi(f)
			if err != nil {
				t.Fatal(err)
			}
			if !gone(pid, 5*time.Second) {
				t.Errorf("process %d of node %s still runs after the test", pid, id)
			}
		}
	}
}

// gone reports whether pid exits (or is a zombie) within d.
func gone(pid int, d time.Duration) bool {
	for deadline := time.Now().Add(d); ; time.Sleep(20 * time.Millisecond) {
		stat, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
		if err != nil {
			return true
		}
		// The state follows the parenthesised command name.
		if i := bytes.LastIndexByte(stat, ')'); i >= 0 && i+2 < len(stat) && stat[i+2] == 'Z' {
			return true
		}
		if time.Now().After(deadline) {
			return false
		}
	}
}
