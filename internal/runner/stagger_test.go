package runner

import (
	"math/rand/v2"
	"testing"
	"time"
)

func newRand(seed uint64) *rand.Rand { return rand.New(rand.NewPCG(seed, seed)) }

func TestFirstSlotAtOnce(t *testing.T) {
	for _, ready := range []time.Duration{0, time.Millisecond, 3 * time.Second} {
		s := NewStagger(1, newRand(1))
		if got := s.Slot(ready); got != ready {
			t.Errorf("first Slot(%v) = %v, want at once", ready, got)
		}
	}
}

func TestMeanRate(t *testing.T) {
	tests := []struct {
		rate  float64
		slots int
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
			for i := range tt.slots {
				got := s.Slot(0)
				if got < last {
					t.Fatalf("rate %v: slot %d at %v before slot %d at %v", tt.rate, i, got, i-1, last)
				}
				last = got
			}
			// slots-1 gaps of mean 1/rate.
			want := time.Duration(float64(tt.slots-1) / tt.rate * float64(time.Second))
			if lo, hi := want*9/10, want*11/10; last < lo || last > hi {
				t.Errorf("rate %v, seed %d: %d slots span %v, want %v ±10%%", tt.rate, seed, tt.slots, last, want)
			}
		}
	}
}

func TestGapsBounded(t *testing.T) {
	s := NewStagger(100, newRand(9))
	prev := s.Slot(0)
	for range 1000 {
		next := s.Slot(0)
		if gap := next - prev; gap < 0 || gap >= 20*time.Millisecond {
			t.Fatalf("gap %v, want in [0, 20ms) at rate 100", gap)
		}
		prev = next
	}
}

func TestLateOp(t *testing.T) {
	const maxGap = 20 * time.Millisecond // rate 100
	s := NewStagger(100, newRand(3))
	s.Slot(0)
	late := 10 * time.Second
	if got := s.Slot(late); got != late {
		t.Fatalf("late op ready at %v went out at %v, want at once", late, got)
	}
	// The next slot counts from the late op: an early op waits for it.
	next := s.Slot(0)
	if next < late || next >= late+maxGap {
		t.Errorf("op after the late one went out at %v, want in [%v, %v)", next, late, late+maxGap)
	}
	// An op ready exactly at its slot goes out then.
	s2 := NewStagger(100, newRand(3))
	s2.Slot(0)
	s2.Slot(late)
	if got := s2.Slot(next); got != next {
		t.Errorf("op ready at its slot %v went out at %v", next, got)
	}
}
