package perf

import (
	"fmt"
	"image/color"
	"io"
	"math"
	"slices"
	"strconv"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/font"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"

	"github.com/glomers/glomers/internal/history"
)

// Image size in pixels, as Jepsen's perf plots.
const (
	Width  = 900
	Height = 400
)

// maxPoints caps the points drawn on the raw latency plot.
const maxPoints = 20000

// Colours of completion types (points and lines) and of nemesis ops.
var (
	typeColor = map[history.Type]color.Color{
		history.OK:   rgb(0x81BFFC),
		history.Info: rgb(0xFFA400),
		history.Fail: rgb(0xFF1E90),
	}
	nemesisLine = rgb(0xC9B870)
)

// types lists the completion types in drawing order.
var types = []history.Type{history.OK, history.Info, history.Fail}

func rgb(x uint32) color.RGBA {
	return color.RGBA{R: uint8(x >> 16), G: uint8(x >> 8), B: uint8(x), A: 0xFF}
}

// glyphs gives each :f a point shape, in the order of the sorted :f names.
var glyphs = []draw.GlyphDrawer{
	draw.CircleGlyph{}, draw.BoxGlyph{}, draw.PyramidGlyph{}, draw.CrossGlyph{},
	draw.PlusGlyph{}, draw.RingGlyph{}, draw.SquareGlyph{}, draw.TriangleGlyph{},
}

func glyph(i int) draw.GlyphDrawer { return glyphs[i%len(glyphs)] }

// sans is the plots' typeface, set on each text style rather than on
// gonum's package-level default.
var sans = font.Font{Typeface: "Liberation", Variant: "Sans"}

func useSans(f *font.Font) { f.Typeface, f.Variant = sans.Typeface, sans.Variant }

// newPlot returns a plot with the common look: a title and a time axis.
func newPlot(title, ylabel string) *plot.Plot {
	p := plot.New()
	p.Title.Text = title
	p.Title.TextStyle.Font.Size = vg.Points(13)
	p.X.Label.Text = "Time (s)"
	p.X.Tick.Marker = timeTicks{}
	p.Y.Label.Text = ylabel
	for _, f := range []*font.Font{&p.Title.TextStyle.Font, &p.X.Label.TextStyle.Font, &p.Y.Label.TextStyle.Font,
		&p.X.Tick.Label.Font, &p.Y.Tick.Label.Font} {
		useSans(f)
	}
	return p
}

// shading draws fault intervals as filled bands over the whole height of
// the plot and a vertical line at each nemesis op. It widens the x range
// to cover them but leaves the y range alone.
type shading struct {
	bands []band
	lines []float64 // seconds
}

// band is one fault's intervals in its colour.
type band struct {
	name      string
	color     color.Color
	intervals []Interval
}

func newShading(h []history.Op) *shading {
	s := &shading{}
	for _, f := range Faults {
		if ivs := Intervals(h, f); len(ivs) > 0 {
			// Translucent, so that overlapping faults (a pause during a
			// partition) both show.
			c := rgb(f.Color)
			c.A = 0xA0
			s.bands = append(s.bands, band{name: f.Name, color: color.NRGBA(c), intervals: ivs})
		}
	}
	for _, t := range NemesisTimes(h) {
		s.lines = append(s.lines, t.Seconds())
	}
	return s
}

func (s *shading) empty() bool { return len(s.bands) == 0 && len(s.lines) == 0 }

// Plot implements plot.Plotter.
func (s *shading) Plot(c draw.Canvas, p *plot.Plot) {
	trX, _ := p.Transforms(&c)
	clamp := func(x float64) vg.Length { return trX(min(max(x, p.X.Min), p.X.Max)) }
	for _, b := range s.bands {
		for _, iv := range b.intervals {
			x0, x1 := clamp(iv.Start.Seconds()), clamp(iv.End.Seconds())
			c.FillPolygon(b.color, []vg.Point{
				{X: x0, Y: c.Min.Y}, {X: x1, Y: c.Min.Y}, {X: x1, Y: c.Max.Y}, {X: x0, Y: c.Max.Y},
			})
		}
	}
	line := draw.LineStyle{Color: nemesisLine, Width: vg.Points(0.5)}
	for _, x := range s.lines {
		if x < p.X.Min || x > p.X.Max {
			continue
		}
		c.StrokeLine2(line, trX(x), c.Min.Y, trX(x), c.Max.Y)
	}
}

// DataRange implements plot.DataRanger: the x extent only.
func (s *shading) DataRange() (xmin, xmax, ymin, ymax float64) {
	xmin, xmax = math.Inf(1), math.Inf(-1)
	for _, b := range s.bands {
		for _, iv := range b.intervals {
			xmin, xmax = min(xmin, iv.Start.Seconds()), max(xmax, iv.End.Seconds())
		}
	}
	for _, x := range s.lines {
		xmin, xmax = min(xmin, x), max(xmax, x)
	}
	return xmin, xmax, math.Inf(1), math.Inf(-1)
}

// Thumbnail implements plot.Thumbnailer for the legend.
func (b band) Thumbnail(c *draw.Canvas) {
	c.FillPolygon(b.color, []vg.Point{
		{X: c.Min.X, Y: c.Min.Y}, {X: c.Max.X, Y: c.Min.Y}, {X: c.Max.X, Y: c.Max.Y}, {X: c.Min.X, Y: c.Max.Y},
	})
}

// addShading puts the fault bands behind everything else and adds them to
// the legend.
func addShading(p *plot.Plot, leg *legend, h []history.Op) {
	s := newShading(h)
	if s.empty() {
		return
	}
	p.Add(s)
	for _, b := range s.bands {
		leg.add(b.name, b)
	}
}

// fixRanges makes the axes drawable: a default range when nothing was
// added, some room around a single value, and positive bounds on a log
// axis.
func fixRanges(p *plot.Plot, logY bool) {
	if p.X.Min > p.X.Max {
		p.X.Min, p.X.Max = 0, 1
	}
	if p.X.Min == p.X.Max {
		p.X.Min, p.X.Max = p.X.Min-0.5, p.X.Max+0.5
	}
	p.X.Min = min(p.X.Min, 0)
	if p.Y.Min > p.Y.Max {
		p.Y.Min, p.Y.Max = 0, 1
		if logY {
			p.Y.Min, p.Y.Max = 0.1, 1000
		}
	}
	if logY {
		p.Y.Min = max(p.Y.Min, minLatencyMs)
		p.Y.Min, p.Y.Max = p.Y.Min/1.5, p.Y.Max*1.5
		return
	}
	p.Y.Min = min(p.Y.Min, 0)
	if p.Y.Max <= p.Y.Min {
		p.Y.Max = p.Y.Min + 1
	}
	p.Y.Max *= 1.05
}

// timeTicks marks seconds at a round step (1, 2, 5, 10, 15, 30, 60, …
// seconds, or tenths for short spans) chosen to give at most 12 labelled
// ticks, with unlabelled ticks in between.
type timeTicks struct{}

// timeSteps are the steps timeTicks chooses from, in seconds.
var timeSteps = []float64{0.1, 0.2, 0.5, 1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600}

// Ticks implements plot.Ticker.
func (timeTicks) Ticks(lo, hi float64) []plot.Tick {
	if !(hi > lo) {
		return []plot.Tick{{Value: lo, Label: strconv.FormatFloat(lo, 'g', 4, 64)}}
	}
	step := timeSteps[len(timeSteps)-1]
	for _, s := range timeSteps {
		if (hi-lo)/s <= 12 {
			step = s
			break
		}
	}
	decimals := 0
	if step < 1 {
		decimals = 1
	}
	var ticks []plot.Tick
	minor := step / 5
	if step == 15 || step == 900 {
		minor = step / 3
	}
	first := math.Ceil(lo/minor) * minor
	for i := 0; ; i++ {
		v := first + float64(i)*minor
		if v > hi+minor/1000 {
			break
		}
		t := plot.Tick{Value: v}
		if r := math.Mod(math.Abs(v)+step/1000, step); r < step/500 {
			t.Label = strconv.FormatFloat(math.Round(v/step)*step, 'f', decimals, 64)
		}
		ticks = append(ticks, t)
	}
	return ticks
}

// minLatencyMs is the smallest latency drawn on a log axis.
const minLatencyMs = 0.001

// logY sets up a log-scale y axis.
func logY(p *plot.Plot) {
	p.Y.Scale = plot.LogScale{}
	p.Y.Tick.Marker = logTicks{}
}

// logTicks marks 1, 2 and 5 times each power of ten when the axis spans
// less than three decades, and only the powers of ten otherwise, so that a
// narrow log axis still has several labels.
type logTicks struct{}

// Ticks implements plot.Ticker.
func (logTicks) Ticks(lo, hi float64) []plot.Tick {
	lo, hi = max(lo, minLatencyMs/10), max(hi, minLatencyMs/10)
	labelled := []float64{1, 2, 5}
	if math.Log10(hi/lo) >= 3 {
		labelled = []float64{1}
	}
	var ticks []plot.Tick
	for e := math.Floor(math.Log10(lo)); e <= math.Ceil(math.Log10(hi)); e++ {
		base := math.Pow(10, e)
		for m := 1.0; m < 10; m++ {
			v := base * m
			if v < lo || v > hi {
				continue
			}
			t := plot.Tick{Value: v}
			if slices.Contains(labelled, m) {
				t.Label = strconv.FormatFloat(v, 'g', 4, 64)
			}
			ticks = append(ticks, t)
		}
	}
	if !slices.ContainsFunc(ticks, func(t plot.Tick) bool { return t.Label != "" }) {
		for i := range ticks {
			ticks[i].Label = strconv.FormatFloat(ticks[i].Value, 'g', 4, 64)
		}
	}
	return ticks
}

// writePNG draws p with its legend to the right of it and writes a PNG.
func writePNG(w io.Writer, p *plot.Plot, leg *legend) error {
	img := vgimg.NewWith(vgimg.UseWH(Width, Height), vgimg.UseDPI(72))
	dc := draw.New(img)
	legendWidth := vg.Length(0)
	if leg.n > 0 {
		legendWidth = 150
	}
	p.Draw(draw.Crop(dc, 6, -legendWidth, 6, -6))
	if legendWidth > 0 {
		leg.Top, leg.Left = true, true
		leg.Draw(draw.Crop(dc, Width-legendWidth+10, 0, 0, -30))
	}
	if _, err := (vgimg.PngCanvas{Canvas: img}).WriteTo(w); err != nil {
		return fmt.Errorf("write png: %w", err)
	}
	return nil
}

// maxLegend caps the legend's entries so that they fit the image.
const maxLegend = 24

// legend is a plot legend drawn beside the plot, with its entry count.
type legend struct {
	plot.Legend
	n int
}

// newLegend returns an empty legend in the plots' style.
func newLegend() *legend {
	l := &legend{Legend: plot.NewLegend()}
	l.TextStyle.Font.Size = vg.Points(10)
	useSans(&l.TextStyle.Font)
	l.ThumbnailWidth = vg.Points(14)
	return l
}

// add adds an entry, or a final "…" once the legend is full.
func (l *legend) add(name string, thumbs ...plot.Thumbnailer) {
	switch {
	case l.n < maxLegend:
		l.Legend.Add(name, thumbs...)
	case l.n == maxLegend:
		l.Legend.Add("…")
	}
	l.n++
}
