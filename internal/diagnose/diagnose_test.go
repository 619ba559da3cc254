package diagnose

import (
	"strings"
	"sync"
	"testing"
	"time"
)

func TestCollectorCountsPerKindAndNode(t *testing.T) {
	var c Collector
	first := func(d Diagnostic) bool { return c.Add(d) }
	n99 := func(node string, at time.Duration) Diagnostic {
		return UnknownDest(node, at, `{"src":"`+node+`","dest":"n99","body":{}}`, "n99", []string{"n0", "n1"}, []string{"lin-kv"})
	}
	if !first(n99("n0", time.Second)) {
		t.Error("the first message to n99 from n0 is not reported as first")
	}
	var wg sync.WaitGroup
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range 25_000 {
				if first(n99("n0", 2*time.Second)) {
					t.Error("a later message to n99 from n0 is reported as first")
				}
			}
		}()
	}
	wg.Wait()
	if c.Count(StrayReply, "n0") {
		t.Error("Count counted a kind never seen")
	}
	if !c.Count(UnknownID, "n0") {
		t.Error("Count did not find n0's messages to n99")
	}
	if !first(n99("n1", 3*time.Second)) {
		t.Error("n1's first message to n99 is not first: diagnostics are per node")
	}
	if !first(NotMessage("n0", 4*time.Second, "hello", "not well-formed JSON")) {
		t.Error("n0's first junk line is not first: diagnostics are per kind")
	}
	ds := c.List()
	if len(ds) != 3 {
		t.Fatalf("%d diagnostics, want 3: %+v", len(ds), ds)
	}
	want := []struct {
		kind  Kind
		node  string
		count int
		at    time.Duration
	}{{UnknownID, "n0", 100_002, time.Second}, {UnknownID, "n1", 1, 3 * time.Second}, {NotAMessage, "n0", 1, 4 * time.Second}}
	for i, w := range want {
		d := ds[i]
		if d.Kind != w.kind || d.Node != w.node || d.Count != w.count || d.At != w.at {
			t.Errorf("diagnostic %d: %s %s count %d at %s, want %s %s count %d at %s", i, d.Kind, d.Node, d.Count, d.At, w.kind, w.node, w.count, w.at)
		}
	}
	report := Report(ds)
	for _, s := range []string{
		"Node problems glomers noticed (3 kinds)",
		"1. message to or from an id not on the network, node n0: 100002 times, first at 1.000s.",
		"2. message to or from an id not on the network, node n1: 1 time, first at 3.000s.",
		`Node n0 sent a message to "n99", which is not on the network`,
		`{"src":"n0","dest":"n99","body":{}}`,
		"!! UNDER MAELSTROM, NODE n0 WOULD HAVE GONE SILENT AT 1.000s, at its first message to or from an id not on the network",
		"!! UNDER MAELSTROM, NODE n1 WOULD HAVE GONE SILENT AT 3.000s",
	} {
		if !strings.Contains(report, s) {
			t.Errorf("report lacks %q:\n%s", s, report)
		}
	}
	if n := strings.Count(report, "!! UNDER MAELSTROM, NODE n0"); n != 1 {
		t.Errorf("n0's silence is announced %d times, want once (its earliest):\n%s", n, report)
	}
	if Report(nil) != "" {
		t.Error("Report of no diagnostics is not empty")
	}
}

func TestDiagnosticTexts(t *testing.T) {
	nodes := []string{"n0", "n1", "n2"}
	tests := []struct {
		name     string
		d        Diagnostic
		kind     Kind
		silences bool
		wants    []string
	}{
		{
			name: "junk line", kind: NotAMessage, silences: true,
			d: NotMessage("n2", 1500*time.Millisecond, "echoing Please echo 3", "not well-formed JSON (invalid character 'e'); did you mean to write this line to stderr?"),
			wants: []string{"Node n2 printed a line on stdout that is not a message: not well-formed JSON", "stderr?\n", "    echoing Please echo 3",
				"print(..., file=sys.stderr)", "Under Maelstrom, n2 would have gone silent at 1.500s"},
		},
		{
			name: "unknown destination", kind: UnknownID, silences: true,
			d:     UnknownDest("n1", 0, `{"src":"n1","dest":"n99"}`, "n99", nodes, []string{"lin-kv", "seq-kv"}),
			wants: []string{`Node n1 sent a message to "n99", which is not on the network`, "the nodes n0, n1, n2", "services lin-kv, seq-kv", `"dest":"n99"`},
		},
		{
			name: "unknown source", kind: UnknownID, silences: true,
			d:     UnknownSender("n1", 0, `{"src":"node1","dest":"n0"}`, "node1", nodes),
			wants: []string{`Node n1 sent a message with src "node1"`, "node_id that init gave the node (one of n0, n1, n2)"},
		},
		{
			name: "reply to a closed client", kind: ClosedClient, silences: true,
			d:     LateReply("n0", 7*time.Second, `{"src":"n0","dest":"c4","body":{"type":"echo_ok"}}`, "c4"),
			wants: []string{"Node n0 sent a message to client c4 after that client had left the network", "after the client's timeout (5 s", `"dest":"c4"`},
		},
		{
			name: "reply with no in_reply_to", kind: StrayReply,
			d:     Stray("n0", time.Second, `{"src":"n0","dest":"c1","body":{"echo":"Please echo 82","type":"echo_ok"}}`, "c1", `with no "in_reply_to"`, 4),
			wants: []string{`Node n0 sent client c1 a message with no "in_reply_to", so it answers no request`, "kept waiting for a reply to its msg_id 4", `"echo":"Please echo 82"`, `carry "in_reply_to" set to the request's "msg_id"`, "n.Reply(msg, body)"},
		},
		{
			name: "malformed reply", kind: BadReply,
			d: Malformed("n0", 0, `{"echo":"hi","msg_id":3,"type":"echo"}`, `{"type": "echo_ok", "in_reply_to": 3, "echo": (any value)}`,
				`{"echo":"hi","in_reply_to":3,"type":"echo"}`, `expected type "echo_ok", got "echo"`),
			wants: []string{`Node n0 answered a request with a malformed reply: expected type "echo_ok", got "echo".`,
				"    request:  {\"echo\":\"hi\",\"msg_id\":3,\"type\":\"echo\"}",
				"    expected: {\"type\": \"echo_ok\", \"in_reply_to\": 3, \"echo\": (any value)}",
				"    received: {\"echo\":\"hi\",\"in_reply_to\":3,\"type\":\"echo\"}"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.d.Kind != tt.kind || tt.d.Silences != tt.silences || tt.d.Fatal {
				t.Errorf("kind %s silences %v fatal %v, want %s %v false", tt.d.Kind, tt.d.Silences, tt.d.Fatal, tt.kind, tt.silences)
			}
			text := tt.d.Text()
			for _, w := range tt.wants {
				if !strings.Contains(text, w) {
					t.Errorf("text lacks %q:\n%s", w, text)
				}
			}
			if strings.Contains(text, "map[") {
				t.Errorf("text shows a Go map:\n%s", text)
			}
		})
	}
}

func TestInitTimeout(t *testing.T) {
	flushHints := []string{"flush=True", "bufio.Writer", "$stdout.sync = true", "process.stdout.write"}
	tests := []struct {
		name            string
		partial         string
		stdout, stderr  []string
		wants, unwanted []string
	}{
		{
			name:     "silent node, stderr shown",
			stderr:   []string{"got init", "answering"},
			wants:    append([]string{"n3 wrote nothing at all to stdout", "probably buffered", "Its last stderr lines:\n    got init\n    answering"}, flushHints...),
			unwanted: []string{"no trailing newline"},
		},
		{
			name:     "no stderr either",
			wants:    []string{"It wrote nothing to stderr."},
			unwanted: []string{"last stderr lines"},
		},
		{
			name:     "line without newline",
			partial:  `{"src":"n3","dest":"c0","body":{"type":"init_ok","in_reply_to":1}}`,
			wants:    []string{"with no trailing newline", `"init_ok"`},
			unwanted: []string{"buffered"},
		},
		{
			name:     "wrote lines, none answered",
			stdout:   []string{`{"src":"n3","dest":"c0","body":{"type":"init_ok"}}`},
			wants:    []string{"None of its stdout lines answered the init", `    {"src":"n3","dest":"c0","body":{"type":"init_ok"}}`},
			unwanted: []string{"buffered"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := InitTimeout("n3", 10*time.Second, 10*time.Second, tt.partial, tt.stdout, tt.stderr)
			if d.Kind != InitUnanswered || !d.Fatal || d.Node != "n3" {
				t.Errorf("kind %s fatal %v node %s", d.Kind, d.Fatal, d.Node)
			}
			text := d.Text()
			if !strings.HasPrefix(text, "Expected node n3 to respond to an init message, but node did not respond within 10s. It is still running.") {
				t.Errorf("text does not start with Maelstrom's sentence:\n%s", text)
			}
			for _, w := range tt.wants {
				if !strings.Contains(text, w) {
					t.Errorf("text lacks %q:\n%s", w, text)
				}
			}
			for _, u := range tt.unwanted {
				if strings.Contains(text, u) {
					t.Errorf("text has %q:\n%s", u, text)
				}
			}
		})
	}
}

func TestShorten(t *testing.T) {
	long := strings.Repeat("é", 400) // 800 bytes
	got := Shorten(long)
	if !strings.HasSuffix(got, "... (800 bytes in all)") || len(got) > maxEvidence+30 {
		t.Errorf("Shorten: %q", got)
	}
	if !strings.HasPrefix(got, "éé") || strings.ContainsRune(got, '\uFFFD') {
		t.Errorf("Shorten cut a character in two: %q", got[:20])
	}
	if Shorten("short") != "short" {
		t.Error("Shorten changed a short string")
	}
}
