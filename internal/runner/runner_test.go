package runner

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/glomers/glomers/internal/checker"
	"github.com/glomers/glomers/internal/checker/availability"
	"github.com/glomers/glomers/internal/history"
	"github.com/glomers/glomers/internal/rundir"
	"github.com/glomers/glomers/internal/workload"
	"github.com/glomers/glomers/internal/workload/echo"
)

func TestWorkersTalkToNodeIModN(t *testing.T) {
	tr := &test{cfg: Config{Nodes: []string{"n0", "n1", "n2"}, Concurrency: 7}}
	ws := tr.newWorkers()
	if len(ws) != 7 {
		t.Fatalf("%d workers, want 7", len(ws))
	}
	for i, w := range ws {
		if want := tr.cfg.Nodes[i%3]; w.node != want || w.thread != i || w.process != history.Process(i) {
			t.Errorf("worker %d: node %s thread %d process %d, want node %s", i, w.node, w.thread, w.process, want)
		}
	}
}

func TestRecorderIndexesAndStamps(t *testing.T) {
	now := time.Duration(0)
	r := newRecorder(func() time.Duration { return now }, &logger{})
	now = 5
	inv := r.add(history.Op{Type: history.Invoke, F: "echo", Time: 3})
	now = 9
	done := r.add(history.Op{Type: history.OK, F: "echo", Time: 1})
	if inv.Index != 0 || inv.Time != 3 {
		t.Errorf("invocation %+v: want index 0 and its scheduled time 3", inv)
	}
	if done.Index != 1 || done.Time != 9 {
		t.Errorf("completion %+v: want index 1 stamped now (9)", done)
	}
	if r.count(history.Invoke) != 1 || r.count(history.OK) != 1 || len(r.ops()) != 2 {
		t.Errorf("counts %v, ops %d", r.counts, len(r.ops()))
	}
}

func echoHistory(echoed string) []history.Op {
	return []history.Op{
		{Index: 0, Type: history.Invoke, Process: 0, F: "echo", Value: "Please echo 1"},
		{Index: 1, Type: history.OK, Process: 0, F: "echo", Value: map[history.Keyword]any{"type": "echo_ok", "echo": echoed}},
	}
}

func TestAnalyzeMergesVerdicts(t *testing.T) {
	tests := []struct {
		name  string
		h     []history.Op
		req   availability.Requirement
		check func([]history.Op, workload.Options) checker.Result
		want  checker.Validity
	}{
		{name: "valid", h: echoHistory("Please echo 1"), want: checker.Valid},
		{name: "workload invalid", h: echoHistory("nope"), want: checker.Invalid},
		{name: "availability unmet", h: append(echoHistory("Please echo 1"),
			history.Op{Index: 2, Type: history.Invoke, Process: 1, F: "echo", Value: "x"},
			history.Op{Index: 3, Type: history.Info, Process: 1, F: "echo", Value: "x"}),
			req: availability.Requirement{Set: true, Total: true, Min: 1}, want: checker.Invalid},
		{name: "panicking checker is unknown", h: echoHistory("Please echo 1"),
			check: func([]history.Op, workload.Options) checker.Result { panic("boom") }, want: checker.Unknown},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := echo.Workload()
			if tt.check != nil {
				w.Check = tt.check
			}
			r := Analyze(w, workload.Options{}, tt.req, tt.h, nil)
			if r.Valid != tt.want {
				t.Errorf("valid %v, want %v: %+v", r.Valid, tt.want, r)
			}
		})
	}
}

func TestResultsEncodeAlike(t *testing.T) {
	r := Analyze(echo.Workload(), workload.Options{}, availability.Requirement{}, echoHistory("nope"), nil)
	e, err := rundir.EDN(r)
	if err != nil {
		t.Fatal(err)
	}
	j, err := json.Marshal(r)
	if err != nil {
		t.Fatal(err)
	}
	var decoded map[string]any
	if err := json.Unmarshal(j, &decoded); err != nil {
		t.Fatal(err)
	}
	for _, key := range []string{"exceptions", "stats", "availability", "net", "workload", "valid"} {
		if _, ok := decoded[key]; !ok {
			t.Errorf("results.json lacks %q", key)
		}
		if ednKey := ":" + strings.TrimSuffix(key, "valid"); key != "valid" && !strings.Contains(string(e), ednKey+" ") {
			t.Errorf("results.edn lacks %s", ednKey)
		}
	}
	if decoded["valid"] != false || !strings.Contains(string(e), ":valid? false}") {
		t.Errorf("verdicts differ: json %v, edn %s", decoded["valid"], e)
	}
}

func TestVerdictLines(t *testing.T) {
	for v, want := range map[checker.Validity]string{
		checker.Valid:   "Everything looks good! ヽ(\u2018ー`)ノ",
		checker.Invalid: "Analysis invalid! (ﾉಥ益ಥ\uff09ﾉ ┻━┻",
		checker.Unknown: "Errors occurred during analysis, but no anomalies found. ಠ~ಠ",
	} {
		if got := Verdict(v); got != want {
			t.Errorf("Verdict(%v) = %q, want %q", v, got, want)
		}
	}
}

// TestLoggerBuffersJepsenLog: jepsen.log lines are buffered until a flush,
// in Jepsen's layout; console lines go out at once.
func TestLoggerBuffersJepsenLog(t *testing.T) {
	var file, console strings.Builder
	l := newLogger(&file, &console)
	l.fileOnly("jepsen worker 3", "%s", "3\t:invoke\t:echo\t\"hi\"")
	l.info("Running %s", "echo")
	if file.Len() != 0 {
		t.Errorf("jepsen.log written before a flush: %q", file.String())
	}
	if !strings.Contains(console.String(), "INFO [") || !strings.Contains(console.String(), "] Running echo\n") {
		t.Errorf("console = %q", console.String())
	}
	l.flush()
	lines := strings.Split(strings.TrimSuffix(file.String(), "\n"), "\n")
	if len(lines) != 2 || !strings.HasSuffix(lines[0], "{GMT}\tINFO\t[jepsen worker 3] 3\t:invoke\t:echo\t\"hi\"") ||
		!strings.HasSuffix(lines[1], "{GMT}\tINFO\t[glomers] Running echo") {
		t.Errorf("jepsen.log = %q", file.String())
	}
}
