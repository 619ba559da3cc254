package e2e

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// nodesOf lists the running children of parent whose command line starts
// with binary.
func nodesOf(parent int, binary string) []int {
	var pids []int
	dirs, _ := filepath.Glob("/proc/[0-9]*")
	for _, d := range dirs {
		cmd, err := os.ReadFile(filepath.Join(d, "cmdline"))
		if err != nil || !bytes.HasPrefix(cmd, []byte(binary+"\x00")) {
			continue
		}
		if stat, err := os.ReadFile(filepath.Join(d, "stat")); err == nil {
			// pid (comm) state ppid ...
			f := strings.Fields(string(stat[bytes.LastIndexByte(stat, ')')+1:]))
			if len(f) > 1 && f[1] == strconv.Itoa(parent) {
				pid, _ := strconv.Atoi(filepath.Base(d))
				pids = append(pids, pid)
			}
		}
	}
	return pids
}

// lockedBuffer collects a command's output while the test reads it.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// running reports whether pid is alive and not a zombie.
func running(pid int) bool {
	stat, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return false
	}
	f := strings.Fields(string(stat[bytes.LastIndexByte(stat, ')')+1:]))
	return len(f) > 0 && f[0] != "Z"
}

// TestInterruptLeavesCompleteRun: SIGINT stops a test cleanly: every file
// of the run folder is written, results say interrupted, no node process
// is left, and glomers exits 130.
func TestInterruptLeavesCompleteRun(t *testing.T) {
	t.Parallel()
	store := t.TempDir()
	cmd := exec.Command(bin("glomers"), "test", "-w", "echo", "--bin", bin("echo"), "--node-count", "3",
		"--time-limit", "60", "--rate", "20", "--store", store)
	var out lockedBuffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	// Wait for the nodes to answer init and some operations to run.
	deadline := time.Now().Add(30 * time.Second)
	var nodes []int
	for !strings.Contains(out.String(), "Seed") || len(nodes) < 3 {
		nodes = nodesOf(cmd.Process.Pid, bin("echo"))
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
	for _, pid := range nodes {
		if running(pid) {
			t.Errorf("node process %d left running", pid)
		}
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
