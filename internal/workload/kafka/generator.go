package kafka

import (
	"math"
	"math/rand/v2"
	"strconv"
	"time"

	"github.com/glomers/glomers/internal/history"
)

// Generator defaults, as in Maelstrom and Jepsen's kafka workload.
const (
	DefaultKeyCount        = 10
	DefaultMaxWritesPerKey = 16
	// AssignProb is the chance that a requested op is an assign of the
	// pending op's key instead.
	AssignProb = 1.0 / 64
	// UnseenProb is the chance that an assign also gets every key sent to
	// but not yet fully polled.
	UnseenProb = 1.0 / 3
	// CrashInterval is how often, on average, each client crashes.
	CrashInterval = 30 * time.Second
)

// keys chooses the keys and messages of sends and polls as elle's wr-txns
// does with one micro-op per transaction: KeyCount active keys, the later
// ones exponentially likelier, messages 1, 2, … per key, and a key that
// has had MaxWritesPerKey messages replaced by a fresh one.
type keys struct {
	active    []int64
	next      map[int64]int64 // key -> its next message
	maxWrites int64
}

func newKeys(count, maxWrites int) *keys {
	if count <= 0 {
		count = DefaultKeyCount
	}
	if maxWrites <= 0 {
		maxWrites = DefaultMaxWritesPerKey
	}
	k := &keys{active: make([]int64, count), next: map[int64]int64{}, maxWrites: int64(maxWrites)}
	for i := range k.active {
		k.active[i] = int64(i)
	}
	return k
}

// slot picks an index of the active vector: i with probability
// proportional to 2^i.
func (k *keys) slot(rng *rand.Rand) int {
	n := len(k.active)
	scale := 2 * (math.Exp2(float64(n)) - 1)
	i := int(math.Floor(math.Log2(rng.Float64()*scale+2) - 1))
	return min(max(i, 0), n-1)
}

// draw returns the next send or poll: a send of key k carries message v;
// a poll has v 0 and concerns key k only for a following assign.
func (k *keys) draw(rng *rand.Rand) (send bool, key, v int64) {
	for {
		i := k.slot(rng)
		key = k.active[i]
		if rng.IntN(2) == 0 {
			return false, key, 0
		}
		v = k.next[key]
		if v == 0 {
			v = 1
		}
		if v > k.maxWrites {
			k.rotate(i)
			continue
		}
		k.next[key] = v + 1
		return true, key, v
	}
}

// rotate replaces the key in slot i with one past the highest active key.
func (k *keys) rotate(i int) {
	top := k.active[0]
	for _, a := range k.active {
		top = max(top, a)
	}
	k.active[i] = top + 1
}

// mainGen is the main-phase generator: sends and polls, an assign of the
// pending op's key before it with probability AssignProb, and crashes on
// average every CrashInterval/concurrency. It is used by one goroutine.
type mainGen struct {
	rng        *rand.Rand
	now        func() time.Duration
	keys       *keys
	t          *tracker
	pending    *history.Op
	pendingKey string
	crashGap   time.Duration // mean gap between crashes
	nextCrash  time.Duration
}

// Next returns the next invocation. The thread does not matter.
func (g *mainGen) Next(int) (history.Op, bool) {
	if now := g.now(); now >= g.nextCrash {
		g.nextCrash = max(g.nextCrash, now) + time.Duration(g.rng.Int64N(2*int64(g.crashGap)))
		return history.Op{F: FCrash}, true
	}
	if g.pending == nil {
		send, k, v := g.keys.draw(g.rng)
		key := strconv.FormatInt(k, 10)
		op := history.Op{F: FPoll, Value: []any{[]any{FPoll}}}
		if send {
			op = history.Op{F: FSend, Value: []any{[]any{FSend, key, v}}}
		}
		g.pending, g.pendingKey = &op, key
	}
	if g.rng.Float64() < AssignProb {
		value := []any{g.pendingKey}
		if g.rng.Float64() < UnseenProb {
			for _, k := range g.t.unseenKeys() {
				if k != g.pendingKey {
					value = append(value, k)
				}
			}
		}
		return history.Op{F: FAssign, Value: value}, true
	}
	op := *g.pending
	g.pending = nil
	return op, true
}
