// Package mailbox is an unbounded queue between goroutines: Put never
// blocks, so the network's delivery loop can hand messages to slow
// receivers without stalling.
package mailbox

import "sync"

// Mailbox holds items until they are taken. The zero value is not usable;
// call New.
type Mailbox[T any] struct {
	mu      sync.Mutex
	items   []T
	waiting chan struct{}
}

// New returns an empty mailbox.
func New[T any]() *Mailbox[T] {
	return &Mailbox[T]{waiting: make(chan struct{}, 1)}
}

// Put adds an item. It never blocks.
func (m *Mailbox[T]) Put(item T) {
	m.mu.Lock()
	m.items = append(m.items, item)
	m.mu.Unlock()
	select {
	case m.waiting <- struct{}{}:
	default:
	}
}

// Ready is signalled after a Put; take the items with TakeAll.
func (m *Mailbox[T]) Ready() <-chan struct{} { return m.waiting }

// TakeAll removes and returns every item, oldest first.
func (m *Mailbox[T]) TakeAll() []T {
	m.mu.Lock()
	defer m.mu.Unlock()
	items := m.items
	m.items = nil
	return items
}
