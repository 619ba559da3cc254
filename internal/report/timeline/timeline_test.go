package timeline

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/glomers/glomers/internal/history"
)

func TestPairs(t *testing.T) {
	inv := func(p history.Process, f history.Keyword) history.Op {
		return history.Op{Type: history.Invoke, Process: p, F: f}
	}
	done := func(p history.Process, typ history.Type, f history.Keyword) history.Op {
		return history.Op{Type: typ, Process: p, F: f}
	}
	h := []history.Op{
		inv(0, "read"), // 0
		done(history.Nemesis, history.Info, "start-partition"), // 1
		inv(1, "write"), // 2
		done(history.Nemesis, history.Info, "start-partition"), // 3
		done(0, history.OK, "read"),                            // 4
		done(1, history.Info, "write"),                         // 5
		inv(2, "read"),                                         // 6
		done(history.Nemesis, history.Info, "kill"),            // 7
		done(history.Nemesis, history.Info, "pause"),           // 8
		done(history.Nemesis, history.Info, "kill"),            // 9
		done(history.Nemesis, history.Info, "pause"),           // 10
	}
	want := []pair{{0, 4}, {1, 3}, {2, 5}, {6, -1}, {7, 9}, {8, 10}}
	if got := pairs(h); !slices.Equal(got, want) {
		t.Errorf("pairs = %v, want %v", got, want)
	}
}

func TestWrite(t *testing.T) {
	h := []history.Op{
		{Index: 0, Time: 1e6, Type: history.Invoke, Process: 0, F: "<i>write", Value: "v"},
		{Index: 1, Time: 2e6, Type: history.Invoke, Process: 1, F: "read"},
		{Index: 2, Time: 3e6, Type: history.Fail, Process: 0, F: "<i>write", Value: "v", Error: history.Keyword("abort")},
		{Index: 3, Time: 4e6, Type: history.Info, Process: 1, F: "read"},
	}
	var b strings.Builder
	if err := Write(&b, h); err != nil {
		t.Fatal(err)
	}
	page := b.String()
	for _, want := range []string{"#FEB5DA", "#FFAA26", "error: :abort", "after 2ms", "&lt;i&gt;write"} {
		if !strings.Contains(page, want) {
			t.Errorf("timeline lacks %q", want)
		}
	}
	if strings.Contains(page, "<i>") {
		t.Error("timeline does not escape op values")
	}
	// Every op can be linked to: an invocation's box, a completion's row.
	for i := range 4 {
		if n := strings.Count(page, fmt.Sprintf(`id="op-%d"`, i)); n != 1 {
			t.Errorf("op %d has %d anchors, want 1", i, n)
		}
	}
	if strings.Contains(page, "first") {
		t.Error("timeline says it is truncated")
	}
	long := make([]history.Op, MaxOps+5)
	b.Reset()
	if err := Write(&b, long); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(b.String(), "Showing the first 10000 of 10005 operations.") {
		t.Error("no truncation note")
	}
}
