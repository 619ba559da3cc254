package runner

import (
	"os"
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
