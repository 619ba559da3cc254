package explain

import (
	"fmt"
	"strings"

	"github.com/glomers/glomers/internal/history"
	"github.com/glomers/glomers/internal/nemesis"
)

// nodeFault is one node killed (until started again) or paused (until
// resumed); To is -1 while it still was at the end of the history.
type nodeFault struct {
	Kind     string // "killed" or "paused"
	Node     string
	From, To int64
	FromOp   int
}

// nodeFaultOp records the kill and pause nemeses' completions: a kill or
// pause starts a fault per node it acted on, a start or resume ends it.
func (c *context) nodeFaultOp(op history.Op) {
	if _, invocation := op.Value.(history.Keyword); invocation {
		return
	}
	var kind string
	switch op.F {
	case nemesis.FKill, nemesis.FRestart:
		kind = "killed"
	case nemesis.FPause, nemesis.FResume:
		kind = "paused"
	default:
		return
	}
	for _, n := range nemesis.Affected(op) {
		if op.F == nemesis.FKill || op.F == nemesis.FPause {
			c.faults = append(c.faults, nodeFault{Kind: kind, Node: n, From: op.Time, To: -1, FromOp: op.Index})
			continue
		}
		for i := len(c.faults) - 1; i >= 0; i-- {
			if f := &c.faults[i]; f.Node == n && f.Kind == kind && f.To < 0 {
				f.To = op.Time
				break
			}
		}
	}
}

// killsAndPauses describes every node fault of the run, or "" if none.
func (c *context) killsAndPauses() string {
	var parts []string
	for _, f := range c.faults {
		end := "the end"
		if f.To >= 0 {
			end = secs(f.To)
		}
		parts = append(parts, fmt.Sprintf("%s %s from %s to %s (op %d)", f.Node, f.Kind, secs(f.From), end, f.FromOp))
	}
	if len(parts) == 0 {
		return ""
	}
	return "the kills and pauses of this run: " + strings.Join(parts, " | ")
}

// killed reports whether the run killed any node.
func (c *context) killed() bool {
	for _, f := range c.faults {
		if f.Kind == "killed" {
			return true
		}
	}
	return false
}

// killHint is the next step for a value lost in a run with kills.
const killHint = "A killed node loses everything it held only in memory, and comes back empty: acknowledge a write only once another node or a service holds it, and have a restarted node get back what it needs from its peers or the services (see the kills listed above)."
