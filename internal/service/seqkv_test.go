package service

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/glomers/glomers/internal/message"
)

func req(typ string, kv ...any) message.Body {
	b := message.Body{"type": typ}
	for i := 0; i+1 < len(kv); i += 2 {
		b[kv[i].(string)] = normalize(kv[i+1])
	}
	return b
}

// readInt reads key from s as caller src: the value, or -1 for code 20.
func readInt(t *testing.T, s Service, src string, key any) int64 {
	t.Helper()
	r := s.Handle(src, req("read", "key", key))
	if r.Type() == "error" {
		if c, _ := r.Int("code"); c != CodeKeyDoesNotExist {
			t.Fatalf("read %v: %v", key, r)
		}
		return -1
	}
	v, ok := r.Int("value")
	if !ok {
		t.Fatalf("read %v: %v", key, r)
	}
	return v
}

// TestSeqKVStaleThenMonotonic: another caller's reads may be stale, can
// reach the newest state (the inclusive bound of issue #47), and never go
// back once they have seen it.
func TestSeqKVStaleThenMonotonic(t *testing.T) {
	var stale, fresh int
	for seed := range uint64(50) {
		s := NewSeqKV(rand.New(rand.NewPCG(seed, 0)))
		s.Handle("n1", req("write", "key", "x", "value", 1))
		seen := false
		for range 20 {
			switch v := readInt(t, s, "n2", "x"); {
			case v == 1:
				seen = true
				fresh++
			case v == -1 && seen:
				t.Fatalf("seed %d: n2 read x=1, then missing", seed)
			case v == -1:
				stale++
			default:
				t.Fatalf("seed %d: read %d", seed, v)
			}
		}
		if !seen {
			t.Errorf("seed %d: n2 never saw the newest state in 20 reads", seed)
		}
	}
	if stale == 0 || fresh == 0 {
		t.Errorf("stale %d, fresh %d: want both", stale, fresh)
	}
}

// TestSeqKVUnchangedRequestsDoNotAppend: reads, errors, failed cas,
// identity cas and same-value writes leave the state list alone.
func TestSeqKVUnchangedRequestsDoNotAppend(t *testing.T) {
	s := NewSeqKV(rand.New(rand.NewPCG(7, 7)))
	s.Handle("n1", req("write", "key", "x", "value", 1))
	s.Handle("n1", req("write", "key", "y", "value", 2))
	for _, b := range []message.Body{
		req("read", "key", "x"),
		req("read", "key", "nope"),
		req("cas", "key", "nope", "from", 1, "to", 2),
		req("cas", "key", "x", "from", 1, "to", 1),
		req("cas", "key", "x", "from", 9, "to", 1),
		req("write", "key", "y", "value", 2),
	} {
		for _, src := range []string{"n1", "n2", "n3"} {
			s.Handle(src, b)
			if s.last != 2 {
				t.Fatalf("%s %v: last = %d, want 2", src, b, s.last)
			}
		}
	}
}

// TestSeqKVChangesApplyToNewest: a cas that succeeds against a stale
// candidate is applied to the newest state instead, where it may fail;
// either way a state is appended and the caller's view jumps to it.
func TestSeqKVChangesApplyToNewest(t *testing.T) {
	paths := map[string]int{}
	for seed := range uint64(200) {
		s := NewSeqKV(rand.New(rand.NewPCG(seed, 1)))
		for v := 1; v <= 5; v++ {
			s.Handle("n1", req("write", "key", "x", "value", v))
		}
		r := s.Handle("n2", req("cas", "key", "x", "from", 1, "to", 10))
		code, _ := r.Int("code")
		text, _ := r["text"].(string)
		switch {
		case s.last == 6:
			if code != CodePreconditionFailed || text != "current value 5 is not 1" {
				t.Fatalf("seed %d: appended, reply %v", seed, r)
			}
			if s.seen["n2"] != 6 {
				t.Fatalf("seed %d: seen[n2] = %d after appending", seed, s.seen["n2"])
			}
			if readInt(t, s, "n2", "x") != 5 {
				t.Fatalf("seed %d: n2 does not see the newest state", seed)
			}
			paths["applied to newest"]++
		case code == CodeKeyDoesNotExist:
			paths["empty candidate"]++
		case code == CodePreconditionFailed && text != "current value 1 is not 1":
			paths["stale failed cas"]++
		default:
			t.Fatalf("seed %d: last %d, reply %v", seed, s.last, r)
		}
	}
	for _, p := range []string{"applied to newest", "empty candidate", "stale failed cas"} {
		if paths[p] == 0 {
			t.Errorf("path %q never taken: %v", p, paths)
		}
	}
}

// TestSeqKVWindow: a caller that lags more than Window states behind lands
// on a buffered state, and (the reproduced wrap-around quirk) may then see
// buffered states out of order; a caller's own write still bounds what it
// sees afterwards.
func TestSeqKVWindow(t *testing.T) {
	backwards := 0
	for seed := range uint64(20) {
		s := NewSeqKV(rand.New(rand.NewPCG(seed, 2)))
		s.Handle("n2", req("write", "key", "mine", "value", 1))
		for v := range 100 {
			s.Handle("n1", req("write", "key", "x", "value", v))
		}
		// States 0..101; the window holds 70..101, where x is 68..99.
		prev := int64(-1)
		for range 30 {
			v := readInt(t, s, "n3", "x")
			if v < 68 || v > 99 {
				t.Fatalf("seed %d: lagging reader saw x=%d, outside the window", seed, v)
			}
			if v < prev {
				backwards++
			}
			prev = v
			if got := readInt(t, s, "n2", "mine"); got != 1 {
				t.Fatalf("seed %d: n2 lost its own write: %d", seed, got)
			}
		}
		if len(s.deltas) != Window {
			t.Fatalf("window holds %d states", len(s.deltas))
		}
	}
	if backwards == 0 {
		t.Error("the wrap-around never showed; is it still reproduced?")
	}
}

func BenchmarkSeqKV(b *testing.B) {
	s := NewSeqKV(rand.New(rand.NewPCG(1, 1)))
	reqs := make([]message.Body, 64)
	for i := range reqs {
		reqs[i] = req("write", "key", fmt.Sprint(i%8), "value", i)
	}
	for i := 0; b.Loop(); i++ {
		s.Handle(fmt.Sprint("n", i%3), reqs[i%len(reqs)])
		s.Handle(fmt.Sprint("n", i%3), req("read", "key", "3"))
	}
}
