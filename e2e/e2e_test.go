// Package e2e runs the glomers binary end to end against the solutions and
// against the deliberately broken nodes under testdata/broken, checking
// verdicts, exit codes and the files each run leaves.
package e2e

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

// binDir holds glomers, the solutions and the broken nodes, built once.
var binDir string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "glomers-e2e-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	binDir = dir
	if err := build(dir); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.RemoveAll(dir)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// build compiles cmd/glomers, every solution folder with a main.go, and
// every broken and lenient node into dir.
func build(dir string) error {
	root, err := filepath.Abs("..")
	if err != nil {
		return err
	}
	pkgs := []string{"./cmd/glomers"}
	for _, pattern := range []string{"*/main.go", "testdata/broken/*/main.go", "testdata/lenient/*/main.go"} {
		matches, _ := filepath.Glob(filepath.Join(root, pattern))
		for _, m := range matches {
			rel, _ := filepath.Rel(root, filepath.Dir(m))
			pkgs = append(pkgs, "./"+rel)
		}
	}
	cmd := exec.Command("go", append([]string{"build", "-o", dir + "/"}, pkgs...)...)
	cmd.Dir = root
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("build %v: %v\n%s", pkgs, err, out)
	}
	return nil
}

// result is what one glomers invocation did.
type result struct {
	stdout, stderr string
	code           int
	took           time.Duration
	store          string
}

// glomers runs the binary with args and a fresh store folder.
func glomers(t *testing.T, args ...string) result {
	t.Helper()
	store := t.TempDir()
	args = append(args, "--store", store)
	cmd := exec.Command(filepath.Join(binDir, "glomers"), args...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	start := time.Now()
	err := cmd.Run()
	r := result{stdout: stdout.String(), stderr: stderr.String(), took: time.Since(start), store: store}
	var exit *exec.ExitError
	switch {
	case errors.As(err, &exit):
		r.code = exit.ExitCode()
	case err != nil:
		t.Fatalf("glomers %v: %v", args, err)
	}
	return r
}

func (r result) expect(t *testing.T, code int, wants ...string) {
	t.Helper()
	if r.code != code {
		t.Errorf("exit code %d, want %d\nstdout:\n%s\nstderr:\n%s", r.code, code, tail(r.stdout), tail(r.stderr))
	}
	all := r.stdout + r.stderr
	for _, w := range wants {
		if !strings.Contains(all, w) {
			t.Errorf("output lacks %q\nstdout:\n%s\nstderr:\n%s", w, tail(r.stdout), tail(r.stderr))
		}
	}
}

func tail(s string) string {
	if len(s) > 4000 {
		return "..." + s[len(s)-4000:]
	}
	return s
}

func bin(name string) string { return filepath.Join(binDir, name) }

func TestChallenge1Echo(t *testing.T) {
	t.Parallel()
	r := glomers(t, "run", "1", "--bin-dir", binDir)
	r.expect(t, 0, "Everything looks good! ヽ(‘ー`)ノ", ":workload {:valid? true", "official limits", "missed targets")
	latest := filepath.Join(r.store, "echo", "latest")
	for _, f := range []string{"results.edn", "results.json", "history.edn", "history.txt", "history.json", "jepsen.log", "net-journal.json", "test.json", "node-logs/n0.log"} {
		st, err := os.Stat(filepath.Join(latest, f))
		if err != nil {
			t.Errorf("run folder lacks %s: %v", f, err)
		} else if st.Size() == 0 && f != "node-logs/n0.log" {
			t.Errorf("%s is empty", f)
		}
	}
	if _, err := os.Stat(filepath.Join(r.store, "latest", "results.edn")); err != nil {
		t.Errorf("store/latest does not lead to the run: %v", err)
	}
	// A challenge run records the challenge and how it did on its targets.
	if b, err := os.ReadFile(filepath.Join(latest, "test.json")); err != nil || !strings.Contains(string(b), `"challenge": "1"`) {
		t.Errorf("test.json does not record challenge 1: %v\n%s", err, b)
	}
	if b, err := os.ReadFile(filepath.Join(latest, "targets.json")); err != nil || !strings.Contains(string(b), `"met": true`) {
		t.Errorf("targets.json does not hold the met targets: %v\n%s", err, b)
	}
	if _, err := os.Stat(filepath.Join(latest, "explanation.md")); err == nil {
		t.Error("a valid run has an explanation.md")
	}
}

func TestBrokenNodes(t *testing.T) {
	tests := []struct {
		name  string
		args  []string
		code  int
		wants []string
		// within bounds how long the run may take: a crash is reported at
		// once, not after the time limit.
		within time.Duration
		// explains are in the run's explanation.md; check, if set, reads it
		// and may compare it with the run folder dir (its history).
		explains []string
		check    func(t *testing.T, dir, explanation string)
	}{
		{
			name:  "echo that alters the payload",
			args:  []string{"-w", "echo", "--bin", bin("echo-alter"), "--node-count", "1", "--time-limit", "3"},
			code:  1,
			wants: []string{"Expected a message with :echo", `"not-right"`, "Analysis invalid! (ﾉಥ益ಥ）ﾉ ┻━┻"},
		},
		{
			name: "node printing non-JSON",
			args: []string{"-w", "echo", "--bin", bin("echo-junk"), "--node-count", "1", "--time-limit", "2"},
			code: 1,
			wants: []string{"Node n0 printed a line on stdout that is not a message: not well-formed JSON",
				"    echoing Please echo", "!! UNDER MAELSTROM, NODE n0 WOULD HAVE GONE SILENT AT", ":stats {:valid? false", "Analysis invalid!"},
		},
		{
			name:     "unique-ids that repeats ids across nodes",
			args:     []string{"-w", "unique-ids", "--bin", bin("unique-ids-dup"), "--node-count", "3", "--time-limit", "3", "--rate", "100"},
			code:     1,
			wants:    []string{":duplicated-count", ":workload {:valid? false"},
			explains: []string{"## workload: id ", " was returned by op "},
			check:    duplicateIDFromHistory,
		},
		{
			name:     "counter that reads its local sum only",
			args:     []string{"-w", "g-counter", "--bin", bin("counter-local"), "--node-count", "3", "--time-limit", "5", "--rate", "100"},
			code:     1,
			wants:    []string{":final-reads", ":workload {:valid? false"},
			explains: []string{"not acceptable", "TOO LOW by", "Too low usually means"},
			check:    finalReadOnEveryNode,
		},
		{
			// seq-kv's staleness is random: about 5 runs in 6 catch it,
			// and --test-count stops at the first invalid run.
			name:  "counter that trusts a single seq-kv read",
			args:  []string{"-w", "g-counter", "--bin", bin("counter-stale"), "--node-count", "3", "--time-limit", "10", "--rate", "100", "--test-count", "4"},
			code:  1,
			wants: []string{":final-reads", ":workload {:valid? false"},
		},
		{
			name:     "broadcast that keeps values local",
			args:     []string{"-w", "broadcast", "--bin", bin("broadcast-local"), "--node-count", "5", "--time-limit", "5", "--rate", "10"},
			code:     1,
			wants:    []string{":lost-count", ":workload {:valid? false"},
			explains: []string{"acknowledged were lost", "was added by op", "the last read that missed it was op", "no partitions"},
			check:    lostValuesStayOnTheirNode,
		},
		{
			name: "broadcast that never repairs what partitions lost",
			args: []string{"-w", "broadcast", "--bin", bin("broadcast-norepair"), "--node-count", "5", "--time-limit", "20", "--rate", "10",
				"--nemesis", "partition", "--nemesis-interval", "5"},
			code:     1,
			wants:    []string{":lost-count", ":workload {:valid? false"},
			explains: []string{"acknowledged were lost", "the partitions of this run: ", "heard nothing from", "partitions active after it was known at"},
		},
		{
			name:  "g-set kept on one node is correct",
			args:  []string{"-w", "g-set", "--bin", bin("gset-local"), "--node-count", "1", "--time-limit", "3", "--rate", "20"},
			code:  0,
			wants: []string{":workload {:valid? true", "Everything looks good!"},
		},
		{
			name:  "g-set that never shares its elements",
			args:  []string{"-w", "g-set", "--bin", bin("gset-local"), "--node-count", "3", "--time-limit", "3", "--rate", "20"},
			code:  1,
			wants: []string{":lost-count", ":workload {:valid? false"},
		},
		{
			name:     "node that exits mid-run",
			args:     []string{"-w", "echo", "--bin", bin("echo-exit"), "--node-count", "2", "--time-limit", "60", "--rate", "50"},
			code:     255,
			wants:    []string{"crashed with exit status 3", "simulated failure: out of echoes", "Test crashed!"},
			within:   30 * time.Second,
			explains: []string{"# Why this echo run crashed", "crashed with exit status 3"},
		},
		{
			// Step 1 of Maelstrom's broadcast guide, with no topology
			// handler: a crash during setup, never a timeout.
			name: "broadcast node with no topology handler",
			args: []string{"-w", "broadcast", "--bin", bin("broadcast-no-handler"), "--node-count", "3", "--time-limit", "5", "--", "topology"},
			code: 255,
			wants: []string{"crashed with exit status 1 during setup.", "No handler for", `"type":"topology"`, "Test crashed!",
				`What to do: the node's Maelstrom library received a message of type "topology"`,
				"glomers: the test crashed (report above and in ", "crash.txt"},
			within: 20 * time.Second,
		},
		{
			name:  "node that never answers init",
			args:  []string{"-w", "echo", "--bin", bin("no-init"), "--node-count", "1", "--time-limit", "3"},
			code:  255,
			wants: []string{"Expected node n0 to respond to an init message, but node did not respond"},
		},
		{
			name:  "node that leaves off the newline",
			args:  []string{"-w", "echo", "--bin", bin("no-newline"), "--node-count", "1", "--time-limit", "3"},
			code:  255,
			wants: []string{"with no trailing newline", `"init_ok"`},
		},
		{
			name:     "txn store that exposes aborted writes",
			args:     []string{"-w", "txn-rw-register", "--bin", bin("txn-g1a"), "--node-count", "2", "--concurrency", "2n", "--time-limit", "5", "--rate", "200", "--consistency-models", "read-committed"},
			code:     1,
			wants:    []string{":G1a", ":workload {:valid? false"},
			explains: []string{"## workload: G1a", "Aborted read", ", which failed.", "so the history is not read-committed"},
		},
		{
			name:  "txn store that replicates intermediate writes",
			args:  []string{"-w", "txn-rw-register", "--bin", bin("txn-g1b"), "--node-count", "2", "--concurrency", "2n", "--time-limit", "5", "--rate", "200", "--consistency-models", "read-committed"},
			code:  1,
			wants: []string{":G1b", ":workload {:valid? false"},
		},
		{
			// Elle never reports G0 here (every ww edge it infers comes
			// with a wr edge); replicas that order writes differently show
			// as cyclic versions. Longer txns make the pattern common.
			name:  "txn store whose replicas apply writes in different orders",
			args:  []string{"-w", "txn-rw-register", "--bin", bin("txn-g0"), "--node-count", "2", "--concurrency", "2n", "--time-limit", "5", "--rate", "200", "--max-txn-length", "8", "--consistency-models", "read-uncommitted"},
			code:  1,
			wants: []string{":cyclic-versions", ":workload {:valid? false"},
		},
		{
			name:  "txn-list-append store kept on one node is strict serializable",
			args:  []string{"-w", "txn-list-append", "--bin", bin("listappend-local"), "--node-count", "1", "--time-limit", "5", "--rate", "100"},
			code:  0,
			wants: []string{":workload {:valid? true}", "Everything looks good!"},
		},
		{
			// Each node keeps its own lists, so reads on n0 and n1 of one
			// key see two different append orders.
			name:     "txn-list-append lists kept on each node without coordination",
			args:     []string{"-w", "txn-list-append", "--bin", bin("listappend-local"), "--node-count", "2", "--time-limit", "5", "--rate", "100"},
			code:     1,
			wants:    []string{":incompatible-order [{:key", ":workload {:valid? false"},
			explains: []string{"## workload: incompatible-order (", "Rule: All reads of a key must be prefixes of one order of its appends", "no single order of appends to key "},
			check:    incompatibleReadsFromHistory,
		},
		{
			name:     "kafka that gives concurrent sends one offset",
			args:     []string{"-w", "kafka", "--bin", bin("kafka-dup-offsets"), "--node-count", "1", "--concurrency", "2n", "--time-limit", "5", "--rate", "200"},
			code:     1,
			wants:    []string{":bad-error-types [:inconsistent-offsets]", "Analysis invalid!"},
			explains: []string{"## workload: inconsistent-offsets", "was seen holding 2 different messages", "and acknowledged at offset"},
		},
		{
			name:  "kafka whose polls skip an offset",
			args:  []string{"-w", "kafka", "--bin", bin("kafka-poll-skip"), "--node-count", "1", "--concurrency", "2n", "--time-limit", "5", "--rate", "200"},
			code:  1,
			wants: []string{":bad-error-types [:poll-skip]", "Analysis invalid!"},
		},
		{
			name:     "kafka that loses acknowledged sends",
			args:     []string{"-w", "kafka", "--bin", bin("kafka-lost"), "--node-count", "1", "--concurrency", "2n", "--time-limit", "5", "--rate", "200"},
			code:     1,
			wants:    []string{":lost-write {:count", "Analysis invalid!"},
			explains: []string{"## workload: lost-write", "was acknowledged at offset", "yet no poll ever returned it"},
		},
		{
			// 5c-faults' flags (glomers presets will not print them:
			// Maelstrom cannot run them). Every kill loses the sends the
			// node acknowledged in its last 100 ms; --test-count stops at
			// the first invalid run, in case no kill hits traffic.
			name: "kafka that acknowledges before replicating, under kills",
			args: []string{"-w", "kafka", "--bin", bin("kafka-nondurable"), "--node-count", "2", "--concurrency", "2n", "--time-limit", "20", "--rate", "1000",
				"--nemesis", "partition,kill,pause", "--nemesis-interval", "5", "--test-count", "3"},
			code:     1,
			wants:    []string{":lost-write {:count", "Analysis invalid!"},
			explains: []string{"## workload: lost-write", "yet no poll ever returned it"},
		},
		{
			name:     "lin-kv that reads from a stale local cache",
			args:     []string{"-w", "lin-kv", "--bin", bin("linkv-stale"), "--node-count", "3", "--concurrency", "2n", "--time-limit", "5", "--rate", "50"},
			code:     1,
			wants:    []string{":analyzer :porcupine", ":failures [0]", ":workload {:valid? false"},
			explains: []string{"## workload: key 0 is not linearizable", "no order of key 0's", "[linear-0.html](linear-0.html)"},
		},
		{
			name:  "lin-kv register kept on one node is linearizable",
			args:  []string{"-w", "lin-kv", "--bin", bin("linkv-local"), "--node-count", "1", "--concurrency", "2n", "--time-limit", "5", "--rate", "50"},
			code:  0,
			wants: []string{":workload {:valid? true", "Everything looks good!"},
		},
		{
			name:  "lin-kv registers kept on each node",
			args:  []string{"-w", "lin-kv", "--bin", bin("linkv-local"), "--node-count", "3", "--concurrency", "2n", "--time-limit", "5", "--rate", "50"},
			code:  1,
			wants: []string{":failures [0]", ":workload {:valid? false"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r := glomers(t, append([]string{"test"}, tt.args...)...)
			r.expect(t, tt.code, tt.wants...)
			if tt.within > 0 && r.took > tt.within {
				t.Errorf("took %s; a crash must end the run long before the time limit", r.took)
			}
			if tt.explains == nil && tt.check == nil {
				return
			}
			dir := filepath.Join(r.store, tt.args[1], "latest")
			b, err := os.ReadFile(filepath.Join(dir, "explanation.md"))
			if err != nil {
				t.Fatalf("no explanation: %v", err)
			}
			for _, w := range tt.explains {
				if !strings.Contains(string(b), w) {
					t.Errorf("explanation.md lacks %q:\n%s", w, b)
				}
			}
			if !strings.Contains(r.stdout+r.stderr, "explanation.md") {
				t.Error("the console does not point to explanation.md")
			}
			if tt.check != nil {
				tt.check(t, dir, string(b))
			}
		})
	}
}

// lostValueLine matches a lost value of the explanation: the node its
// add went to, the node of the last read that returned it, and the node
// of the last read that missed it.
var lostValueLine = regexp.MustCompile(`value (\d+) was added by op \d+ → op \d+ \(process \d+ on (n\d+),[^;]*; the last read that returned it was op \d+ → op \d+ \(process \d+ on (n\d+),[^;]*; the last read that missed it was op \d+ → op \d+ \(process \d+ on (n\d+),`)

// lostValuesStayOnTheirNode checks the explanation's nodes against what
// broadcast-local does: a value stays on the node a client added it to, so
// only reads there return it and the last read that missed it was on
// another node. This proves the process-to-node mapping on a real run.
func lostValuesStayOnTheirNode(t *testing.T, _, explanation string) {
	t.Helper()
	ms := lostValueLine.FindAllStringSubmatch(explanation, -1)
	if len(ms) == 0 {
		t.Fatalf("no lost value with its add, its last read and its last miss in:\n%s", explanation)
	}
	for _, m := range ms {
		if m[2] != m[3] || m[4] == m[2] {
			t.Errorf("value %s: added on %s, last returned on %s, last missed on %s; broadcast-local keeps it on the node it was added to", m[1], m[2], m[3], m[4])
		}
	}
}
