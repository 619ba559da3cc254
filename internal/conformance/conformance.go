// Package conformance finds the shared conformance corpus for tests: small
// histories with the verdicts the reference checkers give. The corpus lives
// beside the repository, as ../shared/conformance; it is never copied in.
package conformance

import (
	"os"
	"path/filepath"
	"testing"
)

// Dir returns the corpus folder, or skips the test with a clear message
// when it is absent (CI always has it).
func Dir(t testing.TB) string {
	t.Helper()
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			break
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Skip("skipping: no go.mod above the test's folder, so no ../shared/conformance beside the repository")
		}
		dir = parent
	}
	c := filepath.Join(dir, "..", "shared", "conformance")
	if _, err := os.Stat(c); err != nil {
		t.Skipf("skipping: the conformance corpus is not at %s (it lives beside the repository as ../shared/conformance)", c)
	}
	return c
}

// Glob returns the corpus files matching pattern (e.g. "kafka-*.json"),
// failing the test when the corpus is there but holds none.
func Glob(t testing.TB, pattern string) []string {
	t.Helper()
	dir := Dir(t)
	files, err := filepath.Glob(filepath.Join(dir, pattern))
	if err != nil {
		t.Fatal(err)
	}
	if len(files) == 0 {
		t.Fatalf("no conformance case matches %s in %s", pattern, dir)
	}
	return files
}
