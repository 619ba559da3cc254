package nemesis

import (
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/glomers/glomers/internal/history"
)

func TestScheduleShape(t *testing.T) {
	const interval, limit = 10 * time.Second, 30 * time.Second
	for seed := range uint64(50) {
		s := NewSchedule(interval, limit, rand.New(rand.NewPCG(seed, 9)))
		var prev Step
		for i := 0; ; i++ {
			step, ok := s.Next()
			if !ok {
				break
			}
			switch {
			case i == 0 && (step.At != 0 || !step.Start):
				t.Fatalf("seed %d: first step %+v, want a start at 0", seed, step)
			case i > 0 && step.Start == prev.Start:
				t.Fatalf("seed %d: step %d %+v does not alternate with %+v", seed, i, step, prev)
			case i > 0 && (step.At < prev.At || step.At-prev.At >= 2*interval):
				t.Fatalf("seed %d: gap %v out of [0, %v)", seed, step.At-prev.At, 2*interval)
			case step.At >= limit:
				t.Fatalf("seed %d: step at %v, at or after the limit", seed, step.At)
			case step.Start != (step.Spec != ""):
				t.Fatalf("seed %d: step %+v: starts, and only starts, carry a spec", seed, step)
			}
			prev = step
		}
		if _, ok := s.Next(); ok {
			t.Fatalf("seed %d: a step after the schedule ended", seed)
		}
	}
}

func TestScheduleStatistics(t *testing.T) {
	const interval = time.Second
	s := NewSchedule(interval, time.Duration(math.MaxInt64), rand.New(rand.NewPCG(1, 1)))
	const steps = 100_000
	specs := map[Spec]int{}
	var last Step
	for range steps {
		step, _ := s.Next()
		if step.Start {
			specs[step.Spec]++
		}
		last = step
	}
	mean := float64(last.At) / float64(steps-1)
	if math.Abs(mean/float64(interval)-1) > 0.02 {
		t.Errorf("mean gap %v, want about %v", time.Duration(mean), interval)
	}
	for _, spec := range Specs {
		if frac := float64(specs[spec]) / (steps / 2); math.Abs(frac-0.25) > 0.02 {
			t.Errorf("spec %s chosen %.3f of the time, want about 0.25", spec, frac)
		}
	}
}

func TestScheduleNoTime(t *testing.T) {
	if step, ok := NewSchedule(time.Second, 0, rand.New(rand.NewPCG(1, 1))).Next(); ok {
		t.Errorf("limit 0 gave step %+v", step)
	}
}

func TestScheduleBadInterval(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Error("want a panic for a zero interval")
		}
	}()
	NewSchedule(0, time.Second, rand.New(rand.NewPCG(1, 1)))
}

func TestNodeScheduleTakesTurns(t *testing.T) {
	both := []Fault{Kill, Pause}
	for seed := range uint64(20) {
		s := NewNodeSchedule(both, time.Second, time.Hour, rand.New(rand.NewPCG(seed, 3)))
		var starts []Fault
		var prev Step
		for i := range 40 {
			step, _ := s.Next()
			if i%2 == 1 && (step.Start || step.Fault != prev.Fault || step.Spec != "") {
				t.Fatalf("seed %d: step %d %+v must end the %s before it", seed, i, step, prev.Fault)
			}
			if step.Start {
				if !slices.Contains(NodeSpecs, step.Spec) {
					t.Fatalf("seed %d: node spec %q", seed, step.Spec)
				}
				starts = append(starts, step.Fault)
			}
			prev = step
		}
		for i := 1; i < len(starts); i++ {
			if starts[i] == starts[i-1] {
				t.Fatalf("seed %d: starts %v do not take turns", seed, starts)
			}
		}
	}
	for _, tt := range []struct {
		f    Fault
		want [2]string
	}{{Kill, [2]string{":kill :one", ":start :all"}}, {Pause, [2]string{":pause :one", ":resume :all"}}} {
		s := NewNodeSchedule([]Fault{tt.f}, time.Second, time.Hour, rand.New(rand.NewPCG(1, 1)))
		for i := range 2 {
			step, _ := s.Next()
			inv := step.Invocation()
			if got := ":" + string(inv.F) + " " + history.Readable(inv.Value); inv.Process != history.Nemesis || !strings.HasPrefix(got, tt.want[i][:6]) {
				t.Errorf("%s step %d invocation %s, want like %s", tt.f, i, got, tt.want[i])
			}
		}
	}
}
