package broadcast

import (
	"context"
	"fmt"
	"math/rand/v2"
	"reflect"
	"testing"

	"github.com/glomers/glomers/internal/checker"
	"github.com/glomers/glomers/internal/client"
	"github.com/glomers/glomers/internal/history"
	"github.com/glomers/glomers/internal/message"
	"github.com/glomers/glomers/internal/workload"
)

func ids(n int) []string {
	s := make([]string, n)
	for i := range s {
		s[i] = fmt.Sprintf("n%d", i)
	}
	return s
}

type topo = map[string][]string

func TestTopologyShapes(t *testing.T) {
	tests := []struct {
		name  string
		n     int
		check topo // only these nodes are compared
		size  int  // number of nodes in the result
	}{
		{"grid", 1, topo{"n0": {}}, 1},
		{"line", 1, topo{}, 0},
		{"tree", 1, topo{"n0": {}}, 1},
		{"tree4", 1, topo{"n0": {}}, 1},
		{"total", 1, topo{"n0": {}}, 1},

		{"grid", 5, topo{
			"n0": {"n3", "n1"}, "n1": {"n4", "n2", "n0"}, "n2": {"n1"},
			"n3": {"n0", "n4"}, "n4": {"n1", "n3"},
		}, 5},
		{"line", 5, topo{"n0": {"n1"}, "n1": {"n0", "n2"}, "n2": {"n1", "n3"}, "n3": {"n2", "n4"}, "n4": {"n3"}}, 5},
		{"tree", 5, topo{"n0": {"n1", "n2"}, "n1": {"n0", "n3", "n4"}, "n2": {"n0"}, "n3": {"n1"}, "n4": {"n1"}}, 5},
		{"tree2", 5, topo{"n0": {"n1", "n2"}, "n1": {"n0", "n3", "n4"}, "n2": {"n0"}, "n3": {"n1"}, "n4": {"n1"}}, 5},
		{"tree3", 5, topo{"n0": {"n1", "n2", "n3"}, "n1": {"n0", "n4"}, "n2": {"n0"}, "n3": {"n0"}, "n4": {"n1"}}, 5},
		{"tree4", 5, topo{"n0": {"n1", "n2", "n3", "n4"}, "n1": {"n0"}, "n4": {"n0"}}, 5},
		{"total", 5, topo{"n0": {"n1", "n2", "n3", "n4"}, "n2": {"n0", "n1", "n3", "n4"}, "n4": {"n0", "n1", "n2", "n3"}}, 5},

		{"grid", 25, topo{
			"n0": {"n5", "n1"}, "n4": {"n9", "n3"}, "n12": {"n17", "n7", "n13", "n11"},
			"n20": {"n15", "n21"}, "n24": {"n19", "n23"}, "n9": {"n14", "n4", "n8"},
		}, 25},
		{"line", 25, topo{"n0": {"n1"}, "n12": {"n11", "n13"}, "n24": {"n23"}}, 25},
		{"tree", 25, topo{
			"n0": {"n1", "n2"}, "n5": {"n2", "n11", "n12"}, "n11": {"n5", "n23", "n24"},
			"n12": {"n5"}, "n24": {"n11"},
		}, 25},
		{"tree3", 25, topo{
			"n0": {"n1", "n2", "n3"}, "n1": {"n0", "n4", "n5", "n6"}, "n4": {"n1", "n13", "n14", "n15"},
			"n7": {"n2", "n22", "n23", "n24"}, "n8": {"n2"}, "n24": {"n7"},
		}, 25},
		{"tree4", 25, topo{
			"n0": {"n1", "n2", "n3", "n4"}, "n1": {"n0", "n5", "n6", "n7", "n8"},
			"n5": {"n1", "n21", "n22", "n23", "n24"}, "n6": {"n1"}, "n20": {"n4"}, "n24": {"n5"},
		}, 25},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("%s-%d", tt.name, tt.n), func(t *testing.T) {
			got, err := Topology(tt.name, ids(tt.n))
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != tt.size {
				t.Errorf("%d nodes in topology, want %d: %v", len(got), tt.size, got)
			}
			for id, want := range tt.check {
				if !reflect.DeepEqual(got[id], want) {
					t.Errorf("%s: neighbours %v, want %v", id, got[id], want)
				}
			}
		})
	}
}

// TestTopologyInvariants checks, for every topology and size, that links
// are symmetric, never loop, and connect every node.
func TestTopologyInvariants(t *testing.T) {
	for _, name := range Topologies {
		for n := 1; n <= 30; n++ {
			nodes := ids(n)
			g, err := Topology(name, nodes)
			if err != nil {
				t.Fatal(err)
			}
			for a, ns := range g {
				if ns == nil {
					t.Errorf("%s/%d: %s has a nil list", name, n, a)
				}
				for _, b := range ns {
					if a == b {
						t.Errorf("%s/%d: %s is its own neighbour", name, n, a)
					}
					found := false
					for _, c := range g[b] {
						found = found || c == a
					}
					if !found {
						t.Errorf("%s/%d: %s lists %s but not the reverse", name, n, a, b)
					}
				}
			}
			if n < 2 {
				continue
			}
			seen := map[string]bool{nodes[0]: true}
			queue := []string{nodes[0]}
			for len(queue) > 0 {
				a := queue[0]
				queue = queue[1:]
				for _, b := range g[a] {
					if !seen[b] {
						seen[b] = true
						queue = append(queue, b)
					}
				}
			}
			if len(seen) != n {
				t.Errorf("%s/%d: only %d nodes reachable", name, n, len(seen))
			}
		}
	}
	if _, err := Topology("ring", ids(3)); err == nil {
		t.Error("unknown topology accepted")
	}
}

func TestSetupNode(t *testing.T) {
	var sent message.Body
	call := func(_ context.Context, b message.Body) (message.Body, error) {
		sent = b
		return message.Body{"type": "topology_ok", "in_reply_to": int64(1)}, nil
	}
	o := workload.Options{Nodes: ids(3), Topology: "line"}
	if err := SetupNode(context.Background(), o, "n1", call); err != nil {
		t.Fatal(err)
	}
	want := map[string]any{"n0": []string{"n1"}, "n1": []string{"n0", "n2"}, "n2": []string{"n1"}}
	if sent.Type() != "topology" || !reflect.DeepEqual(sent["topology"], want) {
		t.Errorf("sent %v", sent)
	}
	bad := func(context.Context, message.Body) (message.Body, error) { return nil, client.ErrTimeout }
	if err := SetupNode(context.Background(), o, "n1", bad); err == nil {
		t.Error("setup with a timed-out topology call succeeded")
	}
}

func TestGenerator(t *testing.T) {
	o := workload.Options{Nodes: ids(5), Rand: rand.New(rand.NewPCG(1, 2))}
	g := Generator(o)
	var next int64
	reads := 0
	for i := 0; i < 1000; i++ {
		op, ok := g.Next(i % 5)
		if !ok {
			t.Fatal("generator ended")
		}
		switch op.F {
		case FRead:
			reads++
			if op.Value != nil {
				t.Errorf("read with value %v", op.Value)
			}
		case FBroadcast:
			if op.Value != next {
				t.Errorf("broadcast %v, want %d", op.Value, next)
			}
			next++
		default:
			t.Fatalf("unexpected f %s", op.F)
		}
	}
	if reads < 400 || reads > 600 {
		t.Errorf("%d reads in 1000 ops; want about half", reads)
	}
	if f := Final(o, 3); len(f) != 1 || f[0].F != FRead || !f[0].Final {
		t.Errorf("final = %+v", f)
	}
}

func TestInvoke(t *testing.T) {
	var got message.Body
	call := func(_ context.Context, b message.Body) (message.Body, error) {
		got = b
		if b.Type() == "read" {
			return message.Body{"type": "read_ok", "messages": []any{int64(3), int64(1), int64(2)}}, nil
		}
		return message.Body{"type": "broadcast_ok"}, nil
	}
	done, err := Invoke(context.Background(), call, history.Op{F: FBroadcast, Value: int64(7), Type: history.Invoke})
	if err != nil || done.Type != history.OK || done.Value != int64(7) {
		t.Errorf("broadcast: %+v, %v", done, err)
	}
	if got.Type() != "broadcast" || got["message"] != int64(7) {
		t.Errorf("broadcast sent %v", got)
	}
	done, err = Invoke(context.Background(), call, history.Op{F: FRead, Type: history.Invoke})
	if err != nil || done.Type != history.OK || !reflect.DeepEqual(done.Value, []any{int64(1), int64(2), int64(3)}) {
		t.Errorf("read: %+v, %v", done, err)
	}
	null := func(context.Context, message.Body) (message.Body, error) {
		return message.Body{"type": "read_ok", "messages": nil}, nil
	}
	done, err = Invoke(context.Background(), null, history.Op{F: FRead, Type: history.Invoke})
	if err != nil || done.Type != history.OK || done.Value != nil {
		t.Errorf("read of null messages: %+v, %v; want :ok with value nil, as Maelstrom records it", done, err)
	}
}

func TestReplySchemas(t *testing.T) {
	req := message.Body{"type": "read"}
	if err := replySchemas["read"].Validate("n0", req, message.Body{"type": "read_ok", "in_reply_to": int64(1), "messages": []any{}}); err != nil {
		t.Errorf("good read_ok rejected: %v", err)
	}
	// [s/Any] accepts null, what an empty Go slice encodes to.
	if err := replySchemas["read"].Validate("n0", req, message.Body{"type": "read_ok", "in_reply_to": int64(1), "messages": nil}); err != nil {
		t.Errorf("read_ok with null messages rejected: %v", err)
	}
	if err := replySchemas["read"].Validate("n0", req, message.Body{"type": "read_ok", "in_reply_to": int64(1)}); err == nil {
		t.Error("read_ok without messages accepted")
	}
	if err := replySchemas["read"].Validate("n0", req, message.Body{"type": "read_ok", "in_reply_to": int64(1), "messages": map[string]any{}}); err == nil {
		t.Error("read_ok with an object for messages accepted")
	}
	if err := replySchemas["read"].Validate("n0", req, message.Body{"type": "read_ok", "in_reply_to": int64(1), "messages": int64(3)}); err == nil {
		t.Error("read_ok with a number for messages accepted")
	}
	if err := replySchemas["broadcast"].Validate("n0", req, message.Body{"type": "broadcast_ok", "in_reply_to": int64(1), "extra": true}); err == nil {
		t.Error("broadcast_ok with an extra key accepted")
	}
}

func TestCheckFindsLostBroadcast(t *testing.T) {
	w := Workload()
	h := []history.Op{
		{Index: 0, Time: 0, Type: history.Invoke, Process: 0, F: FBroadcast, Value: int64(0)},
		{Index: 1, Time: 1e6, Type: history.OK, Process: 0, F: FBroadcast, Value: int64(0)},
		{Index: 2, Time: 2e6, Type: history.Invoke, Process: 1, F: FRead},
		{Index: 3, Time: 3e6, Type: history.OK, Process: 1, F: FRead, Value: []any{}},
	}
	if v := w.Check(h, workload.Options{}).Validity(); v != checker.Invalid {
		t.Errorf("lost broadcast judged %v", v)
	}
	h[3].Value = []any{int64(0)}
	if v := w.Check(h, workload.Options{}).Validity(); v != checker.Valid {
		t.Errorf("seen broadcast judged %v", v)
	}
}
