package uniqueids

import (
	"context"
	"errors"
	"math/rand/v2"
	"testing"

	"github.com/glomers/glomers/internal/checker"
	"github.com/glomers/glomers/internal/history"
	"github.com/glomers/glomers/internal/message"
	"github.com/glomers/glomers/internal/workload"
)

func TestGenerator(t *testing.T) {
	g := Workload().Generator(workload.Options{Nodes: []string{"n0"}, Concurrency: 1, Rand: rand.New(rand.NewPCG(1, 1))})
	for i := range 100 {
		op, ok := g.Next(i % 3)
		if !ok || op.F != FGenerate || op.Value != nil {
			t.Fatalf("Next = %+v, %v; want {:f :generate} forever", op, ok)
		}
	}
}

func TestInvoke(t *testing.T) {
	w := Workload()
	ids := []any{int64(7), "n1-abc-1", []any{"n1", int64(2)}, map[string]any{"n": "n0"}}
	var h []history.Op
	for i, id := range ids {
		call := func(_ context.Context, req message.Body) (message.Body, error) {
			if len(req) != 1 || req.Type() != "generate" {
				t.Errorf("request %v, want {\"type\":\"generate\"}", req)
			}
			return message.Body{"type": "generate_ok", "id": id, "in_reply_to": int64(1)}, nil
		}
		inv := history.Op{Type: history.Invoke, Process: history.Process(i), F: FGenerate}
		done, err := w.Invoke(context.Background(), call, inv)
		if err != nil {
			t.Fatal(err)
		}
		if done.Type != history.OK || done.F != FGenerate {
			t.Errorf("completion %+v", done)
		}
		h = append(h, inv, done)
	}
	if r := w.Check(h, workload.Options{}); r.Validity() != checker.Valid {
		t.Errorf("distinct IDs judged %v: %+v", r.Validity(), r)
	}
	h = append(h, h[0], h[1])
	if r := w.Check(h, workload.Options{}); r.Validity() != checker.Invalid {
		t.Errorf("a repeated ID judged %v", r.Validity())
	}

	boom := errors.New("boom")
	if _, err := w.Invoke(context.Background(), func(context.Context, message.Body) (message.Body, error) { return nil, boom }, history.Op{F: FGenerate}); !errors.Is(err, boom) {
		t.Errorf("RPC error not passed on: %v", err)
	}
}

func TestReplySchema(t *testing.T) {
	s := Workload().ReplySchemas["generate"]
	req := message.Body{"type": "generate", "msg_id": int64(1)}
	tests := []struct {
		name  string
		reply message.Body
		ok    bool
	}{
		{"number", message.Body{"type": "generate_ok", "id": int64(1), "in_reply_to": int64(1)}, true},
		{"string", message.Body{"type": "generate_ok", "id": "x", "in_reply_to": int64(1), "msg_id": int64(3)}, true},
		{"null", message.Body{"type": "generate_ok", "id": nil, "in_reply_to": int64(1)}, true},
		{"missing id", message.Body{"type": "generate_ok", "in_reply_to": int64(1)}, false},
		{"extra key", message.Body{"type": "generate_ok", "id": int64(1), "node": "n0", "in_reply_to": int64(1)}, false},
		{"wrong type", message.Body{"type": "generate", "id": int64(1), "in_reply_to": int64(1)}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := s.Validate("n0", req, tt.reply); (err == nil) != tt.ok {
				t.Errorf("Validate = %v, want ok %v", err, tt.ok)
			}
		})
	}
}

func TestSettings(t *testing.T) {
	w := Workload()
	if w.Name != "unique-ids" || !w.ReusableClient || len(w.Idempotent) != 0 || w.NoErrorMapping || w.Final != nil || w.Setup != nil {
		t.Errorf("settings %+v", w)
	}
}
