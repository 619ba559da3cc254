package runner

import (
	"math/rand/v2"
	"testing"
	"time"
)

func newRand(seed uint64) *rand.Rand { return rand.New(rand.NewPCG(seed, seed)) }

// issue asks s for an operation at ready, waits as the interpreter does,
// and returns when it went out.
func issue(s *Stagger, ready time.Duration) time.Duration {
	at := ready + s.Wait(ready)
	s.Issued(at)
	return at
}

func TestFirstOpAtOnce(t *testing.T) {
	for _, ready := range []time.Duration{0, time.Millisecond, 3 * time.Second} {
		s := NewStagger(1, newRand(1))
		if w := s.Wait(ready); w != 0 {
			t.Errorf("first op at %v waits %v, want it to go at once", ready, w)
		}
	}
}

func TestMeanRate(t *testing.T) {
	tests := []struct {
		rate float64
		ops  int
	}{
		{100, 1000},
		{10, 500},
		{1000, 5000},
		{0.5, 200},
	}
	for _, tt := range tests {
		for seed := range uint64(5) {
			s := NewStagger(tt.rate, newRand(seed))
			var last time.Duration
			for i := range tt.ops {
				got := issue(s, last)
				if got < last {
					t.Fatalf("rate %v: op %d at %v before op %d at %v", tt.rate, i, got, i-1, last)
				}
				last = got
			}
			// ops-1 gaps of mean 1/rate.
			want := time.Duration(float64(tt.ops-1) / tt.rate * float64(time.Second))
			if lo, hi := want*9/10, want*11/10; last < lo || last > hi {
				t.Errorf("rate %v, seed %d: %d ops span %v, want %v ±10%%", tt.rate, seed, tt.ops, last, want)
			}
		}
	}
}

func TestGapsBounded(t *testing.T) {
	s := NewStagger(100, newRand(9))
	prev := issue(s, 0)
	for range 1000 {
		next := issue(s, 0)
		if gap := next - prev; gap < 0 || gap >= 20*time.Millisecond {
			t.Fatalf("gap %v, want in [0, 20ms) at rate 100", gap)
		}
		prev = next
	}
}

// TestNextSlotCountsFromDispatch: as in jepsen 0.3.7, the next slot is
// drawn from the time an operation actually went out (a late operation,
// or one whose wait overran), never from the slot it waited for.
func TestNextSlotCountsFromDispatch(t *testing.T) {
	const maxGap = 20 * time.Millisecond // rate 100
	s := NewStagger(100, newRand(3))
	s.Issued(0)
	late := 10 * time.Second
	if w := s.Wait(late); w != 0 {
		t.Fatalf("late op waits %v, want it to go at once", w)
	}
	s.Issued(late)
	// An op asked for early waits for the slot after the late one.
	w := s.Wait(late)
	if w >= maxGap {
		t.Errorf("op after the late one waits %v, want less than %v", w, maxGap)
	}
	// Its wait overran by 5ms: the slot after it counts from when it went.
	went := late + w + 5*time.Millisecond
	s.Issued(went)
	if next := went + s.Wait(went); next < went || next >= went+maxGap {
		t.Errorf("next slot %v, want in [%v, %v)", next, went, went+maxGap)
	}
	// Waiting does not change the stagger: asking again gives the same slot.
	if a, b := s.Wait(went), s.Wait(went); a != b {
		t.Errorf("asking twice moved the slot: wait %v then %v", a, b)
	}
}
