// Package timeline writes timeline.html: one column per process and one
// box per operation, from its invocation to its completion, coloured by
// how it completed, with the op's details on hover.
package timeline

import (
	"fmt"
	"html/template"
	"io"
	"sort"
	"strings"
	"time"

	"github.com/glomers/glomers/internal/history"
)

// MaxOps caps the history entries drawn.
const MaxOps = 10000

// Layout in pixels.
const (
	rowHeight = 16
	colWidth  = 110
	gutter    = 60 // left margin for the time axis
	headerH   = 24
)

// Box colours by completion type.
var colors = map[string]string{
	"ok":   "#6DB6FE",
	"info": "#FFAA26",
	"fail": "#FEB5DA",
}

type box struct {
	ID                int // the invocation's history index: the box is #op-ID
	Left, Top, Height int
	Color             string
	Label             string
	Title             string
}

type column struct {
	Left  int
	Label string
}

// anchor marks a completion's row, so that #op-N of a completion leads
// to it.
type anchor struct {
	ID, Left, Top int
}

type page struct {
	Anchors  []anchor
	Note     string
	Width    int
	Height   int
	Columns  []column
	Boxes    []box
	Colors   map[string]string
	BoxWidth int
	RowTimes []rowTime
}

type rowTime struct {
	Top   int
	Label string
}

// Write writes the timeline of h as an HTML page. Only the first MaxOps
// entries of h are drawn; a note says so.
func Write(w io.Writer, h []history.Op) error {
	pg := layout(h)
	if err := tmpl.Execute(w, pg); err != nil {
		return fmt.Errorf("timeline: %w", err)
	}
	return nil
}

func layout(h []history.Op) page {
	pg := page{Colors: colors, BoxWidth: colWidth - 4}
	if len(h) > MaxOps {
		pg.Note = fmt.Sprintf("Showing the first %d of %d operations.", MaxOps, len(h))
		h = h[:MaxOps]
	}
	if len(h) == 0 {
		pg.Note = "The history is empty."
	}
	col := columns(h)
	rows := len(h)
	pg.Height = headerH + rows*rowHeight + 4
	pg.Width = gutter + len(col)*colWidth
	for p, i := range col {
		pg.Columns = append(pg.Columns, column{Left: gutter + i*colWidth, Label: p.String()})
	}
	sort.Slice(pg.Columns, func(i, j int) bool { return pg.Columns[i].Left < pg.Columns[j].Left })
	for i := 0; i < rows; i += 10 {
		pg.RowTimes = append(pg.RowTimes, rowTime{Top: headerH + i*rowHeight, Label: seconds(h[i].Time)})
	}
	for _, pr := range pairs(h) {
		inv := pr.inv
		b := box{
			ID:    h[inv].Index,
			Left:  gutter + col[h[inv].Process]*colWidth + 2,
			Top:   headerH + inv*rowHeight,
			Color: colors[string(history.Info)],
			Label: label(h[inv]),
		}
		// A client op that never completed, or completed :info, may still
		// take effect: its box runs to the bottom. Nemesis ops are all
		// :info but do end.
		end := rows - 1
		var done *history.Op
		if pr.done >= 0 {
			done = &h[pr.done]
			b.Color = colors[string(done.Type)]
			pg.Anchors = append(pg.Anchors, anchor{ID: done.Index, Left: b.Left, Top: headerH + pr.done*rowHeight})
			if done.Type != history.Info || !h[inv].IsClient() {
				end = pr.done
			}
		}
		b.Height = (end-inv+1)*rowHeight - 2
		b.Title = title(h[inv], done)
		pg.Boxes = append(pg.Boxes, b)
	}
	return pg
}

// columns gives every process a column: clients by number, the nemesis
// last.
func columns(h []history.Op) map[history.Process]int {
	var ps []history.Process
	seen := map[history.Process]bool{}
	for _, op := range h {
		if !seen[op.Process] {
			seen[op.Process] = true
			ps = append(ps, op.Process)
		}
	}
	sort.Slice(ps, func(i, j int) bool {
		if (ps[i] == history.Nemesis) != (ps[j] == history.Nemesis) {
			return ps[j] == history.Nemesis
		}
		return ps[i] < ps[j]
	})
	col := map[history.Process]int{}
	for i, p := range ps {
		col[p] = i
	}
	return col
}

// pair is an invocation's index in the history and its completion's, or
// -1.
type pair struct{ inv, done int }

// pairs matches each invocation with the next op of its process. The
// nemesis's ops are all :info: each one opens a pair that the next op of
// the same :f closes (the partition, kill and pause nemeses run side by
// side, so their ops interleave).
func pairs(h []history.Op) []pair {
	type key struct {
		p history.Process
		f history.Keyword // nemesis ops only
	}
	var out []pair
	open := map[key]int{} // -> index into out
	for i, op := range h {
		k := key{p: op.Process}
		if !op.IsClient() {
			k.f = op.F
		}
		j, isOpen := open[k]
		if isOpen && (!op.IsClient() || op.Type != history.Invoke) {
			out[j].done = i
			delete(open, k)
			continue
		}
		if op.Type == history.Invoke || !op.IsClient() {
			open[k] = len(out)
			out = append(out, pair{inv: i, done: -1})
		}
	}
	return out
}

func label(op history.Op) string {
	s := string(op.F)
	if op.Value != nil {
		s += " " + history.Readable(op.Value)
	}
	return cut(s, 40)
}

func title(inv history.Op, done *history.Op) string {
	var b strings.Builder
	fmt.Fprintf(&b, "process %s, %s\ninvoked at %s s", inv.Process, inv.F, seconds(inv.Time))
	fmt.Fprintf(&b, "\ninvoke: %s", cut(history.Readable(inv.Value), 500))
	if done == nil {
		b.WriteString("\nnever completed")
		return b.String()
	}
	fmt.Fprintf(&b, "\n%s: %s", done.Type, cut(history.Readable(done.Value), 500))
	if done.Error != nil {
		fmt.Fprintf(&b, "\nerror: %s", cut(history.Readable(done.Error), 500))
	}
	d := time.Duration(done.Time - inv.Time)
	fmt.Fprintf(&b, "\ncompleted at %s s, after %s", seconds(done.Time), d.Round(time.Microsecond))
	return b.String()
}

func seconds(ns int64) string { return fmt.Sprintf("%.3f", float64(ns)/1e9) }

func cut(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n-1]) + "…"
}

var tmpl = template.Must(template.New("timeline").Parse(`<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>Timeline</title>
<style>
body { font: 12px sans-serif; margin: 8px; }
.legend span { display: inline-block; padding: 2px 8px; margin-right: 4px; }
.chart { position: relative; }
.col { position: absolute; top: 0; font-weight: bold; }
.t { position: absolute; left: 0; color: #666; font-size: 10px; }
.op { position: absolute; width: {{.BoxWidth}}px; overflow: hidden; white-space: nowrap;
      font-size: 10px; line-height: 14px; padding: 0 2px; border-radius: 2px; box-sizing: border-box; }
.op:hover { outline: 1px solid #000; z-index: 1; }
.op:target { outline: 3px solid #D00; z-index: 2; }
.done { position: absolute; width: {{.BoxWidth}}px; height: 14px; pointer-events: none; }
.done:target { outline: 3px solid #D00; z-index: 2; }
</style>
</head>
<body>
<h1>Timeline</h1>
<p class="legend"><span style="background:{{index .Colors "ok"}}">ok</span><span style="background:{{index .Colors "info"}}">info</span><span style="background:{{index .Colors "fail"}}">fail</span> Hover over an operation for its details. Time (s) on the left. The address #op-N leads to op N (an invocation's box, or a completion's row).</p>
{{if .Note}}<p class="note"><strong>{{.Note}}</strong></p>{{end}}
<div class="chart" style="width:{{.Width}}px;height:{{.Height}}px">
{{range .Columns}}<div class="col" style="left:{{.Left}}px">{{.Label}}</div>
{{end}}{{range .RowTimes}}<div class="t" style="top:{{.Top}}px">{{.Label}}</div>
{{end}}{{range .Boxes}}<div class="op" id="op-{{.ID}}" style="left:{{.Left}}px;top:{{.Top}}px;height:{{.Height}}px;background:{{.Color}}" title="{{.Title}}">{{.Label}}</div>
{{end}}{{range .Anchors}}<span class="done" id="op-{{.ID}}" style="left:{{.Left}}px;top:{{.Top}}px"></span>
{{end}}</div>
</body>
</html>
`))
