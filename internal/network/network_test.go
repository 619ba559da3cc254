package network

import (
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/glomers/glomers/internal/message"
)

const ms = time.Millisecond

// newNet returns a network with the given latency and ids registered.
func newNet(lat Latency, ids ...string) *Network {
	n := New(lat, newRand(42))
	for _, id := range ids {
		n.Register(id)
	}
	return n
}

// send puts a message with body {"type":"t","n":seq} on the network.
func send(t *testing.T, n *Network, now time.Duration, src, dest string, seq int) message.Message {
	t.Helper()
	m, err := n.Send(now, message.New(src, dest, message.Body{"type": "t", "n": seq}))
	if err != nil {
		t.Fatalf("Send(%s -> %s): %v", src, dest, err)
	}
	return m
}

// seqs returns the "n" field of each message body.
func seqs(t *testing.T, msgs []message.Message) []int64 {
	t.Helper()
	out := []int64{}
	for _, m := range msgs {
		b, err := m.DecodeBody()
		if err != nil {
			t.Fatalf("decode body %s: %v", m.Body, err)
		}
		v, _ := b.Int("n")
		out = append(out, v)
	}
	return out
}

func TestSendAssignsIDs(t *testing.T) {
	n := newNet(Latency{}, "n1", "n2")
	for want := range int64(5) {
		if m := send(t, n, 0, "n1", "n2", 0); m.ID != want {
			t.Errorf("message %d got id %d", want, m.ID)
		}
	}
}

func TestClientLatency(t *testing.T) {
	tests := []struct {
		src, dest string
		want      time.Duration
	}{
		{"c1", "n1", 0},
		{"n1", "c1", 0},
		{"c12", "lin-kv", 0},
		{"n1", "n2", 100 * ms},
		{"n1", "lin-kv", 100 * ms},
		{"lin-kv", "n2", 100 * ms},
	}
	for _, tt := range tests {
		n := newNet(Latency{Mean: 100 * ms, Dist: Constant}, "c1", "c12", "n1", "n2", "lin-kv")
		send(t, n, 7*ms, tt.src, tt.dest, 0)
		got, ok := n.NextDeadline()
		if !ok || got != 7*ms+tt.want {
			t.Errorf("%s -> %s: deadline %v, %v; want %v", tt.src, tt.dest, got, ok, 7*ms+tt.want)
		}
	}
}

func TestDeliverNothingEarly(t *testing.T) {
	n := newNet(Latency{Mean: 50 * ms, Dist: Constant}, "n1", "n2")
	if _, ok := n.NextDeadline(); ok {
		t.Error("NextDeadline on an empty network reports a message")
	}
	send(t, n, 10*ms, "n1", "n2", 1)
	if got := n.Deliver(59 * ms); len(got) != 0 {
		t.Fatalf("Deliver before the deadline returned %d messages", len(got))
	}
	if got := seqs(t, n.Deliver(60*ms)); !slices.Equal(got, []int64{1}) {
		t.Fatalf("Deliver at the deadline = %v, want [1]", got)
	}
	if got := n.Deliver(time.Hour); len(got) != 0 {
		t.Fatalf("message delivered twice: %v", got)
	}
}

func TestDeliverTiesInSendOrder(t *testing.T) {
	n := newNet(Latency{Mean: 5 * ms, Dist: Constant}, "n1", "n2", "n3", "c1")
	// All due at 5ms: the client message is sent at 5ms with no latency,
	// the others at 0 with 5ms.
	send(t, n, 0, "n1", "n3", 0)
	send(t, n, 0, "n2", "n3", 1)
	send(t, n, 0, "n1", "n2", 2)
	send(t, n, 0, "n2", "n3", 3)
	send(t, n, 5*ms, "c1", "n3", 4)
	if got := seqs(t, n.Deliver(5*ms)); !slices.Equal(got, []int64{0, 1, 2, 3, 4}) {
		t.Errorf("delivery order = %v, want send order [0 1 2 3 4]", got)
	}
}

func TestConstantLatencyIsFIFO(t *testing.T) {
	n := newNet(Latency{Mean: 30 * ms, Dist: Constant}, "n1", "n2", "n3")
	var got []int64
	for i := range 200 {
		now := time.Duration(i) * ms
		src := []string{"n1", "n2"}[i%2]
		send(t, n, now, src, "n3", i)
		got = append(got, seqs(t, n.Deliver(now))...)
	}
	got = append(got, seqs(t, n.Deliver(time.Hour))...)
	if len(got) != 200 {
		t.Fatalf("delivered %d messages, want 200", len(got))
	}
	for i, v := range got {
		if v != int64(i) {
			t.Fatalf("delivery %d is message %d: constant latency must keep send order", i, v)
		}
	}
}

func TestUniformLatencyReorders(t *testing.T) {
	n := newNet(Latency{Mean: 100 * ms, Dist: Uniform}, "n1", "n2")
	for i := range 100 {
		send(t, n, time.Duration(i)*ms, "n1", "n2", i)
	}
	got := seqs(t, n.Deliver(time.Hour))
	if len(got) != 100 {
		t.Fatalf("delivered %d messages, want 100", len(got))
	}
	if slices.IsSorted(got) {
		t.Error("uniform latency delivered 100 messages in send order; expected some reordering")
	}
	// Deliveries still come in deadline order.
	var last time.Duration
	for _, e := range n.Journal() {
		if e.Type != Recv {
			continue
		}
		if e.Time < last {
			t.Fatalf("recv at %v after recv at %v", e.Time, last)
		}
		last = e.Time
	}
}

func TestPartitions(t *testing.T) {
	type step struct {
		at     time.Duration
		do     string // "send", "partition", "heal", "down", "up", "deliver"
		node   string // for down and up
		except []string
		src    string
		dest   string
		seq    int
		grudge map[string][]string
	}
	tests := []struct {
		name  string
		steps []step
		want  []int64 // delivered, by seq
	}{
		{
			name: "sent before partition, due after: dropped",
			steps: []step{
				{at: 0, do: "send", src: "n1", dest: "n2", seq: 1},
				{at: 50 * ms, do: "partition", grudge: map[string][]string{"n2": {"n1"}}},
			},
			want: []int64{},
		},
		{
			name: "delivered before the partition",
			steps: []step{
				{at: 0, do: "send", src: "n1", dest: "n2", seq: 1},
				{at: 100 * ms, do: "deliver"},
				{at: 150 * ms, do: "partition", grudge: map[string][]string{"n2": {"n1"}}},
			},
			want: []int64{1},
		},
		{
			name: "one-way grudge",
			steps: []step{
				{at: 0, do: "partition", grudge: map[string][]string{"n2": {"n1"}}},
				{at: 0, do: "send", src: "n1", dest: "n2", seq: 1},
				{at: 0, do: "send", src: "n2", dest: "n1", seq: 2},
				{at: 0, do: "send", src: "n3", dest: "n2", seq: 3},
			},
			want: []int64{2, 3},
		},
		{
			name: "partitions accumulate",
			steps: []step{
				{at: 0, do: "partition", grudge: map[string][]string{"n2": {"n1"}}},
				{at: 0, do: "partition", grudge: map[string][]string{"n2": {"n3"}, "n1": {"n2"}}},
				{at: 0, do: "send", src: "n1", dest: "n2", seq: 1},
				{at: 0, do: "send", src: "n3", dest: "n2", seq: 2},
				{at: 0, do: "send", src: "n2", dest: "n1", seq: 3},
				{at: 0, do: "send", src: "n3", dest: "n1", seq: 4},
			},
			want: []int64{4},
		},
		{
			name: "healed before the deadline",
			steps: []step{
				{at: 0, do: "partition", grudge: map[string][]string{"n2": {"n1"}}},
				{at: 0, do: "send", src: "n1", dest: "n2", seq: 1},
				{at: 50 * ms, do: "heal"},
			},
			want: []int64{1},
		},
		{
			name: "heal clears every grudge",
			steps: []step{
				{at: 0, do: "partition", grudge: map[string][]string{"n1": {"n2", "n3"}, "n2": {"n1"}}},
				{at: 0, do: "heal"},
				{at: 0, do: "send", src: "n1", dest: "n2", seq: 1},
				{at: 0, do: "send", src: "n2", dest: "n1", seq: 2},
				{at: 0, do: "send", src: "n3", dest: "n1", seq: 3},
			},
			want: []int64{1, 2, 3},
		},
		{
			name: "down node: everything due while down is dropped, its own sends are not",
			steps: []step{
				{at: 0, do: "send", src: "n1", dest: "n2", seq: 1},
				{at: 50 * ms, do: "down", node: "n2"},
				{at: 50 * ms, do: "send", src: "n2", dest: "n1", seq: 2},
				{at: 50 * ms, do: "send", src: "c1", dest: "n2", seq: 3},
				{at: 200 * ms, do: "send", src: "n3", dest: "n2", seq: 4},
				{at: 250 * ms, do: "up", node: "n2"},
			},
			want: []int64{2, 4},
		},
		{
			name: "down with an exception hears only that sender",
			steps: []step{
				{at: 0, do: "down", node: "n2", except: []string{"c9"}},
				{at: 0, do: "send", src: "c9", dest: "n2", seq: 1},
				{at: 0, do: "send", src: "c1", dest: "n2", seq: 2},
				{at: 0, do: "send", src: "n1", dest: "n2", seq: 3},
				{at: 0, do: "send", src: "n1", dest: "n3", seq: 4},
			},
			want: []int64{1, 4},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			n := newNet(Latency{Mean: 100 * ms, Dist: Constant}, "n1", "n2", "n3", "c1", "c9")
			got := []int64{}
			for _, s := range tt.steps {
				got = append(got, seqs(t, n.Deliver(s.at))...)
				switch s.do {
				case "send":
					send(t, n, s.at, s.src, s.dest, s.seq)
				case "partition":
					n.Partition(s.grudge)
				case "heal":
					n.Heal()
				case "down":
					n.Down(s.node, s.except...)
				case "up":
					n.Up(s.node)
				}
			}
			got = append(got, seqs(t, n.Deliver(time.Hour))...)
			if !slices.Equal(got, tt.want) {
				t.Errorf("delivered %v, want %v", got, tt.want)
			}
		})
	}
}

func TestSendRejectsUnregistered(t *testing.T) {
	tests := []struct{ src, dest, field, id string }{
		{"n9", "n1", "src", "n9"},
		{"n1", "n9", "dest", "n9"},
		{"", "n1", "src", ""},
		{"n1", "", "dest", ""},
		{"c3", "n1", "src", "c3"},
	}
	for _, tt := range tests {
		n := newNet(Latency{}, "n1", "n2")
		_, err := n.Send(0, message.New(tt.src, tt.dest, message.Body{}))
		var unknown *UnknownIDError
		if !errors.As(err, &unknown) || unknown.Field != tt.field || unknown.ID != tt.id {
			t.Errorf("Send(%q -> %q) = %v, want an unknown %s %q", tt.src, tt.dest, err, tt.field, tt.id)
		}
		if j := n.Journal(); len(j) != 0 {
			t.Errorf("Send(%q -> %q) failed but journaled %v", tt.src, tt.dest, j)
		}
		if _, ok := n.NextDeadline(); ok {
			t.Errorf("Send(%q -> %q) failed but left a message in flight", tt.src, tt.dest)
		}
		if m := send(t, n, 0, "n1", "n2", 0); m.ID != 0 {
			t.Errorf("first accepted message got id %d, want 0", m.ID)
		}
	}
}

func TestDeregisteredDestination(t *testing.T) {
	n := newNet(Latency{Mean: 10 * ms, Dist: Constant}, "n1", "n2", "c1")
	send(t, n, 0, "n1", "n2", 1)
	send(t, n, 0, "c1", "n2", 2)
	send(t, n, 0, "n2", "n1", 3)
	if !n.Registered("n2") {
		t.Fatal("n2 not registered")
	}
	n.Deregister("n2")
	if n.Registered("n2") {
		t.Fatal("n2 still registered after Deregister")
	}
	if got := seqs(t, n.Deliver(time.Hour)); !slices.Equal(got, []int64{3}) {
		t.Errorf("delivered %v, want only [3]", got)
	}
	if _, err := n.Send(time.Hour, message.New("n1", "n2", message.Body{})); err == nil {
		t.Error("Send to a deregistered destination accepted")
	}
}

func TestJournal(t *testing.T) {
	n := newNet(Latency{Mean: 10 * ms, Dist: Constant}, "n1", "n2", "c1")
	a := send(t, n, 0, "c1", "n1", 0)    // delivered at 0
	b := send(t, n, 1*ms, "n1", "n2", 1) // dropped by partition
	c := send(t, n, 2*ms, "n2", "n1", 2) // delivered at 12ms
	n.Partition(map[string][]string{"n2": {"n1"}})
	n.Send(3*ms, message.New("n1", "n9", message.Body{})) // rejected
	n.Deliver(time.Hour)

	type ev struct {
		Type EventType
		Time time.Duration
		ID   int64
	}
	want := []ev{
		{Send, 0, a.ID},
		{Send, 1 * ms, b.ID},
		{Send, 2 * ms, c.ID},
		{Recv, 0, a.ID},
		{Recv, 12 * ms, c.ID},
	}
	j := n.Journal()
	if len(j) != len(want) {
		t.Fatalf("journal has %d events, want %d: %+v", len(j), len(want), j)
	}
	for i, e := range j {
		if e.ID != int64(i) {
			t.Errorf("event %d has id %d: ids must be contiguous from 0", i, e.ID)
		}
		got := ev{e.Type, e.Time, e.Message.ID}
		if got != want[i] {
			t.Errorf("event %d = %+v, want %+v", i, got, want[i])
		}
	}
}

// TestQueuedReceiverJournalsWhenTaken: a node's receive is journaled when
// it reports the message taken from its queue (as Maelstrom's net.clj
// journals in recv!, when the node's stdin writer polls the message), not
// at the deadline, so a backlog at a slow node shows as sends without
// receives.
func TestQueuedReceiverJournalsWhenTaken(t *testing.T) {
	n := newNet(Latency{Mean: 10 * ms, Dist: Constant}, "n1", "c1")
	n.RegisterQueued("n2")
	a := send(t, n, 0, "n1", "n2", 0)
	b := send(t, n, 1*ms, "n1", "n2", 1)
	c := send(t, n, 2*ms, "n2", "c1", 2)
	if got := n.Deliver(time.Hour); len(got) != 3 {
		t.Fatalf("delivered %d messages, want 3", len(got))
	}
	n.Received(50*ms, a)
	recvs := map[int64]time.Duration{}
	for _, e := range n.Journal() {
		if e.Type == Recv {
			recvs[e.Message.ID] = e.Time
		}
	}
	if at, ok := recvs[a.ID]; !ok || at != 50*ms {
		t.Errorf("taken message journaled at %v (%v), want 50ms", at, ok)
	}
	if _, ok := recvs[b.ID]; ok {
		t.Error("a message still in the node's queue is journaled as received")
	}
	if at, ok := recvs[c.ID]; !ok || at != 2*ms {
		t.Errorf("message to a client journaled at %v (%v), want at its deadline 2ms", at, ok)
	}
}
