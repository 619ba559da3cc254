// Package netstats is Maelstrom's :net checker: message counts over the
// network journal, split into client traffic and server traffic
// (node-to-node and node-to-service), with messages per operation.
package netstats

import (
	"github.com/glomers/glomers/internal/checker"
	"github.com/glomers/glomers/internal/history"
	"github.com/glomers/glomers/internal/message"
	"github.com/glomers/glomers/internal/network"
)

// Counts are the statistics of one set of journal events.
type Counts struct {
	SendCount int `edn:"send-count" json:"send-count"`
	RecvCount int `edn:"recv-count" json:"recv-count"`
	// MsgCount is the number of distinct messages sent or received.
	MsgCount int `edn:"msg-count" json:"msg-count"`
	// MsgsPerOp is MsgCount over client invocations; absent for clients
	// and when there were no invocations.
	MsgsPerOp *float64 `edn:"msgs-per-op,omitempty" json:"msgs-per-op,omitempty"`
}

// Result is the :net result.
type Result struct {
	All     Counts           `edn:"all" json:"all"`
	Clients Counts           `edn:"clients" json:"clients"`
	Servers Counts           `edn:"servers" json:"servers"`
	Valid   checker.Validity `edn:"valid?" json:"valid"`
}

// Validity returns Valid: message counts are information, not a verdict.
func (r Result) Validity() checker.Validity { return r.Valid }

// Check counts journal's events. An event is client traffic when its source
// or destination is a client; all else is server traffic.
func Check(journal []network.Event, h []history.Op) Result {
	var all, clients, servers tally
	for _, e := range journal {
		all.add(e)
		if message.IsClient(e.Message.Src) || message.IsClient(e.Message.Dest) {
			clients.add(e)
		} else {
			servers.add(e)
		}
	}
	ops := 0
	for _, op := range h {
		if op.Type == history.Invoke && op.IsClient() {
			ops++
		}
	}
	r := Result{All: all.counts(ops), Clients: clients.counts(0), Servers: servers.counts(ops), Valid: checker.Valid}
	return r
}

type tally struct {
	sends, recvs int
	ids          map[int64]bool
}

func (t *tally) add(e network.Event) {
	if t.ids == nil {
		t.ids = map[int64]bool{}
	}
	t.ids[e.Message.ID] = true
	if e.Type == network.Send {
		t.sends++
	} else {
		t.recvs++
	}
}

func (t tally) counts(ops int) Counts {
	c := Counts{SendCount: t.sends, RecvCount: t.recvs, MsgCount: len(t.ids)}
	if ops > 0 {
		per := float64(c.MsgCount) / float64(ops)
		c.MsgsPerOp = &per
	}
	return c
}
