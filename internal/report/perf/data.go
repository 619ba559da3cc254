// Package perf draws Jepsen's performance plots of a history as PNG
// images: every operation's latency, latency quantiles over time, and the
// completion rate, with network partitions, kills and pauses shaded.
package perf

import (
	"math"
	"slices"
	"sort"
	"time"

	"github.com/glomers/glomers/internal/history"
)

// Interval is a stretch of the test during which a fault was in force,
// from the op that started it to the op that ended it.
type Interval struct {
	Start, End time.Duration
}

// Fault is a kind of nemesis fault the plots shade, as Jepsen's perf
// checker knows them: the functions that start and end it, and its colour.
type Fault struct {
	Name        string
	Start, Stop history.Keyword
	Color       uint32
}

// Faults are the faults the plots shade, with Jepsen's colours.
var Faults = []Fault{
	{Name: "partition", Start: "start-partition", Stop: "stop-partition", Color: 0xE9DCA0},
	{Name: "kill", Start: "kill", Stop: "start", Color: 0xE9A4A0},
	{Name: "pause", Start: "pause", Stop: "resume", Color: 0xA0B1E9},
}

// Partitions returns the partition intervals of h. A partition still in
// force at the end of h ends at the last op's time.
func Partitions(h []history.Op) []Interval { return Intervals(h, Faults[0]) }

// Intervals returns the intervals of h during which fault f was in force:
// each from the first start op (invocation) after an end, to the
// completion of the end that follows. One still in force at the end of
// h ends at the last op's time.
func Intervals(h []history.Op, f Fault) []Interval {
	var (
		out          []Interval
		cur          Interval
		open, healed bool
		ends         int // end ops seen since the interval opened
	)
	for _, op := range h {
		if op.IsClient() {
			continue
		}
		t := time.Duration(op.Time)
		switch op.F {
		case f.Start:
			if open && healed {
				out = append(out, cur)
				open = false
			}
			if !open {
				cur, open, healed, ends = Interval{Start: t}, true, false, 0
			}
		case f.Stop:
			// The end's invocation and completion; a later end (such as
			// the final phase's, after the main phase's) ends nothing.
			if open && ends < 2 {
				cur.End, healed = t, true
				ends++
			}
		}
	}
	if open {
		if !healed {
			cur.End = lastTime(h)
		}
		out = append(out, cur)
	}
	return out
}

// NemesisTimes returns the time of every nemesis op in h.
func NemesisTimes(h []history.Op) []time.Duration {
	var out []time.Duration
	for _, op := range h {
		if !op.IsClient() {
			out = append(out, time.Duration(op.Time))
		}
	}
	return out
}

func lastTime(h []history.Op) time.Duration {
	var t int64
	for _, op := range h {
		t = max(t, op.Time)
	}
	return time.Duration(t)
}

// sample is one completed client operation.
type sample struct {
	invoked, completed time.Duration
	f                  string
	typ                history.Type
}

func (s sample) latency() time.Duration { return s.completed - s.invoked }

// samples pairs the client ops of h and returns those that completed.
func samples(h []history.Op) []sample {
	var out []sample
	for _, p := range history.Pairs(h) {
		if !p.Invoke.IsClient() || p.Completion == nil {
			continue
		}
		out = append(out, sample{
			invoked:   time.Duration(p.Invoke.Time),
			completed: time.Duration(p.Completion.Time),
			f:         string(p.Invoke.F),
			typ:       p.Completion.Type,
		})
	}
	return out
}

// functions returns the distinct :f values of ss, sorted.
func functions(ss []sample) []string {
	seen := map[string]bool{}
	var fs []string
	for _, s := range ss {
		if !seen[s.f] {
			seen[s.f] = true
			fs = append(fs, s.f)
		}
	}
	sort.Strings(fs)
	return fs
}

// bucketWidth picks a bucket width that gives about n buckets over a test
// of length d, rounded to 1, 2 or 5 times a power of ten seconds, at least
// one second and at most limit unless that would make more than 1000
// buckets.
func bucketWidth(d time.Duration, n int, limit time.Duration) time.Duration {
	raw := d.Seconds() / float64(n)
	w := time.Second
	if raw > 1 {
		mag := math.Pow(10, math.Floor(math.Log10(raw)))
		step := 5.0
		for _, m := range []float64{1, 2, 5} {
			if raw <= m*mag {
				step = m
				break
			}
		}
		w = time.Duration(step * mag * float64(time.Second))
	}
	w = min(w, limit)
	return max(w, d/1000, time.Second)
}

// quantile returns the q-quantile of sorted values, by nearest rank.
func quantile(sorted []float64, q float64) float64 {
	if len(sorted) == 0 {
		return math.NaN()
	}
	i := int(math.Ceil(q*float64(len(sorted)))) - 1
	return sorted[min(max(i, 0), len(sorted)-1)]
}

// thin returns at most n elements of ss, evenly spread, so that a huge
// history costs a bounded amount to draw.
func thin(ss []sample, n int) []sample {
	if len(ss) <= n {
		return ss
	}
	out := make([]sample, 0, n)
	step := float64(len(ss)) / float64(n)
	for i := 0; i < n; i++ {
		out = append(out, ss[int(float64(i)*step)])
	}
	return out
}

// sortedCopy returns xs sorted, leaving xs alone.
func sortedCopy(xs []float64) []float64 {
	ys := slices.Clone(xs)
	slices.Sort(ys)
	return ys
}
