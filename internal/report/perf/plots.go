package perf

import (
	"fmt"
	"image/color"
	"io"
	"time"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"

	"github.com/glomers/glomers/internal/history"
)

// LatencyRaw writes latency-raw.png: one point per completed client op at
// its invocation time against its latency on a log scale, coloured by
// completion type, shaped by :f. Huge histories are thinned to an evenly
// spread subset of points.
func LatencyRaw(w io.Writer, h []history.Op) error {
	all := samples(h)
	ss := thin(all, maxPoints)
	title := "Raw latency"
	if len(ss) < len(all) {
		title = fmt.Sprintf("Raw latency (%d of %d ops)", len(ss), len(all))
	}
	if len(all) == 0 {
		title = "Raw latency (no client operations)"
	}
	p := newPlot(title, "Latency (ms)")
	logY(p)
	leg := newLegend()
	addShading(p, leg, h)
	for i, f := range functions(ss) {
		for _, typ := range types {
			var xys plotter.XYs
			for _, s := range ss {
				if s.f == f && s.typ == typ {
					xys = append(xys, plotter.XY{X: s.invoked.Seconds(), Y: latencyMs(s.latency())})
				}
			}
			if len(xys) == 0 {
				continue
			}
			sc, err := plotter.NewScatter(xys)
			if err != nil {
				return fmt.Errorf("latency-raw: %w", err)
			}
			sc.GlyphStyle = draw.GlyphStyle{Color: typeColor[typ], Shape: glyph(i), Radius: vg.Points(2.5)}
			p.Add(sc)
			leg.add(f+" "+string(typ), sc)
		}
	}
	fixRanges(p, true)
	return writePNG(w, p, leg)
}

func latencyMs(d time.Duration) float64 {
	return max(float64(d)/float64(time.Millisecond), minLatencyMs)
}

// quantiles are the latency quantiles plotted, with their colours.
var quantiles = []struct {
	q     float64
	label string
	color color.Color
}{
	{0.5, "0.5", rgb(0x2E7DD1)},
	{0.95, "0.95", rgb(0x3DB36B)},
	{0.99, "0.99", rgb(0xF08C00)},
	{1, "1", rgb(0xD62728)},
}

// LatencyQuantiles writes latency-quantiles.png: the 0.5, 0.95, 0.99 and 1
// quantiles of latency per :f, over buckets of invocation time.
func LatencyQuantiles(w io.Writer, h []history.Op) error {
	ss := samples(h)
	end := lastTime(h)
	width := bucketWidth(end, 20, 30*time.Second)
	title := fmt.Sprintf("Latency quantiles (%s buckets)", width)
	if len(ss) == 0 {
		title = "Latency quantiles (no client operations)"
	}
	p := newPlot(title, "Latency (ms)")
	logY(p)
	leg := newLegend()
	addShading(p, leg, h)
	for i, f := range functions(ss) {
		buckets := map[int][]float64{}
		last := 0
		for _, s := range ss {
			if s.f == f {
				b := int(s.invoked / width)
				buckets[b] = append(buckets[b], latencyMs(s.latency()))
				last = max(last, b)
			}
		}
		for _, q := range quantiles {
			var xys plotter.XYs
			for b := 0; b <= last; b++ {
				if len(buckets[b]) == 0 {
					continue
				}
				x := (time.Duration(b)*width + width/2).Seconds()
				xys = append(xys, plotter.XY{X: x, Y: quantile(sortedCopy(buckets[b]), q.q)})
			}
			if len(xys) == 0 {
				continue
			}
			lp, err := linePoints(xys, q.color, glyph(i))
			if err != nil {
				return fmt.Errorf("latency-quantiles: %w", err)
			}
			p.Add(lp)
			leg.add(f+" "+q.label, lp)
		}
	}
	fixRanges(p, true)
	return writePNG(w, p, leg)
}

// seriesColors are the colours of the rate plot's series, one per :f, all
// easy to tell apart.
var seriesColors = []color.Color{
	rgb(0x1F77B4), rgb(0xD62728), rgb(0x2CA02C), rgb(0x9467BD),
	rgb(0xFF7F0E), rgb(0x8C564B), rgb(0xE377C2), rgb(0x17BECF),
}

// typeDashes draw ok lines solid, info dashed and fail dotted.
var typeDashes = map[history.Type][]vg.Length{
	history.OK:   nil,
	history.Info: {vg.Points(6), vg.Points(3)},
	history.Fail: {vg.Points(2), vg.Points(2)},
}

// Rate writes rate.png: completions per second by :f and completion type,
// over buckets of completion time. Each :f has its own colour; the
// completion type sets the line's dashes.
func Rate(w io.Writer, h []history.Op) error {
	ss := samples(h)
	end := lastTime(h)
	width := bucketWidth(end, 30, 10*time.Second)
	title := fmt.Sprintf("Throughput (%s buckets)", width)
	if len(ss) == 0 {
		title = "Throughput (no client operations)"
	}
	p := newPlot(title, "Throughput (hz)")
	leg := newLegend()
	addShading(p, leg, h)
	n := int(end/width) + 1
	for i, f := range functions(ss) {
		for _, typ := range types {
			counts := make([]int, n)
			seen := false
			for _, s := range ss {
				if s.f == f && s.typ == typ {
					counts[min(int(s.completed/width), n-1)]++
					seen = true
				}
			}
			if !seen {
				continue
			}
			var xys plotter.XYs
			for b, c := range counts {
				// The last bucket only covers the test up to its end: rate
				// over that stretch, or leave it out if it is too short to
				// say anything.
				from := time.Duration(b) * width
				span := min(width, end-from)
				if span < width/4 && b > 0 {
					continue
				}
				span = max(span, time.Millisecond)
				xys = append(xys, plotter.XY{
					X: (from + span/2).Seconds(),
					Y: float64(c) / span.Seconds(),
				})
			}
			lp, err := linePoints(xys, seriesColors[i%len(seriesColors)], glyph(i))
			if err != nil {
				return fmt.Errorf("rate: %w", err)
			}
			lp.line.LineStyle.Dashes = typeDashes[typ]
			p.Add(lp)
			leg.add(f+" "+string(typ), lp)
		}
	}
	fixRanges(p, false)
	return writePNG(w, p, leg)
}

// lineWithPoints is a line through points drawn with glyphs: one series
// of a line chart.
type lineWithPoints struct {
	line *plotter.Line
	pts  *plotter.Scatter
}

// linePoints is a line through points of one colour and shape.
func linePoints(xys plotter.XYs, c color.Color, g draw.GlyphDrawer) (*lineWithPoints, error) {
	l, err := plotter.NewLine(xys)
	if err != nil {
		return nil, err
	}
	l.LineStyle = draw.LineStyle{Color: c, Width: vg.Points(1.5)}
	pts, err := plotter.NewScatter(xys)
	if err != nil {
		return nil, err
	}
	pts.GlyphStyle = draw.GlyphStyle{Color: c, Shape: g, Radius: vg.Points(2.5)}
	return &lineWithPoints{line: l, pts: pts}, nil
}

// Plot implements plot.Plotter.
func (lp *lineWithPoints) Plot(c draw.Canvas, p *plot.Plot) {
	lp.line.Plot(c, p)
	lp.pts.Plot(c, p)
}

// DataRange implements plot.DataRanger.
func (lp *lineWithPoints) DataRange() (xmin, xmax, ymin, ymax float64) {
	return lp.pts.DataRange()
}

// Thumbnail implements plot.Thumbnailer.
func (lp *lineWithPoints) Thumbnail(c *draw.Canvas) {
	lp.line.Thumbnail(c)
	lp.pts.Thumbnail(c)
}
