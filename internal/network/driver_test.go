package network

import (
	"testing"
	"time"

	"github.com/glomers/glomers/internal/message"
)

func TestDriverDeliversAfterLatency(t *testing.T) {
	const latency = 50 * time.Millisecond
	d := NewDriver(New(Latency{Mean: latency, Dist: Constant}, newRand(7)), time.Now())
	defer d.Close()

	got := make(chan time.Time, 10)
	d.Register("n1", func(message.Message) {})
	d.Register("n2", func(message.Message) { got <- time.Now() })
	var sent []message.Message
	d.OnSend(func(m message.Message) { sent = append(sent, m) })

	start := time.Now()
	m, err := d.Send(message.New("n1", "n2", message.Body{"type": "ping"}))
	if err != nil {
		t.Fatalf("Send: %v", err)
	}
	select {
	case at := <-got:
		if el := at.Sub(start); el < latency || el > 500*time.Millisecond {
			t.Errorf("delivered after %v, want between %v and 500ms", el, latency)
		}
	case <-time.After(2 * time.Second):
		t.Fatal("message not delivered within 2s")
	}
	if len(sent) != 1 || sent[0].ID != m.ID {
		t.Errorf("OnSend saw %v, want the one message sent", sent)
	}
	if _, err := d.Send(message.New("n1", "n9", message.Body{})); err == nil {
		t.Error("Send to an unregistered id accepted")
	}
	j := d.Journal()
	if len(j) != 2 || j[0].Type != Send || j[1].Type != Recv {
		t.Errorf("journal = %+v, want one send and one recv", j)
	}
}

func TestDriverPartitionAndClose(t *testing.T) {
	d := NewDriver(New(Latency{Mean: 20 * time.Millisecond, Dist: Constant}, newRand(8)), time.Now())
	got := make(chan string, 10)
	for _, id := range []string{"n1", "n2"} {
		d.Register(id, func(m message.Message) { got <- m.Src + "->" + m.Dest })
	}
	d.Partition(map[string][]string{"n2": {"n1"}})
	d.Send(message.New("n1", "n2", message.Body{}))
	d.Send(message.New("n2", "n1", message.Body{}))
	select {
	case s := <-got:
		if s != "n2->n1" {
			t.Fatalf("delivered %s across the partition", s)
		}
	case <-time.After(time.Second):
		t.Fatal("n2->n1 not delivered")
	}
	d.Heal()
	d.Send(message.New("n1", "n2", message.Body{}))
	select {
	case s := <-got:
		if s != "n1->n2" {
			t.Fatalf("delivered %s, want n1->n2 after heal", s)
		}
	case <-time.After(time.Second):
		t.Fatal("n1->n2 not delivered after heal")
	}

	// After Close nothing more is delivered, and Close is idempotent.
	d.Send(message.New("n1", "n2", message.Body{}))
	d.Close()
	d.Close()
	select {
	case s := <-got:
		t.Errorf("delivered %s after Close", s)
	case <-time.After(50 * time.Millisecond):
	}
}
