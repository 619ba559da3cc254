package service

import (
	"math/rand/v2"

	"github.com/glomers/glomers/internal/message"
)

// LWWReplicas is how many replicas lww-kv has: Maelstrom's code default
// (its documentation says 5).
const LWWReplicas = 2

// LWWKV is lww-kv as Maelstrom's code behaves, not as its documentation
// describes it. The documentation promises last-write-wins replicas that
// gossip and converge. The code keeps LWWReplicas replicas, merges two of
// them on every request but throws the merge away, and applies the request
// to one replica chosen at random. The replicas therefore never converge:
// after two different writes to a key, reads keep returning either value
// for ever.
//
// We reproduce the code because the runner's purpose is to give the
// verdicts Maelstrom gives: a solution that copes with this lww-kv copes
// with Maelstrom's, and a solution that only works with converging replicas
// would fail under Maelstrom too. Since nothing is ever merged, the
// replicas' timestamps are never read and are left out. Other differences
// from lin-kv, also as in Maelstrom: cas ignores create_if_not_exists (a
// missing key is always error 20), and the code-22 text prints the
// expected value bare (as Clojure's str does: a string without quotes, null
// as nothing).
type LWWKV struct {
	rng      *rand.Rand
	replicas [LWWReplicas]map[string]entry
}

// NewLWWKV returns an empty lww-kv that picks replicas with rng.
func NewLWWKV(rng *rand.Rand) *LWWKV {
	s := &LWWKV{rng: rng}
	for i := range s.replicas {
		s.replicas[i] = map[string]entry{}
	}
	return s
}

// Handle answers read, write and cas from one random replica.
func (s *LWWKV) Handle(_ string, req message.Body) message.Body {
	r := s.replicas[s.rng.IntN(LWWReplicas)]
	get := func(id string) (entry, bool) { e, ok := r[id]; return e, ok }
	body, ch, ok := applyKV(get, req, kvRules{bareFrom: true})
	if !ok {
		return nil
	}
	if ch.set {
		r[ch.id] = ch.e
	}
	return reply(req, body)
}
