package counter

import (
	"context"
	"errors"
	"math/rand/v2"
	"reflect"
	"testing"

	"github.com/glomers/glomers/internal/checker"
	"github.com/glomers/glomers/internal/client"
	"github.com/glomers/glomers/internal/history"
	"github.com/glomers/glomers/internal/message"
	"github.com/glomers/glomers/internal/workload"
)

func TestGenerator(t *testing.T) {
	tests := []struct {
		w              *workload.Workload
		min, max       int64
		readShareLo    float64
		readShareHi    float64
		wantName       string
		wantAllDeltasN int
	}{
		{GCounter(), 0, 4, 0.63, 0.70, "g-counter", 5},
		{PNCounter(), -5, 4, 0.47, 0.53, "pn-counter", 10},
	}
	for _, tt := range tests {
		t.Run(tt.wantName, func(t *testing.T) {
			if tt.w.Name != tt.wantName || !tt.w.NoErrorMapping || tt.w.ReusableClient {
				t.Errorf("workload %+v", tt.w)
			}
			g := tt.w.Generator(workload.Options{Rand: rand.New(rand.NewPCG(1, 2))})
			deltas := map[int64]bool{}
			reads := 0
			const n = 10000
			for range n {
				op, ok := g.Next(0)
				if !ok {
					t.Fatal("generator ended")
				}
				switch op.F {
				case "read":
					reads++
					if op.Value != nil || op.Final {
						t.Fatalf("read %+v", op)
					}
				case "add":
					d := op.Value.(int64)
					if d < tt.min || d > tt.max {
						t.Fatalf("delta %d outside [%d, %d]", d, tt.min, tt.max)
					}
					deltas[d] = true
				default:
					t.Fatalf("op %+v", op)
				}
			}
			if len(deltas) != tt.wantAllDeltasN {
				t.Errorf("deltas drawn: %v", deltas)
			}
			if share := float64(reads) / n; share < tt.readShareLo || share > tt.readShareHi {
				t.Errorf("reads are %.2f of ops", share)
			}
			final := tt.w.Final(workload.Options{}, 3)
			if want := []history.Op{{F: "read", Final: true}}; !reflect.DeepEqual(final, want) {
				t.Errorf("final ops %+v", final)
			}
		})
	}
}

func TestInvoke(t *testing.T) {
	boom := errors.New("boom")
	tests := []struct {
		name     string
		op       history.Op
		reply    message.Body
		err      error
		wantReq  message.Body
		want     history.Op
		wantErr  bool
		schemaOK bool
	}{
		{"add", history.Op{F: "add", Value: int64(3)}, message.Body{"type": "add_ok", "in_reply_to": int64(1)}, nil,
			message.Body{"type": "add", "delta": int64(3)}, history.Op{Type: history.OK, F: "add", Value: int64(3)}, false, true},
		{"read", history.Op{F: "read"}, message.Body{"type": "read_ok", "value": int64(7), "in_reply_to": int64(1)}, nil,
			message.Body{"type": "read"}, history.Op{Type: history.OK, F: "read", Value: int64(7)}, false, true},
		{"final read truncated", history.Op{F: "read", Final: true}, message.Body{"type": "read_ok", "value": 7.9, "in_reply_to": int64(1)}, nil,
			message.Body{"type": "read"}, history.Op{Type: history.OK, F: "read", Value: int64(7), Final: true}, false, false},
		{"rpc error", history.Op{F: "add", Value: int64(1)}, nil, boom,
			message.Body{"type": "add", "delta": int64(1)}, history.Op{F: "add", Value: int64(1)}, true, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := PNCounter()
			var sent message.Body
			call := func(_ context.Context, b message.Body) (message.Body, error) {
				sent = b
				return tt.reply, tt.err
			}
			got, err := w.Invoke(context.Background(), call, tt.op)
			if (err != nil) != tt.wantErr {
				t.Fatalf("err = %v", err)
			}
			if !reflect.DeepEqual(sent, tt.wantReq) {
				t.Errorf("sent %v, want %v", sent, tt.wantReq)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("got %+v, want %+v", got, tt.want)
			}
			if tt.reply != nil {
				if err := w.ReplySchemas[tt.wantReq.Type()].Validate("n0", sent, tt.reply); (err == nil) != tt.schemaOK {
					t.Errorf("schema: %v", err)
				}
			}
		})
	}
}

func TestReplySchemas(t *testing.T) {
	w := GCounter()
	tests := []struct {
		req   string
		reply message.Body
		ok    bool
	}{
		{"add", message.Body{"type": "add_ok", "in_reply_to": int64(1)}, true},
		{"add", message.Body{"type": "add_ok", "in_reply_to": int64(1), "value": int64(3)}, false},
		{"read", message.Body{"type": "read_ok", "in_reply_to": int64(1)}, false},
		{"read", message.Body{"type": "read_ok", "value": "3", "in_reply_to": int64(1)}, false},
		// Maelstrom's schema is s/Int (integer?): a JSON number with a
		// fraction, even 3.0, fails it before the client truncates.
		{"read", message.Body{"type": "read_ok", "value": 3.5, "in_reply_to": int64(1)}, false},
		{"read", message.Body{"type": "read_ok", "value": 3.0, "in_reply_to": int64(1)}, false},
		{"read", message.Body{"type": "read_ok", "value": int64(-3), "in_reply_to": int64(1)}, true},
	}
	for _, tt := range tests {
		err := w.ReplySchemas[tt.req].Validate("n0", message.Body{"type": tt.req}, tt.reply)
		var m *client.MalformedReplyError
		if (err == nil) != tt.ok || (err != nil && !errors.As(err, &m)) {
			t.Errorf("%s %v: %v", tt.req, tt.reply, err)
		}
	}
}

func TestCheckIsTheCounterChecker(t *testing.T) {
	h := []history.Op{
		{Index: 0, Type: history.Invoke, F: "add", Value: int64(2)},
		{Index: 1, Type: history.OK, F: "add", Value: int64(2)},
		{Index: 2, Type: history.Invoke, Process: 1, F: "read", Final: true},
		{Index: 3, Type: history.OK, Process: 1, F: "read", Value: int64(1), Final: true},
	}
	if v := GCounter().Check(h, workload.Options{}).Validity(); v != checker.Invalid {
		t.Errorf("a wrong final read is %v", v)
	}
	h[3].Value = int64(2)
	if v := PNCounter().Check(h, workload.Options{}).Validity(); v != checker.Valid {
		t.Errorf("a right final read is %v", v)
	}
}
