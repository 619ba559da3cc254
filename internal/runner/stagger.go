package runner

// The stagger decides when client operations go out: Jepsen's stagger, which
// spaces operations by uniform random gaps so that --rate operations per
// second go out in total across all workers.

import (
	"math/rand/v2"
	"time"
)

// Stagger schedules operations at a mean rate. It is a plain value: the
// caller supplies the time each operation becomes ready.
type Stagger struct {
	maxGap time.Duration // 2/rate: gaps are uniform in [0, maxGap)
	next   time.Duration
	rng    *rand.Rand
}

// NewStagger schedules rate operations per second (rate > 0).
func NewStagger(rate float64, rng *rand.Rand) *Stagger {
	return &Stagger{maxGap: time.Duration(2 / rate * float64(time.Second)), rng: rng}
}

// Slot returns when an operation ready at the given time goes out: at its
// slot if it is early, or at once if it is late. The next slot is counted
// from then. The first operation goes out at once.
func (s *Stagger) Slot(ready time.Duration) time.Duration {
	t := max(ready, s.next)
	var gap time.Duration
	if s.maxGap > 0 {
		gap = time.Duration(s.rng.Int64N(int64(s.maxGap)))
	}
	s.next = t + gap
	return t
}
