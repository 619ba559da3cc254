package network

import (
	"sync"
	"time"

	"github.com/glomers/glomers/internal/message"
)

// Handler receives messages delivered to one id. It must not block: it is
// called from the driver's delivery loop.
type Handler = func(message.Message)

// Driver runs a Network in real time: it delivers each message to its
// receiver's handler when the message's deadline passes. It is safe for
// concurrent use.
type Driver struct {
	mu       sync.Mutex
	net      *Network
	start    time.Time
	handlers map[string]Handler
	wake     chan struct{}
	done     chan struct{}
	stopped  chan struct{}
	onSend   func(message.Message)
}

// NewDriver starts delivering messages of net. Times passed to net count
// from start. Stop it with Close.
func NewDriver(net *Network, start time.Time) *Driver {
	d := &Driver{
		net:      net,
		start:    start,
		handlers: map[string]Handler{},
		wake:     make(chan struct{}, 1),
		done:     make(chan struct{}),
		stopped:  make(chan struct{}),
	}
	go d.loop()
	return d
}

// OnSend sets a function called with every message accepted by Send, in
// network order (for --log-net-send).
func (d *Driver) OnSend(f func(message.Message)) {
	d.mu.Lock()
	d.onSend = f
	d.mu.Unlock()
}

// Now returns the time since the start of the test.
func (d *Driver) Now() time.Duration { return time.Since(d.start) }

// Register puts id on the network with the handler for its messages.
func (d *Driver) Register(id string, h Handler) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.net.Register(id)
	d.handlers[id] = h
}

// RegisterQueued puts id on the network as a receiver with a queue of its
// own (a node's stdin): h is handed each message when it is due, and the
// receiver calls Received when the message leaves its queue.
func (d *Driver) RegisterQueued(id string, h Handler) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.net.RegisterQueued(id)
	d.handlers[id] = h
}

// Received journals, now, that m left its receiver's queue.
func (d *Driver) Received(m message.Message) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.net.Received(d.Now(), m)
}

// Deregister takes id off the network.
func (d *Driver) Deregister(id string) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.net.Deregister(id)
	delete(d.handlers, id)
}

// Send puts m on the network and returns it with its network id.
func (d *Driver) Send(m message.Message) (message.Message, error) {
	d.mu.Lock()
	m, err := d.net.Send(d.Now(), m)
	f := d.onSend
	d.mu.Unlock()
	if err != nil {
		return m, err
	}
	if f != nil {
		f(m)
	}
	select {
	case d.wake <- struct{}{}:
	default:
	}
	return m, nil
}

// Partition adds a grudge: each receiver drops messages from the senders
// listed for it.
func (d *Driver) Partition(grudge map[string][]string) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.net.Partition(grudge)
}

// Down drops every message due to id from now on, except those from the
// senders in except, until Up.
func (d *Driver) Down(id string, except ...string) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.net.Down(id, except...)
}

// Up delivers messages to id again.
func (d *Driver) Up(id string) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.net.Up(id)
}

// Heal removes all partitions.
func (d *Driver) Heal() {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.net.Heal()
}

// JournalTo streams every later event to j instead of keeping it in
// memory (see Network.JournalTo).
func (d *Driver) JournalTo(j *JournalWriter) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.net.JournalTo(j.Write)
}

// EndJournal stops journaling: later events are dropped, so that the
// journal a test is judged on does not change while it is read.
func (d *Driver) EndJournal() {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.net.JournalTo(func(Event) {})
}

// Journal returns a copy of the events so far.
func (d *Driver) Journal() []Event {
	d.mu.Lock()
	defer d.mu.Unlock()
	return append([]Event(nil), d.net.Journal()...)
}

// Close stops delivering; messages still in flight are never delivered.
func (d *Driver) Close() {
	select {
	case <-d.done:
	default:
		close(d.done)
	}
	<-d.stopped
}

func (d *Driver) loop() {
	defer close(d.stopped)
	timer := time.NewTimer(time.Hour)
	defer timer.Stop()
	for {
		d.mu.Lock()
		msgs := d.net.Deliver(d.Now())
		type delivery struct {
			h Handler
			m message.Message
		}
		out := make([]delivery, 0, len(msgs))
		for _, m := range msgs {
			if h := d.handlers[m.Dest]; h != nil {
				out = append(out, delivery{h, m})
			}
		}
		next, ok := d.net.NextDeadline()
		d.mu.Unlock()
		for _, o := range out {
			o.h(o.m)
		}
		wait := time.Hour
		if ok {
			wait = max(next-d.Now(), 0)
		}
		timer.Reset(wait)
		select {
		case <-d.done:
			return
		case <-d.wake:
		case <-timer.C:
		}
	}
}
