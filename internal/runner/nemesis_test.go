package runner

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/glomers/glomers/internal/history"
	"github.com/glomers/glomers/internal/nemesis"
	"github.com/glomers/glomers/internal/network"
	"github.com/glomers/glomers/internal/workload/echo"
)

// The test binary doubles as an echo node when GLOMERS_TEST_NODE is set;
// with GLOMERS_TEST_ONCE set to a file, only its first incarnation answers
// init (later ones exit at once), so a restarted node fails to come back.
func TestMain(m *testing.M) {
	if os.Getenv("GLOMERS_TEST_NODE") == "1" {
		echoNode()
		return
	}
	os.Exit(m.Run())
}

func echoNode() {
	if once := os.Getenv("GLOMERS_TEST_ONCE"); once != "" {
		f, err := os.OpenFile(once, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o644)
		if err != nil {
			fmt.Fprintln(os.Stderr, "not the first incarnation: exiting")
			os.Exit(1)
		}
		f.Close()
	}
	in := bufio.NewScanner(os.Stdin)
	out := json.NewEncoder(os.Stdout)
	id := ""
	for in.Scan() {
		var m struct {
			Src  string         `json:"src"`
			Body map[string]any `json:"body"`
		}
		if json.Unmarshal(in.Bytes(), &m) != nil {
			continue
		}
		reply := map[string]any{"in_reply_to": m.Body["msg_id"]}
		switch m.Body["type"] {
		case "init":
			id, _ = m.Body["node_id"].(string)
			reply["type"] = "init_ok"
		case "echo":
			reply["type"] = "echo_ok"
			reply["echo"] = m.Body["echo"]
		default:
			continue
		}
		out.Encode(map[string]any{"src": id, "dest": m.Src, "body": reply})
	}
}

func faultConfig(t *testing.T, faults ...string) Config {
	t.Setenv("GLOMERS_TEST_NODE", "1")
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	return Config{
		Workload: echo.Workload(), Bin: exe, Nodes: []string{"n0", "n1", "n2", "n3", "n4"},
		Concurrency: 5, Rate: 50, TimeLimit: 3 * time.Second, Latency: network.Latency{Dist: network.Constant},
		Nemesis: faults, NemesisInterval: 300 * time.Millisecond, Seed: 7, StoreDir: t.TempDir(),
	}
}

// nodesOf returns the nodes a node completion acted on, per function.
func nodesOf(h []history.Op) map[history.Keyword][]string {
	acted := map[history.Keyword][]string{}
	for _, op := range h {
		if _, invocation := op.Value.(history.Keyword); op.Process == history.Nemesis && !invocation {
			acted[op.F] = append(acted[op.F], nemesis.Affected(op)...)
		}
	}
	return acted
}

func TestKillAndPauseRun(t *testing.T) {
	if testing.Short() {
		t.Skip("runs a 3 s test")
	}
	out, err := Run(faultConfig(t, "kill", "pause"))
	if err != nil {
		t.Fatalf("a run with kills and pauses crashed: %v", err)
	}
	acted := nodesOf(out.History)
	for _, f := range []history.Keyword{nemesis.FKill, nemesis.FRestart, nemesis.FPause, nemesis.FResume} {
		if len(acted[f]) == 0 {
			t.Errorf("no :%s acted on a node; history has %v", f, acted)
		}
	}
	if len(acted[nemesis.FKill]) != len(acted[nemesis.FRestart]) || len(acted[nemesis.FPause]) != len(acted[nemesis.FResume]) {
		t.Errorf("every killed node must be started again and every paused one resumed: %v", acted)
	}
	var downAtOnce, maxDown int
	for _, op := range out.History {
		if _, invocation := op.Value.(history.Keyword); op.Process != history.Nemesis || invocation {
			continue
		}
		switch op.F {
		case nemesis.FKill, nemesis.FPause:
			downAtOnce += len(nemesis.Affected(op))
		default:
			downAtOnce -= len(nemesis.Affected(op))
		}
		maxDown = max(maxDown, downAtOnce)
	}
	if downAtOnce != 0 || maxDown > nemesis.MaxDown(5) {
		t.Errorf("%d nodes down at the end, at most %d at once; want 0 and at most %d", downAtOnce, maxDown, nemesis.MaxDown(5))
	}
	last := out.History[len(out.History)-1]
	if last.Process != history.Nemesis {
		t.Errorf("the run did not end with the final nemesis ops: %+v", last)
	}
	var oks int
	for _, op := range out.History {
		if op.Type == history.OK {
			oks++
		}
	}
	if oks == 0 {
		t.Error("no echo succeeded")
	}
}

func TestNodeThatDoesNotComeBackIsACrash(t *testing.T) {
	if testing.Short() {
		t.Skip("runs a test")
	}
	cfg := faultConfig(t, "kill")
	cfg.Nodes = []string{"n0"}
	cfg.Concurrency = 1
	t.Setenv("GLOMERS_TEST_ONCE", t.TempDir()+"/started")
	out, err := Run(cfg)
	var crash *CrashError
	if !errors.As(err, &crash) {
		for _, op := range out.History {
			if op.Process == history.Nemesis {
				t.Logf("%s", history.TextLine(op))
			}
		}
		t.Fatalf("Run = %v, want a crash", err)
	}
	for _, want := range []string{"the nemesis killed node n0 and started it again", "not the first incarnation"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("crash %q lacks %q", err, want)
		}
	}
	if out == nil || len(nodesOf(out.History)[nemesis.FKill]) != 1 {
		t.Errorf("history should record the kill: %+v", out)
	}
}
