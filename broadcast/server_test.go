package main

import (
	"reflect"
	"slices"
	"testing"
	"time"

	"github.com/glomers/glomers/node"
)

var three = []string{"n2", "n0", "n1"} // any order: the servers sort

const ms = time.Millisecond

func dests(out []node.Out) []string {
	var ds []string
	for _, o := range out {
		ds = append(ds, o.Dest)
	}
	slices.Sort(ds)
	return ds
}

func values(out []node.Out) []int64 {
	var vs []int64
	for _, o := range out {
		for _, r := range gossipOf(o).Runs {
			vs = append(vs, r.Values...)
		}
	}
	return vs
}

func TestLeafPushesAtOnce(t *testing.T) {
	leaf := NewServer("n1", three, DefaultConfig)
	out := leaf.Broadcast(5*ms, 42)
	want := []node.Out{{Dest: "n0", Body: Gossip{Type: GossipType, Have: []int{0, 1, 0},
		Runs: []Run{{Origin: 1, After: 0, Values: []int64{42}}}}}}
	if !reflect.DeepEqual(out, want) {
		t.Errorf("Broadcast sent %+v, want %+v", out, want)
	}
	// The next broadcast carries only the new value.
	if vs := values(leaf.Broadcast(6*ms, 43)); !reflect.DeepEqual(vs, []int64{43}) {
		t.Errorf("second push carried %v, want [43]", vs)
	}
}

func TestHubBatchesForOneWindow(t *testing.T) {
	w := DefaultConfig.Window
	hub := NewServer("n0", three, DefaultConfig)
	push := func(now time.Duration, from string, origin int, after int, vs ...int64) []node.Out {
		have := make([]int, 3)
		have[origin] = after + len(vs)
		return hub.Receive(now, from, Gossip{Type: GossipType, Have: have, Runs: []Run{{Origin: origin, After: after, Values: vs}}})
	}
	if out := push(0, "n1", 1, 0, 10); len(out) != 0 {
		t.Fatalf("hub sent %+v before its window closed", out)
	}
	if out := push(w/2, "n2", 2, 0, 20); len(out) != 0 {
		t.Fatalf("hub sent %+v before its window closed", out)
	}
	if out := hub.Tick(w - ms); len(out) != 0 {
		t.Fatalf("hub sent %+v before its window closed", out)
	}
	out := hub.Tick(w)
	if got := dests(out); !reflect.DeepEqual(got, []string{"n1", "n2"}) {
		t.Fatalf("window sent to %v, want n1 and n2 once each", got)
	}
	for _, o := range out {
		// Each leaf gets the other's value, never its own back.
		want := map[string][]int64{"n1": {20}, "n2": {10}}[o.Dest]
		if got := values([]node.Out{o}); !reflect.DeepEqual(got, want) {
			t.Errorf("%s got %v, want %v", o.Dest, got, want)
		}
		if !reflect.DeepEqual(gossipOf(o).Have, []int{0, 1, 1}) {
			t.Errorf("%s got have %v, want [0 1 1]", o.Dest, gossipOf(o).Have)
		}
	}
	// Nothing new: the hub stays silent, and the leaves' acknowledgements
	// (carried by their next messages) end all retries.
	hub.Receive(w+200*ms, "n1", Gossip{Type: GossipType, Have: []int{0, 1, 1}})
	hub.Receive(w+200*ms, "n2", Gossip{Type: GossipType, Have: []int{0, 1, 1}})
	for now := w; now < 30*time.Second; now += 10 * ms {
		if out := hub.Tick(now); len(out) > 0 {
			t.Fatalf("idle hub sent %+v at %v", out, now)
		}
	}
}

func TestHubAcknowledgesAloneWhenItHasNothingToSend(t *testing.T) {
	hub := NewServer("n0", three, DefaultConfig)
	hub.Receive(0, "n1", Gossip{Type: GossipType, Have: []int{0, 1, 0}, Runs: []Run{{Origin: 1, Values: []int64{10}}}})
	hub.Receive(0, "n2", Gossip{Type: GossipType, Have: []int{0, 1, 1}}) // n2 already has it
	out := hub.Tick(DefaultConfig.Window)
	if len(out) != 1 || out[0].Dest != "n1" || len(gossipOf(out[0]).Runs) != 0 || !reflect.DeepEqual(gossipOf(out[0]).Have, []int{0, 1, 0}) {
		t.Errorf("got %+v, want one acknowledgement to n1", out)
	}
}

// starOnly is DefaultConfig without routing around the hub, for the
// tests of the star's own rules, where the hub stays silent for long.
var starOnly = func() Config { c := DefaultConfig; c.Suspect = time.Hour; return c }()

func TestLeafAcknowledgesLazily(t *testing.T) {
	cfg := starOnly
	leaf := NewServer("n1", three, cfg)
	fan := Gossip{Type: GossipType, Have: []int{1, 0, 0}, Runs: []Run{{Origin: 0, Values: []int64{7}}}}
	if out := leaf.Receive(0, "n0", fan); len(out) != 0 {
		t.Fatalf("leaf answered values at once: %+v", out)
	}
	if got := leaf.Read(); !reflect.DeepEqual(got, []int64{7}) {
		t.Errorf("read %v, want [7]", got)
	}
	if out := leaf.Tick(cfg.AckDelay - ms); len(out) != 0 {
		t.Fatalf("leaf acknowledged before AckDelay: %+v", out)
	}
	out := leaf.Tick(cfg.AckDelay)
	if len(out) != 1 || len(gossipOf(out[0]).Runs) != 0 || !reflect.DeepEqual(gossipOf(out[0]).Have, []int{1, 0, 0}) {
		t.Fatalf("got %+v, want one acknowledgement", out)
	}
	if out := leaf.Tick(10 * cfg.AckDelay); len(out) != 0 {
		t.Errorf("leaf acknowledged twice: %+v", out)
	}

	// A broadcast before AckDelay carries the acknowledgement instead.
	leaf = NewServer("n1", three, cfg)
	leaf.Receive(0, "n0", fan)
	if out := leaf.Broadcast(100*ms, 8); len(out) != 1 || gossipOf(out[0]).Have[0] != 1 {
		t.Fatalf("push %+v does not acknowledge", out)
	}
	if out := leaf.Tick(cfg.AckDelay); len(out) != 0 {
		t.Errorf("leaf acknowledged again: %+v", out)
	}
}

func TestRetryAfterLoss(t *testing.T) {
	cfg := starOnly
	leaf := NewServer("n1", three, cfg)
	leaf.Broadcast(0, 1) // lost
	leaf.Broadcast(ms, 2)
	if out := leaf.Tick(cfg.Retry - ms); len(out) != 0 {
		t.Fatalf("retried early: %+v", out)
	}
	out := leaf.Tick(cfg.Retry)
	if vs := values(out); !reflect.DeepEqual(vs, []int64{1, 2}) {
		t.Fatalf("retry sent %v, want [1 2]", vs)
	}
	// The hub got 2 only: it acknowledges 0 of n1's values, so the leaf
	// goes back again after another Retry, but not before.
	leaf.Receive(cfg.Retry+200*ms, "n0", Gossip{Type: GossipType, Have: []int{0, 0, 0}})
	if out := leaf.Tick(2*cfg.Retry - ms); len(out) != 0 {
		t.Fatalf("retried early: %+v", out)
	}
	// Acknowledged: no more retries.
	leaf.Receive(2*cfg.Retry-ms, "n0", Gossip{Type: GossipType, Have: []int{0, 2, 0}})
	for now := 2 * cfg.Retry; now < 10*cfg.Retry; now += 10 * ms {
		if out := leaf.Tick(now); len(out) != 0 {
			t.Fatalf("retried acknowledged values at %v: %+v", now, out)
		}
	}
}

func TestOutOfOrderRuns(t *testing.T) {
	leaf := NewServer("n1", three, DefaultConfig)
	// Values 3 and 4 of n2 arrive before 1 and 2.
	leaf.Receive(0, "n0", Gossip{Type: GossipType, Have: []int{0, 0, 4}, Runs: []Run{{Origin: 2, After: 2, Values: []int64{30, 40}}}})
	if got := leaf.Read(); !reflect.DeepEqual(got, []int64{30, 40}) {
		t.Errorf("read %v, want [30 40]", got)
	}
	if h := leaf.have(); h[2] != 0 {
		t.Errorf("have %v counts values after a gap", h)
	}
	leaf.Receive(ms, "n0", Gossip{Type: GossipType, Have: []int{0, 0, 4}, Runs: []Run{{Origin: 2, After: 0, Values: []int64{10, 20, 30}}}})
	if got := leaf.Read(); !reflect.DeepEqual(got, []int64{10, 20, 30, 40}) {
		t.Errorf("read %v, want [10 20 30 40]", got)
	}
	if h := leaf.have(); h[2] != 4 || len(leaf.early[2]) != 0 {
		t.Errorf("have %v, early %v; want 4 and none", h, leaf.early[2])
	}
}

func TestReadSortsAndDeduplicates(t *testing.T) {
	leaf := NewServer("n1", three, DefaultConfig)
	for _, v := range []int64{5, 3, 5, -1} {
		leaf.Broadcast(0, v)
	}
	if got := leaf.Read(); !reflect.DeepEqual(got, []int64{-1, 3, 5}) {
		t.Errorf("read %v, want [-1 3 5]", got)
	}
	if got := NewServer("n0", []string{"n0"}, DefaultConfig).Read(); len(got) != 0 {
		t.Errorf("empty node read %v", got)
	}
}

func TestSingleNodeSendsNothing(t *testing.T) {
	s := NewServer("n0", []string{"n0"}, DefaultConfig)
	if out := s.Broadcast(0, 1); len(out) != 0 {
		t.Errorf("sent %+v", out)
	}
	if out := s.Tick(time.Minute); len(out) != 0 {
		t.Errorf("sent %+v", out)
	}
	if got := s.Read(); !reflect.DeepEqual(got, []int64{1}) {
		t.Errorf("read %v", got)
	}
}

func TestForwardsWhatThePeerLacks(t *testing.T) {
	leaf := NewServer("n1", three, DefaultConfig)
	// A message from a node that is not a peer, with a bad origin: values
	// with a known origin are kept and passed on to the hub, which lacks
	// them; the rest is ignored; the stranger gets no answer.
	out := leaf.Receive(0, "n2", Gossip{Type: GossipType, Have: []int{9}, Runs: []Run{{Origin: 2, Values: []int64{1}}, {Origin: 7, Values: []int64{2}}}})
	if got := dests(out); !reflect.DeepEqual(got, []string{"n0"}) || !reflect.DeepEqual(values(out), []int64{1}) {
		t.Errorf("sent %+v, want value 1 to the hub", out)
	}
	if got := leaf.Read(); !reflect.DeepEqual(got, []int64{1}) {
		t.Errorf("read %v, want [1]", got)
	}
}

func TestNext(t *testing.T) {
	cfg := DefaultConfig
	hub := NewServer("n0", three, cfg)
	if _, ok := hub.Next(); ok {
		t.Error("idle hub has a deadline")
	}
	hub.Receive(100*ms, "n1", Gossip{Type: GossipType, Have: []int{0, 1, 0}, Runs: []Run{{Origin: 1, Values: []int64{10}}}})
	if next, ok := hub.Next(); !ok || next != 100*ms+cfg.Window {
		t.Errorf("next = %v %v, want the window's end %v", next, ok, 100*ms+cfg.Window)
	}
	hub.Tick(100*ms + cfg.Window)
	if next, ok := hub.Next(); !ok || next != 100*ms+cfg.Window+cfg.Retry {
		t.Errorf("next = %v %v, want the retry %v", next, ok, 100*ms+cfg.Window+cfg.Retry)
	}
	hub.Receive(time.Second, "n2", Gossip{Type: GossipType, Have: []int{0, 1, 0}})
	hub.Receive(time.Second, "n1", Gossip{Type: GossipType, Have: []int{0, 1, 0}})
	if next, ok := hub.Next(); ok {
		t.Errorf("everything acknowledged, yet next = %v", next)
	}
}

func gossipOf(o node.Out) Gossip { return o.Body.(Gossip) }

func TestLeafRoutesAroundSilentHub(t *testing.T) {
	cfg := DefaultConfig
	leaf := NewServer("n1", three, cfg)
	if out := leaf.Broadcast(0, 5); !reflect.DeepEqual(dests(out), []string{"n0"}) {
		t.Fatalf("push went to %v, want the hub", dests(out))
	}
	if out := leaf.Tick(cfg.Suspect - ms); len(out) != 0 {
		t.Fatalf("sent %+v before Suspect", out)
	}
	if next, _ := leaf.Next(); next != cfg.Suspect {
		t.Errorf("Next = %v, want Suspect %v", next, cfg.Suspect)
	}
	out := leaf.Tick(cfg.Suspect)
	if len(out) != 1 || out[0].Dest != "n2" || !gossipOf(out[0]).Cut || !reflect.DeepEqual(values(out), []int64{5}) {
		t.Fatalf("after Suspect sent %+v, want value 5 straight to n2, marked cut", out)
	}
	// While cut off, new values go to the other leaves at once, and to
	// the hub only with the next retry.
	if out := leaf.Broadcast(cfg.Suspect+ms, 6); !reflect.DeepEqual(dests(out), []string{"n2"}) || !reflect.DeepEqual(values(out), []int64{6}) {
		t.Fatalf("broadcast while cut off sent %+v", out)
	}
	if out := leaf.Tick(cfg.Retry); !reflect.DeepEqual(dests(out), []string{"n0"}) || !reflect.DeepEqual(values(out), []int64{5, 6}) {
		t.Fatalf("the retry to the hub sent %+v, want 5 and 6 to n0", out)
	}
	// The hub answers: back to the star, no more direct sends.
	back := cfg.Retry + 200*ms
	leaf.Receive(back, "n0", Gossip{Type: GossipType, Have: []int{0, 2, 0}})
	if out := leaf.Broadcast(back+ms, 7); !reflect.DeepEqual(dests(out), []string{"n0"}) || gossipOf(out[0]).Cut {
		t.Fatalf("after the hub answered, a broadcast sent %+v", out)
	}
	leaf.Receive(back+300*ms, "n0", Gossip{Type: GossipType, Have: []int{0, 3, 0}})
	for now := back + 300*ms; now < 10*cfg.Retry; now += 10 * ms {
		for _, o := range leaf.Tick(now) {
			if o.Dest == "n2" && len(gossipOf(o).Runs) > 0 {
				t.Fatalf("at %v, after the hub answered, values still went to n2: %+v", now, o)
			}
		}
	}
}

func TestLeafSendsOwnValuesToACutLeaf(t *testing.T) {
	leaf := NewServer("n2", three, DefaultConfig)
	leaf.Broadcast(0, 20)
	leaf.Broadcast(0, 21)
	leaf.Receive(300*ms, "n0", Gossip{Type: GossipType, Have: []int{0, 0, 2}}) // the hub has both
	// n1 is cut off and holds one of them. n2 sends it the other, and
	// forwards n1's values to the hub, as everything the hub lacks.
	out := leaf.Receive(400*ms, "n1", Gossip{Type: GossipType, Have: []int{0, 3, 1}, Runs: []Run{{Origin: 1, Values: []int64{10, 11, 12}}}, Cut: true})
	runs := map[string][]Run{}
	for _, o := range out {
		runs[o.Dest] = gossipOf(o).Runs
	}
	want := map[string][]Run{
		"n0": {{Origin: 1, After: 0, Values: []int64{10, 11, 12}}},
		"n1": {{Origin: 2, After: 1, Values: []int64{21}}},
	}
	if !reflect.DeepEqual(runs, want) {
		t.Fatalf("answered a cut leaf with %+v, want %+v", runs, want)
	}
}
