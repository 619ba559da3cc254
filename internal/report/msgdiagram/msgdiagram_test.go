package msgdiagram

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/glomers/glomers/internal/message"
	"github.com/glomers/glomers/internal/network"
)

func TestParticipants(t *testing.T) {
	tests := []struct {
		pairs [][2]string
		want  []string
	}{
		{nil, nil},
		{[][2]string{{"n10", "n2"}, {"c11", "n1"}, {"c2", "lin-kv"}}, []string{"c2", "c11", "n1", "n2", "n10", "lin-kv"}},
		{[][2]string{{"seq-kv", "n0"}, {"lww-kv", "n0"}, {"ab3", "n0"}}, []string{"ab3", "n0", "lww-kv", "seq-kv"}},
	}
	for _, tt := range tests {
		var evs []event
		for _, p := range tt.pairs {
			evs = append(evs, event{Event: network.Event{Message: message.Message{Src: p[0], Dest: p[1]}}})
		}
		if got := participants(evs); !slices.Equal(got, tt.want) {
			t.Errorf("participants(%v) = %v, want %v", tt.pairs, got, tt.want)
		}
	}
}

func TestLabel(t *testing.T) {
	tests := []struct{ body, want string }{
		{`{"type":"echo","echo":"hi","msg_id":3}`, `echo {"echo":"hi"}`},
		{`{"type":"read_ok","in_reply_to":3}`, `read_ok`},
		{`{"type":"error","code":20,"text":"key does not exist","in_reply_to":3}`, `error key does not exist`},
		{`{"type":"broadcast","message":123456789012345678901234567890,"msg_id":1}`, `broadcast {"message":1.2345678901234568e+29}`},
		{`{"type":"send","key":"k","msg":"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"}`, `send {"key":"k","msg":"aaaaaaaaaaaaaaaaaaaaaaaa…`},
		{`[1,2]`, ``},
	}
	for _, tt := range tests {
		evs, _ := pick(network.SliceEvents([]network.Event{{Message: message.Message{Body: json.RawMessage(tt.body)}}}), 10)
		if got := label(evs[0]); got != tt.want {
			t.Errorf("label(%s) = %q, want %q", tt.body, got, tt.want)
		}
	}
}

func TestColours(t *testing.T) {
	j := []network.Event{}
	add := func(src, dest, body string) {
		m := message.Message{ID: int64(len(j)), Src: src, Dest: dest, Body: json.RawMessage(body)}
		j = append(j, network.Event{Type: network.Send, Message: m}, network.Event{Type: network.Recv, Message: m})
	}
	add("c1", "n0", `{"type":"init","msg_id":1}`)
	add("c1", "n0", `{"type":"echo"}`)
	add("n0", "n1", `{"type":"gossip"}`)
	add("n0", "seq-kv", `{"type":"error","code":11}`)
	var b strings.Builder
	if err := Write(&b, network.SliceEvents(j), 0); err != nil {
		t.Fatal(err)
	}
	svg := b.String()
	for _, want := range []string{`stroke="#81BFFC"`, `stroke="#000000"`, `stroke="#FF1E90"`, "<title>n0 → n1 {&#34;type&#34;:&#34;gossip&#34;}</title>"} {
		if !strings.Contains(svg, want) {
			t.Errorf("messages.svg lacks %s", want)
		}
	}
	if strings.Contains(svg, "init") {
		t.Error("messages.svg shows the init handshake")
	}
}

// TestHugeBodyDrawnSmall: a 5 MB message is drawn by its type, with only
// the start of its body in the title.
func TestHugeBodyDrawnSmall(t *testing.T) {
	big := `{"type":"gossip","blob":"` + strings.Repeat("x", 5<<20) + `"}`
	m := message.Message{Src: "n0", Dest: "n1", Body: json.RawMessage(big)}
	j := []network.Event{{Type: network.Send, Message: m}, {Type: network.Recv, Message: m}}
	var b strings.Builder
	if err := Write(&b, network.SliceEvents(j), 0); err != nil {
		t.Fatal(err)
	}
	if n := b.Len(); n > 64<<10 {
		t.Errorf("diagram of one 5 MB message is %d bytes", n)
	}
	for _, want := range []string{">gossip", "bytes in all"} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("diagram lacks %q", want)
		}
	}
}

// TestManyNodes draws a 25-node, 25-client journal: the diagram keeps
// the first MaxEventsMany events, says so, and gives every participant
// room.
func TestManyNodes(t *testing.T) {
	var journal []network.Event
	for i := range 5000 {
		m := message.Message{ID: int64(i), Src: fmt.Sprintf("c%d", i%25), Dest: fmt.Sprintf("n%d", (i*7)%25),
			Body: json.RawMessage(`{"type":"broadcast","message":1}`)}
		at := time.Duration(i) * time.Millisecond
		journal = append(journal, network.Event{ID: int64(2 * i), Time: at, Type: network.Send, Message: m},
			network.Event{ID: int64(2*i + 1), Time: at, Type: network.Recv, Message: m})
	}
	var b bytes.Buffer
	if err := Write(&b, network.SliceEvents(journal), MaxEvents); err != nil {
		t.Fatal(err)
	}
	svg := b.String()
	var width, height int
	if _, err := fmt.Sscanf(svg[strings.Index(svg, "<svg"):], `<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d"`, &width, &height); err != nil {
		t.Fatalf("no svg size: %v", err)
	}
	if height > top+MaxEventsMany*rowHeight+60 {
		t.Errorf("height %d px: more than %d events drawn", height, MaxEventsMany)
	}
	if width < 2*margin+49*minStep {
		t.Errorf("width %d px leaves less than %d px between 50 participants", width, minStep)
	}
	cut := "Additional network events not shown: this diagram shows the first 1500 of 10000 network events (init left out), 0.000 s to 0.749 s; net-journal.json has them all."
	if strings.Count(svg, cut) != 2 {
		t.Errorf("the cut is not stated at the top and the bottom:\n%.600s", svg)
	}
}
