package explain

import (
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/glomers/glomers/internal/checker"
	"github.com/glomers/glomers/internal/checker/availability"
	"github.com/glomers/glomers/internal/checker/counter"
	"github.com/glomers/glomers/internal/checker/echo"
	"github.com/glomers/glomers/internal/checker/elle"
	"github.com/glomers/glomers/internal/checker/kafka"
	"github.com/glomers/glomers/internal/checker/linearizable"
	"github.com/glomers/glomers/internal/checker/setfull"
	"github.com/glomers/glomers/internal/checker/stats"
	"github.com/glomers/glomers/internal/checker/uniqueids"
	"github.com/glomers/glomers/internal/history"
	"github.com/glomers/glomers/internal/nemesis"
)

// hist builds a history from (process, type, f, value, seconds) rows,
// numbering the ops.
type row struct {
	p     history.Process
	typ   history.Type
	f     history.Keyword
	value any
	at    float64
	final bool
}

func hist(rows ...row) []history.Op {
	h := make([]history.Op, len(rows))
	for i, r := range rows {
		h[i] = history.Op{Index: i, Time: int64(r.at * float64(time.Second)), Type: r.typ, Process: r.p, F: r.f, Value: r.value, Final: r.final}
	}
	return h
}

const (
	inv  = history.Invoke
	ok   = history.OK
	fail = history.Fail
	info = history.Info
	nem  = history.Nemesis
)

// explainText runs Explain on a workload result over h, with nodes n0..
// and one client per node.
func explainText(t *testing.T, name string, nodes int, h []history.Op, res checker.Result) string {
	t.Helper()
	var ns []string
	for i := range nodes {
		ns = append(ns, "n"+string(rune('0'+i)))
	}
	r := Run{Name: name, Nodes: ns, Concurrency: nodes, History: h, Workload: res, Valid: res.Validity()}
	return Markdown(name, r.Verdict(), Explain(r))
}

func contains(t *testing.T, text string, wants ...string) {
	t.Helper()
	for _, w := range wants {
		if !strings.Contains(text, w) {
			t.Errorf("explanation lacks %q:\n%s", w, text)
		}
	}
}

func TestSetFullLostValue(t *testing.T) {
	g := nemesis.Grudge{"n0": {"n1"}, "n1": {"n0"}}
	h := hist(
		row{p: 0, typ: inv, f: "broadcast", value: int64(7), at: 1},
		row{p: 0, typ: ok, f: "broadcast", value: int64(7), at: 1.1},
		row{p: nem, typ: info, f: nemesis.FStart, value: history.Keyword("one"), at: 1.5},
		row{p: nem, typ: info, f: nemesis.FStart, value: []any{nemesis.Isolated, g}, at: 1.5},
		row{p: 1, typ: inv, f: "read", at: 2},
		row{p: 1, typ: ok, f: "read", value: []any{}, at: 2.1},
		row{p: 0, typ: inv, f: "read", at: 3},
		row{p: 0, typ: ok, f: "read", value: []any{int64(7)}, at: 3.1},
		row{p: 1, typ: inv, f: "read", at: 4},
		row{p: 1, typ: ok, f: "read", value: []any{}, at: 4.1},
	)
	res := setfull.Check(h, "broadcast")
	if res.Valid != checker.Invalid {
		t.Fatalf("set-full verdict %v, want invalid", res.Valid)
	}
	text := explainText(t, "broadcast", 2, h, res)
	contains(t, text,
		"# Why this broadcast run is invalid",
		"1 value of 1 acknowledged were lost: 7",
		"value 7 was added by op 0 → op 1 (process 0 on n0, 1.000 s to 1.100 s, ok)",
		"the last read that returned it was op 6 → op 7 (process 0 on n0",
		"the last read that missed it was op 8 → op 9 (process 1 on n1, 4.000 s to 4.100 s, ok)",
		"partitions active after it was known at 1.100 s: 1 (started by op 3)",
		"1.500 s to the end (op 3): n0 heard nothing from n1; n1 heard nothing from n0",
		"served by: n1: 1",
	)
}

func TestCounterTooLow(t *testing.T) {
	h := hist(
		row{p: 0, typ: inv, f: "add", value: int64(3), at: 1},
		row{p: 0, typ: ok, f: "add", value: int64(3), at: 1.1},
		row{p: 1, typ: inv, f: "add", value: int64(4), at: 1.2},
		row{p: 1, typ: ok, f: "add", value: int64(4), at: 1.3},
		row{p: 0, typ: inv, f: "read", at: 12, final: true},
		row{p: 0, typ: ok, f: "read", value: int64(7), at: 12.1, final: true},
		row{p: 1, typ: inv, f: "read", at: 12, final: true},
		row{p: 1, typ: ok, f: "read", value: int64(3), at: 12.1, final: true},
	)
	text := explainText(t, "g-counter", 2, h, counter.Check(h))
	contains(t, text,
		"1 final read of 2 not acceptable",
		"2 adds were acknowledged, summing to 7; 0 had an unknown outcome; acceptable final values: 7.",
		"final read op 4 → op 5 (process 0 on n0, 12.000 s to 12.100 s, ok) returned 7: acceptable",
		"final read op 6 → op 7 (process 1 on n1, 12.000 s to 12.100 s, ok) returned 3: TOO LOW by 4",
		"Too low usually means some increments never reached that node",
	)
	if strings.Contains(text, "Too high") {
		t.Errorf("explanation talks about too high reads:\n%s", text)
	}
}

func TestUniqueIDsFirstDuplicate(t *testing.T) {
	h := hist(
		row{p: 0, typ: inv, f: "generate", at: 1},
		row{p: 0, typ: ok, f: "generate", value: "a", at: 1.1},
		row{p: 1, typ: inv, f: "generate", at: 1.2},
		row{p: 1, typ: ok, f: "generate", value: "b", at: 1.3},
		row{p: 2, typ: inv, f: "generate", at: 1.4},
		row{p: 2, typ: ok, f: "generate", value: "a", at: 1.5},
	)
	text := explainText(t, "unique-ids", 3, h, uniqueids.Check(h))
	contains(t, text,
		`id "a" was returned twice`,
		`id "a" was returned by op 0 → op 1 (process 0 on n0, 1.000 s to 1.100 s, ok) and again by op 4 → op 5 (process 2 on n2, 1.400 s to 1.500 s, ok).`,
	)
	if strings.Contains(text, `id "b"`) {
		t.Errorf("explanation names an id that is not duplicated:\n%s", text)
	}
}

// TestUniqueIDsInterleaved pairs each completion with its own invocation
// however the ops interleave, and counts every op that returned the id.
func TestUniqueIDsInterleaved(t *testing.T) {
	h := hist(
		row{p: 1, typ: inv, f: "generate", at: 1},
		row{p: 0, typ: inv, f: "generate", at: 1.1},
		row{p: 0, typ: ok, f: "generate", value: int64(7), at: 1.2},
		row{p: 2, typ: inv, f: "generate", at: 1.3},
		row{p: 2, typ: ok, f: "generate", value: int64(7), at: 1.4},
		row{p: 1, typ: ok, f: "generate", value: int64(7), at: 1.5},
	)
	text := explainText(t, "unique-ids", 3, h, uniqueids.Check(h))
	contains(t, text,
		"## workload: id 7 was returned 3 times (first of 1 duplicated id)",
		"id 7 was returned by op 1 → op 2 (process 0 on n0, 1.100 s to 1.200 s, ok) and again by op 3 → op 4 (process 2 on n2, 1.300 s to 1.400 s, ok), and by 1 more op.",
	)
}

func TestEchoMismatch(t *testing.T) {
	h := hist(
		row{p: 0, typ: inv, f: "echo", value: "hi", at: 1},
		row{p: 0, typ: ok, f: "echo", value: map[history.Keyword]any{"echo": "hi"}, at: 1.1},
		row{p: 1, typ: inv, f: "echo", value: "yo", at: 2},
		row{p: 1, typ: ok, f: "echo", value: map[history.Keyword]any{"echo": "not-right"}, at: 2.1},
	)
	text := explainText(t, "echo", 2, h, echo.Check(h))
	contains(t, text, `op 2 → op 3 (process 1 on n1, 2.000 s to 2.100 s, ok) sent "yo", but the reply's echo was "not-right".`)
}

func TestKafkaLostWriteAndSkip(t *testing.T) {
	send := func(k string, v any) []any { return []any{[]any{"send", k, v}} }
	h := hist(
		row{p: 0, typ: inv, f: "send", value: send("x", int64(1)), at: 1},
		row{p: 0, typ: ok, f: "send", value: send("x", []any{int64(0), int64(1)}), at: 1.1},
		row{p: 1, typ: inv, f: "send", value: send("x", int64(2)), at: 1.2},
		row{p: 1, typ: ok, f: "send", value: send("x", []any{int64(1), int64(2)}), at: 1.3},
		row{p: 0, typ: inv, f: "send", value: send("x", int64(3)), at: 1.4},
		row{p: 0, typ: ok, f: "send", value: send("x", []any{int64(2), int64(3)}), at: 1.5},
		row{p: 1, typ: inv, f: "poll", value: []any{[]any{"poll"}}, at: 2},
		row{p: 1, typ: ok, f: "poll", value: []any{[]any{"poll", map[string]any{"x": []any{[]any{int64(0), int64(1)}, []any{int64(2), int64(3)}}}}}, at: 2.1},
	)
	res := kafka.Check(h, kafka.Options{})
	if res.Valid != checker.Invalid {
		t.Fatalf("kafka verdict %v, want invalid", res.Valid)
	}
	text := explainText(t, "kafka", 2, h, res)
	contains(t, text,
		"## workload: lost-write (1 case)",
		`the send of 2 to key "x" by op 2 → op 3 (process 1 on n1, 1.200 s to 1.300 s, ok) was acknowledged at offset 1, yet no poll ever returned it: op 6 → op 7 (process 1 on n1, 2.000 s to 2.100 s, ok) read offset 0 (message 1) then offset 2 (message 3) of key "x", without it.`,
		"## workload: int-poll-skip",
		`op 6 → op 7 (process 1 on n1, 2.000 s to 2.100 s, ok) returned 1 then 3 of key "x", but the log has 2 between them.`,
	)
}

// With kills in the history, a lost write lists them and says what a kill
// costs.
func TestKafkaLostWriteUnderKills(t *testing.T) {
	send := func(k string, v any) []any { return []any{[]any{"send", k, v}} }
	h := hist(
		row{p: 0, typ: inv, f: "send", value: send("x", int64(1)), at: 1},
		row{p: 0, typ: ok, f: "send", value: send("x", []any{int64(0), int64(1)}), at: 1.1},
		row{p: 1, typ: inv, f: "send", value: send("x", int64(2)), at: 1.2},
		row{p: 1, typ: ok, f: "send", value: send("x", []any{int64(1), int64(2)}), at: 1.3},
		row{p: 0, typ: inv, f: "send", value: send("x", int64(3)), at: 1.4},
		row{p: 0, typ: ok, f: "send", value: send("x", []any{int64(2), int64(3)}), at: 1.5},
		row{p: 1, typ: inv, f: "poll", value: []any{[]any{"poll"}}, at: 2},
		row{p: 1, typ: ok, f: "poll", value: []any{[]any{"poll", map[string]any{"x": []any{[]any{int64(0), int64(1)}, []any{int64(2), int64(3)}}}}}, at: 2.1},
	)
	nem := []history.Op{
		nemesis.NodeInvocation(nemesis.FKill, nemesis.One),
		nemesis.NodeCompletion(nemesis.FKill, map[string]history.Keyword{"n1": nemesis.Killed}),
		nemesis.NodeInvocation(nemesis.FRestart, nemesis.Spec(nemesis.All)),
		nemesis.NodeCompletion(nemesis.FRestart, map[string]history.Keyword{"n1": nemesis.Started, "n2": nemesis.AlreadyRunning}),
	}
	for i, at := range []float64{1.35, 1.36, 1.8, 1.9} {
		nem[i].Time = int64(at * 1e9)
	}
	h = append(h[:4:4], append(nem, h[4:]...)...)
	for i := range h {
		h[i].Index = i
	}
	res := kafka.Check(h, kafka.Options{})
	text := explainText(t, "kafka", 2, h, res)
	contains(t, text,
		"## workload: lost-write",
		"the kills and pauses of this run: n1 killed from 1.360 s to 1.900 s (op 5)",
		"A killed node loses everything it held only in memory",
	)
}

func TestKafkaInconsistentOffsets(t *testing.T) {
	send := func(v any) []any { return []any{[]any{"send", "k3", v}} }
	h := hist(
		row{p: 0, typ: inv, f: "send", value: send(int64(42)), at: 1},
		row{p: 1, typ: inv, f: "send", value: send(int64(43)), at: 1},
		row{p: 0, typ: ok, f: "send", value: send([]any{int64(17), int64(42)}), at: 1.1},
		row{p: 1, typ: ok, f: "send", value: send([]any{int64(17), int64(43)}), at: 1.2},
	)
	text := explainText(t, "kafka", 2, h, kafka.Check(h, kafka.Options{}))
	contains(t, text,
		`offset 17 of key "k3" was seen holding 2 different messages: 42 (sent by op 0 → op 2 (process 0 on n0, 1.000 s to 1.100 s, ok) and acknowledged at offset 17); 43 (sent by op 1 → op 3 (process 1 on n1`)
}

func TestElleAbortedRead(t *testing.T) {
	h := hist(
		row{p: 0, typ: inv, f: "txn", value: []any{[]any{history.Keyword("w"), int64(1), int64(5)}}, at: 1},
		row{p: 0, typ: fail, f: "txn", value: []any{[]any{history.Keyword("w"), int64(1), int64(5)}}, at: 1.1},
		row{p: 1, typ: inv, f: "txn", value: []any{[]any{history.Keyword("r"), int64(1), nil}}, at: 2},
		row{p: 1, typ: ok, f: "txn", value: []any{[]any{history.Keyword("r"), int64(1), int64(5)}}, at: 2.1},
	)
	res := elle.CheckMaelstrom(h, []string{"read-committed"})
	text := explainText(t, "txn-rw-register", 2, h, res)
	contains(t, text,
		"## workload: G1a (1 case)",
		"Aborted read",
		"op 3 (process 1 on n1, [[:r 1 5]]) read [:r 1 5], a value written by op 1 (process 0 on n0, [[:w 1 5]]), which failed.",
		"so the history is not read-committed",
	)
}

func TestElleCycleInWords(t *testing.T) {
	// T1 and T2 each read the other's write: a G1c cycle of two wr edges.
	h := hist(
		row{p: 0, typ: inv, f: "txn", value: []any{[]any{"w", int64(1), int64(1)}, []any{"r", int64(2), nil}}, at: 1},
		row{p: 1, typ: inv, f: "txn", value: []any{[]any{"w", int64(2), int64(1)}, []any{history.Keyword("r"), int64(1), nil}}, at: 1},
		row{p: 0, typ: ok, f: "txn", value: []any{[]any{"w", int64(1), int64(1)}, []any{"r", int64(2), int64(1)}}, at: 1.1},
		row{p: 1, typ: ok, f: "txn", value: []any{[]any{"w", int64(2), int64(1)}, []any{"r", int64(1), int64(1)}}, at: 1.1},
	)
	res := elle.CheckMaelstrom(h, []string{"read-committed"})
	text := explainText(t, "txn-rw-register", 2, h, res)
	contains(t, text,
		"## workload: G1c (1 case)",
		"a cycle of 2 transactions",
		"T1 = op 3 (process 1 on n1, ",
		"T2 = op 2 (process 0 on n0, ",
		"1. T1 < T2 on key 2, because T1 wrote 2 = 1, which was read by T2\n",
		"2. however, T2 < T1 on key 1, because T2 wrote 1 = 1, which was read by T1\n",
		"and so T1 would have to come before itself",
	)
}

func linKVHistory() []history.Op {
	kv := func(v any) []any { return []any{int64(0), v} }
	return hist(
		row{p: 0, typ: inv, f: "write", value: kv(int64(1)), at: 1},
		row{p: 0, typ: ok, f: "write", value: kv(int64(1)), at: 1.1},
		row{p: 0, typ: inv, f: "write", value: kv(int64(2)), at: 2},
		row{p: 0, typ: ok, f: "write", value: kv(int64(2)), at: 2.1},
		row{p: 1, typ: inv, f: "read", value: kv(nil), at: 3},
		row{p: 1, typ: ok, f: "read", value: kv(int64(1)), at: 3.1},
	)
}

func TestLinKVStaleRead(t *testing.T) {
	h := linKVHistory()
	res := linearizable.Check(h, time.Minute)
	if res.Valid != checker.Invalid {
		t.Fatalf("lin-kv verdict %v, want invalid", res.Valid)
	}
	r := Run{Name: "lin-kv", Nodes: []string{"n0", "n1"}, Concurrency: 2, History: h, Workload: res, Valid: res.Valid,
		Pictures: map[int64]string{0: PictureFile(0)}}
	text := Markdown("lin-kv", r.Verdict(), Explain(r))
	contains(t, text,
		"## workload: key 0 is not linearizable",
		"can include op 4 → op 5 (process 1 on n1, 3.000 s to 3.100 s, ok): a read that returned 1.",
		"before it: op 2 → op 3 (process 0 on n0, 2.000 s to 2.100 s, ok), a write of 2.",
		"[linear-0.html](linear-0.html)",
	)
}

func TestWritePictures(t *testing.T) {
	h := linKVHistory()
	dir := t.TempDir()
	pics, err := WritePictures(dir, linearizable.Check(h, time.Minute))
	if err != nil {
		t.Fatal(err)
	}
	if pics[0] != "linear-0.html" {
		t.Fatalf("pictures %v, want key 0 in linear-0.html", pics)
	}
	b, err := os.ReadFile(filepath.Join(dir, "linear-0.html"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(b), "<title>Porcupine</title>") || !strings.Contains(string(b), "write 2") {
		t.Errorf("linear-0.html is not porcupine's picture of key 0:\n%.400s", b)
	}
	if pics, err := WritePictures(dir, counter.Result{}); err != nil || len(pics) != 0 {
		t.Errorf("a counter result drew %v (%v)", pics, err)
	}
}

func TestStatsAndAvailability(t *testing.T) {
	h := hist(
		row{p: 0, typ: inv, f: "echo", value: "hi", at: 1},
		row{p: 0, typ: info, f: "echo", value: "hi", at: 6},
		row{p: 0, typ: inv, f: "echo", value: "yo", at: 7},
	)
	h[1].Error = []any{"timeout"}
	r := Run{Name: "echo", Nodes: []string{"n0"}, Concurrency: 1, History: h,
		Stats: stats.Check(h), Availability: availability.Check(h, availability.Requirement{Set: true, Total: true, Min: 1}), Valid: checker.Invalid}
	text := Markdown("echo", r.Verdict(), Explain(r))
	contains(t, text,
		"## stats: no successful :echo",
		":echo never succeeded: 1 ops, 0 ok, 0 fail, 1 info; the first one, op 0 → op 1 (process 0 on n0, 1.000 s to 6.000 s, info), ended with error [\"timeout\"].",
		"## availability: only 0.000 of operations succeeded",
	)
}

func TestCrashAndUnknown(t *testing.T) {
	r := Run{Name: "broadcast", Crash: "Node n1 crashed with exit status 2", CrashReport: "n1 exited 2\nstderr: panic: no handler for topology\n"}
	text := Markdown("broadcast", r.Verdict(), Explain(r))
	contains(t, text, "# Why this broadcast run crashed", "crash.txt:\n  n1 exited 2", "panic: no handler for topology")
	r.CrashReport = ""
	contains(t, Markdown("broadcast", r.Verdict(), Explain(r)), "cause: Node n1 crashed with exit status 2")

	r = Run{Name: "g-counter", Workload: checker.Crashed{Valid: checker.Unknown, Error: "counter: read value \"x\" of op 3 is not an integer"}, Valid: checker.Unknown}
	text = Markdown("g-counter", r.Verdict(), Explain(r))
	contains(t, text, "# Why this g-counter run is unknown", "the checker could not run", `error: counter: read value "x" of op 3 is not an integer`)
}

func TestValidRunHasNothing(t *testing.T) {
	h := hist(row{p: 0, typ: inv, f: "echo", value: "hi", at: 1}, row{p: 0, typ: ok, f: "echo", value: map[history.Keyword]any{"echo": "hi"}, at: 1.1})
	r := Run{Name: "echo", History: h, Workload: echo.Check(h), Stats: stats.Check(h), Valid: checker.Valid}
	if s := Explain(r); len(s) != 0 {
		t.Errorf("a valid run got sections %+v", s)
	}
}

func TestKafkaCycleInWords(t *testing.T) {
	// Two txns each poll the other's send: a G1c cycle of wr edges (Jepsen's
	// kafka test "G1c wr").
	op := func(parts ...[]any) []any {
		out := make([]any, len(parts))
		for i, p := range parts {
			out[i] = p
		}
		return out
	}
	h := hist(
		row{p: 0, typ: inv, f: "txn", value: op([]any{"send", "x", int64(1)}, []any{"poll"}), at: 1},
		row{p: 1, typ: inv, f: "txn", value: op([]any{"send", "y", int64(2)}, []any{"poll"}), at: 1},
		row{p: 0, typ: ok, f: "txn", value: op([]any{"send", "x", []any{int64(0), int64(1)}}, []any{"poll", map[string]any{"y": []any{[]any{int64(0), int64(2)}}}}), at: 1.1},
		row{p: 1, typ: ok, f: "txn", value: op([]any{"send", "y", []any{int64(0), int64(2)}}, []any{"poll", map[string]any{"x": []any{[]any{int64(0), int64(1)}}}}), at: 1.2},
	)
	res := kafka.Check(h, kafka.Options{})
	text := explainText(t, "kafka", 2, h, res)
	contains(t, text,
		"## workload: G1c (1 case)",
		"a cycle of 2 transactions, each of which must come before the next:",
		`T1 = op 3 (process 1 on n1, [["send" "y" [0 2]] ["poll" {"x" [[0 1]]}]])`,
		`T2 = op 2 (process 0 on n0, [["send" "x" [0 1]] ["poll" {"y" [[0 2]]}]])`,
		`1. T1 < T2 on key "y", because T2 polled T1's send of 2 to "y"`,
		`2. however, T2 < T1 on key "x", because T1 polled T2's send of 1 to "x"`,
		"and so T1 would have to come before itself",
	)
}

// la builds a list-append transaction from micro-ops written "a k v"
// (append v to k) and "r k v1 v2 ..." (read of k; "r k nil" for nil).
func la(mops ...string) []any {
	var out []any
	for _, m := range mops {
		f := strings.Fields(m)
		k, _ := strconv.ParseInt(f[1], 10, 64)
		switch {
		case f[0] == "a":
			v, _ := strconv.ParseInt(f[2], 10, 64)
			out = append(out, []any{history.Keyword("append"), k, v})
		case len(f) == 3 && f[2] == "nil":
			out = append(out, []any{history.Keyword("r"), k, nil})
		default:
			list := []any{}
			for _, s := range f[2:] {
				v, _ := strconv.ParseInt(s, 10, 64)
				list = append(list, v)
			}
			out = append(out, []any{history.Keyword("r"), k, list})
		}
	}
	return out
}

// laTxns builds a history of one transaction per process, run one after
// another: each given as its type, process and completed micro-ops.
func laTxns(txns ...row) []history.Op {
	var rows []row
	for i, t := range txns {
		v := t.value.([]any)
		invoked := make([]any, len(v))
		for j, m := range v {
			mop := m.([]any)
			invoked[j] = mop
			if mop[0] == history.Keyword("r") {
				invoked[j] = []any{mop[0], mop[1], nil}
			}
		}
		done := t.value
		if t.typ != ok {
			done = invoked
		}
		rows = append(rows, row{p: t.p, typ: inv, f: "txn", value: invoked, at: float64(i + 1)},
			row{p: t.p, typ: t.typ, f: "txn", value: done, at: float64(i) + 1.5})
	}
	return hist(rows...)
}

// TestListAppendExplained explains each kind of list-append anomaly in
// list-append terms, naming the ops, processes, nodes, keys and elements.
func TestListAppendExplained(t *testing.T) {
	tests := []struct {
		name  string
		txns  []row
		wants []string
	}{
		{
			// n0 and n1 keep their own lists of key 9: op 5 reads [1 2]
			// on n0, op 7 reads [2 1] on n1.
			name: "incompatible-order",
			txns: []row{{p: 0, typ: ok, value: la("a 9 1")}, {p: 1, typ: ok, value: la("a 9 2")},
				{p: 0, typ: ok, value: la("r 9 1 2")}, {p: 1, typ: ok, value: la("r 9 2 1")}},
			wants: []string{"## workload: incompatible-order (1 case)", "Rule: All reads of a key must be prefixes of one order of its appends",
				"[1 2] by op 5 (process 0 on n0, [[:r 9 [1 2]]])", "[2 1] by op 7 (process 1 on n1, [[:r 9 [2 1]]])",
				"key 9 was read as [", "the reads agree on the first 0 elements", "no single order of appends to key 9 gives both reads",
				"each key's list needs one order"},
		},
		{
			name: "G1a and dirty-update",
			txns: []row{{p: 0, typ: fail, value: la("a 10 1")}, {p: 1, typ: ok, value: la("a 10 2")}, {p: 2, typ: ok, value: la("r 10 1 2")}},
			wants: []string{"## workload: G1a (1 case)", "Rule: Aborted read: a committed transaction read an element appended by a transaction that failed.",
				"op 5 (process 2 on n2, [[:r 10 [1 2]]]) read key 10 = [1 2], which holds 1, appended by op 1 (process 0 on n0, [[:append 10 1]]), which failed.",
				"## workload: dirty-update (1 case)",
				"in key 10's order of appends ([1 2]), op 1 (process 0 on n0, [[:append 10 1]]) appended 1 and failed, yet op 3 (process 1 on n1, [[:append 10 2]]), which committed, appended 2 right after it."},
		},
		{
			name: "duplicate-elements",
			txns: []row{{p: 0, typ: ok, value: la("a 10 1")}, {p: 1, typ: ok, value: la("r 10 1 1")}},
			wants: []string{"## workload: duplicate-elements (1 case)", "Rule: Each element is appended to a key once",
				"op 3 (process 1 on n1, [[:r 10 [1 1]]]) read key 10 = [1 1], which holds 1 twice."},
		},
		{
			name: "internal",
			txns: []row{{p: 0, typ: ok, value: la("a 11 6")}, {p: 1, typ: ok, value: la("a 11 5", "r 11 6")}},
			wants: []string{"## workload: internal (1 case)", "Rule: Within one transaction, a read of a key must show what the transaction itself read of it before, followed by the elements it has appended to it since.",
				"op 3 (process 1 on n1, [[:append 11 5] [:r 11 [6]]]) read key 11 = [6], but from its own earlier micro-ops it should have seen [... 5]"},
		},
		{
			name: "future-read",
			txns: []row{{p: 2, typ: ok, value: la("r 12 7", "a 12 7")}},
			wants: []string{"## workload: future-read (1 case)",
				"op 1 (process 2 on n2, [[:r 12 [7]] [:append 12 7]]) read key 12 = [7], which already holds 7, an element this same transaction appends only later."},
		},
		{
			name: "lost-update",
			txns: []row{{p: 0, typ: ok, value: la("a 10 0")}, {p: 1, typ: ok, value: la("r 10 0", "a 10 1")}, {p: 2, typ: ok, value: la("r 10 0", "a 10 2")}},
			wants: []string{"## workload: lost-update (1 case)",
				"these transactions all read key 10 = [0] and then appended to it: op 3 (process 1 on n1, [[:r 10 [0]] [:append 10 1]]); op 5 (process 2 on n2, [[:r 10 [0]] [:append 10 2]])."},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := laTxns(tt.txns...)
			res := elle.CheckListAppend(h, elle.Options{ConsistencyModels: []string{"strict-serializable"}})
			text := explainText(t, "txn-list-append", 3, h, res)
			contains(t, text, tt.wants...)
			if strings.Contains(text, "see results.edn") || strings.Contains(text, "wrote key") {
				t.Errorf("explanation falls back to a count or to register words:\n%s", text)
			}
		})
	}
}

// TestListAppendCycleExplained puts a G0 cycle in list-append words: op 1
// appended 1 before op 3's 2 to key 10, and op 3's 2 before op 1's 1 to
// key 20.
func TestListAppendCycleExplained(t *testing.T) {
	h := laTxns(row{p: 0, typ: ok, value: la("a 10 1", "a 20 1")}, row{p: 1, typ: ok, value: la("a 10 2", "a 20 2")},
		row{p: 2, typ: ok, value: la("r 10 1 2", "r 20 2 1")})
	res := elle.CheckListAppend(h, elle.Options{ConsistencyModels: []string{"strict-serializable"}})
	text := explainText(t, "txn-list-append", 3, h, res)
	name := map[string]string{}
	for _, m := range regexp.MustCompile(`(T\d) = (op \d+) \(process \d on n\d`).FindAllStringSubmatch(text, -1) {
		name[m[2]] = m[1]
	}
	t1, t3 := name["op 1"], name["op 3"]
	if t1 == "" || t3 == "" {
		t.Fatalf("the cycle does not name op 1 and op 3 as transactions:\n%s", text)
	}
	contains(t, text, "## workload: G0 (1 case)", "a cycle of 2 transactions",
		"T1 = op ", "T2 = op ", "(process 0 on n0, [[:append 10 1] [:append 20 1]])", "(process 1 on n1, [[:append 10 2] [:append 20 2]])",
		" < "+t3+" on key 10, because "+t3+" appended 2 after "+t1+" appended 1 to 10",
		" < "+t1+" on key 20, because "+t1+" appended 1 after "+t3+" appended 2 to 20",
		"would have to come before itself")
}
