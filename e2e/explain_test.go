package e2e

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/glomers/glomers/internal/history"
	"github.com/glomers/glomers/internal/rundir"
)

// runHistory reads a run folder's history and test record.
func runHistory(t *testing.T, dir string) ([]history.Op, rundir.Record) {
	t.Helper()
	f, err := os.Open(filepath.Join(dir, "history.json"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	h, err := history.Read(f)
	if err != nil {
		t.Fatalf("history.json: %v", err)
	}
	var rec rundir.Record
	b, err := os.ReadFile(filepath.Join(dir, "test.json"))
	if err == nil {
		err = json.Unmarshal(b, &rec)
	}
	if err != nil || rec.Concurrency <= 0 || len(rec.Nodes) == 0 {
		t.Fatalf("test.json has no nodes or concurrency: %v\n%s", err, b)
	}
	return h, rec
}

// nodeOf is the node process p sends its requests to, as Maelstrom binds
// clients: process p runs on thread p mod concurrency, and thread t talks
// to node t mod the node count.
func nodeOf(rec rundir.Record, p history.Process) string {
	return rec.Nodes[int(p)%rec.Concurrency%len(rec.Nodes)]
}

// invocations maps each completion's index to its invocation, pairing
// them by process, however the ops of different processes interleave.
func invocations(h []history.Op) map[int]history.Op {
	open := map[history.Process]history.Op{}
	out := map[int]history.Op{}
	for _, op := range h {
		if !op.IsClient() {
			continue
		}
		if op.Type == history.Invoke {
			open[op.Process] = op
			continue
		}
		if inv, ok := open[op.Process]; ok {
			out[op.Index] = inv
			delete(open, op.Process)
		}
	}
	return out
}

// duplicateIDFromHistory finds in the run's history the first id, in
// order of completion, that a second :ok generate returned, and checks
// that the explanation names it, how often it came back, and the two ops
// that returned it first (invocation, completion, process and node),
// whatever their indices. unique-ids-dup counts on each node from 0, so
// those two ops ran on different nodes.
func duplicateIDFromHistory(t *testing.T, dir, explanation string) {
	t.Helper()
	h, rec := runHistory(t, dir)
	inv := invocations(h)
	var oks []history.Op
	count := map[string]int{}
	for _, op := range h {
		if op.IsClient() && op.F == "generate" && op.Type == history.OK {
			oks = append(oks, op)
			count[history.Readable(op.Value)]++
		}
	}
	first := map[string]history.Op{}
	for _, op := range oks {
		id := history.Readable(op.Value)
		a, dup := first[id]
		if !dup {
			first[id] = op
			continue
		}
		times := "twice"
		if n := count[id]; n > 2 {
			times = fmt.Sprintf("%d times", n)
		}
		name := func(done history.Op) string {
			return fmt.Sprintf("op %d → op %d (process %d on %s, ", inv[done.Index].Index, done.Index, done.Process, nodeOf(rec, done.Process))
		}
		for _, w := range []string{
			fmt.Sprintf("## workload: id %s was returned %s", id, times),
			fmt.Sprintf("id %s was returned by %s", id, name(a)),
			" and again by " + name(op),
		} {
			if !strings.Contains(explanation, w) {
				t.Errorf("explanation.md lacks %q (from history.json):\n%s", w, explanation)
			}
		}
		if nodeOf(rec, a.Process) == nodeOf(rec, op.Process) {
			t.Errorf("ops %d and %d returned id %s on the same node %s; unique-ids-dup never repeats an id on one node", a.Index, op.Index, id, nodeOf(rec, a.Process))
		}
		return
	}
	t.Fatalf("history.json has no id returned twice")
}

// incompatibleReadLine matches the first incompatible-order example: the
// key, each read's list and the op (process, node) that read it.
var incompatibleReadLine = regexp.MustCompile(`key (\S+) was read as (\[[^\]]*\]) by op (\d+) \(process (\d+) on (n\d+), .*?, and as (\[[^\]]*\]) by op (\d+) \(process (\d+) on (n\d+), `)

// incompatibleReadsFromHistory checks the incompatible-order example of
// the explanation against the run's history: each named op really read
// that list from that key, neither list is a prefix of the other, and
// the two reads ran on different nodes (listappend-local keeps one list
// per node, so one node's reads are always prefixes of each other).
func incompatibleReadsFromHistory(t *testing.T, dir, explanation string) {
	t.Helper()
	m := incompatibleReadLine.FindStringSubmatch(explanation)
	if m == nil {
		t.Fatalf("no incompatible-order example with its key, reads and ops in:\n%s", explanation)
	}
	h, rec := runHistory(t, dir)
	byIndex := map[int]history.Op{}
	for _, op := range h {
		byIndex[op.Index] = op
	}
	key := m[1]
	for _, r := range [][]string{m[2:6], m[6:10]} {
		list, idx, proc, node := r[0], r[1], r[2], r[3]
		i, _ := strconv.Atoi(idx)
		op, ok := byIndex[i]
		if !ok || op.Type != history.OK || history.Readable(op.Process) != proc {
			t.Errorf("op %s (process %s) is not an :ok completion of process %s in history.json: %+v", idx, proc, proc, op)
			continue
		}
		if !readsList(op, key, list) {
			t.Errorf("op %d did not read %s from key %s: %s", op.Index, list, key, history.Readable(op.Value))
		}
		if want := nodeOf(rec, op.Process); want != node {
			t.Errorf("op %d: process %d talks to %s, the explanation says %s", op.Index, op.Process, want, node)
		}
	}
	a, b := strings.Trim(m[2], "[]"), strings.Trim(m[6], "[]")
	if strings.HasPrefix(b+" ", a+" ") || strings.HasPrefix(a+" ", b+" ") || a == "" || b == "" {
		t.Errorf("reads %s and %s of key %s are compatible: one is a prefix of the other", m[2], m[6], key)
	}
	if m[5] == m[9] {
		t.Errorf("both reads of key %s ran on %s; listappend-local's reads on one node never disagree", key, m[5])
	}
}

// readsList reports whether op's transaction read list (as EDN) from key.
func readsList(op history.Op, key, list string) bool {
	mops, _ := op.Value.([]any)
	for _, x := range mops {
		mop, ok := x.([]any)
		if ok && len(mop) == 3 && strings.Trim(history.Plain(mop[0]), ":") == "r" &&
			history.Readable(mop[1]) == key && history.Readable(mop[2]) == list {
			return true
		}
	}
	return false
}

// finalReadLine matches a final read of the counter explanation: its
// invocation, completion, process and node.
var finalReadLine = regexp.MustCompile(`final read op (\d+) → op (\d+) \(process (\d+) on (n\d+),`)

// finalReadOnEveryNode checks that the counter explanation lists a final
// read on every node, each named by the ops, process and node that
// history.json and test.json give it, whichever processes ran them (a
// process that timed out is replaced by a new one on the same thread).
func finalReadOnEveryNode(t *testing.T, dir, explanation string) {
	t.Helper()
	h, rec := runHistory(t, dir)
	inv := invocations(h)
	byIndex := map[int]history.Op{}
	for _, op := range h {
		byIndex[op.Index] = op
	}
	seen := map[string]bool{}
	for _, m := range finalReadLine.FindAllStringSubmatch(explanation, -1) {
		i, _ := strconv.Atoi(m[1])
		j, _ := strconv.Atoi(m[2])
		done, ok := byIndex[j]
		switch {
		case !ok || done.F != "read" || !done.Final || done.Type != history.OK:
			t.Errorf("op %d is not an :ok final read in history.json: %+v", j, done)
		case inv[j].Index != i || history.Readable(done.Process) != m[3]:
			t.Errorf("final read op %s → op %s (process %s): history.json pairs op %d with op %d of process %d", m[1], m[2], m[3], j, inv[j].Index, done.Process)
		case nodeOf(rec, done.Process) != m[4]:
			t.Errorf("op %d: process %d talks to %s, the explanation says %s", j, done.Process, nodeOf(rec, done.Process), m[4])
		}
		seen[m[4]] = true
	}
	for _, n := range rec.Nodes {
		if !seen[n] {
			t.Errorf("no final read on %s in:\n%s", n, explanation)
		}
	}
}
