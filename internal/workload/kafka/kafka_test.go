package kafka

import (
	"context"
	"errors"
	"math"
	"math/rand/v2"
	"reflect"
	"testing"
	"time"

	"github.com/glomers/glomers/internal/checker"
	"github.com/glomers/glomers/internal/history"
	"github.com/glomers/glomers/internal/message"
	"github.com/glomers/glomers/internal/workload"
)

func newRand(seed uint64) *rand.Rand { return rand.New(rand.NewPCG(seed, seed)) }

func TestKeySlotDistribution(t *testing.T) {
	for _, count := range []int{1, 3, 10} {
		k := newKeys(count, 16)
		rng := newRand(1)
		const n = 200000
		hits := make([]int, count)
		for range n {
			hits[k.slot(rng)]++
		}
		total := math.Exp2(float64(count)) - 1
		for i, h := range hits {
			want := math.Exp2(float64(i)) / total
			if got := float64(h) / n; math.Abs(got-want) > 0.01 {
				t.Errorf("key-count %d: slot %d drawn %.4f of the time, want %.4f", count, i, got, want)
			}
		}
	}
}

func TestKeyRotation(t *testing.T) {
	k := newKeys(2, 3)
	rng := newRand(2)
	msgs := map[int64][]int64{}
	for range 400 {
		if send, key, v := k.draw(rng); send {
			msgs[key] = append(msgs[key], v)
		}
	}
	if len(msgs) < 10 {
		t.Fatalf("only %d keys written in 400 draws; keys must rotate", len(msgs))
	}
	for key, vs := range msgs {
		if len(vs) > 3 {
			t.Errorf("key %d got %d messages, max-writes-per-key is 3", key, len(vs))
		}
		for i, v := range vs {
			if v != int64(i+1) {
				t.Errorf("key %d messages %v, want 1, 2, 3", key, vs)
				break
			}
		}
	}
	// A rotated key is one past the highest active key, so every key
	// written is at most the highest active one.
	for key := range msgs {
		if key > max(k.active[0], k.active[1]) {
			t.Errorf("key %d written but above every active key %v", key, k.active)
		}
	}
}

func TestKeyDefaults(t *testing.T) {
	k := newKeys(0, 0)
	if len(k.active) != DefaultKeyCount || k.maxWrites != DefaultMaxWritesPerKey {
		t.Errorf("defaults: %d keys, %d writes", len(k.active), k.maxWrites)
	}
}

// clock is a settable time source.
type clock struct{ t time.Duration }

func (c *clock) now() time.Duration { return c.t }

func newMainGen(seed uint64, concurrency int, c *clock) *mainGen {
	tr := newTracker(concurrency)
	return &mainGen{rng: newRand(seed), now: c.now, keys: newKeys(10, 16), t: tr,
		crashGap: CrashInterval / time.Duration(tr.concurrency)}
}

func TestMainGenerator(t *testing.T) {
	c := &clock{}
	g := newMainGen(3, 4, c)
	counts := map[history.Keyword]int{}
	var prev history.Op
	const n = 64000
	for i := range n {
		c.t = time.Duration(i) * time.Millisecond // 64 s at 1000 ops/s
		op, ok := g.Next(i % 4)
		if !ok {
			t.Fatal("main generator ran out")
		}
		counts[op.F]++
		switch op.F {
		case FSend:
			mop := op.Value.([]any)[0].([]any)
			if mop[0] != FSend || len(mop) != 3 {
				t.Fatalf("send value %v", op.Value)
			}
			if _, ok := mop[1].(string); !ok {
				t.Fatalf("send key %v is not a string", mop[1])
			}
		case FPoll:
			if !reflect.DeepEqual(op.Value, []any{[]any{FPoll}}) {
				t.Fatalf("poll value %v", op.Value)
			}
		case FAssign:
			ks := op.Value.([]any)
			if len(ks) != 1 {
				t.Fatalf("assign %v: with nothing sent, only the pending op's key", ks)
			}
		case FCrash:
			if op.Value != nil {
				t.Fatalf("crash value %v", op.Value)
			}
		}
		if prev.F == FAssign && op.F == FSend {
			// The op after an assign is the pending op, on the assigned key.
			if key := op.Value.([]any)[0].([]any)[1]; key != prev.Value.([]any)[0] {
				t.Fatalf("assign of %v followed by a send to %v", prev.Value, key)
			}
		}
		if op.F != FCrash {
			prev = op
		}
	}
	// A write past max-writes-per-key rotates the key and draws again, so
	// sends/polls is 16/17 rather than 1.
	if r := float64(counts[FSend]) / float64(counts[FPoll]); math.Abs(r-16.0/17) > 0.03 {
		t.Errorf("sends/polls = %.3f, want about 16/17", r)
	}
	if r := float64(counts[FAssign]) / n; math.Abs(r-AssignProb) > 0.003 {
		t.Errorf("assign share %.4f, want about %.4f", r, AssignProb)
	}
	// 64 s, 4 clients, one crash per client per 30 s on average.
	if got := counts[FCrash]; got < 4 || got > 16 {
		t.Errorf("%d crashes in 64 s with concurrency 4, want about 8.5", got)
	}
}

func TestAssignKeepsPendingOp(t *testing.T) {
	c := &clock{}
	for seed := range uint64(200) {
		g := newMainGen(seed, 1, c)
		g.nextCrash = time.Hour
		for range 200 {
			op, _ := g.Next(0)
			if op.F != FAssign {
				continue
			}
			key := op.Value.([]any)[0]
			next, _ := g.Next(0)
			for next.F == FAssign {
				next, _ = g.Next(0)
			}
			if next.F == FSend && next.Value.([]any)[0].([]any)[1] != key {
				t.Fatalf("seed %d: assign %v then send %v", seed, op.Value, next.Value)
			}
			if g.pending != nil {
				t.Fatalf("pending op not consumed after it was emitted")
			}
		}
	}
}

func TestAssignAddsUnseenKeys(t *testing.T) {
	c := &clock{}
	g := newMainGen(5, 1, c)
	g.nextCrash = time.Hour
	g.t.sawSend("100", 3)
	g.t.sawSend("101", 0)
	g.t.sawPoll(0, map[string]any{"101": []any{[]any{int64(0), int64(1)}}})
	var with, without int
	for range 20000 {
		op, _ := g.Next(0)
		if op.F != FAssign {
			continue
		}
		ks := op.Value.([]any)
		switch len(ks) {
		case 1:
			without++
		case 2:
			if ks[1] != "100" {
				t.Fatalf("assign %v: the only unseen key is 100", ks)
			}
			with++
		default:
			t.Fatalf("assign %v", ks)
		}
	}
	if r := float64(with) / float64(with+without); math.Abs(r-UnseenProb) > 0.08 {
		t.Errorf("%.2f of %d assigns got the unseen keys, want about 1/3", r, with+without)
	}
}

// fakeNode answers the kafka RPCs from a script and records requests.
type fakeNode struct {
	reqs      []message.Body
	committed map[string]any
	msgs      map[string]any
	offset    int64
	err       error
}

func (f *fakeNode) call(_ context.Context, body message.Body) (message.Body, error) {
	f.reqs = append(f.reqs, body)
	if f.err != nil {
		return nil, f.err
	}
	switch body.Type() {
	case "list_committed_offsets":
		return message.Body{"type": "list_committed_offsets_ok", "offsets": f.committed}, nil
	case "poll":
		return message.Body{"type": "poll_ok", "msgs": f.msgs}, nil
	case "commit_offsets":
		return message.Body{"type": "commit_offsets_ok"}, nil
	case "send":
		return message.Body{"type": "send_ok", "offset": f.offset}, nil
	}
	return nil, errors.New("unexpected request")
}

func pairs(ps ...[2]int64) []any {
	out := make([]any, len(ps))
	for i, p := range ps {
		out[i] = []any{p[0], p[1]}
	}
	return out
}

func TestClientAssign(t *testing.T) {
	ctx := context.Background()
	f := &fakeNode{committed: map[string]any{"b": int64(7)}}
	c := &Client{offsets: map[string]int64{"a": 4, "z": 9}}
	if err := c.Assign(ctx, f.call, []string{"a", "b", "c"}, false); err != nil {
		t.Fatal(err)
	}
	want := map[string]int64{"a": 4, "b": 7, "c": 0} // local, committed (not +1), else 0; z dropped
	if !reflect.DeepEqual(c.Offsets(), want) {
		t.Errorf("offsets %v, want %v", c.Offsets(), want)
	}
	if len(f.reqs) != 1 || !reflect.DeepEqual(f.reqs[0]["keys"], []string{"a", "b", "c"}) {
		t.Errorf("requests %v", f.reqs)
	}
	f.reqs = nil
	if err := c.Assign(ctx, f.call, []string{"a", "q"}, true); err != nil {
		t.Fatal(err)
	}
	if want := map[string]int64{"a": 0, "q": 0}; !reflect.DeepEqual(c.Offsets(), want) || len(f.reqs) != 0 {
		t.Errorf("seek: offsets %v, requests %v; want %v and no request", c.Offsets(), f.reqs, want)
	}
	f.err = errors.New("down")
	before := c.Offsets()
	if err := c.Assign(ctx, f.call, []string{"x"}, false); err == nil || !reflect.DeepEqual(c.Offsets(), before) {
		t.Errorf("failed assign: err %v, offsets %v (want unchanged %v)", err, c.Offsets(), before)
	}
}

func TestClientPoll(t *testing.T) {
	ctx := context.Background()
	f := &fakeNode{msgs: map[string]any{}}
	c := &Client{}
	msgs, err := c.Poll(ctx, f.call)
	if err != nil || len(msgs) != 0 {
		t.Fatalf("poll before assign: %v, %v", msgs, err)
	}
	if len(f.reqs) != 1 || !reflect.DeepEqual(f.reqs[0]["offsets"], map[string]int64{}) {
		t.Errorf("poll before assign sent %v, want offsets {} and no commit", f.reqs)
	}

	c.offsets = map[string]int64{"a": 2, "b": 10}
	f.reqs = nil
	f.msgs = map[string]any{"a": pairs([2]int64{2, 5}, [2]int64{3, 6}, [2]int64{7, 9}), "b": []any{}}
	msgs, err = c.Poll(ctx, f.call)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(msgs, f.msgs) {
		t.Errorf("poll returned %v, want the reply's msgs", msgs)
	}
	if want := map[string]int64{"a": 8, "b": 10}; !reflect.DeepEqual(c.Offsets(), want) {
		t.Errorf("offsets after poll %v, want %v", c.Offsets(), want)
	}
	if len(f.reqs) != 2 || f.reqs[1].Type() != "commit_offsets" || !reflect.DeepEqual(f.reqs[1]["offsets"], map[string]int64{"a": 7}) {
		t.Errorf("requests %v, want poll then commit_offsets {a: 7}", f.reqs)
	}
	// A poll whose offsets lie below the client's never moves it back.
	f.msgs = map[string]any{"b": pairs([2]int64{3, 1})}
	if _, err := c.Poll(ctx, f.call); err != nil || c.Offsets()["b"] != 10 {
		t.Errorf("offset of b %d (err %v), want 10 kept", c.Offsets()["b"], err)
	}
}

func TestInvoke(t *testing.T) {
	w := Workload()
	ctx := context.Background()
	w.Generator(workload.Options{Concurrency: 2, Rand: newRand(1)})
	f := &fakeNode{offset: 42, committed: map[string]any{}}
	do := func(p history.Process, f0 history.Keyword, v any) history.Op {
		t.Helper()
		done, err := w.Invoke(ctx, f.call, history.Op{Type: history.Invoke, Process: p, F: f0, Value: v})
		if err != nil {
			t.Fatalf("%s: %v", f0, err)
		}
		return done
	}
	f.reqs = nil
	if op := do(0, FCrash, nil); op.Type != history.Info || len(f.reqs) != 0 {
		t.Errorf("crash: %+v after %d requests; want :info at once", op, len(f.reqs))
	}
	send := do(0, FSend, []any{[]any{FSend, "3", int64(5)}})
	if want := []any{[]any{FSend, "3", []any{int64(42), int64(5)}}}; send.Type != history.OK || !reflect.DeepEqual(send.Value, want) {
		t.Errorf("send completion %+v, want value %v", send, want)
	}
	if op := do(0, FAssign, []any{"3"}); op.Type != history.OK || !reflect.DeepEqual(op.Value, []any{"3"}) {
		t.Errorf("assign completion %+v", op)
	}
	f.msgs = map[string]any{"3": pairs([2]int64{42, 5})}
	poll := do(0, FPoll, []any{[]any{FPoll}})
	if want := []any{[]any{FPoll, f.msgs}}; !reflect.DeepEqual(poll.Value, want) {
		t.Errorf("poll value %v, want %v", poll.Value, want)
	}
	// Process 2 is thread 0's next client: it starts with no keys.
	f.reqs = nil
	do(2, FPoll, []any{[]any{FPoll}})
	if !reflect.DeepEqual(f.reqs[0]["offsets"], map[string]int64{}) {
		t.Errorf("a new process polled %v, want {}", f.reqs[0]["offsets"])
	}
	// Errors go back to the runner, which maps them.
	f.err = errors.New("boom")
	if _, err := w.Invoke(ctx, f.call, history.Op{F: FSend, Value: []any{[]any{FSend, "3", int64(6)}}}); !errors.Is(err, f.err) {
		t.Errorf("send error %v", err)
	}
}

func TestFinalGenerator(t *testing.T) {
	w := Workload()
	ctx := context.Background()
	w.Generator(workload.Options{Concurrency: 2, Rand: newRand(1)})
	f := &fakeNode{offset: 5, committed: map[string]any{}}
	for _, k := range []string{"10", "9"} {
		if _, err := w.Invoke(ctx, f.call, history.Op{Process: 0, F: FSend, Value: []any{[]any{FSend, k, int64(1)}}}); err != nil {
			t.Fatal(err)
		}
	}
	c := &clock{}
	var slept []time.Duration
	fg := w.FinalGenerator(workload.Options{Concurrency: 2, Rand: newRand(2)}).(*finalGen)
	fg.now = c.now
	fg.sleep = func(d time.Duration) { slept = append(slept, d); c.t += d }

	if op, _ := fg.Next(1); op.F != FCrash {
		t.Fatalf("first final op %+v, want crash", op)
	}
	assign, _ := fg.Next(1)
	if assign.F != FAssign || !reflect.DeepEqual(assign.Value, []any{"9", "10"}) {
		t.Fatalf("second final op %+v, want assign of every key", assign)
	}
	// The assign seeks to the beginning, without asking the node.
	f.reqs = nil
	if _, err := w.Invoke(ctx, f.call, history.Op{Process: 3, F: FAssign, Value: assign.Value}); err != nil || len(f.reqs) != 0 {
		t.Fatalf("final assign: %v, requests %v", err, f.reqs)
	}
	poll, _ := fg.Next(1)
	if poll.F != FPoll || len(slept) != 1 || slept[0] >= 2*FinalPollGap {
		t.Fatalf("third op %+v after pauses %v", poll, slept)
	}
	f.msgs = map[string]any{"9": pairs([2]int64{5, 1})}
	if _, err := w.Invoke(ctx, f.call, history.Op{Process: 3, F: FPoll, Value: poll.Value}); err != nil {
		t.Fatal(err)
	}
	if op, ok := fg.Next(1); !ok || op.F != FPoll {
		t.Fatalf("key 10 not caught up, yet %+v, %v", op, ok)
	}
	f.msgs = map[string]any{"10": pairs([2]int64{5, 1})}
	w.Invoke(ctx, f.call, history.Op{Process: 3, F: FPoll, Value: poll.Value})
	if op, ok := fg.Next(1); ok {
		t.Fatalf("thread 1 caught up, yet %+v", op)
	}
	// Thread 0 has polled nothing: it goes on until the limit.
	fg.Next(0)
	fg.Next(0)
	c.t += FinalLimit
	if op, ok := fg.Next(0); ok {
		t.Fatalf("after the final time limit: %+v", op)
	}
}

func TestFinalGeneratorWithoutOffsets(t *testing.T) {
	w := Workload()
	w.Generator(workload.Options{Concurrency: 1})
	if op, ok := w.FinalGenerator(workload.Options{Concurrency: 1}).Next(0); ok {
		t.Errorf("no offsets seen, yet final op %+v", op)
	}
}

func TestReplySchemas(t *testing.T) {
	tests := []struct {
		req   string
		reply message.Body
		ok    bool
	}{
		{"send", message.Body{"type": "send_ok", "offset": int64(3)}, true},
		{"send", message.Body{"type": "send_ok", "offset": "3"}, false},
		{"poll", message.Body{"type": "poll_ok", "msgs": map[string]any{"1": pairs([2]int64{0, 1})}}, true},
		{"poll", message.Body{"type": "poll_ok", "msgs": map[string]any{}}, true},
		{"poll", message.Body{"type": "poll_ok", "msgs": map[string]any{"1": []any{[]any{int64(0)}}}}, false},
		{"poll", message.Body{"type": "poll_ok", "msgs": []any{}}, false},
		// Maelstrom's schema is {Key [[Offset s/Any]]}: a key's list may be
		// null, a message may be anything, the map itself may not be null,
		// and a pair is exactly two elements with an integer offset.
		{"poll", message.Body{"type": "poll_ok", "msgs": map[string]any{"1": nil}}, true},
		{"poll", message.Body{"type": "poll_ok", "msgs": map[string]any{"1": []any{[]any{int64(0), "x"}, []any{int64(1), map[string]any{}}}}}, true},
		{"poll", message.Body{"type": "poll_ok", "msgs": nil}, false},
		{"poll", message.Body{"type": "poll_ok", "msgs": map[string]any{"1": []any{nil}}}, false},
		{"poll", message.Body{"type": "poll_ok", "msgs": map[string]any{"1": []any{[]any{int64(0), int64(1), int64(2)}}}}, false},
		{"poll", message.Body{"type": "poll_ok", "msgs": map[string]any{"1": []any{[]any{1.5, int64(1)}}}}, false},
		{"send", message.Body{"type": "send_ok", "offset": 3.0}, false},
		{"send", message.Body{"type": "send_ok", "offset": nil}, false},
		{"list_committed_offsets", message.Body{"type": "list_committed_offsets_ok", "offsets": nil}, false},
		{"list_committed_offsets", message.Body{"type": "list_committed_offsets_ok", "offsets": map[string]any{}}, true},
		{"commit_offsets", message.Body{"type": "commit_offsets_ok"}, true},
		{"commit_offsets", message.Body{"type": "commit_offsets_ok", "offsets": map[string]any{}}, false},
		{"list_committed_offsets", message.Body{"type": "list_committed_offsets_ok", "offsets": map[string]any{"1": int64(2)}}, true},
		{"list_committed_offsets", message.Body{"type": "list_committed_offsets_ok", "offsets": map[string]any{"1": "x"}}, false},
	}
	for _, tt := range tests {
		tt.reply["in_reply_to"] = int64(1)
		err := replySchemas[tt.req].Validate("n0", message.Body{"type": tt.req}, tt.reply)
		if (err == nil) != tt.ok {
			t.Errorf("%s reply %v: %v, want ok %v", tt.req, tt.reply, err, tt.ok)
		}
	}
}

func TestSettings(t *testing.T) {
	w := Workload()
	if w.Name != "kafka" || w.ReusableClient || !w.Idempotent[FAssign] || len(w.Idempotent) != 1 || w.Final != nil || w.FinalGenerator == nil {
		t.Errorf("settings %+v", w)
	}
	h := []history.Op{
		{Type: history.Invoke, Process: 0, F: FSend, Value: []any{[]any{FSend, "1", int64(1)}}},
		{Type: history.OK, Process: 0, F: FSend, Value: []any{[]any{FSend, "1", []any{int64(0), int64(1)}}}},
		{Type: history.Invoke, Process: 1, F: FPoll, Value: []any{[]any{FPoll}}},
		{Type: history.OK, Process: 1, F: FPoll, Value: []any{[]any{FPoll, map[string]any{"1": pairs([2]int64{0, 1})}}}},
	}
	for i := range h {
		h[i].Index = i
	}
	if r := w.Check(h, workload.Options{}); r.Validity() != checker.Valid {
		t.Errorf("a clean history judged %v", r.Validity())
	}
}
