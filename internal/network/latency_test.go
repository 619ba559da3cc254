package network

import (
	"math/rand/v2"
	"testing"
	"time"
)

func newRand(seed uint64) *rand.Rand { return rand.New(rand.NewPCG(seed, seed+1)) }

func TestParseDist(t *testing.T) {
	tests := []struct {
		in      string
		want    Dist
		wantErr bool
	}{
		{"constant", Constant, false},
		{"uniform", Uniform, false},
		{"exponential", Exponential, false},
		{"", "", true},
		{"Constant", "", true},
		{"normal", "", true},
	}
	for _, tt := range tests {
		got, err := ParseDist(tt.in)
		if got != tt.want || (err != nil) != tt.wantErr {
			t.Errorf("ParseDist(%q) = %q, %v; want %q, error %v", tt.in, got, err, tt.want, tt.wantErr)
		}
	}
}

func TestDrawZeroMean(t *testing.T) {
	rng := newRand(1)
	for _, dist := range []Dist{Constant, Uniform, Exponential, ""} {
		for _, mean := range []time.Duration{0, 500 * time.Microsecond, -time.Second} {
			l := Latency{Mean: mean, Dist: dist}
			for range 100 {
				if d := l.Draw(rng); d != 0 {
					t.Fatalf("%+v.Draw() = %v, want 0", l, d)
				}
			}
		}
	}
}

func TestDrawConstant(t *testing.T) {
	rng := newRand(2)
	for _, mean := range []time.Duration{time.Millisecond, 100 * time.Millisecond, 1500 * time.Microsecond} {
		l := Latency{Mean: mean, Dist: Constant}
		want := mean.Truncate(time.Millisecond)
		for range 100 {
			if d := l.Draw(rng); d != want {
				t.Fatalf("%+v.Draw() = %v, want %v", l, d, want)
			}
		}
	}
}

func TestDrawUniform(t *testing.T) {
	rng := newRand(3)
	l := Latency{Mean: 10 * time.Millisecond, Dist: Uniform}
	seen := map[time.Duration]int{}
	for range 10000 {
		d := l.Draw(rng)
		if d < 0 || d >= 20*time.Millisecond {
			t.Fatalf("Draw() = %v, want in [0, 20ms)", d)
		}
		if d%time.Millisecond != 0 {
			t.Fatalf("Draw() = %v, want whole milliseconds", d)
		}
		seen[d]++
	}
	// Every integer in [0, 20) should come up in 10,000 draws.
	if len(seen) != 20 {
		t.Errorf("saw %d distinct values, want all 20 of 0..19 ms: %v", len(seen), seen)
	}
}

func TestDrawExponential(t *testing.T) {
	rng := newRand(4)
	const n = 20000
	mean := 100 * time.Millisecond
	l := Latency{Mean: mean, Dist: Exponential}
	var sum time.Duration
	for range n {
		d := l.Draw(rng)
		if d < 0 {
			t.Fatalf("Draw() = %v, want >= 0", d)
		}
		if d%time.Millisecond != 0 {
			t.Fatalf("Draw() = %v, want whole milliseconds", d)
		}
		sum += d
	}
	// Truncation lowers the mean by about half a millisecond.
	got := sum / n
	if got < 95*time.Millisecond || got > 105*time.Millisecond {
		t.Errorf("mean of %d draws = %v, want about %v", n, got, mean)
	}
}
