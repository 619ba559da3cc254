package nemesis

import (
	"encoding/json"
	"math/rand/v2"
	"reflect"
	"testing"

	"olympos.io/encoding/edn"

	"github.com/glomers/glomers/internal/history"
	"github.com/glomers/glomers/internal/message"
	"github.com/glomers/glomers/internal/network"
)

var (
	_ Net = (*network.Network)(nil)
	_ Net = (*network.Driver)(nil)
)

// fakeNet records the calls a Partitioner makes.
type fakeNet struct {
	calls []any // a grudge for Partition, "heal" for Heal
}

func (f *fakeNet) Partition(g map[string][]string) { f.calls = append(f.calls, g) }
func (f *fakeNet) Heal()                           { f.calls = append(f.calls, "heal") }

func TestPartitionerApply(t *testing.T) {
	net := &fakeNet{}
	p := NewPartitioner(net, nodeIDs(3), rand.New(rand.NewPCG(1, 1)))

	done, err := p.Apply(StartInvocation(One))
	if err != nil {
		t.Fatal(err)
	}
	v, ok := done.Value.([]any)
	if !ok || len(v) != 2 || v[0] != Isolated {
		t.Fatalf("start completion value %#v, want [:isolated grudge]", done.Value)
	}
	g := v[1].(Grudge)
	if len(net.calls) != 1 || !reflect.DeepEqual(net.calls[0], map[string][]string(g)) {
		t.Fatalf("network got %v, completion says %v", net.calls, g)
	}
	if done.Type != history.Info || done.Process != history.Nemesis || done.F != FStart {
		t.Errorf("start completion %+v", done)
	}

	done, err = p.Apply(StopInvocation())
	if err != nil {
		t.Fatal(err)
	}
	if done != StopCompletion() || len(net.calls) != 2 || net.calls[1] != "heal" {
		t.Errorf("stop: completion %+v, calls %v", done, net.calls)
	}

	for _, bad := range []history.Op{StartInvocation("primaries"), {F: "kill"}, {F: FStart, Value: "one"}} {
		if _, err := p.Apply(bad); err == nil {
			t.Errorf("Apply(%+v): want an error", bad)
		}
	}
}

func TestPartitionerOnNetwork(t *testing.T) {
	net := network.New(network.Latency{}, rand.New(rand.NewPCG(1, 1)))
	for _, id := range []string{"n0", "n1", "c0"} {
		net.Register(id)
	}
	// delivered sends one message per pair and returns which arrived.
	delivered := func() map[string]bool {
		for _, pair := range [][2]string{{"n0", "n1"}, {"n1", "n0"}, {"c0", "n0"}, {"n1", "c0"}} {
			if _, err := net.Send(0, message.New(pair[0], pair[1], message.Body{"type": "x"})); err != nil {
				t.Fatal(err)
			}
		}
		got := map[string]bool{}
		for _, m := range net.Deliver(0) {
			got[m.Src+">"+m.Dest] = true
		}
		return got
	}
	p := NewPartitioner(net, []string{"n0", "n1"}, rand.New(rand.NewPCG(1, 1)))
	if _, err := p.Start(Majority); err != nil {
		t.Fatal(err)
	}
	want := map[string]bool{"c0>n0": true, "n1>c0": true}
	if got := delivered(); !reflect.DeepEqual(got, want) {
		t.Errorf("partitioned: delivered %v, want %v (clients never partitioned)", got, want)
	}
	p.Stop()
	want = map[string]bool{"n0>n1": true, "n1>n0": true, "c0>n0": true, "n1>c0": true}
	if got := delivered(); !reflect.DeepEqual(got, want) {
		t.Errorf("healed: delivered %v, want %v", got, want)
	}
}

func TestOpEncoding(t *testing.T) {
	g := Grudge{"n2": {"n0", "n1"}, "n0": {"n2"}, "n1": {"n2"}}
	tests := []struct {
		name     string
		op       history.Op
		edn      string
		jsonText string
	}{
		{"start invoke", StartInvocation(MajoritiesRing),
			`{:index 0 :time 0 :type :info :process :nemesis :f :start-partition :value :majorities-ring}`,
			`{"index":0,"time":0,"type":"info","process":"nemesis","f":"start-partition","value":"majorities-ring"}`},
		{"start completion", StartCompletion(g),
			`{:index 0 :time 0 :type :info :process :nemesis :f :start-partition :value[:isolated {"n0"#{"n2"}"n1"#{"n2"}"n2"#{"n0""n1"}}]}`,
			`{"index":0,"time":0,"type":"info","process":"nemesis","f":"start-partition","value":["isolated",{"n0":["n2"],"n1":["n2"],"n2":["n0","n1"]}]}`},
		{"stop invoke", StopInvocation(),
			`{:index 0 :time 0 :type :info :process :nemesis :f :stop-partition :value nil}`,
			`{"index":0,"time":0,"type":"info","process":"nemesis","f":"stop-partition","value":null}`},
		{"stop completion", StopCompletion(),
			`{:index 0 :time 0 :type :info :process :nemesis :f :stop-partition :value :network-healed}`,
			`{"index":0,"time":0,"type":"info","process":"nemesis","f":"stop-partition","value":"network-healed"}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e, err := edn.Marshal(tt.op)
			if err != nil {
				t.Fatal(err)
			}
			if string(e) != tt.edn {
				t.Errorf("EDN\n got %s\nwant %s", e, tt.edn)
			}
			j, err := json.Marshal(tt.op)
			if err != nil {
				t.Fatal(err)
			}
			if string(j) != tt.jsonText {
				t.Errorf("JSON\n got %s\nwant %s", j, tt.jsonText)
			}
		})
	}
}

// TestGrudgeText checks that the completion value reads back, through
// the history's EDN printer, as [:isolated {receiver #{senders}}].
func TestGrudgeText(t *testing.T) {
	g := Grudge{"n1": {"n0"}, "n0": {"n1", "n2"}}
	text := history.Readable(StartCompletion(g).Value)
	var got any
	if err := edn.UnmarshalString(text, &got); err != nil {
		t.Fatalf("%s does not read back as EDN: %v", text, err)
	}
	want := []any{edn.Keyword("isolated"), map[any]any{
		"n0": map[any]bool{"n1": true, "n2": true},
		"n1": map[any]bool{"n0": true},
	}}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("%s reads back as %#v, want %#v", text, got, want)
	}
}
