// Package counter holds Maelstrom's g-counter and pn-counter workloads.
// Clients add deltas to a counter and read it; after the main phase each
// thread does one final read, and every :ok final read must equal the sum
// of the acknowledged adds, give or take indeterminate ones (see
// checker/counter).
package counter

import (
	"context"
	"fmt"
	"math"

	"github.com/glomers/glomers/internal/checker"
	counterchecker "github.com/glomers/glomers/internal/checker/counter"
	"github.com/glomers/glomers/internal/history"
	"github.com/glomers/glomers/internal/message"
	"github.com/glomers/glomers/internal/workload"
)

// GCounter returns the g-counter workload: deltas 0..4.
func GCounter() *workload.Workload { return build("g-counter", false) }

// PNCounter returns the pn-counter workload: deltas -5..4.
func PNCounter() *workload.Workload { return build("pn-counter", true) }

var replySchemas = map[string]workload.Schema{
	"add":  {Type: "add_ok"},
	"read": {Type: "read_ok", Fields: map[string]workload.Field{"value": workload.IntField}},
}

func build(name string, negative bool) *workload.Workload {
	return &workload.Workload{
		Name:           name,
		Idempotent:     map[history.Keyword]bool{},
		NoErrorMapping: true,
		Generator: func(o workload.Options) workload.Generator {
			return workload.GeneratorFunc(func(int) (history.Op, bool) {
				return next(o, negative), true
			})
		},
		Final: func(workload.Options, int) []history.Op {
			return []history.Op{{F: "read", Final: true}}
		},
		ReplySchemas: replySchemas,
		Invoke:       invoke,
		Check: func(h []history.Op, _ workload.Options) checker.Result {
			return counterchecker.Check(h)
		},
	}
}

// next draws from a uniform mix of adds and reads. An add's delta is
// rand(10) - 5; g-counter filters out negative adds and draws again from
// the whole mix, as Maelstrom's gen/filter around gen/mix does, so reads
// are two thirds of its operations.
func next(o workload.Options, negative bool) history.Op {
	for {
		if o.Rand.IntN(2) == 0 {
			return history.Op{F: "read"}
		}
		d := int64(o.Rand.IntN(10) - 5)
		if d >= 0 || negative {
			return history.Op{F: "add", Value: d}
		}
	}
}

func invoke(ctx context.Context, call workload.RPC, op history.Op) (history.Op, error) {
	switch op.F {
	case "add":
		if _, err := call(ctx, message.Body{"type": "add", "delta": op.Value}); err != nil {
			return op, err
		}
		op.Type = history.OK
		return op, nil
	case "read":
		reply, err := call(ctx, message.Body{"type": "read"})
		if err != nil {
			return op, err
		}
		v, err := toLong(reply["value"])
		if err != nil {
			return op, err
		}
		op.Type = history.OK
		op.Value = v
		return op, nil
	}
	return op, fmt.Errorf("counter: unknown operation %q", op.F)
}

// toLong truncates a read value to an integer, as Maelstrom's client
// coerces it to a long.
func toLong(v any) (int64, error) {
	switch n := v.(type) {
	case int64:
		return n, nil
	case float64:
		if !math.IsNaN(n) && !math.IsInf(n, 0) && math.Abs(n) < 1<<63 {
			return int64(n), nil
		}
	}
	return 0, fmt.Errorf("read value %v is not a number that fits a long", v)
}
