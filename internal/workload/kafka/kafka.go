// Package kafka is Maelstrom's kafka workload: clients send integers to
// keyed logs and poll them back by offset, as consumers that are assigned
// keys, commit the offsets they have polled, and crash now and then. The
// history is judged by Jepsen's kafka checker (checker/kafka).
//
// Ops, as the checker reads them (keys are decimal strings):
//
//	{:f :send,   :value [[:send "k" v]]}    ok: [[:send "k" [offset v]]]
//	{:f :poll,   :value [[:poll]]}          ok: [[:poll {"k" [[offset v] ...]}]]
//	{:f :assign, :value ["k1" "k2" ...]}
//	{:f :crash}                              always :info, at once
//
// Each worker client's consumer state (Client) lives as long as its
// process: the runner replaces a client exactly when its process changes,
// after an :info, so state is kept per process. Final-phase assigns seek
// to the beginning; the history does not record :seek-to-beginning?,
// since ops have no field for it.
package kafka

import (
	"context"
	"fmt"
	"math/rand/v2"
	"sync"
	"time"

	"github.com/glomers/glomers/internal/checker"
	kafkachecker "github.com/glomers/glomers/internal/checker/kafka"
	"github.com/glomers/glomers/internal/history"
	"github.com/glomers/glomers/internal/workload"
)

// The workload's functions.
const (
	FSend   history.Keyword = "send"
	FPoll   history.Keyword = "poll"
	FAssign history.Keyword = "assign"
	FCrash  history.Keyword = "crash"
	// FDebugTopicPartitions is never generated (Maelstrom filters it out)
	// but, like :crash, is left out of :stats.
	FDebugTopicPartitions history.Keyword = "debug-topic-partitions"
)

var replySchemas = map[string]workload.Schema{
	"send":                   {Type: "send_ok", Fields: map[string]workload.Field{"offset": workload.IntField}},
	"poll":                   {Type: "poll_ok", Fields: map[string]workload.Field{"msgs": {Shape: `{"key": [[offset, message], ...], ...}`, Test: isMsgs}}},
	"commit_offsets":         {Type: "commit_offsets_ok"},
	"list_committed_offsets": {Type: "list_committed_offsets_ok", Fields: map[string]workload.Field{"offsets": {Shape: `{"key": offset, ...}`, Test: isOffsets}}},
}

// isMsgs accepts Maelstrom's poll_ok msgs, {key [[offset msg] ...]}: an
// object (not null) whose lists may be null, each pair exactly an integer
// offset and a message of any type.
func isMsgs(v any) bool {
	return workload.IsMap(v, func(pairs any) bool {
		return workload.IsSeq(pairs, func(p any) bool {
			pr, ok := p.([]any)
			return ok && len(pr) == 2 && workload.IsInt(pr[0])
		})
	})
}

// isOffsets accepts {key offset}: an object (not null) of integer offsets.
func isOffsets(v any) bool { return workload.IsMap(v, workload.IsInt) }

// Workload returns the kafka workload. Its generators and clients share
// the state of the test being run (offsets seen, consumer states), which
// each call to Generator starts afresh; tests must run one at a time.
func Workload() *workload.Workload {
	s := &shared{}
	return &workload.Workload{
		Name:       "kafka",
		Idempotent: map[history.Keyword]bool{FAssign: true},
		Generator: func(o workload.Options) workload.Generator {
			t := s.reset(o)
			return &mainGen{
				rng:      rng(o),
				now:      clockOf(o),
				keys:     newKeys(o.KeyCount, o.MaxWritesPerKey),
				t:        t,
				crashGap: CrashInterval / time.Duration(t.concurrency),
			}
		},
		FinalGenerator: func(o workload.Options) workload.Generator {
			sleep := time.Sleep
			if o.Sleep != nil {
				sleep = o.Sleep
			}
			return &finalGen{
				t:     s.current(),
				rng:   rng(o),
				now:   clockOf(o),
				sleep: sleep,
			}
		},
		ReplySchemas: replySchemas,
		Invoke: func(ctx context.Context, call workload.RPC, op history.Op) (history.Op, error) {
			return s.current().invoke(ctx, call, op)
		},
		Check: func(h []history.Op, _ workload.Options) checker.Result {
			return kafkachecker.Check(h, kafkachecker.Options{})
		},
	}
}

// clockOf returns the time since now, on o's clock if it has one.
func clockOf(o workload.Options) func() time.Duration {
	if o.Now != nil {
		start := o.Now()
		return func() time.Duration { return o.Now() - start }
	}
	start := time.Now()
	return func() time.Duration { return time.Since(start) }
}

func rng(o workload.Options) *rand.Rand {
	if o.Rand != nil {
		return rand.New(rand.NewPCG(o.Rand.Uint64(), o.Rand.Uint64()))
	}
	return rand.New(rand.NewPCG(rand.Uint64(), rand.Uint64()))
}

// shared holds the tracker of the test being run.
type shared struct {
	mu  sync.Mutex
	cur *tracker
}

func (s *shared) reset(o workload.Options) *tracker {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.cur = newTracker(o.Concurrency)
	return s.cur
}

func (s *shared) current() *tracker {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.cur == nil {
		s.cur = newTracker(1)
	}
	return s.cur
}

// tracker is what one test's generators learn from completions, and the
// consumer state of every live client.
type tracker struct {
	mu          sync.Mutex
	concurrency int
	offsets     map[string]int64 // highest offset of any :ok send or poll, per key
	sent        map[string]int64 // highest :ok send offset, per key
	polled      map[string]int64 // highest :ok poll offset, per key
	clients     map[history.Process]*Client
	final       bool
	finalPolled map[int]map[string]int64 // per thread, in the final phase
}

func newTracker(concurrency int) *tracker {
	return &tracker{
		concurrency: max(concurrency, 1),
		offsets:     map[string]int64{},
		sent:        map[string]int64{},
		polled:      map[string]int64{},
		clients:     map[history.Process]*Client{},
		finalPolled: map[int]map[string]int64{},
	}
}

// client returns process p's client, creating an empty one for a new
// process and forgetting the one of the process p replaced.
func (t *tracker) client(p history.Process) *Client {
	t.mu.Lock()
	defer t.mu.Unlock()
	c, ok := t.clients[p]
	if !ok {
		c = &Client{}
		t.clients[p] = c
		delete(t.clients, p-history.Process(t.concurrency))
	}
	return c
}

func (t *tracker) sawSend(key string, off int64) {
	t.mu.Lock()
	defer t.mu.Unlock()
	raise(t.offsets, key, off)
	raise(t.sent, key, off)
}

func (t *tracker) sawPoll(p history.Process, msgs map[string]any) {
	t.mu.Lock()
	defer t.mu.Unlock()
	th := int(p) % t.concurrency
	for k, pairs := range msgs {
		for _, pr := range list(pairs) {
			off, ok := toInt(list(pr)[0])
			if !ok {
				continue
			}
			raise(t.offsets, k, off)
			raise(t.polled, k, off)
			if t.final {
				if t.finalPolled[th] == nil {
					t.finalPolled[th] = map[string]int64{}
				}
				raise(t.finalPolled[th], k, off)
			}
		}
	}
}

func raise(m map[string]int64, k string, v int64) {
	if o, ok := m[k]; !ok || v > o {
		m[k] = v
	}
}

// unseenKeys returns the keys whose highest sent offset no poll has
// reached yet, in key order.
func (t *tracker) unseenKeys() []string {
	t.mu.Lock()
	defer t.mu.Unlock()
	var out []string
	for _, k := range sortedKeys(t.sent) {
		if p, ok := t.polled[k]; !ok || p < t.sent[k] {
			out = append(out, k)
		}
	}
	return out
}

// startFinal enters the final phase and returns the targets: the highest
// offset seen for each key.
func (t *tracker) startFinal() map[string]int64 {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.final = true
	out := make(map[string]int64, len(t.offsets))
	for k, o := range t.offsets {
		out[k] = o
	}
	return out
}

func (t *tracker) inFinal() bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.final
}

// caughtUp reports whether thread's final polls reached every target.
func (t *tracker) caughtUp(thread int, targets map[string]int64) bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	for k, want := range targets {
		if got, ok := t.finalPolled[thread][k]; !ok || got < want {
			return false
		}
	}
	return true
}

// invoke performs op with its process's client.
func (t *tracker) invoke(ctx context.Context, call workload.RPC, op history.Op) (history.Op, error) {
	if op.F == FCrash {
		op.Type = history.Info
		return op, nil
	}
	c := t.client(op.Process)
	switch op.F {
	case FAssign:
		var keys []string
		for _, k := range list(op.Value) {
			s, ok := k.(string)
			if !ok {
				return op, fmt.Errorf("assign: key %v is not a string", k)
			}
			keys = append(keys, s)
		}
		if err := c.Assign(ctx, call, keys, t.inFinal()); err != nil {
			return op, err
		}
	case FSend:
		mop := list(list(op.Value)[0])
		key, _ := mop[1].(string)
		msg, _ := toInt(mop[2])
		off, err := c.Send(ctx, call, key, msg)
		if err != nil {
			return op, err
		}
		op.Value = []any{[]any{FSend, key, []any{off, msg}}}
		t.sawSend(key, off)
	case FPoll:
		msgs, err := c.Poll(ctx, call)
		if err != nil {
			return op, err
		}
		op.Value = []any{[]any{FPoll, msgs}}
		t.sawPoll(op.Process, msgs)
	default:
		return op, fmt.Errorf("kafka: unknown function %s", op.F)
	}
	op.Type = history.OK
	return op, nil
}
