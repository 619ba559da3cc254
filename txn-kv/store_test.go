package main

import (
	"encoding/json"
	"math/rand/v2"
	"reflect"
	"testing"

	"github.com/glomers/glomers/internal/checker"
	"github.com/glomers/glomers/internal/checker/elle"
	"github.com/glomers/glomers/internal/history"
	"github.com/glomers/glomers/internal/workload"
	"github.com/glomers/glomers/internal/workload/txn"
	"github.com/glomers/glomers/node"
)

func val(v int64) *int64 { return &v }

func r(k int64) Mop          { return Mop{F: "r", Key: k} }
func rv(k, v int64) Mop      { return Mop{F: "r", Key: k, Value: val(v)} }
func w(k, v int64) Mop       { return Mop{F: "w", Key: k, Value: val(v)} }
func mops(ms ...Mop) []Mop   { return ms }
func show(ms []Mop) string   { b, _ := json.Marshal(ms); return string(b) }
func parse(s string) []Mop   { var ms []Mop; json.Unmarshal([]byte(s), &ms); return ms }
func regsOf(s *Store) string { b, _ := json.Marshal(s.regs); return string(b) }

func TestTxn(t *testing.T) {
	tests := []struct {
		name    string
		before  [][]Mop
		txn     []Mop
		want    []Mop
		regs    map[int64]int64
		pending map[int64]int64
	}{
		{"read of a key never written", nil, mops(r(1)), mops(r(1)), map[int64]int64{}, map[int64]int64{}},
		{"read of a committed write", [][]Mop{mops(w(1, 1))}, mops(r(1)), mops(rv(1, 1)), map[int64]int64{1: 1}, map[int64]int64{1: 1}},
		{"reads its own writes", [][]Mop{mops(w(1, 1))}, mops(r(1), w(1, 2), r(1), w(1, 3), r(1), r(2)),
			mops(rv(1, 1), w(1, 2), rv(1, 2), w(1, 3), rv(1, 3), r(2)), map[int64]int64{1: 3}, map[int64]int64{1: 3}},
		{"only final writes are installed and replicated", nil, mops(w(1, 1), w(2, 1), w(1, 2)),
			mops(w(1, 1), w(2, 1), w(1, 2)), map[int64]int64{1: 2, 2: 1}, map[int64]int64{1: 2, 2: 1}},
		{"later commit replaces earlier", [][]Mop{mops(w(1, 1), w(2, 1)), mops(w(1, 2))}, mops(r(1), r(2)),
			mops(rv(1, 2), rv(2, 1)), map[int64]int64{1: 2, 2: 1}, map[int64]int64{1: 2, 2: 1}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := NewStore("n0", []string{"n0", "n1"})
			for _, b := range tt.before {
				if _, err := s.Txn(b); err != nil {
					t.Fatal(err)
				}
			}
			got, err := s.Txn(tt.txn)
			if err != nil {
				t.Fatal(err)
			}
			if show(got) != show(tt.want) {
				t.Errorf("Txn = %s, want %s", show(got), show(tt.want))
			}
			regs, pending := map[int64]int64{}, map[int64]int64{}
			for k, reg := range s.regs {
				regs[k] = reg.Value
			}
			for k, w := range s.pending["n1"] {
				pending[k] = w.Value
			}
			if !reflect.DeepEqual(regs, tt.regs) || !reflect.DeepEqual(pending, tt.pending) {
				t.Errorf("registers %v, pending %v; want %v, %v", regs, pending, tt.regs, tt.pending)
			}
		})
	}
}

func TestTxnRejectsBadMops(t *testing.T) {
	for _, bad := range [][]Mop{{{F: "w", Key: 1}}, {{F: "append", Key: 1, Value: val(1)}}, {r(1), {F: "", Key: 2}}} {
		s := NewStore("n0", []string{"n0"})
		if _, err := s.Txn(bad); err == nil {
			t.Errorf("Txn(%v) succeeded", bad)
		}
		if s.clock != 0 || len(s.regs) != 0 {
			t.Errorf("Txn(%v) changed the store", bad)
		}
	}
}

func TestMopJSON(t *testing.T) {
	in := `[["r",1,null],["w",2,3],["r",4,5]]`
	if got := show(parse(in)); got != in {
		t.Errorf("round trip %s, want %s", got, in)
	}
	for _, bad := range []string{`[["r",1]]`, `[["r","k",null]]`, `[["w",1,1.5]]`, `[[1,1,1]]`, `["r",1,null]`} {
		var ms []Mop
		if err := json.Unmarshal([]byte(bad), &ms); err == nil {
			t.Errorf("%s parsed as %v", bad, ms)
		}
	}
}

func TestReceive(t *testing.T) {
	tests := []struct {
		name      string
		local     Version // version of key 1 before; zero: absent
		from      string
		ts        uint64
		wantValue int64
		wantClock uint64
	}{
		{"new key", Version{}, "n1", 3, 20, 3},
		{"newer timestamp", Version{2, "n2"}, "n1", 3, 20, 3},
		{"older timestamp", Version{5, "n0"}, "n1", 3, 10, 5},
		{"tie, higher node wins", Version{3, "n0"}, "n1", 3, 20, 3},
		{"tie, lower node loses", Version{3, "n2"}, "n1", 3, 10, 3},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := NewStore("n0", []string{"n0", "n1", "n2"})
			if tt.local != (Version{}) {
				s.regs[1] = Register{Value: 10, Version: tt.local}
				s.clock = tt.local.TS
			}
			ack := s.Receive(tt.from, Replicate{Type: "replicate", Writes: []Write{{Key: 1, Value: 20, TS: tt.ts}}, Upto: 7})
			if got := s.regs[1].Value; got != tt.wantValue {
				t.Errorf("value %d, want %d", got, tt.wantValue)
			}
			if s.clock != tt.wantClock {
				t.Errorf("clock %d, want %d", s.clock, tt.wantClock)
			}
			if want := (node.Out{Dest: "n1", Body: ReplicateOK{Type: "replicate_ok", Upto: 7}}); ack != want {
				t.Errorf("ack %+v, want %+v", ack, want)
			}
			// A local transaction after it is newer than everything seen.
			s.Txn(mops(w(1, 30)))
			if got := s.regs[1]; got.Value != 30 || got.Version.TS != tt.wantClock+1 {
				t.Errorf("local write after receive: %+v", got)
			}
		})
	}
}

// A restarted node's commits must win over its killed predecessor's:
// with the clock started at the wall clock they do; from zero they would
// be ignored everywhere as old.
func TestRestartedNodeCommitsAreNewer(t *testing.T) {
	before := NewStore("n0", []string{"n0", "n1"})
	before.StartClock(1_000)
	before.Txn(mops(w(1, 10)))
	peer := NewStore("n1", []string{"n0", "n1"})
	for _, o := range before.Outbox() {
		peer.Receive("n0", o.Body.(Replicate))
	}
	after := NewStore("n0", []string{"n0", "n1"}) // the restart: memory lost
	after.StartClock(2_000)
	after.StartClock(5) // never goes back
	after.Txn(mops(w(1, 20)))
	for _, o := range after.Outbox() {
		peer.Receive("n0", o.Body.(Replicate))
	}
	if got := peer.regs[1]; got.Value != 20 {
		t.Errorf("peer holds %+v; the restarted node's commit was taken for an old one", got)
	}
}

func TestAcked(t *testing.T) {
	s := NewStore("n0", []string{"n0", "n1"})
	s.Txn(mops(w(1, 1), w(2, 1)))
	out := s.Outbox()
	if len(out) != 1 || len(out[0].Body.(Replicate).Writes) != 2 {
		t.Fatalf("outbox %+v, want one replicate with 2 writes", out)
	}
	upto := out[0].Body.(Replicate).Upto
	s.Txn(mops(w(1, 2))) // newer write of key 1 after the send
	s.Acked("n1", upto)
	if p := s.pending["n1"]; len(p) != 1 || p[1].Value != 2 {
		t.Errorf("pending after ack %v, want only key 1 = 2", p)
	}
	s.Acked("n1", upto+1)
	if len(s.Outbox()) != 0 {
		t.Errorf("outbox not empty after everything was acknowledged")
	}
}

// cluster simulates replicas over a network that can be partitioned.
type cluster struct {
	t        *testing.T
	stores   map[string]*Store
	inflight []struct {
		from string
		node.Out
	}
	cut bool // the replicas are partitioned: messages between them are dropped
}

func newCluster(t *testing.T, ids ...string) *cluster {
	c := &cluster{t: t, stores: map[string]*Store{}}
	for _, id := range ids {
		c.stores[id] = NewStore(id, ids)
	}
	return c
}

// tick queues every store's outbox.
func (c *cluster) tick() {
	for id, s := range c.stores {
		for _, e := range s.Outbox() {
			c.inflight = append(c.inflight, struct {
				from string
				node.Out
			}{id, e})
		}
	}
}

// deliver delivers (or, across a cut, drops) the first n messages in
// flight, checking that no register ever goes back to an older version.
func (c *cluster) deliver(n int) {
	for ; n > 0 && len(c.inflight) > 0; n-- {
		m := c.inflight[0]
		c.inflight = c.inflight[1:]
		if c.cut {
			continue
		}
		dst := c.stores[m.Dest]
		// Round-trip through JSON, as on the wire.
		b, err := json.Marshal(m.Body)
		if err != nil {
			c.t.Fatal(err)
		}
		switch m.Body.(type) {
		case Replicate:
			var r Replicate
			if err := json.Unmarshal(b, &r); err != nil {
				c.t.Fatal(err)
			}
			before := snapshot(dst)
			ack := dst.Receive(m.from, r)
			checkNewer(c.t, m.Dest, before, snapshot(dst))
			c.inflight = append(c.inflight, struct {
				from string
				node.Out
			}{m.Dest, ack})
		case ReplicateOK:
			var ack ReplicateOK
			if err := json.Unmarshal(b, &ack); err != nil {
				c.t.Fatal(err)
			}
			dst.Acked(m.from, ack.Upto)
		}
	}
}

func snapshot(s *Store) map[int64]Register {
	out := make(map[int64]Register, len(s.regs))
	for k, r := range s.regs {
		out[k] = r
	}
	return out
}

// checkNewer fails unless every register in after is the same as or newer
// than in before: then every replica installs each key's versions in the
// one order of (timestamp, node).
func checkNewer(t *testing.T, id string, before, after map[int64]Register) {
	t.Helper()
	for k, b := range before {
		if a, ok := after[k]; !ok || a.Version.Less(b.Version) {
			t.Fatalf("%s: key %d went from %+v back to %+v", id, k, b, a)
		}
	}
}

// fromGen turns a generated transaction into micro-ops.
func fromGen(g []any) []Mop {
	out := make([]Mop, len(g))
	for i, x := range g {
		m := x.([]any)
		out[i] = Mop{F: string(m[0].(history.Keyword)), Key: m[1].(int64)}
		if v, ok := m[2].(int64); ok {
			out[i].Value = val(v)
		}
	}
	return out
}

func toHistory(ms []Mop) []any {
	out := make([]any, len(ms))
	for i, m := range ms {
		var v any
		if m.Value != nil {
			v = *m.Value
		}
		out[i] = []any{history.Keyword(m.F), m.Key, v}
	}
	return out
}

// TestPartitionsConverge runs generated transactions on two replicas while
// the network is cut and healed at random, then heals it for good: the
// replicas converge to the same registers, every register only ever moves
// to a newer version, and Elle finds the history read committed.
func TestPartitionsConverge(t *testing.T) {
	for seed := range uint64(20) {
		rnd := rand.New(rand.NewPCG(seed, 1))
		gen := txn.NewGenerator(workload.Options{Rand: rand.New(rand.NewPCG(seed, 2))})
		c := newCluster(t, "n0", "n1")
		var h []history.Op
		for i := range 3000 {
			switch x := rnd.IntN(100); {
			case x < 2:
				c.cut = !c.cut
			case x < 10:
				c.tick()
			case x < 30:
				c.deliver(1 + rnd.IntN(3))
			default:
				id := []string{"n0", "n1"}[rnd.IntN(2)]
				s := c.stores[id]
				g := gen.Txn()
				before := snapshot(s)
				done, err := s.Txn(fromGen(g))
				if err != nil {
					t.Fatal(err)
				}
				checkNewer(t, id, before, snapshot(s))
				p := history.Process(i % 7)
				h = append(h,
					history.Op{Index: len(h), Type: history.Invoke, Process: p, F: txn.FTxn, Value: g},
					history.Op{Index: len(h) + 1, Type: history.OK, Process: p, F: txn.FTxn, Value: toHistory(done)})
			}
		}
		c.cut = false
		for range 10 {
			c.tick()
			c.deliver(len(c.inflight))
			c.deliver(len(c.inflight)) // the acknowledgements
		}
		a, b := c.stores["n0"], c.stores["n1"]
		if a.Pending("n1") != 0 || b.Pending("n0") != 0 {
			t.Fatalf("seed %d: writes still pending after healing: %d, %d", seed, a.Pending("n1"), b.Pending("n0"))
		}
		if regsOf(a) != regsOf(b) {
			t.Fatalf("seed %d: replicas differ after healing:\n%s\n%s", seed, regsOf(a), regsOf(b))
		}
		for _, model := range []string{"read-uncommitted", "read-committed"} {
			if res := elle.CheckMaelstrom(h, []string{model}); res.Validity() != checker.Valid {
				t.Fatalf("seed %d: %s: %+v", seed, model, res)
			}
		}
	}
}
