package kafka

import (
	"container/heap"
	"math"
	"sort"

	"github.com/glomers/glomers/internal/history"
)

// UnseenPoint is one point of the :unseen series, taken after an :ok send
// or poll completed at Time. To keep long histories small it holds only
// the keys whose unseen count changed (or first appeared) at this point;
// UnseenSeries.Maps rebuilds the full per-key counts.
type UnseenPoint struct {
	Time    int64
	Changed map[string]int
}

// UnseenSeries is the :unseen series: for each :ok send or poll, how many
// acknowledged messages per key no :ok poll had returned yet. Messages
// holds the unseen messages after the last point, per key, sorted.
type UnseenSeries struct {
	Points   []UnseenPoint
	Messages map[string][]int64
}

// Maps returns the full {key count} map of every point, as Jepsen's
// series has it. It costs one map per point: use it on small histories.
func (s UnseenSeries) Maps() []map[string]int {
	out := make([]map[string]int, len(s.Points))
	cur := map[string]int{}
	for i, p := range s.Points {
		for k, n := range p.Changed {
			cur[k] = n
		}
		m := make(map[string]int, len(cur))
		for k, n := range cur {
			m[k] = n
		}
		out[i] = m
	}
	return out
}

// unseenKey is the running state of one key in the unseen fold.
type unseenKey struct {
	unseen map[int64]bool // sent but not yet polled
	polled map[int64]bool
	// hasSent is false while the key has only been polled; then Jepsen's
	// map merge reports the polled set itself as unseen, for one point.
	hasSent bool
}

// unseen folds the :ok sends and polls in order, as Jepsen's unseen does,
// and returns the series and the final :unseen error (nil if every
// acknowledged message was polled).
func unseen(a *analyzer) (UnseenSeries, *Unseen) {
	var s UnseenSeries
	keys := map[string]*unseenKey{}
	counts := map[string]int{}
	var artifacts []string // keys whose last point counted the polled set
	var lastTime int64
	for _, i := range a.client {
		op := a.h[i]
		if op.Type != history.OK || (op.F != "send" && op.F != "poll" && op.F != "txn") {
			continue
		}
		changed := map[string]int{}
		set := func(k string, n int) {
			if old, ok := counts[k]; !ok || old != n {
				counts[k] = n
				changed[k] = n
			}
		}
		// A key that was only polled at the previous point is now "sent"
		// (as that polled set) and polled: its count drops to zero.
		for _, k := range artifacts {
			st := keys[k]
			st.hasSent = true
			set(k, len(st.unseen))
		}
		artifacts = artifacts[:0]
		p := &a.parsed[i]
		touched := map[string]bool{}
		for _, kp := range p.writes {
			touched[kp.Key] = true
		}
		for _, kp := range p.reads {
			touched[kp.Key] = true
		}
		for k := range touched {
			st := keys[k]
			if st == nil {
				st = &unseenKey{unseen: map[int64]bool{}, polled: map[int64]bool{}}
				keys[k] = st
			}
			ws, wrote := lookup(p.writes, k)
			rs, _ := lookup(p.reads, k)
			for _, r := range rs {
				st.polled[r.Value] = true
				delete(st.unseen, r.Value)
			}
			for _, w := range ws {
				if !st.polled[w.Value] {
					st.unseen[w.Value] = true
				}
			}
			if wrote {
				st.hasSent = true
			}
			if st.hasSent {
				set(k, len(st.unseen))
			} else {
				set(k, len(st.polled))
				artifacts = append(artifacts, k)
			}
		}
		s.Points = append(s.Points, UnseenPoint{Time: op.Time, Changed: changed})
		lastTime = op.Time
	}
	if len(s.Points) == 0 {
		return s, nil
	}
	isArtifact := map[string]bool{}
	for _, k := range artifacts {
		isArtifact[k] = true
	}
	s.Messages = map[string][]int64{}
	last := Unseen{Time: lastTime, Unseen: map[string]int{}, Messages: map[string][]int64{}}
	for k, st := range keys {
		set := st.unseen
		if isArtifact[k] {
			set = st.polled
		}
		vs := make([]int64, 0, len(set))
		for v := range set {
			vs = append(vs, v)
		}
		sort.Slice(vs, func(i, j int) bool { return vs[i] < vs[j] })
		s.Messages[k] = vs
		if len(vs) > 0 {
			last.Unseen[k] = len(vs)
			last.Messages[k] = vs
		}
	}
	if len(last.Unseen) == 0 {
		return s, nil
	}
	return s, &last
}

// staircase records, for one key, the first time each higher offset was
// known to exist: entry j says that from Time on, offsets up to Offset
// existed. Offsets strictly increase along the slice.
type staircase []struct{ Offset, Time int64 }

// expiredAt returns the first time offset i was known to exist, or
// +infinity.
func (s staircase) expiredAt(i int64) (int64, bool) {
	j := sort.Search(len(s), func(j int) bool { return s[j].Offset >= i })
	if j == len(s) {
		return 0, false
	}
	return s[j].Time, true
}

// maxOffsets returns, per key, the highest offset an :ok or :info send,
// poll or txn interacted with; a key polled empty gets -1.
func maxOffsets(op history.Op, p *parsed) map[string]int64 {
	if op.Type != history.OK && op.Type != history.Info {
		return nil
	}
	out := map[string]int64{}
	for _, m := range p.mops {
		if m.Send {
			if m.Pair.HasOffset && op.F != "poll" {
				if o, ok := out[m.Key]; !ok || m.Pair.Offset > o {
					out[m.Key] = m.Pair.Offset
				}
			}
			continue
		}
		if op.F == "send" {
			continue
		}
		for _, kp := range m.Polls {
			hi := int64(-1)
			for _, pr := range kp.Pairs {
				if pr.HasOffset && pr.Offset > hi {
					hi = pr.Offset
				}
			}
			if o, ok := out[kp.Key]; !ok || hi > o {
				out[kp.Key] = hi
			}
		}
	}
	return out
}

// realtimeLag finds the worst realtime lag: for each :ok poll and each key
// its process tracks, how long before the poll's invocation the offset
// after the highest one the process had seen was known to exist. Each
// process keeps its keys in a heap ordered by that time, so a poll costs
// O(log keys) for the keys it touched rather than a pass over every key.
func realtimeLag(a *analyzer) Lag {
	expired := map[string]staircase{}
	for _, i := range a.client {
		for k, o := range maxOffsets(a.h[i], &a.parsed[i]) {
			s := expired[k]
			if len(s) == 0 || o > s[len(s)-1].Offset {
				expired[k] = append(s, struct{ Offset, Time int64 }{o, a.h[i].Time})
			}
		}
	}
	worst := Lag{}
	invoked := map[history.Process]int64{}
	procs := map[history.Process]*lagState{}
	state := func(p history.Process) *lagState {
		st := procs[p]
		if st == nil {
			st = newLagState(expired)
			procs[p] = st
		}
		return st
	}
	for _, i := range a.client {
		op := a.h[i]
		if op.Type == history.Invoke {
			invoked[op.Process] = op.Time
			continue
		}
		if op.Type != history.OK {
			continue
		}
		switch op.F {
		case "assign":
			old := state(op.Process)
			next := newLagState(expired)
			for _, k := range sortedKeys(keysOf(op.Value)) {
				o, ok := old.offsets[k]
				if !ok {
					o = -1
				}
				next.set(k, o)
			}
			procs[op.Process] = next
		case "subscribe":
			procs[op.Process] = newLagState(expired)
		case "poll", "txn":
			t, ok := invoked[op.Process]
			if !ok {
				t = op.Time
			}
			st := state(op.Process)
			for k, o := range maxOffsets(op, &a.parsed[i]) {
				if old, ok := st.offsets[k]; !ok || o > old {
					st.set(k, o)
				}
			}
			e, ok := st.oldest()
			if !ok {
				continue
			}
			lag := int64(0)
			if e.expired != math.MaxInt64 {
				lag = max(0, t-e.expired)
			}
			if !worst.Found || lag > worst.Lag {
				worst = Lag{Time: t, Process: op.Process, Key: e.key, Lag: lag, Found: true}
			}
		}
	}
	return worst
}

// lagState is one process's tracked keys: the highest offset seen per key,
// and a heap of keys by the time the next offset was known to exist.
type lagState struct {
	expired map[string]staircase
	offsets map[string]int64
	version map[string]int
	heap    lagHeap
}

func newLagState(expired map[string]staircase) *lagState {
	return &lagState{expired: expired, offsets: map[string]int64{}, version: map[string]int{}}
}

// set records that the process has seen key k up to offset o.
func (s *lagState) set(k string, o int64) {
	s.offsets[k] = o
	s.version[k]++
	e := int64(math.MaxInt64)
	if t, ok := s.expired[k].expiredAt(o + 1); ok {
		e = t
	}
	heap.Push(&s.heap, lagEntry{expired: e, key: k, version: s.version[k]})
}

// oldest returns the key whose next offset has existed longest.
func (s *lagState) oldest() (lagEntry, bool) {
	for s.heap.Len() > 0 {
		e := s.heap[0]
		if s.version[e.key] == e.version {
			return e, true
		}
		heap.Pop(&s.heap)
	}
	return lagEntry{}, false
}

// lagEntry is a key and the time its process's next offset existed from
// (math.MaxInt64 for never); stale when version is not the key's latest.
type lagEntry struct {
	expired int64
	key     string
	version int
}

// lagHeap orders entries by time, then key.
type lagHeap []lagEntry

func (h lagHeap) Len() int { return len(h) }
func (h lagHeap) Less(i, j int) bool {
	if h[i].expired != h[j].expired {
		return h[i].expired < h[j].expired
	}
	return h[i].key < h[j].key
}
func (h lagHeap) Swap(i, j int) { h[i], h[j] = h[j], h[i] }
func (h *lagHeap) Push(x any)   { *h = append(*h, x.(lagEntry)) }
func (h *lagHeap) Pop() any {
	old := *h
	x := old[len(old)-1]
	*h = old[:len(old)-1]
	return x
}

// seconds converts nanoseconds to seconds.
func seconds(ns int64) float64 { return float64(ns) / 1e9 }
