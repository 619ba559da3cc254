package perf

import (
	"bytes"
	"image/color"
	"image/png"
	"slices"
	"testing"
	"time"

	"github.com/glomers/glomers/internal/history"
)

func TestTimeTicks(t *testing.T) {
	tests := []struct {
		lo, hi float64
		labels []string
	}{
		{0, 29.5, []string{"0", "5", "10", "15", "20", "25"}},
		{0, 20, []string{"0", "2", "4", "6", "8", "10", "12", "14", "16", "18", "20"}},
		{0, 60, []string{"0", "5", "10", "15", "20", "25", "30", "35", "40", "45", "50", "55", "60"}},
		{0, 3, []string{"0.0", "0.5", "1.0", "1.5", "2.0", "2.5", "3.0"}},
		{0, 200, []string{"0", "30", "60", "90", "120", "150", "180"}},
	}
	for _, tt := range tests {
		var labels []string
		for _, tick := range (timeTicks{}).Ticks(tt.lo, tt.hi) {
			if tick.Label != "" {
				labels = append(labels, tick.Label)
			}
		}
		if !slices.Equal(labels, tt.labels) {
			t.Errorf("ticks of [%g, %g]: %q, want %q", tt.lo, tt.hi, labels, tt.labels)
		}
	}
}

// TestRateColours draws two functions' throughput and finds each in its
// own colour.
func TestRateColours(t *testing.T) {
	var h []history.Op
	for i := range 200 {
		f := history.Keyword("broadcast")
		if i%4 == 3 { // a quarter of the rate: the lines do not overlap
			f = "read"
		}
		at := int64(i) * int64(50*time.Millisecond)
		h = append(h, history.Op{Index: 2 * i, Time: at, Type: history.Invoke, Process: history.Process(i % 2), F: f},
			history.Op{Index: 2*i + 1, Time: at + int64(time.Millisecond), Type: history.OK, Process: history.Process(i % 2), F: f})
	}
	var b bytes.Buffer
	if err := Rate(&b, h); err != nil {
		t.Fatal(err)
	}
	img, err := png.Decode(&b)
	if err != nil {
		t.Fatal(err)
	}
	count := map[color.RGBA]int{}
	bounds := img.Bounds()
	for y := bounds.Min.Y; y < bounds.Max.Y; y++ {
		for x := bounds.Min.X; x < bounds.Max.X; x++ {
			r, g, bl, _ := img.At(x, y).RGBA()
			count[color.RGBA{uint8(r >> 8), uint8(g >> 8), uint8(bl >> 8), 0xFF}]++
		}
	}
	for i, c := range seriesColors[:2] {
		if count[c.(color.RGBA)] < 50 {
			t.Errorf("series %d colour %v: %d pixels, want a line of it", i, c, count[c.(color.RGBA)])
		}
	}
}
