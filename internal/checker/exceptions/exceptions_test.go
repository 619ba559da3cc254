package exceptions

import (
	"bytes"
	"reflect"
	"testing"

	"olympos.io/encoding/edn"

	"github.com/glomers/glomers/internal/checker"
	"github.com/glomers/glomers/internal/history"
)

func exc(index int, class string) history.Op {
	return history.Op{
		Index:     index,
		Type:      history.Info,
		Process:   history.Process(index),
		F:         "add",
		Error:     "indeterminate: " + class,
		Exception: map[history.Keyword]any{"type": history.Keyword(class), "message": class},
	}
}

func TestCheck(t *testing.T) {
	plain := map[string]any{"type": "io", "message": "x"}
	tests := []struct {
		name string
		h    []history.Op
		want []Group // Example given by index only
	}{
		{name: "empty"},
		{
			name: "no exceptions",
			h: []history.Op{
				{Index: 0, Type: history.Invoke, F: "add"},
				{Index: 1, Type: history.Info, F: "add", Error: history.Keyword("net-timeout")},
				{Index: 2, Type: history.Info, Process: history.Nemesis, F: "start-partition"},
			},
		},
		{
			name: "grouped by class, most frequent first",
			h: []history.Op{
				exc(0, "timeout"),
				exc(1, "rpc-error"),
				exc(2, "exception"),
				exc(3, "rpc-error"),
				exc(4, "exception"),
				exc(5, "rpc-error"),
				exc(6, "malformed-rpc-response"),
			},
			want: []Group{
				{Count: 3, Class: "rpc-error", Example: history.Op{Index: 1}},
				{Count: 2, Class: "exception", Example: history.Op{Index: 2}},
				{Count: 1, Class: "malformed-rpc-response", Example: history.Op{Index: 6}},
				{Count: 1, Class: "timeout", Example: history.Op{Index: 0}},
			},
		},
		{
			name: "only info ops count",
			h: []history.Op{
				{Index: 0, Type: history.Fail, Exception: map[history.Keyword]any{"type": history.Keyword("x")}},
				{Index: 1, Type: history.OK, Exception: map[history.Keyword]any{"type": history.Keyword("x")}},
				{Index: 2, Type: history.Info, Exception: plain},
			},
			want: []Group{{Count: 1, Class: "io", Example: history.Op{Index: 2}}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Check(tt.h)
			if got.Validity() != checker.Valid {
				t.Errorf("Validity() = %v, want always valid", got.Validity())
			}
			if len(got.Exceptions) != len(tt.want) {
				t.Fatalf("got %d groups %+v, want %d", len(got.Exceptions), got.Exceptions, len(tt.want))
			}
			for i, g := range got.Exceptions {
				w := tt.want[i]
				if g.Count != w.Count || g.Class != w.Class || g.Example.Index != w.Example.Index {
					t.Errorf("group %d = {%d %s example %d}, want {%d %s example %d}",
						i, g.Count, g.Class, g.Example.Index, w.Count, w.Class, w.Example.Index)
				}
				if !reflect.DeepEqual(g.Example, tt.h[w.Example.Index]) {
					t.Errorf("group %d example = %+v, want op %d unchanged", i, g.Example, w.Example.Index)
				}
			}
		})
	}
}

func TestEmptyResultEDN(t *testing.T) {
	b, err := edn.Marshal(Check(nil))
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(b, []byte("exceptions")) {
		t.Errorf("EDN of a result without exceptions = %s, want only :valid?", b)
	}
}

func TestClassKeywordOrString(t *testing.T) {
	h := []history.Op{
		{Type: history.Info, Exception: map[history.Keyword]any{"type": history.Keyword("timeout")}},
		{Type: history.Info, Exception: map[string]any{"type": "timeout"}},
	}
	got := Check(h)
	if len(got.Exceptions) != 1 || got.Exceptions[0].Class != "timeout" || got.Exceptions[0].Count != 2 {
		t.Errorf("Check = %+v, want one group \"timeout\" of 2", got.Exceptions)
	}
}
