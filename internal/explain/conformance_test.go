package explain

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/glomers/glomers/internal/checker"
	"github.com/glomers/glomers/internal/checker/elle"
	"github.com/glomers/glomers/internal/checker/kafka"
	"github.com/glomers/glomers/internal/conformance"
)

// TestConformanceExplained explains every invalid kafka and rw-register
// case of the conformance corpus: each error type that invalidates a case
// gets a section with a worked example.
func TestConformanceExplained(t *testing.T) {
	var explained int
	kafkaCases := conformance.Glob(t, "kafka-*.json")
	for _, path := range append(kafkaCases, conformance.Glob(t, "txn-rw-register-*.json")...) {
		c := conformance.Load(t, path)
		workload := "txn-rw-register"
		var res checker.Result
		if strings.HasPrefix(filepath.Base(path), "kafka-") {
			workload, res = "kafka", kafka.Check(c.History, kafka.Options{})
		} else {
			res = elle.CheckMaelstrom(c.History, []string{"strict-serializable"})
		}
		if res.Validity() != checker.Invalid {
			continue
		}
		t.Run(filepath.Base(path), func(t *testing.T) {
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
		t.Error("no invalid kafka or rw-register case in the corpus")
	}
}
