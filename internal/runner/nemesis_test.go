package runner

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/glomers/glomers/internal/history"
	"github.com/glomers/glomers/internal/nemesis"
	"github.com/glomers/glomers/internal/network"
	"github.com/glomers/glomers/internal/workload/echo"
)

func faultConfig(t *testing.T, behaviour string, args []string, faults ...string) Config {
	bin, binArgs := nodeConfig(t, behaviour, args...)
	return Config{
		Workload: echo.Workload(), Bin: bin, Args: binArgs, Nodes: []string{"n0", "n1", "n2", "n3", "n4"},
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
	out, err := Run(faultConfig(t, nodeEcho, nil, "kill", "pause"))
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
	// A paused node's late replies are the pause's doing: not diagnosed as
	// the node's mistakes.
	for _, d := range out.Diagnostics {
		t.Errorf("a correct node under kills and pauses was diagnosed: %v", d.Text())
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
	cfg := faultConfig(t, nodeOnce, []string{t.TempDir() + "/started"}, "kill")
	cfg.Nodes = []string{"n0"}
	cfg.Concurrency = 1
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
	for _, want := range []string{"Node n0 crashed with exit status 1 during the main phase, after the nemesis killed it and started it again", "not the first incarnation"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("crash %q lacks %q", err, want)
		}
	}
	if out == nil || len(nodesOf(out.History)[nemesis.FKill]) != 1 {
		t.Errorf("history should record the kill: %+v", out)
	}
}
