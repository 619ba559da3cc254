package history

import (
	"bytes"
	"reflect"
	"strings"
	"testing"
)

func sampleOps() []Op {
	return []Op{
		{Index: 0, Time: 0, Type: Invoke, Process: 0, F: "echo", Value: "Please echo 1"},
		{Index: 1, Time: 5, Type: OK, Process: 0, F: "echo", Value: map[Keyword]any{"echo": "Please echo 1", "in_reply_to": int64(1)}},
		{Index: 2, Time: 6, Type: Info, Process: Nemesis, F: "start-partition", Value: Keyword("majority")},
		{Index: 3, Time: 7, Type: Invoke, Process: 1, F: "txn", Value: []any{[]any{"r", int64(1), nil}}},
		{Index: 4, Time: 8, Type: Info, Process: 1, F: "txn", Value: []any{[]any{"r", int64(1), nil}}, Error: Keyword("net-timeout")},
		{Index: 5, Time: 9, Type: OK, Process: 2, F: "read", Value: int64(3), Final: true},
	}
}

func TestReadRoundTrip(t *testing.T) {
	writers := map[string]func(*bytes.Buffer, []Op) error{
		"edn":  func(b *bytes.Buffer, h []Op) error { return WriteEDN(b, h) },
		"json": func(b *bytes.Buffer, h []Op) error { return WriteJSON(b, h) },
	}
	for name, write := range writers {
		t.Run(name, func(t *testing.T) {
			var buf bytes.Buffer
			if err := write(&buf, sampleOps()); err != nil {
				t.Fatal(err)
			}
			got, err := Read(&buf)
			if err != nil {
				t.Fatal(err)
			}
			want := sampleOps()
			if name == "json" {
				// JSON has no keywords: keyword values come back as strings.
				want[1].Value = map[string]any{"echo": "Please echo 1", "in_reply_to": int64(1)}
				want[2].Value = "majority"
				want[4].Error = "net-timeout"
			}
			if !reflect.DeepEqual(got, want) {
				t.Errorf("read back\n%#v\nwant\n%#v", got, want)
			}
		})
	}
}

func TestReadForms(t *testing.T) {
	tests := []struct {
		name, in string
		n        int
	}{
		{"json lines", `{"index":0,"type":"invoke","process":0,"f":"generate","value":null}` + "\n" + `{"index":1,"type":"ok","process":0,"f":"generate","value":7}`, 2},
		{"conformance file", `{"workload":"unique-ids","history":[{"index":0,"time":0,"type":"invoke","process":0,"f":"generate","value":null}]}`, 1},
		{"edn vector", `[{:index 0 :type :invoke :process 0 :f :read :value nil} {:index 1 :type :ok :process 0 :f :read :value [1 2]}]`, 2},
		{"empty", "  \n", 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ops, err := Read(strings.NewReader(tt.in))
			if err != nil {
				t.Fatal(err)
			}
			if len(ops) != tt.n {
				t.Errorf("got %d ops, want %d: %+v", len(ops), tt.n, ops)
			}
		})
	}
}

func TestReadErrors(t *testing.T) {
	for _, in := range []string{
		`[{"type":"bogus","process":0,"f":"x"}]`,
		`{"type":"ok","process":"someone","f":"x"}`,
		`{:type :ok :process 0 :f :x :index "one"}`,
		`not a history at all (`,
	} {
		if _, err := Read(strings.NewReader(in)); err == nil {
			t.Errorf("Read(%q) succeeded, want an error", in)
		}
	}
}
