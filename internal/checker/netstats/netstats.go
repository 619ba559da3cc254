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

// Check counts journal's events (none if journal is nil). An event is client traffic when its source
// or destination is a client; all else is server traffic.
func Check(journal network.Events, h []history.Op) Result {
	var all, clients, servers tally
	if journal == nil {
		journal = network.SliceEvents(nil)
	}
	for e := range journal {
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

// tally counts events, and distinct messages in a bitset of their ids
// (network ids are dense from 0), so that counting a long journal needs a
// bit per message.
type tally struct {
	sends, recvs int
	ids          []uint64
	distinct     int
}

func (t *tally) add(e network.Event) {
	if id := e.Message.ID; id >= 0 {
		w, bit := id/64, uint64(1)<<(id%64)
		for int64(len(t.ids)) <= w {
			t.ids = append(t.ids, 0)
		}
		if t.ids[w]&bit == 0 {
			t.ids[w] |= bit
			t.distinct++
		}
	}
	if e.Type == network.Send {
		t.sends++
	} else {
		t.recvs++
	}
}

func (t tally) counts(ops int) Counts {
	c := Counts{SendCount: t.sends, RecvCount: t.recvs, MsgCount: t.distinct}
	if ops > 0 {
		per := float64(c.MsgCount) / float64(ops)
		c.MsgsPerOp = &per
	}
	return c
}
