// Package msgdiagram draws a run's first network events as a Lamport
// diagram, messages.svg: one vertical line per participant, one row per
// event, and an arrow from each delivered message's send row to its
// receive row.
package msgdiagram

import (
	"bufio"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"io"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/glomers/glomers/internal/message"
	"github.com/glomers/glomers/internal/network"
)

// MaxEvents caps the events drawn.
const MaxEvents = 10000

// With more than ManyParticipants participants (a 25-node broadcast has
// 25 nodes and 25 clients), only the first MaxEventsMany events are drawn,
// so that the diagram stays a size a browser can show; the cut is stated
// at the top and the bottom.
const (
	ManyParticipants = 12
	MaxEventsMany    = 1500
)

// Layout in pixels.
const (
	minWidth   = 1200
	minStep    = 64 // least room between two participants' lines
	rowHeight  = 20
	margin     = 60
	top        = 56
	labelEvery = 50 // rows between repeats of the participant names
	maxLabel   = 48
)

// Colours of arrows.
const (
	errorColor  = "#FF1E90"
	clientColor = "#81BFFC"
	otherColor  = "#000000"
)

// event is a journal event kept for the diagram, with its decoded body.
type event struct {
	network.Event
	typ  string
	body map[string]any
}

// Write draws the first max events of journal (MaxEvents if max <= 0),
// leaving out the init handshake, and writes the SVG to w.
func Write(w io.Writer, journal network.Events, max int) error {
	if max <= 0 {
		max = MaxEvents
	}
	evs, total := pick(journal, max)
	if len(evs) > MaxEventsMany && len(participants(evs)) > ManyParticipants {
		evs = evs[:MaxEventsMany]
	}
	bw := bufio.NewWriter(w)
	draw(bw, evs, total)
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("messages.svg: %w", err)
	}
	return nil
}

// maxBody is the most of a message body the diagram keeps.
const maxBody = 4096

// pick decodes events in journal order, skipping init and init_ok, until
// it has max of them. It also returns how many events there are in all
// (init and init_ok left out).
func pick(journal network.Events, max int) ([]event, int) {
	var out []event
	total := 0
	if journal == nil {
		return nil, 0
	}
	for e := range journal {
		if len(out) == max {
			// Count the rest without decoding whole bodies.
			if !isInit(e.Message.Body) {
				total++
			}
			continue
		}
		var body map[string]any
		if n := len(e.Message.Body); n > maxBody {
			// A huge body is drawn by its type, and its title shows its
			// start: the diagram stays small whatever nodes send.
			var head struct {
				Type any `json:"type"`
			}
			_ = json.Unmarshal(e.Message.Body, &head)
			body = map[string]any{"type": head.Type, "size": fmt.Sprintf("%d bytes", n)}
			e.Message.Body = append(append([]byte(nil), e.Message.Body[:maxBody]...), fmt.Sprintf("… (%d bytes in all)", n)...)
		} else {
			_ = json.Unmarshal(e.Message.Body, &body) // a body that is not an object has no type
		}
		typ, _ := body["type"].(string)
		if typ == "init" || typ == "init_ok" {
			continue
		}
		total++
		out = append(out, event{Event: e, typ: typ, body: body})
	}
	return out, total
}

// isInit reports whether a body is an init or init_ok message.
func isInit(body []byte) bool {
	var b struct {
		Type string `json:"type"`
	}
	_ = json.Unmarshal(body, &b)
	return b.Type == "init" || b.Type == "init_ok"
}

var nodeName = regexp.MustCompile(`^([A-Za-z]+)(\d+)$`)

// participants orders everyone in evs: ids made of letters and digits by
// letters and then number (clients c… before nodes n…), then the rest
// (services) by name.
func participants(evs []event) []string {
	seen := map[string]bool{}
	var ids []string
	for _, e := range evs {
		for _, id := range []string{e.Message.Src, e.Message.Dest} {
			if !seen[id] {
				seen[id] = true
				ids = append(ids, id)
			}
		}
	}
	sort.Slice(ids, func(i, j int) bool {
		a, b := nodeName.FindStringSubmatch(ids[i]), nodeName.FindStringSubmatch(ids[j])
		switch {
		case a != nil && b != nil:
			if a[1] != b[1] {
				return a[1] < b[1]
			}
			na, _ := strconv.Atoi(a[2])
			nb, _ := strconv.Atoi(b[2])
			if na != nb {
				return na < nb
			}
			return ids[i] < ids[j]
		case a != nil || b != nil:
			return a != nil
		}
		return ids[i] < ids[j]
	})
	return ids
}

func draw(w *bufio.Writer, evs []event, total int) {
	ids := participants(evs)
	x := map[string]int{}
	step := 0
	width := minWidth
	if len(ids) > 1 {
		step = max(minStep, (width-2*margin)/(len(ids)-1))
		width = max(width, 2*margin+step*(len(ids)-1))
	}
	for i, id := range ids {
		x[id] = margin + i*step
		if len(ids) == 1 {
			x[id] = width / 2
		}
	}
	rows := len(evs)
	bottom := top + rows*rowHeight
	height := bottom + 50
	fmt.Fprintf(w, `<?xml version="1.0" encoding="UTF-8"?>
<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" viewBox="0 0 %d %d" font-family="sans-serif" font-size="11">
`, width, height, width, height)
	w.WriteString(`<defs>`)
	for _, c := range []string{errorColor, clientColor, otherColor} {
		fmt.Fprintf(w, `<marker id="arrow-%s" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="7" markerHeight="7" orient="auto"><path d="M0,0 L10,5 L0,10 z" fill="%s"/></marker>`, c[1:], c)
	}
	w.WriteString("</defs>\n")
	fmt.Fprintf(w, `<rect width="%d" height="%d" fill="#FFFFFF"/>`+"\n", width, height)
	if rows == 0 {
		fmt.Fprintf(w, `<text x="%d" y="%d" text-anchor="middle">No network events.</text>`+"\n", width/2, top)
	}
	cut := ""
	if rows < total {
		cut = fmt.Sprintf("Additional network events not shown: this diagram shows the first %d of %d network events (init left out), %s to %s; net-journal.json has them all.",
			rows, total, seconds(evs[0].Time), seconds(evs[rows-1].Time))
		fmt.Fprintf(w, `<text x="%d" y="%d" font-size="13">%s</text>`+"\n", margin, 16, esc(cut))
	}
	for _, id := range ids {
		fmt.Fprintf(w, `<line x1="%d" y1="%d" x2="%d" y2="%d" stroke="#BBBBBB"/>`+"\n", x[id], top-10, x[id], bottom)
	}
	for r := 0; r < max(rows, 1); r += labelEvery {
		for i, id := range ids {
			// Alternate rows of names, so that close columns' names do
			// not overlap.
			fmt.Fprintf(w, `<text x="%d" y="%d" text-anchor="middle" font-weight="bold" fill="#555555">%s</text>`+"\n",
				x[id], top-14-(i%2)*13+r*rowHeight, esc(id))
		}
	}
	sent := map[int64]int{} // message id -> send row
	for r, e := range evs {
		switch e.Type {
		case network.Send:
			sent[e.Message.ID] = r
		case network.Recv:
			s, ok := sent[e.Message.ID]
			if !ok {
				continue // sent before the first event drawn
			}
			arrow(w, e, x, top+s*rowHeight, top+r*rowHeight)
		}
	}
	if cut != "" {
		fmt.Fprintf(w, `<text x="%d" y="%d" font-size="14">%s</text>`+"\n", margin, bottom+30, esc(cut))
	}
	w.WriteString("</svg>\n")
}

func arrow(w *bufio.Writer, e event, x map[string]int, y1, y2 int) {
	m := e.Message
	color := otherColor
	switch {
	case e.typ == "error":
		color = errorColor
	case message.IsClient(m.Src) || message.IsClient(m.Dest):
		color = clientColor
	}
	x1, x2 := x[m.Src], x[m.Dest]
	fmt.Fprintf(w, `<g><title>%s</title>`, esc(m.Src+" → "+m.Dest+" "+string(m.Body)))
	if x1 == x2 { // a message to itself: a small loop
		fmt.Fprintf(w, `<path d="M%d,%d C%d,%d %d,%d %d,%d" fill="none" stroke="%s" marker-end="url(#arrow-%s)"/>`,
			x1, y1, x1+40, y1, x2+40, y2, x2, y2, color, color[1:])
	} else {
		fmt.Fprintf(w, `<line x1="%d" y1="%d" x2="%d" y2="%d" stroke="%s" stroke-width="1.2" marker-end="url(#arrow-%s)"/>`,
			x1, y1, x2, y2, color, color[1:])
	}
	anchor := "start"
	if x2 < x1 {
		anchor = "end"
	}
	fmt.Fprintf(w, `<text x="%d" y="%d" text-anchor="%s" fill="%s">%s</text></g>`+"\n",
		x1+sign(x2-x1)*6, y1-3, anchor, color, esc(label(e)))
}

// label is the body's type then the rest of the body (the text for
// errors), cut to 48 characters.
func label(e event) string {
	rest := map[string]any{}
	for k, v := range e.body {
		switch k {
		case "type", "msg_id", "in_reply_to":
		default:
			rest[k] = v
		}
	}
	var detail string
	if e.typ == "error" {
		detail = fmt.Sprint(e.body["text"])
	} else if len(rest) > 0 {
		b, _ := json.Marshal(rest) // keys sorted: stable labels
		detail = string(b)
	}
	s := strings.TrimSpace(e.typ + " " + detail)
	if r := []rune(s); len(r) > maxLabel {
		s = string(r[:maxLabel-1]) + "…"
	}
	return s
}

func seconds(d time.Duration) string { return fmt.Sprintf("%.3f s", d.Seconds()) }

func sign(n int) int {
	switch {
	case n < 0:
		return -1
	case n > 0:
		return 1
	}
	return 1
}

func esc(s string) string {
	var b strings.Builder
	xml.EscapeText(&b, []byte(strings.ToValidUTF8(s, "\uFFFD")))
	return b.String()
}
