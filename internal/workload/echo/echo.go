// Package echo is Maelstrom's echo workload: every request carries a
// string that the node must send back unchanged.
package echo

import (
	"context"
	"fmt"

	"github.com/glomers/glomers/internal/checker"
	echochecker "github.com/glomers/glomers/internal/checker/echo"
	"github.com/glomers/glomers/internal/history"
	"github.com/glomers/glomers/internal/message"
	"github.com/glomers/glomers/internal/workload"
)

var replySchema = workload.Schema{Type: "echo_ok", Fields: map[string]workload.Field{"echo": workload.AnyField}}

// Workload returns the echo workload.
func Workload() *workload.Workload {
	return &workload.Workload{
		Name:       "echo",
		Idempotent: map[history.Keyword]bool{},
		Generator: func(o workload.Options) workload.Generator {
			return workload.GeneratorFunc(func(int) (history.Op, bool) {
				return history.Op{F: "echo", Value: fmt.Sprintf("Please echo %d", o.Rand.IntN(128))}, true
			})
		},
		Invoke: func(ctx context.Context, call workload.RPC, op history.Op) (history.Op, error) {
			req := message.Body{"type": "echo", "echo": op.Value}
			reply, err := call(ctx, req)
			if err != nil {
				return op, err
			}
			op.Type = history.OK
			op.Value = workload.Keywordize(reply)
			return op, nil
		},
		ReplySchemas: map[string]workload.Schema{"echo": replySchema},
		Check: func(h []history.Op, _ workload.Options) checker.Result {
			return echochecker.Check(h)
		},
	}
}
