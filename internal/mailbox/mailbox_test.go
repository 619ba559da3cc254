package mailbox

import (
	"reflect"
	"sync"
	"testing"
)

func TestOrderAndSignal(t *testing.T) {
	m := New[int]()
	if got := m.TakeAll(); got != nil {
		t.Fatalf("empty mailbox gave %v", got)
	}
	for i := range 3 {
		m.Put(i)
	}
	<-m.Ready()
	if got := m.TakeAll(); !reflect.DeepEqual(got, []int{0, 1, 2}) {
		t.Errorf("TakeAll = %v, want [0 1 2]", got)
	}
}

func TestConcurrentPuts(t *testing.T) {
	m := New[int]()
	var wg sync.WaitGroup
	for g := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 1000 {
				m.Put(g*1000 + i)
			}
		}()
	}
	wg.Wait()
	if n := len(m.TakeAll()); n != 4000 {
		t.Errorf("took %d items, want 4000", n)
	}
}
