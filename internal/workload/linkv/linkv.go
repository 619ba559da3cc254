// Package linkv is Maelstrom's lin-kv workload, Jepsen's linearizable
// register test over independent keys: clients read, write and
// compare-and-set integer keys, and each key's history must be
// linearizable for a cas register.
package linkv

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/glomers/glomers/internal/checker"
	"github.com/glomers/glomers/internal/checker/linearizable"
	"github.com/glomers/glomers/internal/history"
	"github.com/glomers/glomers/internal/message"
	"github.com/glomers/glomers/internal/workload"
)

// The workload's functions.
const (
	FRead  = linearizable.Read
	FWrite = linearizable.Write
	FCAS   = linearizable.CAS
)

// MinTimeout is the shortest RPC timeout: lin-kv clients wait
// max(10 × mean latency, MinTimeout) for each reply.
const MinTimeout = time.Second

var replySchemas = map[string]workload.Schema{
	"read":  {Type: "read_ok", Fields: map[string]workload.Field{"value": workload.AnyField}},
	"write": {Type: "write_ok"},
	"cas":   {Type: "cas_ok"},
}

// Workload returns the lin-kv workload. Its generator learns of each
// completion (workload.Updater) to follow the threads' processes.
func Workload() *workload.Workload {
	return &workload.Workload{
		Name:           "lin-kv",
		Idempotent:     map[history.Keyword]bool{FRead: true},
		ReusableClient: true,
		Validate:       Validate,
		RPCTimeout: func(o workload.Options) time.Duration {
			return max(10*o.Latency, MinTimeout)
		},
		Generator: func(o workload.Options) workload.Generator {
			return newGenerator(o)
		},
		ReplySchemas: replySchemas,
		Invoke:       invoke,
		Check: func(h []history.Op, _ workload.Options) checker.Result {
			return linearizable.Check(h, linearizable.DefaultTimeout)
		},
	}
}

// Validate requires a concurrency that is a positive multiple of twice the
// node count, as Jepsen's independent generator asserts.
func Validate(o workload.Options) error {
	n := len(o.Nodes)
	if n == 0 {
		return errors.New("lin-kv needs at least one node")
	}
	if o.Concurrency <= 0 || o.Concurrency%(2*n) != 0 {
		return fmt.Errorf("lin-kv needs --concurrency to be a multiple of 2n (2 × %d nodes = %d), got %d", n, 2*n, o.Concurrency)
	}
	return nil
}

// invoke sends op, whose value is [key value], as a read, write or cas
// request and completes it: a read's value becomes [key read-value].
func invoke(ctx context.Context, call workload.RPC, op history.Op) (history.Op, error) {
	t, ok := op.Value.([]any)
	if !ok || len(t) != 2 {
		return op, fmt.Errorf("lin-kv: invocation value %v is not [key value]", op.Value)
	}
	k, v := t[0], t[1]
	var req message.Body
	switch op.F {
	case FRead:
		req = message.Body{"type": "read", "key": k}
	case FWrite:
		req = message.Body{"type": "write", "key": k, "value": v}
	case FCAS:
		ft, ok := v.([]any)
		if !ok || len(ft) != 2 {
			return op, fmt.Errorf("lin-kv: cas value %v is not [from to]", v)
		}
		req = message.Body{"type": "cas", "key": k, "from": ft[0], "to": ft[1]}
	default:
		return op, fmt.Errorf("lin-kv: unknown function %v", op.F)
	}
	reply, err := call(ctx, req)
	if err != nil {
		return op, err
	}
	op.Type = history.OK
	if op.F == FRead {
		op.Value = []any{k, reply["value"]}
	}
	return op, nil
}
