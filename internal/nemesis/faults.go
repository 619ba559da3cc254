package nemesis

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"sort"
	"strings"

	"github.com/glomers/glomers/internal/history"
)

// Fault is one kind of failure --nemesis can inject.
type Fault string

// The faults, as Jepsen's combined nemesis names them. Maelstrom accepts
// only Partition.
const (
	// Partition cuts the network between test nodes.
	Partition Fault = "partition"
	// Kill SIGKILLs nodes, then starts fresh processes for them and
	// sends them init again.
	Kill Fault = "kill"
	// Pause SIGSTOPs nodes, then SIGCONTs them.
	Pause Fault = "pause"
)

// Faults lists every fault, in the order --nemesis documents them.
var Faults = []Fault{Partition, Kill, Pause}

// ParseFault returns the fault named s, or an error that lists the known
// faults.
func ParseFault(s string) (Fault, error) {
	f := Fault(s)
	if slices.Contains(Faults, f) {
		return f, nil
	}
	names := make([]string, len(Faults))
	for i, f := range Faults {
		names[i] = string(f)
	}
	return "", fmt.Errorf("unknown fault %q (known: %s)", s, strings.Join(names, ", "))
}

// Minority is the node spec of Jepsen's db-nodes that picks a random
// minority: here MaxDown(n) nodes, so never half of them, and one of one
// or two.
const Minority Spec = "minority"

// NodeSpecs lists the specs a kill or a pause chooses from, uniformly:
// one node, or a minority.
var NodeSpecs = []Spec{One, Minority}

// MaxDown is how many nodes may be killed or paused at once: fewer than
// half, but at least one. So a majority of a cluster of three or more
// nodes is always running.
func MaxDown(n int) int { return max(1, (n-1)/2) }

// Targets picks the nodes a kill or pause of spec acts on, from the
// running candidates (in test order), taking at most room of them.
func Targets(spec Spec, candidates []string, total, room int, rng *rand.Rand) ([]string, error) {
	var want int
	switch spec {
	case One:
		want = 1
	case Minority:
		want = MaxDown(total)
	default:
		return nil, fmt.Errorf("nemesis: unknown node spec %q", spec)
	}
	want = min(want, room, len(candidates))
	if want <= 0 {
		return nil, nil
	}
	picked := shuffled(candidates, rng)[:want]
	sort.Strings(picked)
	return picked, nil
}

// The functions of the kill and pause nemeses, as Jepsen's db nemesis
// names them, and the per-node results their completions carry.
const (
	FKill    history.Keyword = "kill"
	FRestart history.Keyword = "start"
	FPause   history.Keyword = "pause"
	FResume  history.Keyword = "resume"

	Killed         history.Keyword = "killed"
	Started        history.Keyword = "started"
	Paused         history.Keyword = "paused"
	Resumed        history.Keyword = "resumed"
	AlreadyRunning history.Keyword = "already-running"
)

// All is the value of a restart or resume invocation: every node.
const All history.Keyword = "all"

// NodeInvocation records a kill or pause of the given spec, or a restart
// or resume of all nodes: {:type :info, :process :nemesis, :f :kill,
// :value :one}.
func NodeInvocation(f history.Keyword, spec Spec) history.Op {
	return history.Op{Type: history.Info, Process: history.Nemesis, F: f, Value: history.Keyword(spec)}
}

// NodeCompletion records what a kill, pause, restart or resume did to
// each node: {:type :info, :f :kill, :value {"n1" :killed}}.
func NodeCompletion(f history.Keyword, results map[string]history.Keyword) history.Op {
	v := make(map[string]any, len(results))
	for n, r := range results {
		v[n] = r
	}
	return history.Op{Type: history.Info, Process: history.Nemesis, F: f, Value: v}
}

// Affected returns the nodes a kill, pause, restart or resume completion
// acted on (those whose result is not :already-running), sorted. It reads
// the value as NodeCompletion builds it and as history.edn or history.json
// decode it.
func Affected(op history.Op) []string {
	var nodes []string
	add := func(n string, r any) {
		if strings.TrimPrefix(fmt.Sprint(r), ":") != string(AlreadyRunning) {
			nodes = append(nodes, n)
		}
	}
	switch v := op.Value.(type) {
	case map[string]any:
		for n, r := range v {
			add(n, r)
		}
	case map[any]any:
		for n, r := range v {
			add(fmt.Sprint(n), r)
		}
	}
	sort.Strings(nodes)
	return nodes
}
