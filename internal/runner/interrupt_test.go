package runner

import (
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/glomers/glomers/internal/history"
	"github.com/glomers/glomers/internal/workload/broadcast"
)

// A first signal stops the main phase early, skips the final phase, and
// still writes and judges everything, marked interrupted. Breaks if the
// run waits out its time limit, runs the final phase, or loses files.
func TestRunInterrupted(t *testing.T) {
	cfg, console := testConfig(t, broadcast.Workload(), nodeBroadcast)
	cfg.TimeLimit = 30 * time.Second
	sigs := make(chan os.Signal, 2)
	cfg.Interrupt = sigs
	cfg.Exit = func(code int) { t.Errorf("Exit(%d) after one signal", code) }
	time.AfterFunc(500*time.Millisecond, func() { sigs <- syscall.SIGINT })
	start := time.Now()
	out, err := Run(cfg)
	if err != nil {
		t.Fatalf("Run: %v\nconsole:\n%s", err, console)
	}
	if took := time.Since(start); took > 10*time.Second {
		t.Errorf("an interrupted run took %s", took)
	}
	if out.Interrupted != syscall.SIGINT || out.Results.Interrupted != "SIGINT" {
		t.Errorf("interrupted %v, results say %q; want SIGINT", out.Interrupted, out.Results.Interrupted)
	}
	invokes := 0
	for _, op := range out.History {
		if op.Final {
			t.Errorf("final-phase op after an interrupt: %+v", op)
		}
		if op.Type == history.Invoke {
			invokes++
		}
	}
	if invokes == 0 {
		t.Error("no operation ran before the interrupt")
	}
	mustExist(t, out.Dir, "test.json", "jepsen.log", "history.edn", "history.txt", "history.json",
		"net-journal.json", "results.edn", "results.json", "messages.svg", "timeline.html")
	if b, _ := os.ReadFile(out.Dir + "/results.edn"); !strings.Contains(string(b), `:interrupted "SIGINT"`) {
		t.Errorf("results.edn lacks :interrupted:\n%s", b)
	}
	if !strings.Contains(console.String(), "Interrupted by SIGINT") {
		t.Errorf("console does not say it was interrupted:\n%s", console)
	}
}

// A second signal kills the nodes and exits at once with the signal's
// code. Breaks if Exit is not called, or with another code.
func TestRunSecondSignalExits(t *testing.T) {
	cfg, console := testConfig(t, broadcast.Workload(), nodeBroadcast)
	cfg.TimeLimit = 30 * time.Second
	sigs := make(chan os.Signal, 2)
	cfg.Interrupt = sigs
	var code atomic.Int64
	cfg.Exit = func(c int) { code.Store(int64(c)) }
	time.AfterFunc(500*time.Millisecond, func() { sigs <- syscall.SIGTERM; sigs <- syscall.SIGTERM })
	if _, err := Run(cfg); err != nil {
		t.Logf("Run after Exit: %v", err) // Exit would have ended the program
	}
	if got := code.Load(); got != 143 {
		t.Errorf("Exit(%d), want 143\nconsole:\n%s", got, console)
	}
	if !strings.Contains(console.String(), "SIGTERM again") {
		t.Errorf("console does not say why it quit:\n%s", console)
	}
}

// A signal during the init handshake or the setup RPCs cancels them at
// once: the nodes' process groups are killed and the run folder is
// written, marked interrupted, as for a signal in the main phase. Breaks
// if the run waits for init or setup to time out (20 s here), reports a
// crash, or leaves a node or its child running.
func TestRunInterruptedBeforeMainPhase(t *testing.T) {
	cases := []struct {
		phase     string
		behaviour string
	}{
		{"init", nodeMute},      // spawns a child, never answers init
		{"setup", nodeInitOnly}, // answers init, never topology
	}
	for _, tc := range cases {
		t.Run(tc.phase, func(t *testing.T) {
			pidDir := t.TempDir()
			cfg, console := testConfig(t, broadcast.Workload(), tc.behaviour, pidDir)
			cfg.InitTimeout = 20 * time.Second
			sigs := make(chan os.Signal, 2)
			cfg.Interrupt = sigs
			cfg.Exit = func(code int) { t.Errorf("Exit(%d) after one signal", code) }
			cfg.LogNetRecv = true  // shows when the nodes took their topology
			ready := func() bool { // both nodes are in the phase
				if tc.phase == "setup" {
					return strings.Count(console.String(), `"type":"topology"`) >= len(cfg.Nodes)
				}
				for _, id := range cfg.Nodes {
					if _, err := os.Stat(filepath.Join(pidDir, id+".pids")); err != nil {
						return false
					}
				}
				return true
			}
			go func() {
				for deadline := time.Now().Add(10 * time.Second); !ready() && time.Now().Before(deadline); {
					time.Sleep(10 * time.Millisecond)
				}
				sigs <- syscall.SIGTERM
			}()
			start := time.Now()
			out, err := Run(cfg)
			took := time.Since(start)
			if err != nil {
				t.Fatalf("Run: %v\nconsole:\n%s", err, console)
			}
			if took > 5*time.Second {
				t.Errorf("a run interrupted during %s took %s; the signal should cancel it at once", tc.phase, took)
			}
			if out.Interrupted != syscall.SIGTERM || out.Results.Interrupted != "SIGTERM" {
				t.Errorf("interrupted %v, results say %q; want SIGTERM", out.Interrupted, out.Results.Interrupted)
			}
			if code := SignalExitCode(out.Interrupted); code != 143 {
				t.Errorf("exit code %d, want 143", code)
			}
			for _, op := range out.History {
				if op.Process >= 0 {
					t.Errorf("a client operation ran: %+v", op)
				}
			}
			mustExist(t, out.Dir, "test.json", "jepsen.log", "history.edn", "history.txt", "history.json",
				"net-journal.json", "results.edn", "results.json")
			if want := "Interrupted by SIGTERM during " + tc.phase; !strings.Contains(console.String(), want) {
				t.Errorf("console does not say %q:\n%s", want, console)
			}
			if tc.behaviour != nodeMute {
				return
			}
			mustBeGone(t, pidDir, cfg.Nodes)
		})
	}
}
