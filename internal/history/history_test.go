package history

import (
	"bytes"
	"encoding/json"
	"reflect"
	"strings"
	"testing"

	"olympos.io/encoding/edn"
)

func TestEDNOp(t *testing.T) {
	tests := []struct {
		name string
		op   Op
		keys []string       // in order
		want map[string]any // decoded values, by key without colon
	}{
		{
			name: "invoke",
			op:   Op{Type: Invoke, F: "echo", Value: "x"},
			keys: []string{"index", "time", "type", "process", "f", "value"},
			want: map[string]any{"index": int64(0), "time": int64(0), "type": Keyword("invoke"), "process": int64(0), "f": Keyword("echo"), "value": "x"},
		},
		{
			name: "nemesis",
			op:   Op{Index: 3, Time: 12, Type: Info, Process: Nemesis, F: "start-partition", Value: Keyword("majority")},
			keys: []string{"index", "time", "type", "process", "f", "value"},
			want: map[string]any{"index": int64(3), "time": int64(12), "type": Keyword("info"), "process": Keyword("nemesis"), "f": Keyword("start-partition"), "value": Keyword("majority")},
		},
		{
			name: "error and final",
			op:   Op{Index: 9, Time: 1e9, Type: Fail, Process: 2, F: "read", Error: []any{Keyword("key-does-not-exist"), "key does not exist"}, Final: true},
			keys: []string{"index", "time", "type", "process", "f", "value", "error", "final?"},
			want: map[string]any{"index": int64(9), "time": int64(1e9), "type": Keyword("fail"), "process": int64(2), "f": Keyword("read"), "value": nil,
				"error": []any{Keyword("key-does-not-exist"), "key does not exist"}, "final?": true},
		},
		{
			name: "exception",
			op:   Op{Type: Info, Process: 4, F: "add", Value: int64(5), Error: "indeterminate: boom", Exception: map[Keyword]any{"type": Keyword("exception")}},
			keys: []string{"index", "time", "type", "process", "f", "value", "error", "exception"},
			want: map[string]any{"index": int64(0), "time": int64(0), "type": Keyword("info"), "process": int64(4), "f": Keyword("add"), "value": int64(5),
				"error": "indeterminate: boom", "exception": map[any]any{Keyword("type"): Keyword("exception")}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var buf bytes.Buffer
			if err := WriteEDN(&buf, []Op{tt.op}); err != nil {
				t.Fatal(err)
			}
			line := buf.String()
			if strings.Count(line, "\n") != 1 || !strings.HasSuffix(line, "}\n") || !strings.HasPrefix(line, "{") {
				t.Fatalf("WriteEDN = %q, want one map on one line", line)
			}
			// Keys come in the fixed order, and only those expected.
			last := -1
			for _, k := range tt.keys {
				i := strings.Index(line, ":"+k+" ")
				if i < 0 {
					i = strings.Index(line, ":"+k)
				}
				if i <= last {
					t.Errorf("key :%s missing or out of order in %s", k, line)
				}
				last = i
			}
			var got map[Keyword]any
			if err := edn.UnmarshalString(line, &got); err != nil {
				t.Fatalf("EDN %s does not parse: %v", line, err)
			}
			if len(got) != len(tt.want) {
				t.Errorf("EDN %s has %d keys, want %d", line, len(got), len(tt.want))
			}
			for k, w := range tt.want {
				if g, ok := got[Keyword(k)]; !ok || !reflect.DeepEqual(g, w) {
					t.Errorf(":%s = %#v, want %#v (in %s)", k, g, w, line)
				}
			}
		})
	}
}

func TestTextLine(t *testing.T) {
	tests := []struct {
		op   Op
		want string
	}{
		{Op{Type: Invoke, Process: 0, F: "echo", Value: "Please echo 35"}, "0\t:invoke\t:echo\t\"Please echo 35\""},
		{Op{Type: Info, Process: Nemesis, F: "start-partition", Value: Keyword("majority")}, ":nemesis\t:info\t:start-partition\t:majority"},
		{Op{Type: Invoke, Process: 12, F: "read"}, "12\t:invoke\t:read\tnil"},
		{Op{Type: Fail, Process: 1, F: "read", Error: []any{Keyword("key-does-not-exist"), "key does not exist"}},
			"1\t:fail\t:read\tnil\t[:key-does-not-exist key does not exist]"},
		{Op{Type: Info, Process: 3, F: "echo", Value: "x", Error: Keyword("net-timeout")}, "3\t:info\t:echo\t\"x\"\t:net-timeout"},
		{Op{Type: Info, Process: 3, F: "add", Value: int64(2), Error: "indeterminate: boom"}, "3\t:info\t:add\t2\tindeterminate: boom"},
		{Op{Type: Fail, Process: 0, F: "cas", Value: []any{int64(1), int64(2)}, Error: []any{Keyword("unknown"), nil}}, "0\t:fail\t:cas\t[1 2]\t[:unknown nil]"},
	}
	for _, tt := range tests {
		if got := TextLine(tt.op); got != tt.want {
			t.Errorf("TextLine(%+v) = %q, want %q", tt.op, got, tt.want)
		}
	}
	var buf bytes.Buffer
	if err := WriteText(&buf, []Op{tests[0].op, tests[1].op}); err != nil {
		t.Fatal(err)
	}
	if want := tests[0].want + "\n" + tests[1].want + "\n"; buf.String() != want {
		t.Errorf("WriteText = %q, want %q", buf.String(), want)
	}
}

func TestPlain(t *testing.T) {
	tests := []struct {
		in   any
		want string
	}{
		{"a b", "a b"},
		{Keyword("k"), ":k"},
		{nil, "nil"},
		{int64(3), "3"},
		{[]any{"a", []any{Keyword("b"), "c d"}}, "[a [:b c d]]"},
		{map[Keyword]any{"z": "last", "a": int64(1)}, "{:a 1, :z last}"},
	}
	for _, tt := range tests {
		if got := Plain(tt.in); got != tt.want {
			t.Errorf("Plain(%#v) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestJSONRoundTrip(t *testing.T) {
	// Values are JSON-native so that they decode back to the same Go values.
	h := []Op{
		{Index: 0, Time: 0, Type: Invoke, Process: 0, F: "echo", Value: "x"},
		{Index: 1, Time: 5, Type: Info, Process: Nemesis, F: "start-partition", Value: "majority"},
		{Index: 2, Time: 7, Type: OK, Process: 0, F: "echo", Value: map[string]any{"echo": "x", "n": 1.5}},
		{Index: 3, Time: 9, Type: Fail, Process: 4, F: "read", Value: []any{1.0, nil}, Error: []any{"key-does-not-exist", "gone"}, Final: true},
		{Index: 4, Time: 11, Type: Info, Process: 5, F: "add", Error: "indeterminate: x", Exception: map[string]any{"type": "exception"}},
	}
	var buf bytes.Buffer
	if err := WriteJSON(&buf, h); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(buf.String(), `"process":"nemesis"`) {
		t.Errorf("nemesis process not written as \"nemesis\": %s", buf.String())
	}
	var got []Op
	if err := json.Unmarshal(buf.Bytes(), &got); err != nil {
		t.Fatalf("decode %s: %v", buf.String(), err)
	}
	if !reflect.DeepEqual(got, h) {
		t.Errorf("round trip:\n got %+v\nwant %+v", got, h)
	}

	buf.Reset()
	if err := WriteJSON(&buf, nil); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(buf.Bytes(), &got); err != nil || len(got) != 0 {
		t.Errorf("empty history: %q decodes to %v, %v", buf.String(), got, err)
	}
}

func TestProcessJSON(t *testing.T) {
	tests := []struct {
		in      string
		want    Process
		wantErr bool
	}{
		{`0`, 0, false},
		{`17`, 17, false},
		{`"nemesis"`, Nemesis, false},
		{`":nemesis"`, Nemesis, false},
		{`"worker"`, 0, true},
		{`true`, 0, true},
		{`1.5`, 0, true},
	}
	for _, tt := range tests {
		var p Process
		err := json.Unmarshal([]byte(tt.in), &p)
		if (err != nil) != tt.wantErr || (err == nil && p != tt.want) {
			t.Errorf("unmarshal %s = %v, %v; want %v, error %v", tt.in, p, err, tt.want, tt.wantErr)
		}
	}
}

func TestIsClient(t *testing.T) {
	if !(Op{Process: 0}).IsClient() || !(Op{Process: 7}).IsClient() || (Op{Process: Nemesis}).IsClient() {
		t.Error("IsClient: want true for worker processes, false for the nemesis")
	}
}

func TestPairs(t *testing.T) {
	op := func(i int, typ Type, p Process) Op { return Op{Index: i, Type: typ, Process: p} }
	h := []Op{
		op(0, OK, 9), // completion with no invocation: ignored
		op(1, Invoke, 0),
		op(2, Invoke, 1),
		op(3, Info, Nemesis),
		op(4, OK, 1),
		op(5, Info, 0),
		op(6, Invoke, 1),
		op(7, Invoke, 2),
		op(8, Fail, 2),
		op(9, Invoke, 0), // never completes
		op(10, Fail, 1),
	}
	want := [][2]int{{1, 5}, {2, 4}, {6, 10}, {7, 8}, {9, -1}}
	got := Pairs(h)
	if len(got) != len(want) {
		t.Fatalf("Pairs returned %d pairs, want %d", len(got), len(want))
	}
	for i, p := range got {
		c := -1
		if p.Completion != nil {
			c = p.Completion.Index
		}
		if [2]int{p.Invoke.Index, c} != want[i] {
			t.Errorf("pair %d = (%d, %d), want %v", i, p.Invoke.Index, c, want[i])
		}
	}
	if len(Pairs(nil)) != 0 {
		t.Error("Pairs(nil) not empty")
	}
}

// TestReadableFastPathMatchesEDN: the values Readable prints without the
// EDN pretty-printer come out exactly as the printer writes them.
func TestReadableFastPathMatchesEDN(t *testing.T) {
	values := []any{
		nil, true, false, int64(0), int64(-42), 7, "", "Please echo 35", Keyword("r"),
		[]any{}, []any{int64(1), int64(2)}, []any{[]any{Keyword("r"), int64(3), nil}, []any{Keyword("w"), int64(3), int64(4)}},
		// Not on the fast path: printed by the general printer.
		"quote \" and \\", "tab\t", "ünïcode", 1.5, map[Keyword]any{"a": int64(1)}, []any{int64(1), map[string]any{"k": "v"}},
	}
	for _, v := range values {
		want, err := EDNLine(v)
		if err != nil {
			t.Fatal(err)
		}
		if got := Readable(v); got != string(want) {
			t.Errorf("Readable(%#v) = %s, want %s", v, got, want)
		}
	}
}

func BenchmarkReadableTxn(b *testing.B) {
	v := []any{[]any{Keyword("r"), int64(3), nil}, []any{Keyword("w"), int64(3), int64(4)}, []any{Keyword("r"), int64(9), []any{int64(1), int64(2)}}}
	for b.Loop() {
		Readable(v)
	}
}

func BenchmarkEDNLineTxn(b *testing.B) {
	v := []any{[]any{Keyword("r"), int64(3), nil}, []any{Keyword("w"), int64(3), int64(4)}, []any{Keyword("r"), int64(9), []any{int64(1), int64(2)}}}
	for b.Loop() {
		EDNLine(v)
	}
}

// TestWriteEDNFastPathMatchesEDN: ops written without the pretty-printer
// come out exactly as EDNLine prints them.
func TestWriteEDNFastPathMatchesEDN(t *testing.T) {
	ops := []Op{
		{Index: 0, Time: 5, Type: Invoke, Process: 3, F: "echo", Value: "Please echo 35"},
		{Index: 1, Time: 1e9, Type: OK, Process: 3, F: "txn", Value: []any{[]any{Keyword("r"), int64(1), nil}, []any{Keyword("w"), int64(1), int64(2)}}},
		{Index: 2, Time: 7, Type: Info, Process: Nemesis, F: "start-partition", Value: Keyword("majority")},
		{Index: 3, Time: 8, Type: OK, Process: 1, F: "read", Value: int64(4), Final: true},
		{Index: 4, Time: 9, Type: Fail, Process: 2, F: "read", Error: []any{Keyword("timeout"), "x"}},
		{Index: 5, Time: 9, Type: OK, Process: 2, F: "read", Value: map[Keyword]any{"a": int64(1)}},
	}
	var b strings.Builder
	if err := WriteEDN(&b, ops); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSuffix(b.String(), "\n"), "\n")
	for i, op := range ops {
		want, err := EDNLine(op)
		if err != nil {
			t.Fatal(err)
		}
		if lines[i] != string(want) {
			t.Errorf("op %d written as\n%s\nwant\n%s", i, lines[i], want)
		}
	}
}
