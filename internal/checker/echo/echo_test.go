package echo

import (
	"reflect"
	"testing"

	"github.com/glomers/glomers/internal/checker"
	"github.com/glomers/glomers/internal/history"
)

func inv(p history.Process, v any) history.Op {
	return history.Op{Type: history.Invoke, Process: p, F: "echo", Value: v}
}

func done(typ history.Type, p history.Process, v any) history.Op {
	return history.Op{Type: typ, Process: p, F: "echo", Value: v}
}

func echoed(v any) map[history.Keyword]any { return map[history.Keyword]any{"echo": v} }

func TestCheck(t *testing.T) {
	const msg = "Please echo 35"
	tests := []struct {
		name string
		h    []history.Op
		want [][]any
	}{
		{name: "empty", want: [][]any{}},
		{
			name: "matching",
			h: []history.Op{
				inv(0, msg), inv(1, "Please echo 2"),
				done(history.OK, 1, echoed("Please echo 2")),
				done(history.OK, 0, map[string]any{"echo": msg}),
			},
			want: [][]any{},
		},
		{
			name: "mismatched echo",
			h:    []history.Op{inv(0, msg), done(history.OK, 0, echoed("Please echo 36"))},
			want: [][]any{{"Expected a message with :echo", msg, "But received", echoed("Please echo 36")}},
		},
		{
			name: "reply without echo",
			h:    []history.Op{inv(0, msg), done(history.OK, 0, map[history.Keyword]any{"type": "echo_ok"})},
			want: [][]any{{"Expected a message with :echo", msg, "But received", map[history.Keyword]any{"type": "echo_ok"}}},
		},
		{
			name: "fail completion",
			h:    []history.Op{inv(0, msg), done(history.Fail, 0, msg)},
			want: [][]any{{"Expected a message with :echo", msg, "But received", msg}},
		},
		{
			name: "info completion",
			h:    []history.Op{inv(0, msg), done(history.Info, 0, msg)},
			want: [][]any{{"Expected a message with :echo", msg, "But received", msg}},
		},
		{
			name: "missing completion",
			h:    []history.Op{inv(0, msg), inv(1, "b"), done(history.OK, 1, echoed("b"))},
			want: [][]any{{"Expected a message with :echo", msg, "But received", nil}},
		},
		{
			name: "nemesis ignored",
			h: []history.Op{
				{Type: history.Info, Process: history.Nemesis, F: "start-partition", Value: "majority"},
				inv(0, msg), done(history.OK, 0, echoed(msg)),
				{Type: history.Info, Process: history.Nemesis, F: "stop-partition"},
			},
			want: [][]any{},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Check(tt.h)
			if !reflect.DeepEqual(got.Errors, tt.want) {
				t.Errorf("errors = %#v\nwant     %#v", got.Errors, tt.want)
			}
			want := checker.Of(len(tt.want) == 0)
			if got.Valid != want || got.Validity() != want {
				t.Errorf("valid = %v, want %v", got.Valid, want)
			}
		})
	}
}
