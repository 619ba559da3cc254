package report

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"image/png"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"golang.org/x/net/html"

	"github.com/glomers/glomers/internal/history"
	"github.com/glomers/glomers/internal/message"
	"github.com/glomers/glomers/internal/network"
)

const ms = int64(time.Millisecond)

// opsWithNemesis is a small history: two clients, ok, fail and info
// completions, and a partition from 20 ms to 60 ms.
func opsWithNemesis() []history.Op {
	ops := []history.Op{
		{Time: 1 * ms, Type: history.Invoke, Process: 0, F: "broadcast", Value: int64(1)},
		{Time: 2 * ms, Type: history.Invoke, Process: 1, F: "read"},
		{Time: 3 * ms, Type: history.OK, Process: 0, F: "broadcast", Value: int64(1)},
		{Time: 9 * ms, Type: history.OK, Process: 1, F: "read", Value: []any{int64(1)}},
		{Time: 20 * ms, Type: history.Info, Process: history.Nemesis, F: "start-partition", Value: history.Keyword("majority")},
		{Time: 21 * ms, Type: history.Info, Process: history.Nemesis, F: "start-partition", Value: []any{history.Keyword("isolated"), map[string]any{"n0": []any{"n1"}}}},
		{Time: 30 * ms, Type: history.Invoke, Process: 0, F: "broadcast", Value: int64(2)},
		{Time: 40 * ms, Type: history.Fail, Process: 0, F: "broadcast", Value: int64(2), Error: []any{int64(11), "temporarily unavailable"}},
		{Time: 41 * ms, Type: history.Invoke, Process: 1, F: "read"},
		{Time: 59 * ms, Type: history.Info, Process: 1, F: "read", Error: history.Keyword("net-timeout")},
		{Time: 60 * ms, Type: history.Info, Process: history.Nemesis, F: "stop-partition"},
		{Time: 61 * ms, Type: history.Info, Process: history.Nemesis, F: "stop-partition", Value: history.Keyword("network-healed")},
		{Time: 70 * ms, Type: history.Invoke, Process: 2, F: "read"},
	}
	for i := range ops {
		ops[i].Index = i
	}
	return ops
}

// bigHistory is n client ops over 100 s, every tenth one failing.
func bigHistory(n int) []history.Op {
	var h []history.Op
	for i := 0; i < n; i++ {
		t := int64(i) * int64(100*time.Second) / int64(n)
		typ := history.OK
		if i%10 == 0 {
			typ = history.Fail
		}
		h = append(h,
			history.Op{Index: 2 * i, Time: t, Type: history.Invoke, Process: history.Process(i % 5), F: "add", Value: int64(i)},
			history.Op{Index: 2*i + 1, Time: t + int64(i%7+1)*ms, Type: typ, Process: history.Process(i % 5), F: "add", Value: int64(i)})
	}
	return h
}

func journalOf(pairs ...[3]string) []network.Event {
	var j []network.Event
	var t time.Duration
	for i, p := range pairs {
		m := message.Message{ID: int64(i), Src: p[0], Dest: p[1], Body: json.RawMessage(p[2])}
		j = append(j, network.Event{ID: int64(2 * i), Time: t, Type: network.Send, Message: m})
		if p[0] != "n2" { // messages from n2 are never delivered
			j = append(j, network.Event{ID: int64(2*i + 1), Time: t + time.Millisecond, Type: network.Recv, Message: m})
		}
		t += 2 * time.Millisecond
	}
	return j
}

func smallJournal() []network.Event {
	return journalOf(
		[3]string{"c1", "n0", `{"type":"init","msg_id":1,"node_id":"n0","node_ids":["n0","n1"]}`},
		[3]string{"n0", "c1", `{"type":"init_ok","in_reply_to":1}`},
		[3]string{"c3", "n10", `{"type":"broadcast","message":1,"msg_id":2}`},
		[3]string{"n10", "n2", `{"type":"broadcast","message":1,"msg_id":7}`},
		[3]string{"n2", "n10", `{"type":"broadcast_ok","in_reply_to":7}`},
		[3]string{"n10", "lin-kv", `{"type":"read","key":"x <&> ü","msg_id":8}`},
		[3]string{"lin-kv", "n10", `{"type":"error","code":20,"text":"key does not exist","in_reply_to":8}`},
		[3]string{"n10", "c3", `{"type":"broadcast_ok","in_reply_to":2}`},
	)
}

// bigJournal is n messages between three nodes.
func bigJournal(n int) []network.Event {
	var ps [][3]string
	for i := 0; i < n; i++ {
		ps = append(ps, [3]string{fmt.Sprintf("n%d", i%3), fmt.Sprintf("n%d", (i+1)%3), fmt.Sprintf(`{"type":"gossip","msg_id":%d}`, i)})
	}
	return journalOf(ps...)
}

func TestWrite(t *testing.T) {
	broadcastResults := map[string]any{
		"valid": true,
		"workload": map[string]any{
			"valid":            true,
			"stable-latencies": map[string]any{"0": 1, "0.5": 120, "0.95": 300, "0.99": 410, "1": 450},
		},
	}
	tests := []struct {
		name      string
		h         []history.Op
		journal   []network.Event
		results   any
		extras    []string // files expected besides the five always written
		boxes     int      // op boxes in timeline.html
		arrows    int      // arrows in messages.svg
		truncated bool     // messages.svg says events were left out
	}{
		{name: "empty", boxes: 0},
		{name: "nemesis", h: opsWithNemesis(), journal: smallJournal(), results: broadcastResults,
			extras: []string{StableLatenciesFile}, boxes: 7, arrows: 5},
		{name: "huge", h: bigHistory(60000), journal: bigJournal(30000), results: struct{}{},
			boxes: 5000, arrows: 4000, truncated: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			start := time.Now()
			if err := Write(dir, tt.h, network.SliceEvents(tt.journal), tt.results); err != nil {
				t.Fatal(err)
			}
			if d := time.Since(start); d > 30*time.Second {
				t.Errorf("Write took %s", d)
			}
			for _, p := range append([]string{LatencyRawFile, LatencyQuantilesFile, RateFile}, tt.extras...) {
				checkPNG(t, filepath.Join(dir, p))
			}
			if len(tt.extras) == 0 {
				if _, err := os.Stat(filepath.Join(dir, StableLatenciesFile)); err == nil {
					t.Errorf("%s written without stable latencies", StableLatenciesFile)
				}
			}
			page := read(t, filepath.Join(dir, TimelineFile))
			checkHTML(t, page)
			if got := strings.Count(page, `class="op"`); got != tt.boxes {
				t.Errorf("timeline has %d boxes, want %d", got, tt.boxes)
			}
			svg := read(t, filepath.Join(dir, MessagesFile))
			checkXML(t, svg)
			if got := strings.Count(svg, "marker-end="); got != tt.arrows {
				t.Errorf("messages.svg has %d arrows, want %d", got, tt.arrows)
			}
			if got := strings.Contains(svg, "Additional network events not shown"); got != tt.truncated {
				t.Errorf("messages.svg truncation note: %v, want %v", got, tt.truncated)
			}
			entries, _ := os.ReadDir(dir)
			for _, e := range entries {
				if strings.HasPrefix(e.Name(), ".") {
					t.Errorf("temporary file %s left behind", e.Name())
				}
			}
		})
	}
}

func TestWriteBadDir(t *testing.T) {
	if err := Write(filepath.Join(t.TempDir(), "missing"), opsWithNemesis(), nil, nil); err == nil {
		t.Fatal("Write into a missing folder: no error")
	}
}

func TestLatencyDistributions(t *testing.T) {
	tests := []struct {
		name    string
		results any
		want    int
	}{
		{"nil", nil, 0},
		{"no workload", map[string]any{"valid": true}, 0},
		{"unmarshalable", map[string]any{"f": func() {}}, 0},
		{"stable", map[string]any{"workload": map[string]any{"stable-latencies": map[string]int{"0.5": 3}}}, 1},
		{"stable and lost", json.RawMessage(`{"workload":{"stable-latencies":{"0.5":3},"lost-latencies":{"0.5":9}}}`), 2},
	}
	for _, tt := range tests {
		if got := len(latencyDistributions(tt.results)); got != tt.want {
			t.Errorf("%s: %d distributions, want %d", tt.name, got, tt.want)
		}
	}
}

func read(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if len(b) == 0 {
		t.Fatalf("%s is empty", path)
	}
	return string(b)
}

func checkPNG(t *testing.T, path string) {
	t.Helper()
	img, err := png.Decode(strings.NewReader(read(t, path)))
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	if b := img.Bounds(); b.Dx() != 900 || b.Dy() != 400 {
		t.Errorf("%s is %dx%d, want 900x400", path, b.Dx(), b.Dy())
	}
}

// checkXML fails unless s is well-formed XML.
func checkXML(t *testing.T, s string) {
	t.Helper()
	d := xml.NewDecoder(strings.NewReader(s))
	for {
		_, err := d.Token()
		if err == io.EOF {
			return
		}
		if err != nil {
			t.Fatalf("not well-formed XML: %v", err)
		}
	}
}

// checkHTML fails unless every element of s that is not void is closed,
// in order.
func checkHTML(t *testing.T, s string) {
	t.Helper()
	void := map[string]bool{"meta": true, "br": true, "img": true, "link": true, "input": true, "hr": true}
	z := html.NewTokenizer(bytes.NewReader([]byte(s)))
	var open []string
	for {
		switch z.Next() {
		case html.ErrorToken:
			if z.Err() != io.EOF {
				t.Fatal(z.Err())
			}
			if len(open) > 0 {
				t.Fatalf("unclosed elements %v", open)
			}
			return
		case html.StartTagToken:
			name, _ := z.TagName()
			if !void[string(name)] {
				open = append(open, string(name))
			}
		case html.EndTagToken:
			name, _ := z.TagName()
			if len(open) == 0 || open[len(open)-1] != string(name) {
				t.Fatalf("</%s> closes %v", name, open)
			}
			open = open[:len(open)-1]
		}
	}
}
