package runner

// The stagger decides when client operations go out: jepsen 0.3.7's
// gen/stagger (the one Maelstrom pins), which spaces all operations, across
// every worker, by gaps uniform in [0, 2/rate) nanoseconds, so that about
// --rate operations per second go out.

import (
	"math/rand/v2"
	"time"
)

// Stagger schedules operations at a mean rate. It is a plain value that
// follows jepsen.generator/Stagger as its interpreter drives it: an
// operation asked for at time now goes out at once if now is at or past
// the next slot; otherwise the interpreter waits until the slot (keeping
// the stagger as it was) and asks again. The operation that goes out
// carries the time it went out, and the next slot is that time plus a fresh
// gap: a late operation does not make the following ones catch up.
type Stagger struct {
	maxGap  time.Duration // (long (secs->nanos (* 2 (/ rate))))
	next    time.Duration
	started bool // next is set: an operation has gone out
	rng     *rand.Rand
}

// NewStagger schedules rate operations per second (rate > 0).
func NewStagger(rate float64, rng *rand.Rand) *Stagger {
	return &Stagger{maxGap: time.Duration(2 / rate * float64(time.Second)), rng: rng}
}

// Wait returns how long an operation asked for at now must wait before
// it may go out: zero for the first operation and whenever now has reached
// the next slot.
func (s *Stagger) Wait(now time.Duration) time.Duration {
	if !s.started || s.next <= now {
		return 0
	}
	return s.next - now
}

// Issued records that an operation went out at now and draws the next
// slot, now plus a gap uniform in [0, maxGap) nanoseconds ((long (rand dt))).
func (s *Stagger) Issued(now time.Duration) {
	var gap time.Duration
	if s.maxGap > 0 {
		gap = time.Duration(s.rng.Int64N(int64(s.maxGap)))
	}
	s.started = true
	s.next = now + gap
}
