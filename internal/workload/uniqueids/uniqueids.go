// Package uniqueids is Maelstrom's unique-ids workload: clients ask nodes
// for IDs, and every acknowledged ID must be distinct.
package uniqueids

import (
	"context"

	"github.com/glomers/glomers/internal/checker"
	uniqueidschecker "github.com/glomers/glomers/internal/checker/uniqueids"
	"github.com/glomers/glomers/internal/history"
	"github.com/glomers/glomers/internal/message"
	"github.com/glomers/glomers/internal/workload"
)

// FGenerate is the workload's only function.
const FGenerate history.Keyword = "generate"

var replySchema = workload.Schema{Type: "generate_ok", Fields: map[string]workload.Field{"id": workload.AnyField}}

// Workload returns the unique-ids workload.
func Workload() *workload.Workload {
	return &workload.Workload{
		Name:           "unique-ids",
		Idempotent:     map[history.Keyword]bool{},
		ReusableClient: true,
		Generator: func(workload.Options) workload.Generator {
			return workload.GeneratorFunc(func(int) (history.Op, bool) {
				return history.Op{F: FGenerate}, true
			})
		},
		Invoke: func(ctx context.Context, call workload.RPC, op history.Op) (history.Op, error) {
			reply, err := call(ctx, message.Body{"type": "generate"})
			if err != nil {
				return op, err
			}
			op.Type = history.OK
			op.Value = reply["id"]
			return op, nil
		},
		ReplySchemas: map[string]workload.Schema{"generate": replySchema},
		Check: func(h []history.Op, _ workload.Options) checker.Result {
			return uniqueidschecker.Check(h)
		},
	}
}
