package kafka

import (
	"encoding/json"
	"fmt"
	"slices"
	"sort"
	"time"

	"github.com/glomers/glomers/internal/history"
)

// Options are the parts of the test map the checker reads.
type Options struct {
	// WWDeps infers write-write dependencies from log order (:ww-deps).
	// Maelstrom never sets it.
	WWDeps bool
	// Subscribe says clients may use subscribe (:subscribe in :sub-via),
	// which allows poll skips and nonmonotonic polls. Maelstrom only
	// assigns.
	Subscribe bool
	// AllErrors keeps every error in the result instead of a condensed
	// sample (:all-errors).
	AllErrors bool
	// CycleSearchTimeout bounds the cycle search in each strongly
	// connected component; zero means Elle's default of one second.
	CycleSearchTimeout time.Duration
}

// VersionOrder is the log of one key as the history shows it. Dense
// indices number the offsets at which anything was seen, holes removed.
type VersionOrder struct {
	// Offsets holds the offset at each dense index.
	Offsets []int64
	// Log holds the distinct messages seen at each dense index, sorted.
	Log [][]int64
	// ByIndex holds one message per dense index (the smallest, if several).
	ByIndex []int64
	// ByValue maps a message of ByIndex to its dense index (the last one,
	// if it appears twice).
	ByValue map[int64]int
}

// Lag is the worst realtime lag: how long, at least, a poll of Key by
// Process invoked at Time lagged behind the newest offset known to exist.
// Time and Lag are in nanoseconds here and in seconds in the result.
type Lag struct {
	Time    int64
	Process history.Process
	Key     string
	Lag     int64
	// Found is false when the history has no :ok poll.
	Found bool
}

// Analysis is what the checker derives from a history: the errors by type
// and the informational series.
type Analysis struct {
	// Errors maps an error type (the Type* constants, plus cycle types
	// such as "G1c-realtime") to its cases: a slice of the matching entry
	// type ([]Duplicate, []LostWrite, []Cycle, ...), an Unseen for
	// "unseen", or true for "empty-transaction-graph". Types without
	// cases are absent.
	Errors map[string]any
	// Unseen is the :unseen series, one point per :ok send or poll.
	Unseen UnseenSeries
	// WorstRealtimeLag is the largest realtime lag of any :ok poll.
	WorstRealtimeLag Lag
	// VersionOrders holds each key's log.
	VersionOrders map[string]*VersionOrder
	// Warnings lists situations where the original checker throws but
	// which are not anomalies (see the package doc).
	Warnings []string
}

// analyzer holds the shared derived structures while Analyze runs.
type analyzer struct {
	h       []history.Op
	opts    Options
	client  []int    // positions in h of client ops, in order
	parsed  []parsed // parsed[pos], for send/poll/txn ops
	okReads map[string]map[int64]bool
	failed  map[string]map[int64]bool
	orders  map[string]*VersionOrder
	// writerOf[k][v] is the position of the last completion that sent v
	// to k; readersOf[k][v] the completions that polled it.
	writerOf  map[string]map[int64]int
	readersOf map[string]map[int64][]int
	errors    map[string]any
	warnings  []string
	noWriter  map[kv]bool
}

// kv is a key and a message.
type kv struct {
	k string
	v int64
}

// Analyze derives the version orders, indices and every error of the
// kafka checker from a history. Nemesis ops are ignored.
func Analyze(h []history.Op, opts Options) Analysis {
	a := &analyzer{
		h:         h,
		opts:      opts,
		parsed:    make([]parsed, len(h)),
		okReads:   map[string]map[int64]bool{},
		failed:    map[string]map[int64]bool{},
		writerOf:  map[string]map[int64]int{},
		readersOf: map[string]map[int64][]int{},
		errors:    map[string]any{},
		noWriter:  map[kv]bool{},
	}
	for i, op := range h {
		if !op.IsClient() {
			continue
		}
		a.client = append(a.client, i)
		a.parsed[i] = parseOp(op)
	}
	a.index()
	a.versionOrders()

	a.duplicates()
	a.intChecks()
	a.precommittedReads()
	a.g1a()
	a.lostWrites()
	a.pollChecks()
	a.sendChecks()
	series, last := unseen(a)
	if last != nil {
		a.errors[TypeUnseen] = *last
	}
	a.cycles()
	a.checkWriters()

	return Analysis{
		Errors:           a.errors,
		Unseen:           series,
		WorstRealtimeLag: realtimeLag(a),
		VersionOrders:    a.orders,
		Warnings:         a.warnings,
	}
}

// add appends error cases of type t.
func add[T any](a *analyzer, t string, cases ...T) {
	if len(cases) == 0 {
		return
	}
	prev, _ := a.errors[t].([]T)
	a.errors[t] = append(prev, cases...)
}

// index builds the ok-read and failed-write sets and writer-of/readers-of.
func (a *analyzer) index() {
	for _, i := range a.client {
		op, p := a.h[i], &a.parsed[i]
		if op.Type == history.Invoke {
			continue
		}
		for _, kp := range p.writes {
			for _, pr := range kp.Pairs {
				if op.Type == history.Fail {
					addSet(a.failed, kp.Key, pr.Value)
				}
				m := a.writerOf[kp.Key]
				if m == nil {
					m = map[int64]int{}
					a.writerOf[kp.Key] = m
				}
				m[pr.Value] = i
			}
		}
		for _, kp := range p.reads {
			if op.Type == history.OK {
				if a.okReads[kp.Key] == nil {
					a.okReads[kp.Key] = map[int64]bool{}
				}
			}
			for _, pr := range kp.Pairs {
				if op.Type == history.OK {
					a.okReads[kp.Key][pr.Value] = true
				}
				m := a.readersOf[kp.Key]
				if m == nil {
					m = map[int64][]int{}
					a.readersOf[kp.Key] = m
				}
				if rs := m[pr.Value]; len(rs) == 0 || rs[len(rs)-1] != i {
					m[pr.Value] = append(rs, i)
				}
			}
		}
	}
}

func addSet(m map[string]map[int64]bool, k string, v int64) {
	s := m[k]
	if s == nil {
		s = map[int64]bool{}
		m[k] = s
	}
	s[v] = true
}

// mustHaveCommitted reports whether the op at i is :ok, or :info with one
// of its sends read by an :ok poll.
func (a *analyzer) mustHaveCommitted(i int) bool {
	switch a.h[i].Type {
	case history.OK:
		return true
	case history.Info:
		for _, kp := range a.parsed[i].writes {
			for _, pr := range kp.Pairs {
				if a.okReads[kp.Key][pr.Value] {
					return true
				}
			}
		}
	}
	return false
}

// versionOrders folds every offset the history proves into per-key logs:
// all sends and polls of ops that must have committed, and the polls of
// every other op. Offsets live in maps, so memory follows the number of
// observations, never the offset values.
func (a *analyzer) versionOrders() {
	logs := map[string]map[int64][]int64{}
	put := func(k string, off, v int64) {
		l := logs[k]
		if l == nil {
			l = map[int64][]int64{}
			logs[k] = l
		}
		if !slices.Contains(l[off], v) {
			l[off] = append(l[off], v)
		}
	}
	for _, i := range a.client {
		all := a.mustHaveCommitted(i)
		for _, m := range a.parsed[i].mops {
			if m.Send {
				if all && m.Pair.HasOffset {
					put(m.Key, m.Pair.Offset, m.Pair.Value)
				}
				continue
			}
			for _, kp := range m.Polls {
				for _, pr := range kp.Pairs {
					if pr.HasOffset {
						put(kp.Key, pr.Offset, pr.Value)
					}
				}
			}
		}
	}
	a.orders = map[string]*VersionOrder{}
	var errs []InconsistentOffset
	for _, k := range sortedKeys(logs) {
		l := logs[k]
		vo := &VersionOrder{ByValue: map[int64]int{}}
		for off := range l {
			vo.Offsets = append(vo.Offsets, off)
		}
		slices.Sort(vo.Offsets)
		for i, off := range vo.Offsets {
			vs := l[off]
			slices.Sort(vs)
			vo.Log = append(vo.Log, vs)
			vo.ByIndex = append(vo.ByIndex, vs[0])
			vo.ByValue[vs[0]] = i
			if len(vs) > 1 {
				errs = append(errs, InconsistentOffset{Key: k, Offset: off, Index: i, Values: vs})
			}
		}
		a.orders[k] = vo
	}
	add(a, TypeInconsistentOffsets, errs...)
}

// indexOf returns the dense index of message v in key k's order.
func (a *analyzer) indexOf(k string, v int64) (int, bool) {
	vo := a.orders[k]
	if vo == nil {
		return 0, false
	}
	i, ok := vo.ByValue[v]
	return i, ok
}

// between returns the messages at dense indices (i, j) of key k.
func (a *analyzer) between(k string, i, j int) []int64 {
	vo := a.orders[k]
	out := []int64{}
	for x := i + 1; x < j && x < len(vo.ByIndex); x++ {
		out = append(out, vo.ByIndex[x])
	}
	return out
}

// delta returns idx(v2) - idx(v1) for key k, and 1 when either index is
// unknown.
func (a *analyzer) delta(k string, v1, v2 int64) (d, i1, i2 int) {
	var k1, k2 bool
	i1, k1 = a.indexOf(k, v1)
	i2, k2 = a.indexOf(k, v2)
	if !k1 || !k2 {
		return 1, i1, i2
	}
	return i2 - i1, i1, i2
}

// duplicates finds messages at more than one offset of a key.
func (a *analyzer) duplicates() {
	var errs []Duplicate
	for _, k := range sortedKeys(a.orders) {
		vo := a.orders[k]
		where := map[int64][]int64{}
		for i, vs := range vo.Log {
			for _, v := range vs {
				where[v] = append(where[v], vo.Offsets[i])
			}
		}
		for _, v := range sortedKeys(where) {
			if offs := where[v]; len(offs) > 1 {
				errs = append(errs, Duplicate{Key: k, Value: v, Count: len(offs), Offsets: offs})
			}
		}
	}
	add(a, TypeDuplicate, errs...)
}

// intChecks compares consecutive messages of one key inside one op: polls
// of every op, sends of every completion.
func (a *analyzer) intChecks() {
	var pollSkips, sendSkips []IntSkip
	var pollNM, sendNM []IntNonmonotonic
	for _, i := range a.client {
		op := a.h[i]
		for _, kp := range a.parsed[i].reads {
			s, n := a.intPairs(op, kp)
			pollSkips, pollNM = append(pollSkips, s...), append(pollNM, n...)
		}
		if op.Type == history.Invoke {
			continue
		}
		for _, kp := range a.parsed[i].writes {
			s, n := a.intPairs(op, kp)
			sendSkips, sendNM = append(sendSkips, s...), append(sendNM, n...)
		}
	}
	add(a, TypeIntPollSkip, pollSkips...)
	add(a, TypeIntNonmonotonicPoll, pollNM...)
	add(a, TypeIntNonmonotonicSend, sendNM...)
	add(a, TypeIntSendSkip, sendSkips...)
}

func (a *analyzer) intPairs(op history.Op, kp keyPairs) (skips []IntSkip, nm []IntNonmonotonic) {
	for j := 1; j < len(kp.Pairs); j++ {
		v1, v2 := kp.Pairs[j-1].Value, kp.Pairs[j].Value
		d, i1, i2 := a.delta(kp.Key, v1, v2)
		switch {
		case d > 1:
			skips = append(skips, IntSkip{Key: kp.Key, Values: []int64{v1, v2}, Delta: d,
				Skipped: a.between(kp.Key, i1, i2), Op: op})
		case d < 1:
			nm = append(nm, IntNonmonotonic{Key: kp.Key, Values: []int64{v1, v2}, Delta: d, Op: op})
		}
	}
	return skips, nm
}

// precommittedReads finds ops that polled a message they sent.
func (a *analyzer) precommittedReads() {
	var errs []PrecommittedRead
	for _, i := range a.client {
		p := &a.parsed[i]
	op:
		for _, w := range p.writes {
			rs, _ := lookup(p.reads, w.Key)
			for _, wp := range w.Pairs {
				for _, rp := range rs {
					if rp.Value == wp.Value {
						errs = append(errs, PrecommittedRead{Op: a.h[i], Key: w.Key, Value: wp.Value})
						break op
					}
				}
			}
		}
	}
	add(a, TypePrecommittedRead, errs...)
}

// g1a finds :ok polls of messages that a :fail op sent.
func (a *analyzer) g1a() {
	var errs []G1a
	for _, i := range a.client {
		op := a.h[i]
		if op.Type != history.OK || (op.F != "poll" && op.F != "txn") {
			continue
		}
		for _, kp := range a.parsed[i].reads {
			for _, pr := range kp.Pairs {
				if a.failed[kp.Key][pr.Value] {
					errs = append(errs, G1a{Key: kp.Key, Value: pr.Value,
						Writer: a.h[a.writerOf[kp.Key][pr.Value]], Reader: op})
				}
			}
		}
	}
	add(a, TypeG1a, errs...)
}

// lostWrites finds, per key, committed sends at or below the highest
// dense index that :ok polls reached, which no :ok poll returned.
func (a *analyzer) lostWrites() {
	var errs []LostWrite
	for _, k := range sortedKeys(a.okReads) {
		read := a.okReads[k]
		first, lastAt := map[int64]int{}, [][]int64{}
		last := map[int64]int{}
		if vo := a.orders[k]; vo != nil {
			lastAt = make([][]int64, len(vo.Log))
			for i, vs := range vo.Log {
				for _, v := range vs {
					if _, ok := first[v]; !ok {
						first[v] = i
					}
					last[v] = i
				}
			}
			for _, v := range sortedKeys(last) {
				lastAt[last[v]] = append(lastAt[last[v]], v)
			}
		}
		bound := -1
		for v := range read {
			if i, ok := first[v]; ok && i > bound {
				bound = i
			}
		}
		if bound < 0 {
			a.warnings = append(a.warnings, fmt.Sprintf(
				"key %q: no :ok poll returned a message with a known offset, so lost writes cannot be checked "+
					"(the original checker throws an IndexOutOfBoundsException here)", k))
			continue
		}
		var maxRead *history.Op
		for _, v := range lastAt[bound] {
			if rs := a.readersOf[k][v]; len(rs) > 0 {
				op := a.h[rs[0]]
				maxRead = &op
				break
			}
		}
		for idx := 0; idx <= bound; idx++ {
			for _, v := range lastAt[idx] {
				if read[v] {
					continue
				}
				w, ok := a.writerOf[k][v]
				if !ok {
					a.noWriter[kv{k, v}] = true
					continue
				}
				if a.mustHaveCommitted(w) {
					errs = append(errs, LostWrite{Key: k, Value: v, Index: first[v],
						MaxReadIndex: bound, Writer: a.h[w], MaxRead: maxRead})
				}
			}
		}
	}
	add(a, TypeLostWrite, errs...)
}

// pollChecks walks each process's polls looking for skips and
// nonmonotonic polls between consecutive polls of a key.
func (a *analyzer) pollChecks() {
	var skips []PollSkip
	var nm []Nonmonotonic
	for _, ops := range a.byProcess(false) {
		lastReads := map[string]int{} // key -> position of last :ok poll
		for _, i := range ops {
			op := a.h[i]
			switch op.F {
			case "assign", "subscribe":
				if op.Type != history.Invoke && op.Type != history.Fail {
					keep := keysOf(op.Value)
					for k := range lastReads {
						if !keep[k] {
							delete(lastReads, k)
						}
					}
				}
			case "poll", "txn":
				reads := a.parsed[i].reads
				for _, kp := range reads {
					prev, ok := lastReads[kp.Key]
					if !ok {
						continue
					}
					before, _ := lookup(a.parsed[prev].reads, kp.Key)
					if len(before) == 0 || len(kp.Pairs) == 0 {
						continue // delta 1
					}
					v, v2 := before[len(before)-1].Value, kp.Pairs[0].Value
					d, i1, i2 := a.delta(kp.Key, v, v2)
					ops := []history.Op{a.h[prev], op}
					switch {
					case d > 1:
						skips = append(skips, PollSkip{Key: kp.Key, Delta: d,
							Skipped: a.between(kp.Key, i1, i2), Ops: ops})
					case d < 1:
						nm = append(nm, Nonmonotonic{Key: kp.Key, Values: []int64{v, v2}, Delta: d, Ops: ops})
					}
				}
				if op.Type == history.OK {
					for _, kp := range reads {
						lastReads[kp.Key] = i
					}
				}
			}
		}
	}
	add(a, TypeNonmonotonicPoll, nm...)
	add(a, TypePollSkip, skips...)
}

// sendChecks walks each process's :ok and :info sends looking for a send
// that lands at or before the process's previous send to that key.
func (a *analyzer) sendChecks() {
	var nm []Nonmonotonic
	for _, ops := range a.byProcess(true) {
		lastSends := map[string]int{}
		for _, i := range ops {
			op := a.h[i]
			switch op.F {
			case "assign", "subscribe":
				keep := keysOf(op.Value)
				for k := range lastSends {
					if !keep[k] {
						delete(lastSends, k)
					}
				}
			case "send", "txn":
				writes := a.parsed[i].writes
				for _, kp := range writes {
					prev, ok := lastSends[kp.Key]
					if !ok || len(kp.Pairs) == 0 {
						continue
					}
					before, _ := lookup(a.parsed[prev].writes, kp.Key)
					v, v2 := before[len(before)-1].Value, kp.Pairs[0].Value
					if d, _, _ := a.delta(kp.Key, v, v2); d < 1 {
						nm = append(nm, Nonmonotonic{Key: kp.Key, Values: []int64{v, v2}, Delta: d,
							Ops: []history.Op{a.h[prev], op}})
					}
				}
				for _, kp := range writes {
					lastSends[kp.Key] = i
				}
			}
		}
	}
	add(a, TypeNonmonotonicSend, nm...)
}

// byProcess groups client op positions by process, processes in
// ascending order; okInfo keeps only :ok and :info completions.
func (a *analyzer) byProcess(okInfo bool) [][]int {
	idx := map[history.Process]int{}
	var procs []history.Process
	var groups [][]int
	for _, i := range a.client {
		op := a.h[i]
		if okInfo && op.Type != history.OK && op.Type != history.Info {
			continue
		}
		g, ok := idx[op.Process]
		if !ok {
			g = len(groups)
			idx[op.Process] = g
			procs = append(procs, op.Process)
			groups = append(groups, nil)
		}
		groups[g] = append(groups[g], i)
	}
	order := make([]int, len(groups))
	for i := range order {
		order[i] = i
	}
	sort.Slice(order, func(x, y int) bool { return procs[order[x]] < procs[order[y]] })
	out := make([][]int, len(groups))
	for i, g := range order {
		out[i] = groups[g]
	}
	return out
}

// checkWriters reports every polled message that no op sent, which the
// original checker throws on.
func (a *analyzer) checkWriters() {
	for _, k := range sortedKeys(a.readersOf) {
		for v := range a.readersOf[k] {
			if _, ok := a.writerOf[k][v]; !ok {
				a.noWriter[kv{k, v}] = true
			}
		}
	}
	var errs []NoWriter
	for x := range a.noWriter {
		var readers []history.Op
		for _, r := range a.readersOf[x.k][x.v] {
			readers = append(readers, a.h[r])
		}
		errs = append(errs, NoWriter{Key: x.k, Value: x.v, Readers: readers,
			Message: fmt.Sprintf("message %d was polled from key %q, but no op ever sent it there", x.v, x.k)})
	}
	// Messages that are not integers: no op sent them (the workload sends
	// integers); one error per key and message, with every reader.
	foreign := map[[2]string]int{}
	for _, i := range a.client {
		if a.h[i].Type == history.Invoke {
			continue
		}
		for _, f := range a.parsed[i].foreign {
			b, _ := json.Marshal(f.Msg)
			id := [2]string{f.Key, string(b)}
			if j, ok := foreign[id]; ok {
				errs[j].Readers = append(errs[j].Readers, a.h[i])
				continue
			}
			foreign[id] = len(errs)
			errs = append(errs, NoWriter{Key: f.Key, Value: f.Msg, Readers: []history.Op{a.h[i]},
				Message: fmt.Sprintf("message %s was polled from key %q, but no op ever sent it there (the workload only sends integers)", b, f.Key)})
		}
	}
	sort.SliceStable(errs, func(i, j int) bool {
		if errs[i].Key != errs[j].Key {
			return errs[i].Key < errs[j].Key
		}
		vi, iok := errs[i].Value.(int64)
		vj, jok := errs[j].Value.(int64)
		if iok && jok {
			return vi < vj
		}
		return iok && !jok
	})
	add(a, TypeNoWriter, errs...)
}

// sortedKeys returns a map's keys in ascending order.
func sortedKeys[K string | int64, V any](m map[K]V) []K {
	ks := make([]K, 0, len(m))
	for k := range m {
		ks = append(ks, k)
	}
	slices.Sort(ks)
	return ks
}
