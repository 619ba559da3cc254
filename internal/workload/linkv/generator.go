package linkv

import (
	"math/rand/v2"
	"sync"

	"github.com/glomers/glomers/internal/history"
	"github.com/glomers/glomers/internal/workload"
)

// ProcessLimit is how many distinct processes may work on one key before
// its group of threads moves to a fresh key (Jepsen's process-limit 20).
const ProcessLimit = 20

// generator is Jepsen's independent concurrent generator as lin-kv uses
// it. Worker threads form groups of 2N (N nodes), in thread order; each
// group works on one key at a time, and keys 0, 1, 2, … are handed out in
// order as groups ask for them. In a group, the first N threads only read;
// the others write rand 0..4 or cas [rand 0..4, rand 0..4], a cas twice as
// often as a write. Once more than ProcessLimit distinct processes have
// belonged to a group while it worked on its key (a thread's process
// changes after each :info completion), the group takes the next key.
//
// As in Jepsen, the processes counted are those of every thread of the
// group, busy or not, each time one of them asks for an operation. When a
// group alone has more than ProcessLimit threads (more than 10 nodes),
// Jepsen would move through keys forever; here the limit is raised to the
// group's size instead.
type generator struct {
	rand    *rand.Rand
	size    int // threads per group: 2N
	readers int // threads per group that only read: N
	limit   int
	procs   *processes
	nextKey int64
	groups  map[int]*group // by group number
}

// group is one group of threads' current key and the processes that have
// worked on it.
type group struct {
	key  int64
	seen map[history.Process]bool
}

// newGenerator returns the generator for o.
func newGenerator(o workload.Options) *generator {
	n := max(len(o.Nodes), 1)
	r := o.Rand
	if r == nil {
		r = rand.New(rand.NewPCG(rand.Uint64(), rand.Uint64()))
	}
	return &generator{
		rand:    r,
		size:    2 * n,
		readers: n,
		limit:   max(ProcessLimit, 2*n),
		procs:   newProcesses(o.Concurrency),
		groups:  map[int]*group{},
	}
}

// Update follows each thread's process: after an :info completion the
// runner moves the thread to its next process. It is called from the
// runner's worker goroutines, so processes has its own lock.
func (g *generator) Update(c history.Op) {
	if c.Type == history.Info {
		g.procs.info(c.Process)
	}
}

// Next returns thread's next operation, its value a [key value] tuple:
// [k nil] for a read, [k v] for a write, [k [from to]] for a cas.
func (g *generator) Next(thread int) (history.Op, bool) {
	k := g.key(thread)
	if thread%g.size < g.readers {
		return history.Op{F: FRead, Value: []any{k, nil}}, true
	}
	if g.rand.IntN(3) == 0 {
		return history.Op{F: FWrite, Value: []any{k, g.rand.Int64N(5)}}, true
	}
	return history.Op{F: FCAS, Value: []any{k, []any{g.rand.Int64N(5), g.rand.Int64N(5)}}}, true
}

// key returns the key thread's group works on, moving the group to a fresh
// key when its current one has seen too many processes.
func (g *generator) key(thread int) int64 {
	num := thread / g.size
	current := g.procs.of(num*g.size, g.size)
	gr := g.groups[num]
	if gr != nil {
		for _, p := range current {
			gr.seen[p] = true
		}
		if len(gr.seen) <= g.limit {
			return gr.key
		}
	}
	gr = &group{key: g.nextKey, seen: map[history.Process]bool{}}
	g.nextKey++
	for _, p := range current {
		gr.seen[p] = true
	}
	g.groups[num] = gr
	return gr.key
}

// processes tracks each worker thread's process as the runner assigns
// them: thread i starts as process i, and its process grows by the
// concurrency after each :info completion.
type processes struct {
	mu          sync.Mutex
	concurrency int
	cur         []history.Process
}

func newProcesses(concurrency int) *processes {
	p := &processes{concurrency: max(concurrency, 1), cur: make([]history.Process, max(concurrency, 1))}
	for i := range p.cur {
		p.cur[i] = history.Process(i)
	}
	return p
}

// info records that process p's operation completes :info.
func (ps *processes) info(p history.Process) {
	ps.mu.Lock()
	defer ps.mu.Unlock()
	if p < 0 {
		return
	}
	if t := int(p) % ps.concurrency; ps.cur[t] <= p {
		ps.cur[t] = p + history.Process(ps.concurrency)
	}
}

// of returns the current processes of threads [from, from+n).
func (ps *processes) of(from, n int) []history.Process {
	ps.mu.Lock()
	defer ps.mu.Unlock()
	out := make([]history.Process, 0, n)
	for t := from; t < from+n && t < len(ps.cur); t++ {
		out = append(out, ps.cur[t])
	}
	return out
}
