package process

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/glomers/glomers/internal/message"
)

// script writes an executable shell script and returns its path.
func script(t *testing.T, body string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "node.sh")
	if err := os.WriteFile(p, []byte("#!/bin/sh\n"+body), 0o755); err != nil {
		t.Fatal(err)
	}
	return p
}

// recorder collects what a process reports.
type recorder struct {
	mu       sync.Mutex
	messages []message.Message
	problems []error
	stderr   []string
}

func (r *recorder) hooks() Hooks {
	return Hooks{
		Message: func(m message.Message) error {
			r.mu.Lock()
			defer r.mu.Unlock()
			r.messages = append(r.messages, m)
			if m.Dest == "nobody" {
				return errors.New("invalid destination")
			}
			return nil
		},
		Problem: func(err error) { r.mu.Lock(); r.problems = append(r.problems, err); r.mu.Unlock() },
		Stderr:  func(l string) { r.mu.Lock(); r.stderr = append(r.stderr, l); r.mu.Unlock() },
	}
}

func start(t *testing.T, body string, r *recorder) *Process {
	t.Helper()
	p, err := Start(Config{ID: "n1", Bin: script(t, body), Dir: t.TempDir(), LogPath: filepath.Join(t.TempDir(), "n1.log")}, r.hooks())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { p.Kill() })
	return p
}

func waitExit(t *testing.T, p *Process) {
	t.Helper()
	select {
	case <-p.Exited():
	case <-time.After(10 * time.Second):
		t.Fatal("process did not exit")
	}
}

func TestStdoutLines(t *testing.T) {
	huge := strings.Repeat("x", 1<<20) // far beyond bufio.Scanner's 64 KiB
	body := `printf '%s\n' '{"src":"n1","dest":"c1","body":{"type":"ok"}}'
printf 'not json\n'
printf '%s\n' '{"src":"n1","dest":"nobody","body":{}}'
printf '{"src":"n1","dest":"c1","body":{"type":"big","data":"%s"}}\n' "` + huge + `"
printf '%s' '{"src":"n1","dest":"c1","body":{"type":"unfinished"}}'
`
	r := &recorder{}
	p := start(t, body, r)
	waitExit(t, p)
	if len(r.messages) != 3 {
		t.Fatalf("got %d messages, want 3 (ok, nobody, big)", len(r.messages))
	}
	if b, _ := r.messages[2].DecodeBody(); len(b["data"].(string)) != 1<<20 {
		t.Errorf("the 1 MiB message was cut")
	}
	want := []string{"not well-formed JSON", "refused: invalid destination", "no trailing newline"}
	if len(r.problems) != len(want) {
		t.Fatalf("problems %v, want %d", r.problems, len(want))
	}
	for i, w := range want {
		if !strings.Contains(r.problems[i].Error(), w) || !strings.Contains(r.problems[i].Error(), "n1") {
			t.Errorf("problem %d = %v, want it to name n1 and say %q", i, r.problems[i], w)
		}
	}
	var parse *message.ParseError
	if !errors.As(r.problems[0], &parse) || parse.Node != "n1" || parse.Line != "not json" {
		t.Errorf("problem 0 = %#v, want a *message.ParseError for n1's line", r.problems[0])
	}
	var refused *RefusedError
	if !errors.As(r.problems[1], &refused) || refused.Node != "n1" || refused.Line != `{"src":"n1","dest":"nobody","body":{}}` || refused.Err.Error() != "invalid destination" {
		t.Errorf("problem 1 = %#v, want a *RefusedError with n1's line and the hook's error", r.problems[1])
	}
}

func TestCrashReportNamesLastInputAndPhase(t *testing.T) {
	r := &recorder{}
	p := start(t, "read -r line\necho \"no handler for $line\" >&2\nexit 1\n", r)
	p.Deliver(message.New("c4", "n1", message.Body{"type": "topology"}))
	waitExit(t, p)
	c := p.Crash()
	if c == nil {
		t.Fatal("no crash report")
	}
	c.During = "setup"
	msg := c.Error()
	for _, w := range []string{"Node n1 crashed with exit status 1 during setup.", "no handler for", "The last message written to its stdin",
		`{"id":0,"src":"c4","dest":"n1","body":{"type":"topology"}}`} {
		if !strings.Contains(msg, w) {
			t.Errorf("crash report lacks %q:\n%s", w, msg)
		}
	}
	if strings.Contains(msg, "What to do:") {
		t.Errorf("crash report gives the no-handler hint for a crash that is not Maelstrom's \"No handler for\":\n%s", msg)
	}
	if stdout, stderr := p.Tail(); len(stdout) != 0 || len(stderr) != 1 {
		t.Errorf("Tail() = %q, %q; want no stdout and one stderr line", stdout, stderr)
	}
}

func TestCrashReport(t *testing.T) {
	r := &recorder{}
	p := start(t, "echo 'about to fail' >&2\necho '{\"src\":\"n1\",\"dest\":\"c1\",\"body\":{}}'\nexit 3\n", r)
	waitExit(t, p)
	c := p.Crash()
	if c == nil {
		t.Fatal("no crash report for a node that exited by itself")
	}
	msg := c.Error()
	for _, w := range []string{"Node n1 crashed with exit status 3", "about to fail", `"dest":"c1"`, c.LogPath} {
		if !strings.Contains(msg, w) {
			t.Errorf("crash report lacks %q:\n%s", w, msg)
		}
	}
	log, err := os.ReadFile(c.LogPath)
	if err != nil || !strings.Contains(string(log), "about to fail") {
		t.Errorf("stderr log %q, %v", log, err)
	}
	if p.Kill() {
		t.Error("Kill reported a dead node as running")
	}
}

func TestKillIsNotACrash(t *testing.T) {
	r := &recorder{}
	p := start(t, "while true; do sleep 1; done\n", r)
	if !p.Kill() {
		t.Fatal("Kill reported a running node as already dead")
	}
	if c := p.Crash(); c != nil {
		t.Errorf("a killed node has a crash report: %v", c)
	}
}

func TestDeliverWritesLines(t *testing.T) {
	r := &recorder{}
	// The node echoes each stdin line back as a message body field.
	p := start(t, `while read -r line; do printf '{"src":"n1","dest":"c1","body":{"got":%s}}\n' "$line"; done`, r)
	for i := range 3 {
		p.Deliver(message.New("c1", "n1", message.Body{"type": "echo", "i": i}))
	}
	deadline := time.Now().Add(5 * time.Second)
	for {
		r.mu.Lock()
		n := len(r.messages)
		r.mu.Unlock()
		if n == 3 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("got %d echoes of delivered lines, want 3; problems %v", n, r.problems)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func TestStartErrors(t *testing.T) {
	dir := t.TempDir()
	notExec := filepath.Join(dir, "plain")
	os.WriteFile(notExec, []byte("hi"), 0o644)
	for _, bin := range []string{filepath.Join(dir, "missing"), notExec, dir} {
		_, err := Start(Config{ID: "n1", Bin: bin, Dir: dir, LogPath: filepath.Join(dir, "n1.log")}, Hooks{})
		if err == nil || !strings.Contains(err.Error(), "n1") {
			t.Errorf("Start(%s) = %v, want an error naming the node", bin, err)
		}
	}
}

// TestTakenOnlyWhenWritten: Taken reports a message when it leaves the
// queue for the node's stdin, so a node that stops reading leaves the rest
// untaken (and unjournaled).
func TestTakenOnlyWhenWritten(t *testing.T) {
	var mu sync.Mutex
	taken := 0
	r := &recorder{}
	h := r.hooks()
	h.Taken = func(message.Message) { mu.Lock(); taken++; mu.Unlock() }
	p, err := Start(Config{ID: "n1", Bin: script(t, "exec sleep 30\n"), Dir: t.TempDir(), LogPath: filepath.Join(t.TempDir(), "n1.log")}, h)
	if err != nil {
		t.Fatal(err)
	}
	defer p.Kill()
	const n = 10000 // 10 MB: far more than a pipe holds
	pad := strings.Repeat("x", 1000)
	for i := 0; i < n; i++ {
		p.Deliver(message.New("c1", "n1", message.Body{"type": "echo", "echo": pad}))
	}
	time.Sleep(500 * time.Millisecond)
	mu.Lock()
	got := taken
	mu.Unlock()
	if got == 0 || got >= n {
		t.Errorf("%d of %d messages taken by a node that never reads stdin; want some (what the pipe holds), not all", got, n)
	}
}

// TestHugeStderrLineIsBounded: 20 MB of stderr with no newline goes to the
// log file whole, while the tail and the hook get its first MaxTailLine
// bytes and its length.
func TestHugeStderrLineIsBounded(t *testing.T) {
	r := &recorder{}
	log := filepath.Join(t.TempDir(), "n1.log")
	p, err := Start(Config{ID: "n1", Bin: script(t, "head -c 20000000 /dev/zero | tr '\\0' x >&2\necho >&2\necho short >&2\n"), Dir: t.TempDir(), LogPath: log}, r.hooks())
	if err != nil {
		t.Fatal(err)
	}
	waitExit(t, p)
	r.mu.Lock()
	defer r.mu.Unlock()
	if len(r.stderr) != 2 || r.stderr[1] != "short" {
		t.Fatalf("stderr lines: %d, last %q", len(r.stderr), r.stderr[len(r.stderr)-1])
	}
	if first := r.stderr[0]; len(first) > MaxTailLine+100 || !strings.HasSuffix(first, "(20000000 bytes in all)") {
		t.Errorf("huge line reported as %d bytes ending %q", len(first), first[max(0, len(first)-40):])
	}
	if st, err := os.Stat(log); err != nil || st.Size() != 20000000+1+6 {
		t.Errorf("log file: %v, %v bytes; want the whole stderr", err, st.Size())
	}
	if c := p.Crash(); c == nil || len(strings.Join(c.Stderr, "")) > 2*MaxTailLine {
		t.Errorf("crash report stderr tail is not bounded: %v", c)
	}
}

// TestQueueBoundedForNodeThatStopsReading: messages to a node that does
// not read stdin wait in a bounded queue; beyond it they are dropped with
// one clear warning.
func TestQueueBoundedForNodeThatStopsReading(t *testing.T) {
	r := &recorder{}
	p, err := Start(Config{ID: "n1", Bin: script(t, "exec sleep 30\n"), Dir: t.TempDir(),
		LogPath: filepath.Join(t.TempDir(), "n1.log"), MaxQueue: 1 << 20}, r.hooks())
	if err != nil {
		t.Fatal(err)
	}
	defer p.Kill()
	pad := strings.Repeat("x", 1000)
	for i := 0; i < 10000; i++ { // 10 MB
		p.Deliver(message.New("c1", "n1", message.Body{"type": "echo", "echo": pad}))
	}
	time.Sleep(200 * time.Millisecond)
	p.mu.Lock()
	queued, dropped := p.queued, p.dropped
	p.mu.Unlock()
	if queued > 1<<20 || dropped == 0 {
		t.Errorf("queued %d bytes, dropped %d messages; want at most 1 MiB queued and the rest dropped", queued, dropped)
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if len(r.problems) != 1 || !strings.Contains(r.problems[0].Error(), "node n1 is not reading its stdin") {
		t.Errorf("problems %v, want one warning that n1 is not reading its stdin", r.problems)
	}
}

// TestHugeLinesReportedBounded: a refused message or a junk line of 1 MB
// is reported with its first MaxTailLine bytes, so diagnostics do not keep
// the whole line.
func TestHugeLinesReportedBounded(t *testing.T) {
	r := &recorder{}
	big := strings.Repeat("x", 1<<20)
	p := start(t, `printf '{"src":"n1","dest":"nobody","body":{"type":"x","pad":"`+big+`"}}\n`+big+`\n'`+"\n", r)
	waitExit(t, p)
	r.mu.Lock()
	defer r.mu.Unlock()
	if len(r.problems) != 2 {
		t.Fatalf("problems: %d, want 2", len(r.problems))
	}
	var refused *RefusedError
	if !errors.As(r.problems[0], &refused) || len(refused.Line) > MaxTailLine+40 || !strings.Contains(refused.Line, "bytes in all") {
		t.Errorf("refused line kept %d bytes", len(refused.Line))
	}
	var junk *message.ParseError
	if !errors.As(r.problems[1], &junk) || len(junk.Line) > MaxTailLine+40 {
		t.Errorf("junk line kept: %v", r.problems[1] != nil)
	}
}

// count returns how many messages r has received.
func (r *recorder) count() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.messages)
}

func waitCount(t *testing.T, r *recorder, want int) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for r.count() < want {
		if time.Now().After(deadline) {
			t.Fatalf("got %d messages, want %d", r.count(), want)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func TestPauseStopsTheWholeGroup(t *testing.T) {
	r := &recorder{}
	// A child process does the echoing, so pausing only the shell would
	// not stop it: Pause must stop the whole process group.
	p := start(t, `exec 3<&0
sh -c 'while read -r line; do printf "{\"src\":\"n1\",\"dest\":\"c1\",\"body\":{\"got\":%s}}\n" "$line"; done' <&3 &
wait
`, r)
	p.Deliver(message.New("c1", "n1", message.Body{"type": "echo", "i": 0}))
	waitCount(t, r, 1)
	if err := p.Pause(); err != nil {
		t.Fatal(err)
	}
	p.Deliver(message.New("c1", "n1", message.Body{"type": "echo", "i": 1}))
	time.Sleep(300 * time.Millisecond)
	if n := r.count(); n != 1 {
		t.Fatalf("a paused node answered: %d messages, want 1", n)
	}
	if err := p.Resume(); err != nil {
		t.Fatal(err)
	}
	waitCount(t, r, 2) // the message queued while paused
	if err := p.Pause(); err != nil {
		t.Fatal(err)
	}
	if !p.Kill() { // SIGKILL ends a stopped process too
		t.Error("Kill reported a paused node as already dead")
	}
	if c := p.Crash(); c != nil {
		t.Errorf("a paused then killed node has a crash report: %v", c)
	}
	if err := p.Resume(); err == nil || !strings.Contains(err.Error(), "exited") {
		t.Errorf("Resume of a dead node = %v, want an error saying it exited", err)
	}
}

func TestAppendLogKeepsEarlierIncarnations(t *testing.T) {
	dir := t.TempDir()
	log := filepath.Join(dir, "n1.log")
	for i, word := range []string{"first", "second"} {
		p, err := Start(Config{ID: "n1", Bin: script(t, "echo "+word+" >&2\n"), Dir: dir, LogPath: log, AppendLog: i > 0}, Hooks{})
		if err != nil {
			t.Fatal(err)
		}
		waitExit(t, p)
	}
	b, err := os.ReadFile(log)
	if err != nil || string(b) != "first\nsecond\n" {
		t.Errorf("log %q, %v; want both incarnations' stderr", b, err)
	}
}

func TestCrashReportHintsAtMissingHandler(t *testing.T) {
	tests := []struct {
		name      string
		stderr    []string
		lastInput string
		want      string // "" for no hint
	}{
		{"go library, topology", []string{`2026/11/30 03:08:40 No handler for {"id":4,"src":"c3","dest":"n0","body":{"msg_id":1,"type":"topology"}}`},
			`{"id":4,"src":"c3","dest":"n0","body":{"msg_id":1,"type":"topology"}}`,
			`What to do: the node's Maelstrom library received a message of type "topology", found no handler for it and stopped. Register one (Go: n.Handle("topology", func(msg maelstrom.Message) error {...})) that replies with "topology_ok".`},
		{"go library, unreadable input", []string{"No handler for something"}, "not json",
			"What to do: the node's Maelstrom library received a message of that type, found no handler for it and stopped (see STDERR above)."},
		{"another crash", []string{"panic: runtime error: index out of range"}, `{"body":{"type":"read"}}`, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := &Crash{Node: "n0", Status: "exit status 1", Stderr: tt.stderr, LastInput: tt.lastInput, LogPath: "n0.log"}
			msg := c.Error()
			if tt.want == "" {
				if strings.Contains(msg, "What to do:") {
					t.Errorf("unexpected hint:\n%s", msg)
				}
				return
			}
			if !strings.Contains(msg, tt.want) {
				t.Errorf("crash report lacks %q:\n%s", tt.want, msg)
			}
		})
	}
}
