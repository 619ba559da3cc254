package preset

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/glomers/glomers/internal/checker/kafka"
	"github.com/glomers/glomers/internal/history"
	"github.com/glomers/glomers/internal/nemesis"
	"github.com/glomers/glomers/internal/runner"
)

func TestFaultPresets(t *testing.T) {
	ids := []string{}
	for _, p := range All() {
		if p.Faults {
			ids = append(ids, p.ID)
		}
	}
	if want := []string{"3e-faults", "4-faults", "5c-faults", "6c-faults"}; !slices.Equal(ids, want) {
		t.Fatalf("fault presets %v, want %v", ids, want)
	}
	if last := All()[len(All())-1]; !last.Faults {
		t.Errorf("fault presets must come after the official ones; last is %s", last.ID)
	}
	for _, id := range ids {
		p, err := Lookup(id)
		if err != nil {
			t.Fatal(err)
		}
		official, _ := Lookup(strings.TrimSuffix(id, "-faults"))
		flags := strings.Join(p.Flags, " ")
		if strings.Count(flags, "--nemesis") != 2 || !strings.HasSuffix(flags, "--nemesis partition,kill,pause --nemesis-interval 5") {
			t.Errorf("%s flags %q: want one --nemesis partition,kill,pause --nemesis-interval 5", id, flags)
		}
		if p.Binary != official.Binary || !strings.HasPrefix(flags, strings.Join(official.Flags[:4], " ")) {
			t.Errorf("%s does not build on %s: %q", id, official.ID, flags)
		}
		if p.Targets[0].Name != Valid.Name || p.Targets[1].Name != FaultsInjected.Name {
			t.Errorf("%s targets %v: want valid, then faults injected", id, p.Targets)
		}
	}
	if p, _ := Lookup("6c-faults"); slices.Contains(p.Flags, "--availability") {
		t.Errorf("6c-faults keeps --availability total, which no run with kills can meet: %v", p.Flags)
	}
}

func TestFaultsInjected(t *testing.T) {
	done := func(f history.Keyword, results map[string]history.Keyword) history.Op {
		return nemesis.NodeCompletion(f, results)
	}
	both := []history.Op{
		nemesis.NodeInvocation(nemesis.FKill, nemesis.One), done(nemesis.FKill, map[string]history.Keyword{"n1": nemesis.Killed}),
		nemesis.NodeInvocation(nemesis.FPause, nemesis.One), done(nemesis.FPause, map[string]history.Keyword{"n0": nemesis.Paused}),
	}
	if ok, got := FaultsInjected.Judge(runner.Results{}, both); !ok || got != "1 killed, 1 paused" {
		t.Errorf("kill and pause: %v %q", ok, got)
	}
	noPause := append(both[:2:2], done(nemesis.FPause, map[string]history.Keyword{}))
	if ok, got := FaultsInjected.Judge(runner.Results{}, noPause); ok || got != "1 killed, 0 paused" {
		t.Errorf("no node paused: %v %q", ok, got)
	}
}

func TestNoAnomaly(t *testing.T) {
	lost := runner.Results{Workload: kafka.Result{ErrorTypes: []history.Keyword{"lost-write"}}}
	if ok, got := NoAnomaly("lost-write").Check(lost); ok || got != "lost-write found" {
		t.Errorf("lost write: %v %q", ok, got)
	}
	if ok, _ := NoAnomaly("lost-write").Check(runner.Results{Workload: kafka.Result{}}); !ok {
		t.Error("no anomaly judged as one")
	}
	if ok, _ := NoAnomaly("lost-write").Check(runner.Results{}); ok {
		t.Error("a missing kafka result passed")
	}
}

func TestLatency(t *testing.T) {
	ms := int64(time.Millisecond)
	h := []history.Op{
		{Type: history.Invoke, Process: 0, F: "r", Time: 0}, {Type: history.OK, Process: 0, F: "r", Time: 10 * ms},
		{Type: history.Invoke, Process: 1, F: "r", Time: 0}, {Type: history.Info, Process: 1, F: "r", Time: 5000 * ms},
		{Type: history.Invoke, Process: 0, F: "r", Time: 20 * ms}, {Type: history.OK, Process: 0, F: "r", Time: 50 * ms},
		{Type: history.Invoke, Process: 0, F: "r", Time: 60 * ms}, {Type: history.OK, Process: 0, F: "r", Time: 80 * ms},
	}
	if l := OKLatencies(h); l.Median != 20*time.Millisecond || l.Max != 30*time.Millisecond || l.Count != 3 {
		t.Errorf("latency median %v max %v over %d ops, want 20ms and 30ms over 3 (ok ops only)", l.Median, l.Max, l.Count)
	}
}
