package linkv

import (
	"context"
	"errors"
	"math/rand/v2"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/glomers/glomers/internal/checker"
	"github.com/glomers/glomers/internal/client"
	"github.com/glomers/glomers/internal/history"
	"github.com/glomers/glomers/internal/message"
	"github.com/glomers/glomers/internal/workload"
)

func opts(nodes, concurrency int) workload.Options {
	o := workload.Options{Concurrency: concurrency, Rand: rand.New(rand.NewPCG(1, 2))}
	for i := range nodes {
		o.Nodes = append(o.Nodes, "n"+string(rune('0'+i)))
	}
	return o
}

func TestValidate(t *testing.T) {
	tests := []struct {
		nodes, concurrency int
		want               string // "" for no error
	}{
		{1, 2, ""},
		{3, 6, ""},
		{3, 12, ""},
		{3, 5, "lin-kv needs --concurrency to be a multiple of 2n (2 × 3 nodes = 6), got 5"},
		{3, 3, "got 3"},
		{3, 0, "got 0"},
		{5, 15, "(2 × 5 nodes = 10), got 15"},
		{0, 2, "at least one node"},
	}
	for _, tt := range tests {
		err := Validate(opts(tt.nodes, tt.concurrency))
		if (err == nil) != (tt.want == "") || (err != nil && !strings.Contains(err.Error(), tt.want)) {
			t.Errorf("Validate(%d nodes, concurrency %d) = %v, want %q", tt.nodes, tt.concurrency, err, tt.want)
		}
	}
}

func TestTimeout(t *testing.T) {
	w := Workload()
	for _, tt := range []struct{ latency, want time.Duration }{
		{0, time.Second},
		{50 * time.Millisecond, time.Second},
		{100 * time.Millisecond, time.Second},
		{250 * time.Millisecond, 2500 * time.Millisecond},
	} {
		o := opts(1, 2)
		o.Latency = tt.latency
		if got := w.Timeout(o); got != tt.want {
			t.Errorf("Timeout at latency %v = %v, want %v", tt.latency, got, tt.want)
		}
	}
	if !w.ReusableClient || !w.Idempotent[FRead] || w.Idempotent[FWrite] || w.Idempotent[FCAS] {
		t.Errorf("want a reusable client and only reads idempotent, got %v %v", w.ReusableClient, w.Idempotent)
	}
}

// key returns an op's key and checks its value's shape.
func key(t *testing.T, op history.Op) int64 {
	t.Helper()
	tup, ok := op.Value.([]any)
	if !ok || len(tup) != 2 {
		t.Fatalf("op %+v: value is not [k v]", op)
	}
	k := tup[0].(int64)
	inRange := func(v any) bool { n, ok := v.(int64); return ok && n >= 0 && n < 5 }
	switch op.F {
	case FRead:
		if tup[1] != nil {
			t.Errorf("read %v: value not nil", op.Value)
		}
	case FWrite:
		if !inRange(tup[1]) {
			t.Errorf("write %v: value not in 0..4", op.Value)
		}
	case FCAS:
		ft, ok := tup[1].([]any)
		if !ok || len(ft) != 2 || !inRange(ft[0]) || !inRange(ft[1]) {
			t.Errorf("cas %v: value not [0..4 0..4]", op.Value)
		}
	default:
		t.Errorf("op %+v: unexpected function", op)
	}
	return k
}

func TestGeneratorGroups(t *testing.T) {
	// 3 nodes, 12 threads: groups 0-5 and 6-11; threads 0-2 and 6-8 read.
	g := newGenerator(opts(3, 12))
	counts := map[history.Keyword]int{}
	for range 300 {
		for th := range 12 {
			op, _ := g.Next(th)
			k := key(t, op)
			if want := int64(th / 6); k != want {
				t.Fatalf("thread %d got key %d, want %d (keys in the order groups ask)", th, k, want)
			}
			if reader := th%6 < 3; reader != (op.F == FRead) {
				t.Fatalf("thread %d got %s", th, op.F)
			}
			counts[op.F]++
		}
	}
	// Writers: cas about twice as often as write.
	if r := float64(counts[FCAS]) / float64(counts[FWrite]); r < 1.7 || r > 2.3 {
		t.Errorf("cas/write = %.2f (%v), want about 2", r, counts)
	}
}

func TestGeneratorKeyOrder(t *testing.T) {
	// The group that asks first gets key 0.
	g := newGenerator(opts(1, 4))
	for _, tt := range []struct {
		thread int
		key    int64
	}{{3, 0}, {0, 1}, {2, 0}, {1, 1}} {
		op, _ := g.Next(tt.thread)
		if k := key(t, op); k != tt.key {
			t.Errorf("thread %d: key %d, want %d", tt.thread, k, tt.key)
		}
	}
}

func TestGeneratorProcessLimit(t *testing.T) {
	// 1 node, 2 threads. The key starts with processes 0 and 1; 18 more
	// :info completions bring it to 20 processes, the 19th to 21.
	o := opts(1, 2)
	g := newGenerator(o)
	next := func(th int) int64 {
		op, _ := g.Next(th)
		return key(t, op)
	}
	if k := next(1); k != 0 {
		t.Fatalf("first key %d", k)
	}
	p := history.Process(1)
	for i := range 18 {
		g.Update(history.Op{Type: history.Info, Process: p})
		p += 2
		if k := next(i % 2); k != 0 {
			t.Fatalf("after %d :info, key %d, want 0", i+1, k)
		}
	}
	g.Update(history.Op{Type: history.Info, Process: p})
	if k := next(0); k != 1 {
		t.Fatalf("with 21 processes, key %d, want 1", k)
	}
	// The new key starts with the group's current processes only.
	if k := next(1); k != 1 {
		t.Fatalf("key %d, want 1", k)
	}
}

func TestGeneratorManyNodes(t *testing.T) {
	// 11 nodes: a group of 22 threads is over the limit by itself, and
	// stays on its key.
	g := newGenerator(opts(11, 22))
	for th := range 22 {
		op, _ := g.Next(th)
		if k := key(t, op); k != 0 {
			t.Fatalf("thread %d: key %d, want 0", th, k)
		}
	}
}

func TestProcesses(t *testing.T) {
	ps := newProcesses(3)
	ps.info(1)
	ps.info(4)
	ps.info(1) // a late report about an older process changes nothing
	ps.info(history.Nemesis)
	if got, want := ps.of(0, 3), []history.Process{0, 7, 2}; !reflect.DeepEqual(got, want) {
		t.Errorf("processes = %v, want %v", got, want)
	}
}

func TestInvoke(t *testing.T) {
	tests := []struct {
		name    string
		op      history.Op
		wantReq message.Body
		reply   message.Body
		err     error
		want    history.Op // completion when err is nil
	}{
		{
			name:    "read",
			op:      history.Op{Process: 0, F: FRead, Value: []any{int64(3), nil}},
			wantReq: message.Body{"type": "read", "key": int64(3)},
			reply:   message.Body{"type": "read_ok", "value": int64(4)},
			want:    history.Op{Type: history.OK, Process: 0, F: FRead, Value: []any{int64(3), int64(4)}},
		},
		{
			name:    "write",
			op:      history.Op{Process: 1, F: FWrite, Value: []any{int64(0), int64(2)}},
			wantReq: message.Body{"type": "write", "key": int64(0), "value": int64(2)},
			reply:   message.Body{"type": "write_ok"},
			want:    history.Op{Type: history.OK, Process: 1, F: FWrite, Value: []any{int64(0), int64(2)}},
		},
		{
			name:    "cas",
			op:      history.Op{Process: 1, F: FCAS, Value: []any{int64(0), []any{int64(1), int64(2)}}},
			wantReq: message.Body{"type": "cas", "key": int64(0), "from": int64(1), "to": int64(2)},
			reply:   message.Body{"type": "cas_ok"},
			want:    history.Op{Type: history.OK, Process: 1, F: FCAS, Value: []any{int64(0), []any{int64(1), int64(2)}}},
		},
		{
			name:    "read timeout is a :fail",
			op:      history.Op{Process: 0, F: FRead, Value: []any{int64(0), nil}},
			wantReq: message.Body{"type": "read", "key": int64(0)},
			err:     client.ErrTimeout,
		},
		{
			name:    "write timeout is an :info",
			op:      history.Op{Process: 1, F: FWrite, Value: []any{int64(0), int64(1)}},
			wantReq: message.Body{"type": "write", "key": int64(0), "value": int64(1)},
			err:     client.ErrTimeout,
		},
		{
			name:    "precondition failed is a :fail",
			op:      history.Op{Process: 1, F: FCAS, Value: []any{int64(0), []any{int64(1), int64(2)}}},
			wantReq: message.Body{"type": "cas", "key": int64(0), "from": int64(1), "to": int64(2)},
			err:     &client.RPCError{ErrorCode: client.LookupCode(22)},
		},
		{
			name:    "crash on cas is an :info",
			op:      history.Op{Process: 1, F: FCAS, Value: []any{int64(0), []any{int64(1), int64(2)}}},
			wantReq: message.Body{"type": "cas", "key": int64(0), "from": int64(1), "to": int64(2)},
			err:     &client.RPCError{ErrorCode: client.LookupCode(13)},
		},
		{
			name:    "malformed read reply is an :info",
			op:      history.Op{Process: 0, F: FRead, Value: []any{int64(0), nil}},
			wantReq: message.Body{"type": "read", "key": int64(0)},
			err:     &client.MalformedReplyError{Reason: "boom"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := Workload()
			var sent message.Body
			call := func(_ context.Context, body message.Body) (message.Body, error) {
				sent = body
				return tt.reply, tt.err
			}
			got, err := w.Invoke(context.Background(), call, tt.op)
			if !reflect.DeepEqual(sent, tt.wantReq) {
				t.Errorf("sent %v, want %v", sent, tt.wantReq)
			}
			if !errors.Is(err, tt.err) {
				t.Fatalf("err = %v, want %v", err, tt.err)
			}
			if tt.err == nil {
				if !reflect.DeepEqual(got, tt.want) {
					t.Errorf("completion %+v, want %+v", got, tt.want)
				}
				if s := w.ReplySchemas[tt.wantReq.Type()]; s.Validate("n0", tt.wantReq, withReplyTo(tt.reply)) != nil {
					t.Errorf("reply %v does not match its schema", tt.reply)
				}
			}
		})
	}
}

func withReplyTo(b message.Body) message.Body {
	out := message.Body{"in_reply_to": int64(1)}
	for k, v := range b {
		out[k] = v
	}
	return out
}

func TestReplySchemas(t *testing.T) {
	tests := []struct {
		req   string
		reply message.Body
		ok    bool
	}{
		{"read", message.Body{"type": "read_ok", "value": int64(1), "in_reply_to": int64(1)}, true},
		{"read", message.Body{"type": "read_ok", "value": nil, "in_reply_to": int64(1)}, true},
		{"read", message.Body{"type": "read_ok", "in_reply_to": int64(1)}, false},
		{"write", message.Body{"type": "write_ok", "in_reply_to": int64(1)}, true},
		{"write", message.Body{"type": "write_ok", "value": int64(1), "in_reply_to": int64(1)}, false},
		{"cas", message.Body{"type": "cas_ok", "in_reply_to": int64(1)}, true},
		{"cas", message.Body{"type": "write_ok", "in_reply_to": int64(1)}, false},
	}
	for _, tt := range tests {
		err := replySchemas[tt.req].Validate("n0", message.Body{"type": tt.req}, tt.reply)
		if (err == nil) != tt.ok {
			t.Errorf("%s reply %v: err %v, want ok %v", tt.req, tt.reply, err, tt.ok)
		}
	}
}

func TestCheck(t *testing.T) {
	h := []history.Op{
		{Index: 0, Type: history.Invoke, Process: 1, F: FWrite, Value: []any{int64(0), int64(1)}},
		{Index: 1, Type: history.OK, Process: 1, F: FWrite, Value: []any{int64(0), int64(1)}},
		{Index: 2, Type: history.Invoke, Process: 0, F: FRead, Value: []any{int64(0), nil}},
		{Index: 3, Type: history.OK, Process: 0, F: FRead, Value: []any{int64(0), int64(0)}},
	}
	if got := Workload().Check(h, opts(1, 2)); got.Validity() != checker.Invalid {
		t.Errorf("Check = %+v, want invalid", got)
	}
}
