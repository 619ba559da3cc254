// Package network simulates Maelstrom's network: every message gets a
// network-wide id, a delivery deadline drawn from the latency distribution
// (zero when a client is involved), and is delivered in deadline order
// unless a partition makes its receiver drop it. Every send and every
// receipt is journaled: a receipt when the message is delivered, or, for a
// receiver registered with RegisterQueued (a node), when the receiver
// reports that it was handed over (Received), as Maelstrom journals a
// receive when a node's stdin writer takes the message from its queue.
//
// Network is a plain state machine with no goroutines and no clock of its
// own: callers pass the current time. Driver runs it in real time.
package network

import (
	"container/heap"
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/glomers/glomers/internal/message"
)

// EventType tells a send from a delivery in the journal.
type EventType string

// Journal event types.
const (
	Send EventType = "send"
	Recv EventType = "recv"
)

// Event is one journal entry. Time counts from the start of the test.
type Event struct {
	ID      int64           `json:"id"`
	Time    time.Duration   `json:"time"`
	Type    EventType       `json:"type"`
	Message message.Message `json:"message"`
}

// Network holds the registered ids, the messages in flight and the
// partition table.
type Network struct {
	latency    Latency
	rng        *rand.Rand
	registered map[string]bool
	queued     map[string]bool // receivers that journal their own receipts
	inFlight   queue
	drops      map[string]map[string]bool // receiver -> senders it drops
	down       map[string]map[string]bool // node that is down -> senders it still hears
	nextMsgID  int64
	seq        int64
	events     int64
	journal    []Event
	// sink, if set, takes every event instead of journal.
	sink func(Event)
}

// New returns an empty network whose latencies come from lat and rng.
func New(lat Latency, rng *rand.Rand) *Network {
	return &Network{
		latency:    lat,
		rng:        rng,
		registered: map[string]bool{},
		queued:     map[string]bool{},
		drops:      map[string]map[string]bool{},
		down:       map[string]map[string]bool{},
	}
}

// UnknownIDError is a message whose src or dest is not on the network.
type UnknownIDError struct {
	Field string // "src" or "dest"
	ID    string
}

func (e *UnknownIDError) Error() string {
	if e.Field == "src" {
		return fmt.Sprintf("invalid source %q: no such node, client or service is on the network", e.ID)
	}
	return fmt.Sprintf("invalid destination %q: no such node, client or service is on the network (a reply to a client that already timed out or was closed?)", e.ID)
}

// Register makes id a valid source and destination.
func (n *Network) Register(id string) { n.registered[id] = true }

// RegisterQueued registers id as a receiver with a queue of its own: a
// message delivered to it is journaled as received only when Received is
// called for it.
func (n *Network) RegisterQueued(id string) {
	n.registered[id] = true
	n.queued[id] = true
}

// Deregister removes id; messages still in flight to it are dropped.
func (n *Network) Deregister(id string) {
	delete(n.registered, id)
	delete(n.queued, id)
}

// Received journals at now that m, delivered to a RegisterQueued
// receiver, was handed over to it.
func (n *Network) Received(now time.Duration, m message.Message) { n.record(now, Recv, m) }

// Registered reports whether id is currently on the network.
func (n *Network) Registered(id string) bool { return n.registered[id] }

// Send puts m on the network at time now. It assigns the message its
// network id, which the returned copy carries. Both ends must be
// registered.
func (n *Network) Send(now time.Duration, m message.Message) (message.Message, error) {
	switch {
	case m.Src == "" || !n.registered[m.Src]:
		return m, &UnknownIDError{Field: "src", ID: m.Src}
	case m.Dest == "" || !n.registered[m.Dest]:
		return m, &UnknownIDError{Field: "dest", ID: m.Dest}
	}
	m.ID = n.nextMsgID
	n.nextMsgID++
	var delay time.Duration
	if !message.IsClient(m.Src) && !message.IsClient(m.Dest) {
		delay = n.latency.Draw(n.rng)
	}
	n.record(now, Send, m)
	n.seq++
	heap.Push(&n.inFlight, pending{deadline: now + delay, seq: n.seq, msg: m})
	return m, nil
}

// NextDeadline returns when the earliest message in flight is due.
func (n *Network) NextDeadline() (time.Duration, bool) {
	if len(n.inFlight) == 0 {
		return 0, false
	}
	return n.inFlight[0].deadline, true
}

// Deliver removes every message due by now, in deadline order (ties in
// send order), and returns those that reach their receiver. A message is
// dropped when, at its deadline, its receiver holds a grudge against its
// sender, its receiver is down, or its receiver has left the network.
// Delivered messages are journaled as received, except those to
// RegisterQueued receivers, which journal their own receipts.
func (n *Network) Deliver(now time.Duration) []message.Message {
	var out []message.Message
	for len(n.inFlight) > 0 && n.inFlight[0].deadline <= now {
		p := heap.Pop(&n.inFlight).(pending)
		m := p.msg
		if !n.registered[m.Dest] || n.drops[m.Dest][m.Src] {
			continue
		}
		if heard, down := n.down[m.Dest]; down && !heard[m.Src] {
			continue
		}
		if !n.queued[m.Dest] {
			n.record(p.deadline, Recv, m)
		}
		out = append(out, m)
	}
	return out
}

// Partition makes each receiver in grudge drop messages from the listed
// senders, in addition to any partition already in place.
func (n *Network) Partition(grudge map[string][]string) {
	for dest, srcs := range grudge {
		if n.drops[dest] == nil {
			n.drops[dest] = map[string]bool{}
		}
		for _, s := range srcs {
			n.drops[dest][s] = true
		}
	}
}

// Down marks id as down (a killed node): every message due to it is
// dropped at delivery, like a partition, except those from the senders in
// except (the client that sends a restarted node its init). id stays a
// valid destination, so its peers' sends are not refused.
func (n *Network) Down(id string, except ...string) {
	heard := map[string]bool{}
	for _, s := range except {
		heard[s] = true
	}
	n.down[id] = heard
}

// Up ends Down: id receives messages again.
func (n *Network) Up(id string) { delete(n.down, id) }

// Heal removes every partition.
func (n *Network) Heal() { n.drops = map[string]map[string]bool{} }

// Journal returns every event so far, in order, when no sink is set.
func (n *Network) Journal() []Event { return n.journal }

// JournalTo hands every later event to sink (which may write it to a
// file) instead of keeping it in memory; nil keeps events in memory again.
func (n *Network) JournalTo(sink func(Event)) { n.sink = sink }

func (n *Network) record(t time.Duration, typ EventType, m message.Message) {
	e := Event{ID: n.events, Time: t, Type: typ, Message: m}
	n.events++
	if n.sink != nil {
		n.sink(e)
		return
	}
	n.journal = append(n.journal, e)
}

type pending struct {
	deadline time.Duration
	seq      int64
	msg      message.Message
}

type queue []pending

func (q queue) Len() int { return len(q) }
func (q queue) Less(i, j int) bool {
	if q[i].deadline != q[j].deadline {
		return q[i].deadline < q[j].deadline
	}
	return q[i].seq < q[j].seq
}
func (q queue) Swap(i, j int) { q[i], q[j] = q[j], q[i] }
func (q *queue) Push(x any)   { *q = append(*q, x.(pending)) }
func (q *queue) Pop() any {
	old := *q
	p := old[len(old)-1]
	*q = old[:len(old)-1]
	return p
}
