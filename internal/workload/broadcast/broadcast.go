// Package broadcast is Maelstrom's broadcast workload: clients broadcast
// unique integers to any node and read back the set a node has seen; every
// broadcast value must eventually show up in every node's reads. Setup
// gives each node its neighbours in a named topology, and the history is
// judged by set-full with :broadcast as the add.
package broadcast

import (
	"context"
	"fmt"

	"github.com/glomers/glomers/internal/checker"
	"github.com/glomers/glomers/internal/checker/setfull"
	"github.com/glomers/glomers/internal/history"
	"github.com/glomers/glomers/internal/jsonvalue"
	"github.com/glomers/glomers/internal/message"
	"github.com/glomers/glomers/internal/workload"
)

// The workload's functions.
const (
	FBroadcast history.Keyword = "broadcast"
	FRead      history.Keyword = "read"
)

var replySchemas = map[string]workload.Schema{
	"broadcast": {Type: "broadcast_ok"},
	"read":      {Type: "read_ok", Fields: map[string]workload.Field{"messages": workload.ListField}},
	"topology":  {Type: "topology_ok"},
}

// Workload returns the broadcast workload.
func Workload() *workload.Workload {
	return &workload.Workload{
		Name:         "broadcast",
		Idempotent:   map[history.Keyword]bool{FRead: true},
		Setup:        SetupNode,
		Generator:    Generator,
		Final:        Final,
		ReplySchemas: replySchemas,
		Invoke:       Invoke,
		Check: func(h []history.Op, _ workload.Options) checker.Result {
			return setfull.Check(h, FBroadcast)
		},
	}
}

// SetupNode sends node its neighbours in the topology o.Topology over
// o.Nodes and waits for topology_ok.
func SetupNode(ctx context.Context, o workload.Options, node string, call workload.RPC) error {
	topo, err := Topology(o.Topology, o.Nodes)
	if err != nil {
		return err
	}
	m := make(map[string]any, len(topo))
	for id, ns := range topo {
		m[id] = ns
	}
	reply, err := call(ctx, message.Body{"type": "topology", "topology": m})
	if err != nil {
		return fmt.Errorf("topology: %w", err)
	}
	if reply.Type() != "topology_ok" {
		return fmt.Errorf("topology: expected topology_ok, got %s", jsonvalue.Text(reply))
	}
	return nil
}

// Generator mixes, uniformly at random, broadcasts of 0, 1, 2, … (unique
// and increasing across all threads) with reads.
func Generator(o workload.Options) workload.Generator {
	return workload.AddsAndReads(o, FBroadcast, FRead)
}

// Final is each thread's final phase: one read marked :final?.
func Final(workload.Options, int) []history.Op {
	return []history.Op{{F: FRead, Final: true}}
}

// Invoke performs a broadcast or a read. An ok read's value is the list of
// messages the node returned, sorted.
func Invoke(ctx context.Context, call workload.RPC, op history.Op) (history.Op, error) {
	switch op.F {
	case FBroadcast:
		if _, err := call(ctx, message.Body{"type": "broadcast", "message": op.Value}); err != nil {
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
		op.Value = workload.SortedSeq(reply["messages"])
		return op, nil
	}
	return op, fmt.Errorf("broadcast: unknown function %q", op.F)
}
