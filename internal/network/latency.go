package network

import (
	"fmt"
	"math"
	"math/rand/v2"
	"time"
)

// Dist is the shape of the inter-node latency distribution.
type Dist string

// The three distributions of --latency-dist.
const (
	Constant    Dist = "constant"
	Uniform     Dist = "uniform"
	Exponential Dist = "exponential"
)

// ParseDist reads a --latency-dist value.
func ParseDist(s string) (Dist, error) {
	switch d := Dist(s); d {
	case Constant, Uniform, Exponential:
		return d, nil
	}
	return "", fmt.Errorf("unknown latency distribution %q (want constant, uniform or exponential)", s)
}

// Latency describes the one-way delay of node-to-node and node-to-service
// messages. Client messages are never delayed.
type Latency struct {
	Mean time.Duration // --latency
	Dist Dist          // --latency-dist
}

// Draw returns one delay, a whole number of milliseconds as Maelstrom
// computes it: constant gives the mean; uniform an integer in [0, 2·mean);
// exponential a draw with that mean, truncated. A zero mean always gives
// zero: Maelstrom hangs (uniform) or crashes (exponential) there, and we
// treat it as no latency instead.
func (l Latency) Draw(rng *rand.Rand) time.Duration {
	ms := l.Mean.Milliseconds()
	if ms <= 0 {
		return 0
	}
	switch l.Dist {
	case Uniform:
		return time.Duration(rng.Int64N(2*ms)) * time.Millisecond
	case Exponential:
		d := rng.ExpFloat64() * float64(ms)
		return time.Duration(math.Floor(d)) * time.Millisecond
	default:
		return time.Duration(ms) * time.Millisecond
	}
}
