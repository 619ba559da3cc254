package e2e

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/glomers/glomers/internal/conformance"
)

// conformanceCase returns the path of a shared conformance case, skipping
// the test when the corpus is absent.
func conformanceCase(t *testing.T, name string) string {
	t.Helper()
	return filepath.Join(conformance.Dir(t), name)
}

func TestAnalyzeStoredRun(t *testing.T) {
	t.Parallel()
	r := glomers(t, "test", "-w", "echo", "--bin", bin("echo-alter"), "--node-count", "1", "--time-limit", "2")
	r.expect(t, 1)
	dir := filepath.Join(r.store, "echo", "latest")
	os.Remove(filepath.Join(dir, "results.edn"))
	os.Remove(filepath.Join(dir, "explanation.md"))
	a := glomers(t, "analyze", "-t", dir)
	a.expect(t, 1, "Expected a message with :echo", "Analysis invalid!",
		"# Why this echo run is invalid", `but the reply's echo was "not-right"`)
	if _, err := os.Stat(filepath.Join(dir, "results.edn")); err != nil {
		t.Errorf("analyze did not rewrite results.edn: %v", err)
	}
	if b, err := os.ReadFile(filepath.Join(dir, "explanation.md")); err != nil || !strings.Contains(string(b), "process 0 on n0") {
		t.Errorf("analyze did not rewrite explanation.md naming the process and node: %q, %v", b, err)
	}
}

func TestAnalyzeHistoryFileConformance(t *testing.T) {
	t.Parallel()
	tests := []struct {
		file, workload string
		code           int
		want           string
	}{
		{"unique-ids-duplicates.json", "unique-ids", 1, ":duplicated-count 1"},
		{"unique-ids-duplicates.json", "unique-ids", 1, "was returned by op"},
		{"unique-ids-empty.json", "unique-ids", 0, "Everything looks good!"},
		{"txn-list-append-g-nonadjacent.json", "txn-list-append", 1, ":anomaly-types (:G-nonadjacent-item)"},
		{"txn-list-append-duplicate-appends.json", "txn-list-append", 2, "value 1 appended to key 10 multiple times!"},
		{"txn-list-append-g1b-cases.json", "txn-list-append", 2, "no transaction wrote key 10 element 3"},
	}
	for _, tt := range tests {
		r := glomers(t, "analyze", "--history", conformanceCase(t, tt.file), "-w", tt.workload)
		r.expect(t, tt.code, tt.want)
	}
}

func TestAnalyzeBadInput(t *testing.T) {
	t.Parallel()
	junk := filepath.Join(t.TempDir(), "junk.edn")
	os.WriteFile(junk, []byte("{:index 0 :type :sideways}"), 0o644)
	glomers(t, "analyze", "--history", junk, "-w", "echo").expect(t, 254, "type must be invoke, ok, fail or info")
	glomers(t, "analyze", "-t", t.TempDir()).expect(t, 254, "is not a glomers run folder")
	glomers(t, "analyze", "--history", junk).expect(t, 254, "--history needs -w")
}
