package kafka

import (
	"math/rand/v2"
	"sync"
	"time"

	"github.com/glomers/glomers/internal/history"
)

// Final-phase timing, as in Maelstrom.
const (
	// FinalLimit caps the whole final phase.
	FinalLimit = 10 * time.Second
	// FinalPollGap is the mean pause before each final poll; pauses are
	// uniform in [0, 2·FinalPollGap).
	FinalPollGap = 200 * time.Millisecond
)

// finalGen is the final phase of every thread: a crash (so the thread
// gets a fresh client), an assign of every key seen during the main phase
// seeking to the beginning, then polls until the thread's own polls have
// reached, for every key, the highest offset the main phase saw. Targets
// are read once, when the first thread asks. Nothing is emitted when the
// main phase saw no offsets, and nothing after FinalLimit. Next is safe
// for concurrent use.
type finalGen struct {
	t     *tracker
	now   func() time.Duration
	sleep func(time.Duration)

	mu      sync.Mutex
	rng     *rand.Rand
	started bool
	end     time.Duration
	targets map[string]int64
	stage   map[int]int // per thread: 0 crash, 1 assign, 2 polls
}

// Next returns thread's next final invocation, pausing before polls.
func (g *finalGen) Next(thread int) (history.Op, bool) {
	g.mu.Lock()
	if !g.started {
		g.started = true
		g.end = g.now() + FinalLimit
		g.targets = g.t.startFinal()
		g.stage = map[int]int{}
	}
	if len(g.targets) == 0 || g.now() >= g.end {
		g.mu.Unlock()
		return history.Op{}, false
	}
	stage := g.stage[thread]
	g.stage[thread] = min(stage+1, 2)
	switch stage {
	case 0:
		g.mu.Unlock()
		return history.Op{F: FCrash}, true
	case 1:
		ks := sortedKeys(g.targets)
		value := make([]any, len(ks))
		for i, k := range ks {
			value[i] = k
		}
		g.mu.Unlock()
		return history.Op{F: FAssign, Value: value}, true
	}
	if g.t.caughtUp(thread, g.targets) {
		g.mu.Unlock()
		return history.Op{}, false
	}
	pause := time.Duration(g.rng.Int64N(int64(2 * FinalPollGap)))
	g.mu.Unlock()
	g.sleep(pause)
	if g.now() >= g.end {
		return history.Op{}, false
	}
	return history.Op{F: FPoll, Value: []any{[]any{FPoll}}}, true
}
