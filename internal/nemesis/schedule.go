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
	// Start is true for a start-partition and false for a stop-partition.
	Start bool
	// Spec is the partition a start builds; empty for a stop.
	Spec Spec
}

// Invocation returns the history op that records the step's invocation.
func (s Step) Invocation() history.Op {
	if s.Start {
		return StartInvocation(s.Spec)
	}
	return StopInvocation()
}

// Schedule yields the partition nemesis's steps: start, stop, start, …, the
// first at time 0, each next one a gap uniform in [0, 2·interval) after the
// previous, and none at or after the time limit. Each start picks its spec
// uniformly from Specs. It is a plain value: the runner sleeps until each
// step's At (or runs it at once if it is already late) and performs it.
type Schedule struct {
	maxGap time.Duration
	limit  time.Duration
	rng    *rand.Rand
	next   Step
}

// NewSchedule returns the schedule of a test whose main phase lasts limit,
// with a mean gap of interval between steps. It panics if interval is not
// positive.
func NewSchedule(interval, limit time.Duration, rng *rand.Rand) *Schedule {
	if interval <= 0 {
		panic("nemesis: schedule interval must be positive")
	}
	return &Schedule{maxGap: 2 * interval, limit: limit, rng: rng, next: Step{Start: true}}
}

// Next returns the next step, or false once the time limit is reached.
func (s *Schedule) Next() (Step, bool) {
	step := s.next
	if step.At >= s.limit {
		return Step{}, false
	}
	if step.Start {
		step.Spec = Specs[s.rng.IntN(len(Specs))]
	}
	s.next = Step{At: step.At + time.Duration(s.rng.Int64N(int64(s.maxGap))), Start: !step.Start}
	return step, true
}
