package service

import (
	"math/rand/v2"

	"github.com/glomers/glomers/internal/message"
)

// Window is how many recent states seq-kv keeps.
const Window = 32

// SeqKV is seq-kv, a sequentially consistent key-value store. It keeps the
// last Window states, numbered from 0 (the empty store); last is the
// number of the newest. Each caller (a request's src, so every request of
// one node shares one view) has seen some state, initially 0. For each
// request:
//
//  1. pick i uniformly in [seen, last], inclusive;
//  2. take the state (last-i) mod len(window) positions back from the
//     newest as the candidate;
//  3. if the request leaves the candidate unchanged (a read, an error, a
//     failed cas, a write of the value already there, a cas from a value to
//     itself), answer from the candidate and set seen to i;
//  4. otherwise apply the request to the newest state instead, append the
//     result as a new state (even if it fails there and changes nothing),
//     set seen to the new last, and answer with that result.
//
// So reads may be stale, a cas may fail against an old state, and a view
// never goes back, as long as the caller keeps within Window states of the
// newest.
//
// Step 2 reproduces Maelstrom's wrap-around on purpose: when a caller's
// seen state has left the window, i may point before the window, and the
// modulo lands it on an arbitrary buffered state (always newer than the
// caller's seen one), while seen is still set to i. A caller that lags
// more than Window states behind may therefore see buffered states out of
// order. Solutions must pass against Maelstrom's seq-kv, so they should
// pass against the same behaviour here; the property that matters for the
// challenges still holds: after a caller's own state-changing request, all
// its later requests see that state or a newer one.
type SeqKV struct {
	rng *rand.Rand
	// base is the oldest buffered state; deltas[j] (j >= 1) turns buffered
	// state j-1 into state j. deltas[0] stands for base itself.
	base   map[string]entry
	deltas []change
	last   int64
	seen   map[string]int64
}

// NewSeqKV returns an empty seq-kv that draws its choices from rng.
func NewSeqKV(rng *rand.Rand) *SeqKV {
	return &SeqKV{rng: rng, base: map[string]entry{}, deltas: []change{{}}, seen: map[string]int64{}}
}

// Handle answers read, write and cas from caller src.
func (s *SeqKV) Handle(src string, req message.Body) message.Body {
	rules := kvRules{createIfNotExists: true}
	c := s.seen[src]
	i := c + s.rng.Int64N(s.last-c+1)
	n := int64(len(s.deltas))
	pos := int(n - 1 - (s.last-i)%n)
	body, ch, ok := applyKV(s.at(pos), req, rules)
	if !ok {
		return nil
	}
	if !ch.set {
		s.seen[src] = i
		return reply(req, body)
	}
	body, ch, _ = applyKV(s.at(len(s.deltas)-1), req, rules)
	s.push(ch)
	s.seen[src] = s.last
	return reply(req, body)
}

// at returns the lookup of the buffered state at position pos (0 is the
// oldest).
func (s *SeqKV) at(pos int) getter {
	return func(id string) (entry, bool) {
		for j := pos; j >= 1; j-- {
			if d := s.deltas[j]; d.set && d.id == id {
				return d.e, true
			}
		}
		e, ok := s.base[id]
		return e, ok
	}
}

// push appends the state made by ch from the newest one, dropping the
// oldest when the window is full.
func (s *SeqKV) push(ch change) {
	if len(s.deltas) == Window {
		if d := s.deltas[1]; d.set {
			s.base[d.id] = d.e
		}
		copy(s.deltas, s.deltas[1:])
		s.deltas = s.deltas[:len(s.deltas)-1]
	}
	s.deltas = append(s.deltas, ch)
	s.last++
}
