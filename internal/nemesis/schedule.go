package nemesis

import (
	"math/rand/v2"
	"time"

	"github.com/glomers/glomers/internal/history"
)

// Step is one scheduled nemesis operation.
type Step struct {
	// At is when the step is due, counted from the start of the main phase.
	At time.Duration
	// Fault is the fault the step belongs to.
	Fault Fault
	// Start is true for the step that injects the fault (start-partition,
	// kill, pause) and false for the one that ends it (stop-partition,
	// start, resume).
	Start bool
	// Spec is the partition or node spec a start uses; empty otherwise.
	Spec Spec
}

// Invocation returns the history op that records the step's invocation.
func (s Step) Invocation() history.Op {
	switch {
	case s.Fault == Kill && s.Start:
		return NodeInvocation(FKill, s.Spec)
	case s.Fault == Kill:
		return NodeInvocation(FRestart, Spec(All))
	case s.Fault == Pause && s.Start:
		return NodeInvocation(FPause, s.Spec)
	case s.Fault == Pause:
		return NodeInvocation(FResume, Spec(All))
	case s.Start:
		return StartInvocation(s.Spec)
	}
	return StopInvocation()
}

// Schedule yields one fault's steps: start, stop, start, …, the first at
// time 0, each next one a gap uniform in [0, 2·interval) after the
// previous, and none at or after the time limit (Jepsen's stagger over a
// flip-flop). A node schedule with both kill and pause takes turns: kill,
// start, pause, resume, kill, … (the first one drawn at random). Each
// start picks its spec uniformly: a partition from Specs, a kill or pause
// from NodeSpecs. It is a plain value: the runner sleeps until each step's
// At (or runs it at once if it is already late) and performs it.
type Schedule struct {
	faults []Fault
	turn   int // index into faults of the next start
	specs  []Spec
	maxGap time.Duration
	limit  time.Duration
	rng    *rand.Rand
	next   Step
}

// NewSchedule returns the partition schedule of a test whose main phase
// lasts limit, with a mean gap of interval between steps. It panics if
// interval is not positive.
func NewSchedule(interval, limit time.Duration, rng *rand.Rand) *Schedule {
	return newSchedule([]Fault{Partition}, Specs, interval, limit, rng)
}

// NewNodeSchedule returns the schedule of the node faults (Kill, Pause or
// both, taking turns), as NewSchedule.
func NewNodeSchedule(faults []Fault, interval, limit time.Duration, rng *rand.Rand) *Schedule {
	s := newSchedule(faults, NodeSpecs, interval, limit, rng)
	s.turn = rng.IntN(len(faults))
	return s
}

func newSchedule(faults []Fault, specs []Spec, interval, limit time.Duration, rng *rand.Rand) *Schedule {
	if interval <= 0 {
		panic("nemesis: schedule interval must be positive")
	}
	return &Schedule{faults: faults, specs: specs, maxGap: 2 * interval, limit: limit, rng: rng, next: Step{Start: true}}
}

// Next returns the next step, or false once the time limit is reached.
func (s *Schedule) Next() (Step, bool) {
	step := s.next
	if step.At >= s.limit {
		return Step{}, false
	}
	if step.Start {
		step.Fault = s.faults[s.turn%len(s.faults)]
		s.turn++
		step.Spec = s.specs[s.rng.IntN(len(s.specs))]
	}
	s.next = Step{At: step.At + time.Duration(s.rng.Int64N(int64(s.maxGap))), Fault: step.Fault, Start: !step.Start}
	return step, true
}
