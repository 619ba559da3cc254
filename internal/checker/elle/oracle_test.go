package elle

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"math/rand"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"testing"

	"olympos.io/encoding/edn"

	"github.com/glomers/glomers/internal/checker"
	"github.com/glomers/glomers/internal/history"
)

// TestElleOracle compares CheckListAppend and Check (rw-register) with the
// real Elle 0.2.2, run as an external command, on every full-checker
// txn-list-append conformance case and on random histories of faulty
// stores under several models. It is a differential test outside CI: it runs only when
// GLOMERS_ELLE_ORACLE holds the command (Elle 0.2.2 and a driver built outside this repository),
// which takes EDN case files as arguments and prints one summary per case.
//
// Verdicts, anomaly types, :not and every cycle (its ops, in order) must
// agree. Cases in which Elle's search timed out are not compared: its
// 1 s limit per component makes them depend on the machine.
func TestElleOracle(t *testing.T) {
	cmd := os.Getenv("GLOMERS_ELLE_ORACLE")
	if cmd == "" {
		t.Skip("skipping: GLOMERS_ELLE_ORACLE is not set (the real Elle 0.2.2 is an oracle outside CI; a command that takes EDN case files and prints Elle 0.2.2's summary of each)")
	}
	dir := t.TempDir()
	type oracleCase struct {
		name     string
		workload string
		h        []history.Op
		opts     Options
	}
	var cases []oracleCase
	// The corpus is read without conformance.Dir: this test is not one of
	// the conformance tests make test lists (it needs the oracle too).
	files, _ := filepath.Glob(filepath.Join("..", "..", "..", "..", "shared", "conformance", "txn-list-append-*.json"))
	t.Logf("%d txn-list-append conformance cases found beside the repository", len(files))
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		var c conformanceCase
		if err := json.Unmarshal(b, &c); err != nil {
			t.Fatal(err)
		}
		if strings.Contains(c.Source, "cases-test") {
			continue // detector-level: Elle's full checker is not defined
		}
		cases = append(cases, oracleCase{filepath.Base(f), "txn-list-append", c.History, c.options(t)})
	}
	models := [][]string{nil, {"serializable"}, {"snapshot-isolation"}, {"repeatable-read"}, {"read-committed"}, {"strong-session-snapshot-isolation"}}
	n := 300
	if s := os.Getenv("GLOMERS_ELLE_ORACLE_N"); s != "" {
		fmt.Sscan(s, &n)
	}
	for i := 0; i < n; i++ {
		h := faultyHistory(int64(i), false)
		cases = append(cases, oracleCase{fmt.Sprintf("random-%d", i), "txn-list-append", h, Options{ConsistencyModels: models[i%len(models)]}})
		h = faultyHistory(int64(i), true)
		o := Options{ConsistencyModels: models[i%len(models)], WFRKeys: i%2 == 0}
		cases = append(cases, oracleCase{fmt.Sprintf("random-rw-%d", i), "txn-rw-register", h, o})
	}
	var args []string
	for i, c := range cases {
		p := filepath.Join(dir, fmt.Sprintf("%04d.edn", i))
		if err := os.WriteFile(p, oracleEDN(t, c.workload, c.h, c.opts), 0o644); err != nil {
			t.Fatal(err)
		}
		args = append(args, p)
	}
	fields := strings.Fields(cmd)
	out, err := exec.Command(fields[0], append(fields[1:], args...)...).Output()
	if err != nil {
		t.Fatalf("oracle: %v", err)
	}
	results := map[string]oracleSummary{}
	sc := bufio.NewScanner(bytes.NewReader(out))
	sc.Buffer(nil, 1<<24)
	for sc.Scan() {
		var line struct {
			File   string        `edn:"file"`
			Result oracleSummary `edn:"result"`
		}
		if err := edn.Unmarshal(sc.Bytes(), &line); err != nil {
			t.Fatalf("oracle line %q: %v", sc.Text(), err)
		}
		results[line.File] = line.Result
	}
	agree, timedOut := 0, 0
	for i, c := range cases {
		want, ok := results[fmt.Sprintf("%04d.edn", i)]
		if !ok {
			t.Errorf("%s: no oracle result", c.name)
			continue
		}
		r := CheckListAppend(c.h, c.opts)
		if c.workload == "txn-rw-register" {
			r = Check(c.h, c.opts)
		}
		got := summarize(r)
		if want.Error != "" || got.Error != "" {
			if (want.Error == "") != (got.Error == "") {
				t.Errorf("%s: oracle error %q, glomers error %q", c.name, want.Error, got.Error)
			} else {
				agree++
			}
			continue
		}
		if contains(want.Types, "cycle-search-timeout") {
			timedOut++ // Elle ran out of time (1 s per component): its result depends on the machine
			continue
		}
		if fmt.Sprint(want.Valid) != fmt.Sprint(got.Valid) || !reflect.DeepEqual(want.Not, got.Not) ||
			!reflect.DeepEqual(want.Types, got.Types) || !reflect.DeepEqual(want.Cycles, got.Cycles) {
			t.Errorf("%s (models %v):\n  Elle    %v %v not %v cycles %v\n  glomers %v %v not %v cycles %v", c.name, c.opts.ConsistencyModels,
				want.Valid, want.Types, want.Not, want.Cycles, got.Valid, got.Types, got.Not, got.Cycles)
			continue
		}
		agree++
	}
	t.Logf("%d of %d cases agree with Elle 0.2.2 on validity, anomaly types, :not and every cycle (%d where Elle's search timed out "+
		"are not compared)", agree, len(cases), timedOut)
}

func contains(ss []string, s string) bool {
	for _, x := range ss {
		if x == s {
			return true
		}
	}
	return false
}

// oracleSummary is what the oracle prints for a case.
type oracleSummary struct {
	Valid  any                `edn:"valid?"`
	Types  []string           `edn:"anomaly-types"`
	Not    []string           `edn:"not"`
	Cycles map[string][][]int `edn:"cycles"`
	Error  string             `edn:"error"`
}

func summarize(r Result) oracleSummary {
	s := oracleSummary{Valid: edn.Keyword("unknown"), Types: []string{}, Not: []string{}, Cycles: map[string][][]int{}, Error: r.Error}
	switch r.Valid {
	case checker.Valid:
		s.Valid = true
	case checker.Invalid:
		s.Valid = false
	}
	for _, t := range r.AnomalyTypes {
		s.Types = append(s.Types, string(t))
	}
	for _, n := range r.Not {
		s.Not = append(s.Not, string(n))
	}
	sort.Strings(s.Not)
	for t, cs := range r.Anomalies {
		if ccs, ok := cs.([]CycleCase); ok {
			for _, c := range ccs {
				var idx []int
				for _, op := range c.Cycle {
					idx = append(idx, op.Index)
				}
				s.Cycles[string(t)] = append(s.Cycles[string(t)], idx)
			}
		}
	}
	return s
}

// oracleEDN writes a case for the oracle: {:workload :opts :history}, with
// micro-op functions as keywords.
func oracleEDN(t *testing.T, workload string, h []history.Op, o Options) []byte {
	opts := map[edn.Keyword]any{}
	if o.ConsistencyModels != nil {
		var ms []edn.Keyword
		for _, m := range o.ConsistencyModels {
			ms = append(ms, edn.Keyword(m))
		}
		opts["consistency-models"] = ms
	}
	if o.Anomalies != nil {
		var as []edn.Keyword
		for _, a := range o.Anomalies {
			as = append(as, edn.Keyword(a))
		}
		opts["anomalies"] = as
	}
	if o.WFRKeys {
		opts["wfr-keys?"] = true
	}
	ops := make([]history.Op, len(h))
	for i, op := range h {
		if v, ok := op.Value.([]any); ok {
			mops := make([]any, len(v))
			for j, m := range v {
				t := append([]any{}, m.([]any)...)
				if s, ok := t[0].(string); ok {
					t[0] = edn.Keyword(s)
				}
				mops[j] = t
			}
			op.Value = mops
		}
		ops[i] = op
	}
	b, err := edn.Marshal(map[edn.Keyword]any{"workload": workload, "opts": opts, "history": ops})
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// faultyHistory runs 10 to 60 transactions (list appends, or register
// writes if registers) from up to 4 concurrent processes against a store
// of 1 to 3 replicas that sometimes copy each other's state wholesale
// (losing writes and reordering them), and that sometimes fail or time
// out. Every write of a key is a fresh value.
func faultyHistory(seed int64, registers bool) []history.Op {
	rng := rand.New(rand.NewSource(seed))
	replicas := make([]map[int64]any, 1+rng.Intn(3))
	for i := range replicas {
		replicas[i] = map[int64]any{}
	}
	write := history.Keyword("append")
	if registers {
		write = "w"
	}
	apply := func(r map[int64]any, k int64, v any) {
		if registers {
			r[k] = v
		} else {
			l, _ := r[k].([]any)
			r[k] = append(append([]any{}, l...), v)
		}
	}
	keys := 1 + rng.Intn(3)
	next := map[int64]int64{}
	var h []history.Op
	add := func(op history.Op) {
		op.Index, op.Time = len(h), int64(len(h))*1e6
		h = append(h, op)
	}
	type inflight struct {
		p   history.Process
		inv []any
	}
	var open []inflight
	busy := map[history.Process]bool{}
	complete := func(i int) {
		f := open[i]
		open = append(open[:i], open[i+1:]...)
		busy[f.p] = false
		r := replicas[rng.Intn(len(replicas))]
		switch x := rng.Intn(20); {
		case x == 0:
			add(history.Op{Type: history.Fail, Process: f.p, F: "txn", Value: f.inv})
			return
		case x == 1:
			for _, m := range f.inv {
				if t := m.([]any); t[0] == write {
					apply(r, t[1].(int64), t[2])
				}
			}
			add(history.Op{Type: history.Info, Process: f.p, F: "txn", Value: f.inv})
			return
		}
		done := make([]any, len(f.inv))
		for j, m := range f.inv {
			t := m.([]any)
			k := t[1].(int64)
			if t[0] == write {
				apply(r, k, t[2])
				done[j] = t
			} else if v, ok := r[k]; ok {
				if l, isList := v.([]any); isList {
					v = append([]any{}, l...)
				}
				done[j] = []any{t[0], k, v}
			} else {
				done[j] = t
			}
		}
		add(history.Op{Type: history.OK, Process: f.p, F: "txn", Value: done})
		if len(replicas) > 1 && rng.Intn(3) == 0 {
			a, b := rng.Intn(len(replicas)), rng.Intn(len(replicas))
			for k, v := range replicas[a] {
				replicas[b][k] = v
			}
		}
	}
	n := 10 + rng.Intn(50)
	for i := 0; i < n; i++ {
		for len(open) == 4 || (len(open) > 0 && rng.Intn(2) == 0) {
			complete(rng.Intn(len(open)))
		}
		var p history.Process
		for p = 0; busy[p]; p++ {
		}
		busy[p] = true
		var inv []any
		for l := 1 + rng.Intn(4); l > 0; l-- {
			k := int64(rng.Intn(keys))
			if rng.Intn(2) == 0 {
				inv = append(inv, []any{history.Keyword("r"), k, nil})
			} else {
				next[k]++
				inv = append(inv, []any{write, k, next[k]})
			}
		}
		open = append(open, inflight{p, inv})
		add(history.Op{Type: history.Invoke, Process: p, F: "txn", Value: inv})
	}
	for len(open) > 0 {
		complete(0)
	}
	return h
}
