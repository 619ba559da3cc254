package runner

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/glomers/glomers/internal/checker"
	"github.com/glomers/glomers/internal/diagnose"
	"github.com/glomers/glomers/internal/message"
	"github.com/glomers/glomers/internal/network"
	"github.com/glomers/glomers/internal/process"
	"github.com/glomers/glomers/internal/workload/registry"
)

// The broken nodes of testdata/broken these tests run, built once.
var brokenNodes = []string{"broadcast-no-handler", "echo-exit", "echo-junk", "echo-no-reply-to", "echo-wrong-type", "no-flush", "send-n99"}

var built struct {
	once sync.Once
	dir  string
	err  error
}

// removeBrokenNodes deletes the broken nodes built for this test binary;
// TestMain (testnode_test.go) calls it after the tests.
func removeBrokenNodes() {
	if built.dir != "" {
		os.RemoveAll(built.dir)
	}
}

// brokenNode returns the path of a built broken node.
func brokenNode(t *testing.T, name string) string {
	t.Helper()
	built.once.Do(func() {
		built.dir, built.err = os.MkdirTemp("", "glomers-runner-")
		if built.err != nil {
			return
		}
		args := []string{"build", "-o", built.dir + "/"}
		for _, n := range brokenNodes {
			args = append(args, "./testdata/broken/"+n)
		}
		cmd := exec.Command("go", args...)
		cmd.Dir = filepath.Join("..", "..")
		if out, err := cmd.CombinedOutput(); err != nil {
			built.err = fmt.Errorf("go build: %v\n%s", err, out)
		}
	})
	if built.err != nil {
		t.Fatal(built.err)
	}
	return filepath.Join(built.dir, name)
}

// brokenRun is one run of a broken node.
type brokenRun struct {
	out     *Outcome
	err     error
	console string
}

func (r brokenRun) file(t *testing.T, name string) string {
	t.Helper()
	if r.out == nil {
		t.Fatalf("no outcome: %v", r.err)
	}
	b, err := os.ReadFile(filepath.Join(r.out.Dir, name))
	if err != nil {
		t.Fatalf("run folder: %v", err)
	}
	return string(b)
}

// diagnostic returns the run's only diagnostic of kind.
func (r brokenRun) diagnostic(t *testing.T, kind diagnose.Kind) diagnose.Diagnostic {
	t.Helper()
	var found []diagnose.Diagnostic
	for _, d := range r.out.Diagnostics {
		if d.Kind == kind {
			found = append(found, d)
		}
	}
	if len(found) != 1 {
		t.Fatalf("%d diagnostics of kind %s, want 1: %+v\nconsole:\n%s", len(found), kind, r.out.Diagnostics, r.console)
	}
	return found[0]
}

type runSpec struct {
	workload   string
	bin        string
	args       []string
	nodes      int
	rate       float64
	limit      time.Duration
	concurrent int
}

func runBroken(t *testing.T, s runSpec) brokenRun {
	t.Helper()
	var nodes []string
	for i := range s.nodes {
		nodes = append(nodes, fmt.Sprintf("n%d", i))
	}
	var console bytes.Buffer
	cfg := Config{
		Workload: registry.New(s.workload), Bin: s.bin, Args: s.args, Nodes: nodes,
		Concurrency: max(s.concurrent, 1), Rate: s.rate, TimeLimit: s.limit, Topology: "grid",
		Seed: 7, StoreDir: t.TempDir(), Console: &syncWriter{w: &console},
	}
	out, err := Run(cfg)
	return brokenRun{out: out, err: err, console: console.String()}
}

// syncWriter serialises writes from the runner's goroutines.
type syncWriter struct {
	mu sync.Mutex
	w  *bytes.Buffer
}

func (s *syncWriter) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.w.Write(p)
}

func exitScript(t *testing.T) string {
	p := filepath.Join(t.TempDir(), "exit-at-once")
	if err := os.WriteFile(p, []byte("#!/bin/sh\necho 'cannot start: missing config' >&2\nexit 2\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestCrashReportedOnceInEveryPhase(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		spec  func(t *testing.T) runSpec
		node  string
		wants []string
	}{
		{
			name: "init",
			spec: func(t *testing.T) runSpec {
				return runSpec{workload: "echo", bin: exitScript(t), nodes: 1, limit: time.Second}
			},
			node:  "n0",
			wants: []string{"Node n0 crashed with exit status 2 during init.", "cannot start: missing config"},
		},
		{
			// Step 1 of Maelstrom's broadcast guide: no topology handler.
			name: "setup",
			spec: func(t *testing.T) runSpec {
				return runSpec{workload: "broadcast", bin: brokenNode(t, "broadcast-no-handler"), args: []string{"topology"}, nodes: 3, limit: time.Second}
			},
			wants: []string{"crashed with exit status 1 during setup.", "No handler for", `"type":"topology"`,
				"The last message written to its stdin (often the one it could not handle) was:"},
		},
		{
			name: "main phase",
			spec: func(t *testing.T) runSpec {
				return runSpec{workload: "echo", bin: brokenNode(t, "echo-exit"), nodes: 2, rate: 50, limit: 30 * time.Second}
			},
			wants: []string{"crashed with exit status 3 during the main phase.", "simulated failure: out of echoes"},
		},
		{
			name: "final phase",
			spec: func(t *testing.T) runSpec {
				return runSpec{workload: "broadcast", bin: brokenNode(t, "broadcast-no-handler"), args: []string{"read"}, nodes: 1, limit: 500 * time.Millisecond}
			},
			node:  "n0",
			wants: []string{"Node n0 crashed with exit status 1 during the final phase.", `"type":"read"`},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s := tt.spec(t)
			start := time.Now()
			r := runBroken(t, s)
			var crash *CrashError
			if !errors.As(r.err, &crash) {
				t.Fatalf("Run = %v, want a *CrashError\nconsole:\n%s", r.err, r.console)
			}
			if took := time.Since(start); took > s.limit+DefaultRecoveryWait+10*time.Second {
				t.Errorf("took %s: a crash must end the test at once", took)
			}
			var pc *process.Crash
			if !errors.As(crash.Err, &pc) {
				t.Fatalf("cause %v is not a node crash", crash.Err)
			}
			if tt.node != "" && pc.Node != tt.node {
				t.Errorf("crashed node %s, want %s", pc.Node, tt.node)
			}
			report := crash.Report
			wants := append([]string{"Node " + pc.Node + " crashed", "Full STDERR logs are available in " + filepath.Join(r.out.Dir, "node-logs", pc.Node+".log")}, tt.wants...)
			for _, w := range wants {
				if !strings.Contains(report, w) {
					t.Errorf("crash report lacks %q:\n%s", w, report)
				}
			}
			if strings.Contains(strings.ToLower(report), "timeout") {
				t.Errorf("crash report speaks of a timeout:\n%s", report)
			}
			if got := r.file(t, CrashFile); got != report+"\n" {
				t.Errorf("%s differs from the report:\n%s\nreport:\n%s", CrashFile, got, report)
			}
			first := strings.SplitN(report, "\n", 2)[0]
			if n := strings.Count(r.console, first); n != 1 {
				t.Errorf("the crash report's first line is on the console %d times, want once:\n%s", n, r.console)
			}
			if n := strings.Count(r.console, "Test crashed!"); n != 1 {
				t.Errorf("\"Test crashed!\" is on the console %d times, want once", n)
			}
		})
	}
}

func TestInitUnansweredExplained(t *testing.T) {
	t.Parallel()
	r := runBroken(t, runSpec{workload: "echo", bin: brokenNode(t, "no-flush"), nodes: 1, limit: time.Second})
	var crash *CrashError
	if !errors.As(r.err, &crash) {
		t.Fatalf("Run = %v, want a *CrashError", r.err)
	}
	wants := []string{"Expected node n0 to respond to an init message, but node did not respond within 10s. It is still running.",
		"n0 wrote nothing at all to stdout", "print(json.dumps(msg), flush=True)", "Flush() on your bufio.Writer", "$stdout.sync = true",
		"process.stdout.write", "Its last stderr lines:\n    no-flush: got init, answering"}
	for _, w := range wants {
		if !strings.Contains(crash.Report, w) {
			t.Errorf("report lacks %q:\n%s", w, crash.Report)
		}
	}
	if n := strings.Count(r.console, "Expected node n0 to respond"); n != 1 {
		t.Errorf("the init failure is on the console %d times, want once:\n%s", n, r.console)
	}
	d := r.diagnostic(t, diagnose.InitUnanswered)
	if d.Node != "n0" || !strings.Contains(r.file(t, DiagnosticsFile), "flush=True") {
		t.Errorf("diagnostic %+v; diagnostics.txt:\n%s", d, r.file(t, DiagnosticsFile))
	}
}

func TestDiagnosticsOfBrokenNodes(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		spec  func(t *testing.T) runSpec
		kind  diagnose.Kind
		count int // exact occurrences, if not 0
		wants []string
	}{
		{
			name: "reply without in_reply_to",
			spec: func(t *testing.T) runSpec {
				return runSpec{workload: "echo", bin: brokenNode(t, "echo-no-reply-to"), nodes: 1, rate: 10, limit: time.Second}
			},
			kind: diagnose.StrayReply,
			wants: []string{`Node n0 sent client c1 a message with no "in_reply_to", so it answers no request`,
				`"src":"n0","dest":"c1","body":{"echo":"Please echo `, `carry "in_reply_to" set to the request's "msg_id"`},
		},
		{
			name: "reply of the wrong type",
			spec: func(t *testing.T) runSpec {
				return runSpec{workload: "echo", bin: brokenNode(t, "echo-wrong-type"), nodes: 1, rate: 10, limit: time.Second}
			},
			kind: diagnose.BadReply,
			wants: []string{`Node n0 answered a request with a malformed reply: expected type "echo_ok", got "echo".`,
				`request:  {"echo":"Please echo `, `"msg_id":1,"type":"echo"}`,
				`expected: {"type": "echo_ok", "in_reply_to": 1, "echo": (any value)}`,
				`received: {"echo":"Please echo `, `"in_reply_to":1,"type":"echo"}`},
		},
		{
			name: "flood to n99",
			spec: func(t *testing.T) runSpec {
				return runSpec{workload: "echo", bin: brokenNode(t, "send-n99"), args: []string{"20000"}, nodes: 1, rate: 10, limit: 3 * time.Second}
			},
			kind: diagnose.UnknownID, count: 20000,
			wants: []string{`Node n0 sent a message to "n99", which is not on the network`, `{"src":"n0","dest":"n99","body":{"seq":0,"type":"gossip"}}`,
				"node n0: 20000 times", "!! UNDER MAELSTROM, NODE n0 WOULD HAVE GONE SILENT AT"},
		},
		{
			name: "junk on stdout",
			spec: func(t *testing.T) runSpec {
				return runSpec{workload: "echo", bin: brokenNode(t, "echo-junk"), nodes: 1, rate: 10, limit: time.Second}
			},
			kind: diagnose.NotAMessage,
			wants: []string{"Node n0 printed a line on stdout that is not a message: not well-formed JSON", "    echoing Please echo ",
				"!! UNDER MAELSTROM, NODE n0 WOULD HAVE GONE SILENT AT"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r := runBroken(t, tt.spec(t))
			if r.err != nil {
				t.Fatalf("Run: %v\nconsole:\n%s", r.err, r.console)
			}
			d := r.diagnostic(t, tt.kind)
			if d.Node != "n0" || (tt.count > 0 && d.Count != tt.count) {
				t.Errorf("diagnostic of node %s counted %d times, want n0 and %d", d.Node, d.Count, tt.count)
			}
			text := r.file(t, DiagnosticsFile)
			for _, w := range tt.wants {
				if !strings.Contains(text, w) {
					t.Errorf("%s lacks %q:\n%s", DiagnosticsFile, w, text)
				}
			}
			if strings.Contains(text, "map[") {
				t.Errorf("%s shows a Go map:\n%s", DiagnosticsFile, text)
			}
			// Shown when first seen and in the summary, never once per
			// occurrence.
			if n := strings.Count(r.console, tt.wants[0]); n != 2 {
				t.Errorf("%q is on the console %d times, want 2 (when first seen, and in the summary):\n%s", tt.wants[0], n, r.console)
			}
			// An invalid run's explanation.md repeats the diagnostics (the
			// console's explanation does not).
			if r.out.Results.Valid != checker.Valid {
				if ex := r.file(t, "explanation.md"); !strings.Contains(ex, tt.wants[0]) {
					t.Errorf("explanation.md lacks %q:\n%s", tt.wants[0], ex)
				}
			}
		})
	}
}

func TestClassifyProblems(t *testing.T) {
	drv := network.NewDriver(network.New(network.Latency{}, nil), time.Now())
	defer drv.Close()
	tr := &test{cfg: Config{Nodes: []string{"n0", "n1"}}, drv: drv}
	tr.nextClient.Store(5) // c0..c4 were opened
	refused := func(src, dest string, unknown *network.UnknownIDError) error {
		return &process.RefusedError{Node: "n1", Line: `{"src":"` + src + `","dest":"` + dest + `","body":{}}`, Err: unknown}
	}
	tests := []struct {
		name string
		err  error
		kind diagnose.Kind // "" for a problem that is only noted
		want string
	}{
		{"junk", &message.ParseError{Node: "n1", Line: "hello", Reason: "not well-formed JSON"}, diagnose.NotAMessage, "hello"},
		{"unknown node", refused("n1", "n99", &network.UnknownIDError{Field: "dest", ID: "n99"}), diagnose.UnknownID, `to "n99"`},
		{"closed client", refused("n1", "c3", &network.UnknownIDError{Field: "dest", ID: "c3"}), diagnose.ClosedClient, "client c3 after that client had left"},
		{"client never opened", refused("n1", "c7", &network.UnknownIDError{Field: "dest", ID: "c7"}), diagnose.UnknownID, `to "c7"`},
		{"not a client number", refused("n1", "c01", &network.UnknownIDError{Field: "dest", ID: "c01"}), diagnose.UnknownID, `to "c01"`},
		{"spoofed source", refused("n7", "n0", &network.UnknownIDError{Field: "src", ID: "n7"}), diagnose.UnknownID, `src "n7"`},
		{"other refusal", &process.RefusedError{Node: "n1", Err: errors.New("full")}, "", ""},
		{"service problem", errors.New("service lin-kv: boom"), "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			kind, node, build, ok := tr.classify(tt.err)
			if ok != (tt.kind != "") || kind != tt.kind {
				t.Fatalf("classify = %s, %v; want %q", kind, ok, tt.kind)
			}
			if !ok {
				return
			}
			d := build()
			if node != "n1" || d.Node != "n1" || d.Kind != kind || !strings.Contains(d.Text(), tt.want) {
				t.Errorf("diagnostic %s of %s (classified for %s) lacks %q:\n%s", d.Kind, d.Node, node, tt.want, d.Text())
			}
		})
	}
}
