package perf

import (
	"slices"
	"testing"
	"time"

	"github.com/glomers/glomers/internal/history"
)

func nem(t time.Duration, f history.Keyword) history.Op {
	return history.Op{Time: int64(t), Type: history.Info, Process: history.Nemesis, F: f}
}

func TestPartitions(t *testing.T) {
	s := time.Second
	tests := []struct {
		name string
		h    []history.Op
		want []Interval
	}{
		{"none", nil, nil},
		{"one", []history.Op{nem(1*s, "start-partition"), nem(1*s+1, "start-partition"), nem(3*s, "stop-partition"), nem(3*s+1, "stop-partition")},
			[]Interval{{1 * s, 3*s + 1}}},
		{"two", []history.Op{nem(1*s, "start-partition"), nem(2*s, "stop-partition"), nem(4*s, "start-partition"), nem(5*s, "stop-partition")},
			[]Interval{{1 * s, 2 * s}, {4 * s, 5 * s}}},
		{"never healed", []history.Op{nem(1*s, "start-partition"), {Time: int64(9 * s), Type: history.OK, Process: 0, F: "read"}},
			[]Interval{{1 * s, 9 * s}}},
		{"stop without start", []history.Op{nem(1*s, "stop-partition")}, nil},
		{"a later stop ends nothing", []history.Op{nem(1*s, "start-partition"), nem(1*s+1, "start-partition"), nem(3*s, "stop-partition"), nem(3*s+1, "stop-partition"),
			nem(8*s, "stop-partition"), nem(8*s+1, "stop-partition")}, []Interval{{1 * s, 3*s + 1}}},
	}
	for _, tt := range tests {
		if got := Partitions(tt.h); !slices.Equal(got, tt.want) {
			t.Errorf("%s: Partitions = %v, want %v", tt.name, got, tt.want)
		}
	}
}

func TestKillAndPauseIntervals(t *testing.T) {
	s := time.Second
	h := []history.Op{
		nem(1*s, "kill"), nem(1*s+1, "kill"),
		nem(2*s, "pause"), nem(2*s+1, "pause"),
		nem(3*s, "start-partition"), nem(3*s+1, "start-partition"),
		nem(4*s, "start"), nem(5*s, "start"),
		nem(6*s, "resume"), nem(6*s+1, "resume"),
		nem(7*s, "kill"), nem(7*s+1, "kill"),
		{Time: int64(9 * s), Type: history.OK, Process: 0, F: "read"},
	}
	want := map[string][]Interval{
		"partition": {{3 * s, 9 * s}},
		"kill":      {{1 * s, 5 * s}, {7 * s, 9 * s}},
		"pause":     {{2 * s, 6*s + 1}},
	}
	for _, f := range Faults {
		if got := Intervals(h, f); !slices.Equal(got, want[f.Name]) {
			t.Errorf("%s intervals %v, want %v", f.Name, got, want[f.Name])
		}
	}
	if bands := newShading(h).bands; len(bands) != 3 {
		t.Errorf("%d shaded bands, want partition, kill and pause", len(bands))
	}
}

func TestBucketWidth(t *testing.T) {
	tests := []struct {
		d     time.Duration
		n     int
		limit time.Duration
		want  time.Duration
	}{
		{0, 20, 30 * time.Second, time.Second},
		{5 * time.Second, 20, 30 * time.Second, time.Second},
		{60 * time.Second, 20, 30 * time.Second, 5 * time.Second},
		{30 * time.Second, 20, 30 * time.Second, 2 * time.Second},
		{time.Hour, 20, 30 * time.Second, 30 * time.Second},
		{100 * time.Hour, 20, 30 * time.Second, 360 * time.Second},
	}
	for _, tt := range tests {
		if got := bucketWidth(tt.d, tt.n, tt.limit); got != tt.want {
			t.Errorf("bucketWidth(%s, %d, %s) = %s, want %s", tt.d, tt.n, tt.limit, got, tt.want)
		}
	}
}

func TestQuantile(t *testing.T) {
	xs := []float64{1, 2, 3, 4, 5, 6, 7, 8, 9, 10}
	tests := []struct{ q, want float64 }{{0, 1}, {0.5, 5}, {0.95, 10}, {1, 10}}
	for _, tt := range tests {
		if got := quantile(xs, tt.q); got != tt.want {
			t.Errorf("quantile(%g) = %g, want %g", tt.q, got, tt.want)
		}
	}
}

func TestLogTicks(t *testing.T) {
	tests := []struct {
		lo, hi float64
		labels []string
	}{
		{0.5, 30, []string{"0.5", "1", "2", "5", "10", "20"}},
		{0.1, 1000, []string{"0.1", "1", "10", "100", "1000"}},
		{3.1, 4.9, []string{"4"}},
	}
	for _, tt := range tests {
		var got []string
		for _, tk := range (logTicks{}).Ticks(tt.lo, tt.hi) {
			if tk.Label != "" {
				got = append(got, tk.Label)
			}
		}
		if !slices.Equal(got, tt.labels) {
			t.Errorf("Ticks(%g, %g) labels = %v, want %v", tt.lo, tt.hi, got, tt.labels)
		}
	}
}
