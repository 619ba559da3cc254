package perf

import (
	"fmt"
	"io"

	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// QuantilePoints are the points of Jepsen's latency distributions, as
// the results map labels them.
var QuantilePoints = []string{"0", "0.5", "0.95", "0.99", "1"}

// Distribution is a named set of latencies in milliseconds, keyed by
// quantile point ("0", "0.5", … "1").
type Distribution struct {
	Name      string
	Quantiles map[string]float64
}

// QuantileBars writes a bar chart of latency distributions, one group of
// bars per quantile point: for broadcast, the stable and lost latencies.
func QuantileBars(w io.Writer, title string, ds []Distribution) error {
	p := newPlot(title, "Latency (ms)")
	p.X.Label.Text = "Quantile"
	leg := newLegend()
	colors := []draw.LineStyle{{Color: rgb(0x81BFFC)}, {Color: rgb(0xFF1E90)}, {Color: rgb(0xFFA400)}}
	barWidth := vg.Points(24)
	for i, d := range ds {
		vals := make(plotter.Values, len(QuantilePoints))
		for j, q := range QuantilePoints {
			vals[j] = d.Quantiles[q]
		}
		bc, err := plotter.NewBarChart(vals, barWidth)
		if err != nil {
			return fmt.Errorf("%s: %w", title, err)
		}
		bc.Color = colors[i%len(colors)].Color
		bc.LineStyle.Width = 0
		bc.Offset = vg.Length(float64(i)-float64(len(ds)-1)/2) * barWidth
		p.Add(bc)
		leg.add(d.Name, bc)
	}
	p.NominalX(QuantilePoints...)
	if len(ds) == 0 {
		p.Y.Min, p.Y.Max = 0, 1
	}
	p.Y.Min = 0
	if p.Y.Max <= 0 {
		p.Y.Max = 1
	}
	p.Y.Max *= 1.05
	return writePNG(w, p, leg)
}
