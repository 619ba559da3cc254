// Package gset is Maelstrom's g-set workload: clients add unique,
// increasing elements to a grow-only set and read it back; set-full judges
// whether every acknowledged add eventually shows up in every read.
package gset

import (
	"context"
	"fmt"

	"github.com/glomers/glomers/internal/checker"
	"github.com/glomers/glomers/internal/checker/setfull"
	"github.com/glomers/glomers/internal/history"
	"github.com/glomers/glomers/internal/message"
	"github.com/glomers/glomers/internal/workload"
)

// The workload's functions.
const (
	FAdd  history.Keyword = "add"
	FRead history.Keyword = "read"
)

var replySchemas = map[string]workload.Schema{
	"add":  {Type: "add_ok"},
	"read": {Type: "read_ok", Fields: map[string]workload.Field{"value": workload.ListField}},
}

// Workload returns the g-set workload. Like Maelstrom's, it maps no RPC
// errors: every timeout or error reply is an indeterminate :info.
func Workload() *workload.Workload {
	return &workload.Workload{
		Name:           "g-set",
		Idempotent:     map[history.Keyword]bool{},
		NoErrorMapping: true,
		Generator:      Generator,
		Final:          Final,
		ReplySchemas:   replySchemas,
		Invoke:         Invoke,
		Check: func(h []history.Op, _ workload.Options) checker.Result {
			return setfull.Check(h, FAdd)
		},
	}
}

// Generator mixes, uniformly at random, adds of 0, 1, 2, … (unique and
// increasing across all threads) with reads.
func Generator(o workload.Options) workload.Generator {
	return workload.AddsAndReads(o, FAdd, FRead)
}

// Final is each thread's final phase: one read (Maelstrom's g-set marks it
// with no :final?).
func Final(workload.Options, int) []history.Op {
	return []history.Op{{F: FRead}}
}

// Invoke performs an add or a read; an ok read's value is the set's
// elements, sorted.
func Invoke(ctx context.Context, call workload.RPC, op history.Op) (history.Op, error) {
	switch op.F {
	case FAdd:
		if _, err := call(ctx, message.Body{"type": "add", "element": op.Value}); err != nil {
			return op, err
		}
		op.Type = history.OK
		return op, nil
	case FRead:
		reply, err := call(ctx, message.Body{"type": "read"})
		if err != nil {
			return op, err
		}
		op.Type = history.OK
		op.Value = workload.SortedSeq(reply["value"])
		return op, nil
	}
	return op, fmt.Errorf("g-set: unknown function %q", op.F)
}
