package e2e

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// nodesRunning lists the running processes whose command line starts with
// the given binary.
func nodesRunning(binary string) []string {
	var pids []string
	dirs, _ := filepath.Glob("/proc/[0-9]*")
	for _, d := range dirs {
		cmd, err := os.ReadFile(filepath.Join(d, "cmdline"))
		if err == nil && bytes.HasPrefix(cmd, []byte(binary+"\x00")) {
			pids = append(pids, filepath.Base(d))
		}
	}
	return pids
}

// TestInterruptLeavesCompleteRun: SIGINT stops a test cleanly: every file
// of the run folder is written, results say interrupted, no node process
// is left, and glomers exits 130.
func TestInterruptLeavesCompleteRun(t *testing.T) {
	t.Parallel()
	store := t.TempDir()
	cmd := exec.Command(bin("glomers"), "test", "-w", "echo", "--bin", bin("echo"), "--node-count", "3",
		"--time-limit", "60", "--rate", "20", "--store", store)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	// Wait for the nodes to answer init and some operations to run.
	deadline := time.Now().Add(30 * time.Second)
	for !strings.Contains(out.String(), "Seed") || len(nodesRunning(bin("echo"))) < 3 {
		if time.Now().After(deadline) {
			t.Fatalf("the test did not start:\n%s", out.String())
		}
		time.Sleep(100 * time.Millisecond)
	}
	time.Sleep(2 * time.Second)
	start := time.Now()
	if err := cmd.Process.Signal(syscall.SIGINT); err != nil {
		t.Fatal(err)
	}
	err := cmd.Wait()
	took := time.Since(start)
	if code := cmd.ProcessState.ExitCode(); code != 130 {
		t.Errorf("exit code %d (%v), want 130\n%s", code, err, tail(out.String()))
	}
	if took > 20*time.Second {
		t.Errorf("took %s to stop after SIGINT", took)
	}
	for _, want := range []string{"Interrupted by SIGINT", "glomers: interrupted"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("output lacks %q:\n%s", want, tail(out.String()))
		}
	}
	latest := filepath.Join(store, "latest")
	for _, f := range []string{"results.edn", "results.json", "history.edn", "history.txt", "history.json", "jepsen.log",
		"net-journal.json", "test.json", "messages.svg", "timeline.html", "node-logs/n0.log"} {
		if _, err := os.Stat(filepath.Join(latest, f)); err != nil {
			t.Errorf("run folder lacks %s: %v", f, err)
		}
	}
	if b, _ := os.ReadFile(filepath.Join(latest, "results.edn")); !strings.Contains(string(b), `:interrupted "SIGINT"`) {
		t.Errorf("results.edn does not say interrupted:\n%s", b)
	}
	if pids := nodesRunning(bin("echo")); len(pids) > 0 {
		t.Errorf("node processes left running: %v", pids)
	}
	// The interrupted run can be analysed again.
	r := glomers(t, "analyze", "-t", latest)
	r.expect(t, 0, ":valid? true")
}

// TestTeardownIsBounded: a node whose child (in its own session) keeps its
// stdout open cannot stall teardown beyond its bound, and the log says
// what teardown waited for.
func TestTeardownIsBounded(t *testing.T) {
	t.Parallel()
	r := glomers(t, "test", "-w", "echo", "--bin", bin("echo-setsid-child"), "--node-count", "3", "--time-limit", "2", "--rate", "5")
	r.expect(t, 0, "Everything looks good!", "Teardown: killed the process group of every node, but after 5s the stdout or stderr of [n0 n1 n2] was still open")
	// 2 s of test, 5 s of teardown bound and slack: not 5 s per node.
	if r.took > 14*time.Second {
		t.Errorf("took %s", r.took)
	}
}
