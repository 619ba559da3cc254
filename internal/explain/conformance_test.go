package explain

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/glomers/glomers/internal/checker"
	"github.com/glomers/glomers/internal/checker/counter"
	"github.com/glomers/glomers/internal/checker/elle"
	"github.com/glomers/glomers/internal/checker/kafka"
	"github.com/glomers/glomers/internal/checker/setfull"
	"github.com/glomers/glomers/internal/checker/uniqueids"
	"github.com/glomers/glomers/internal/conformance"
	"github.com/glomers/glomers/internal/history"
)

// conformanceCheckers judge the corpus's cases by file name prefix.
var conformanceCheckers = []struct {
	prefix, workload string
	check            func(h []history.Op) checker.Result
}{
	{"kafka-", "kafka", func(h []history.Op) checker.Result { return kafka.Check(h, kafka.Options{}) }},
	{"txn-rw-register-", "txn-rw-register", func(h []history.Op) checker.Result {
		return elle.CheckMaelstrom(h, []string{"strict-serializable"})
	}},
	{"txn-list-append-", "txn-list-append", func(h []history.Op) checker.Result {
		return elle.CheckListAppend(h, elle.Options{ConsistencyModels: []string{"strict-serializable"}})
	}},
	{"g-set-", "g-set", func(h []history.Op) checker.Result { return setfull.Check(h, "add") }},
	{"broadcast-", "broadcast", func(h []history.Op) checker.Result { return setfull.Check(h, "broadcast") }},
	{"pn-counter-", "pn-counter", func(h []history.Op) checker.Result { return counter.Check(h) }},
	{"g-counter-", "g-counter", func(h []history.Op) checker.Result { return counter.Check(h) }},
	{"unique-ids-", "unique-ids", func(h []history.Op) checker.Result { return uniqueids.Check(h) }},
}

// TestConformanceExplained explains every invalid case of the conformance
// corpus for the workloads above: each error type that invalidates a case
// gets a section with a rule and a worked example.
func TestConformanceExplained(t *testing.T) {
	var explained int
	for _, path := range conformance.Glob(t, "*.json") {
		name := filepath.Base(path)
		var workload string
		var check func([]history.Op) checker.Result
		for _, cc := range conformanceCheckers {
			if strings.HasPrefix(name, cc.prefix) {
				workload, check = cc.workload, cc.check
			}
		}
		if check == nil {
			continue
		}
		c := conformance.Load(t, path)
		res := checker.Safely(func() checker.Result { return check(c.History) })
		if res.Validity() != checker.Invalid {
			continue
		}
		t.Run(name, func(t *testing.T) {
			sections := Explain(Run{Name: workload, History: c.History, Workload: res, Valid: res.Validity()})
			if len(sections) == 0 {
				t.Fatal("an invalid case got no explanation")
			}
			for _, s := range sections {
				if s.Rule == "" || len(s.Evidence) == 0 || strings.Contains(s.Rule, "see results.edn") {
					t.Errorf("section %q has no rule or no worked example:\n%s", s.Title, Markdown(workload, "invalid", []Section{s}))
				}
			}
		})
		explained++
	}
	if explained == 0 {
		t.Error("no invalid case in the corpus")
	}
}
