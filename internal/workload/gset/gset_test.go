package gset

import (
	"context"
	"math/rand/v2"
	"reflect"
	"testing"

	"github.com/glomers/glomers/internal/checker"
	"github.com/glomers/glomers/internal/history"
	"github.com/glomers/glomers/internal/message"
	"github.com/glomers/glomers/internal/workload"
)

func TestGeneratorAddsUniqueIncreasingElements(t *testing.T) {
	g := Generator(workload.Options{Rand: rand.New(rand.NewPCG(1, 2))})
	var last int64 = -1
	adds, reads := 0, 0
	for range 1000 {
		op, ok := g.Next(0)
		if !ok {
			t.Fatal("generator ran out")
		}
		switch op.F {
		case FAdd:
			v := op.Value.(int64)
			if v != last+1 {
				t.Fatalf("add %d after %d", v, last)
			}
			last = v
			adds++
		case FRead:
			reads++
		}
	}
	if adds < 400 || reads < 400 {
		t.Errorf("mix of %d adds and %d reads, want about half each", adds, reads)
	}
}

func TestInvoke(t *testing.T) {
	var sent []message.Body
	call := func(_ context.Context, b message.Body) (message.Body, error) {
		sent = append(sent, b)
		if b.Type() == "read" {
			return message.Body{"type": "read_ok", "value": []any{int64(3), int64(1), int64(2)}}, nil
		}
		return message.Body{"type": "add_ok"}, nil
	}
	add, err := Invoke(context.Background(), call, history.Op{F: FAdd, Value: int64(7)})
	if err != nil || add.Type != history.OK {
		t.Fatalf("add: %+v, %v", add, err)
	}
	read, err := Invoke(context.Background(), call, history.Op{F: FRead})
	if err != nil || read.Type != history.OK || !reflect.DeepEqual(read.Value, []any{int64(1), int64(2), int64(3)}) {
		t.Fatalf("read: %+v, %v", read, err)
	}
	if want := (message.Body{"type": "add", "element": int64(7)}); !reflect.DeepEqual(sent[0], want) {
		t.Errorf("add sent %v, want %v", sent[0], want)
	}
}

func TestReplySchemas(t *testing.T) {
	tests := []struct {
		name  string
		reply message.Body
		ok    bool
	}{
		{"list", message.Body{"type": "read_ok", "value": []any{int64(1), "x"}}, true},
		{"null is an empty list ([s/Any])", message.Body{"type": "read_ok", "value": nil}, true},
		{"missing", message.Body{"type": "read_ok"}, false},
		{"number", message.Body{"type": "read_ok", "value": int64(1)}, false},
		{"object", message.Body{"type": "read_ok", "value": map[string]any{}}, false},
	}
	for _, tt := range tests {
		tt.reply["in_reply_to"] = int64(1)
		if err := replySchemas["read"].Validate("n0", message.Body{"type": "read"}, tt.reply); (err == nil) != tt.ok {
			t.Errorf("%s: %v, want ok %v", tt.name, err, tt.ok)
		}
	}
	null := func(context.Context, message.Body) (message.Body, error) {
		return message.Body{"type": "read_ok", "value": nil}, nil
	}
	if read, err := Invoke(context.Background(), null, history.Op{F: FRead}); err != nil || read.Type != history.OK || read.Value != nil {
		t.Errorf("read of null: %+v, %v; want :ok with value nil", read, err)
	}
}

func TestCheckFindsLostElement(t *testing.T) {
	h := []history.Op{
		{Type: history.Invoke, Process: 0, F: FAdd, Value: int64(0)},
		{Type: history.OK, Process: 0, F: FAdd, Value: int64(0)},
		{Type: history.Invoke, Process: 1, F: FRead},
		{Type: history.OK, Process: 1, F: FRead, Value: []any{}},
	}
	for i := range h {
		h[i].Index, h[i].Time = i, int64(i)*1e6
	}
	if v := Workload().Check(h, workload.Options{}).Validity(); v != checker.Invalid {
		t.Errorf("lost element judged %v, want invalid", v)
	}
}
