// Package conformance finds the shared conformance corpus for tests: small
// histories with the verdicts the reference checkers give. The corpus lives
// beside the repository, as ../shared/conformance; it is never copied in.
package conformance

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/glomers/glomers/internal/history"
)

// Dir returns the corpus folder. When it is absent the test skips, or,
// under CI=true, fails: CI must never pass without the corpus. A test that
// reads the corpus must have "Conformance" in its name, which is how
// `make test` lists the tests it skips (see scripts/conformance-missing.sh).
func Dir(t testing.TB) string {
	t.Helper()
	if !strings.Contains(t.Name(), "Conformance") {
		t.Fatalf("%s reads the conformance corpus, so its name must contain \"Conformance\" (make test lists those tests when the corpus is missing)", t.Name())
	}
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
			missing(t, "no go.mod above the test's folder, so no ../shared/conformance beside the repository")
		}
		dir = parent
	}
	c := filepath.Join(dir, "..", "shared", "conformance")
	if _, err := os.Stat(c); err != nil {
		missing(t, fmt.Sprintf("the conformance corpus is not at %s (it lives beside the repository as ../shared/conformance)", c))
	}
	return c
}

// missing skips the test for want of the corpus, or fails it under CI=true.
func missing(t testing.TB, why string) {
	t.Helper()
	if os.Getenv("CI") == "true" {
		t.Fatalf("%s; CI=true, so a missing corpus fails rather than skips", why)
	}
	t.Skip("skipping: " + why)
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

// Case is one conformance file: the history, decoded as the runner decodes
// JSON (whole numbers as int64), and the raw expected results.
type Case struct {
	Options json.RawMessage            `json:"options"`
	Notes   string                     `json:"notes"`
	Expect  map[string]json.RawMessage `json:"expect"`
	History []history.Op               `json:"-"`
}

// Load reads a case file, failing the test on any error.
func Load(t testing.TB, path string) Case {
	t.Helper()
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var c Case
	if err := json.Unmarshal(raw, &c); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	if c.History, err = history.Read(bytes.NewReader(raw)); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return c
}
