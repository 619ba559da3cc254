package conformance

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// fakeT records how Dir ends a test instead of ending the real one.
type fakeT struct {
	testing.TB
	name    string
	failed  string
	skipped string
}

func (f *fakeT) Name() string { return f.name }
func (f *fakeT) Helper()      {}
func (f *fakeT) Fatal(a ...any) {
	f.failed = fmt.Sprint(a...)
	panic(f)
}
func (f *fakeT) Fatalf(format string, a ...any) {
	f.failed = fmt.Sprintf(format, a...)
	panic(f)
}
func (f *fakeT) Skip(a ...any) {
	f.skipped = fmt.Sprint(a...)
	panic(f)
}

// dir calls Dir as the named test would, and returns what it returned or
// how it ended the test.
func dir(name string) (f *fakeT, got string) {
	f = &fakeT{name: name}
	defer func() {
		if r := recover(); r != nil && r != f {
			panic(r)
		}
	}()
	return f, Dir(f)
}

// Dir finds the corpus beside the repository; without it the test skips,
// except under CI=true, where it fails; and only tests named for the
// corpus may read it, so that make test can list them.
func TestDir(t *testing.T) {
	tests := []struct {
		name        string
		test        string
		ci          string
		corpus      bool
		wantSkip    string
		wantFailure string
	}{
		{name: "found", test: "TestConformance", corpus: true},
		{name: "found under CI", test: "TestConformance/case", ci: "true", corpus: true},
		{name: "missing skips", test: "TestConformance", wantSkip: "the conformance corpus is not at"},
		{name: "missing fails under CI", test: "TestConformance", ci: "true", wantFailure: "CI=true, so a missing corpus fails"},
		{name: "other CI values skip", test: "TestConformance", ci: "1", wantSkip: "../shared/conformance"},
		{name: "name without Conformance", test: "TestCheck", corpus: true, wantFailure: `its name must contain "Conformance"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			root := t.TempDir()
			repo := filepath.Join(root, "repo")
			if err := os.MkdirAll(filepath.Join(repo, "sub"), 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(filepath.Join(repo, "go.mod"), []byte("module x\n"), 0o644); err != nil {
				t.Fatal(err)
			}
			if tt.corpus {
				if err := os.MkdirAll(filepath.Join(root, "shared", "conformance"), 0o755); err != nil {
					t.Fatal(err)
				}
			}
			t.Chdir(filepath.Join(repo, "sub"))
			t.Setenv("CI", tt.ci)
			f, got := dir(tt.test)
			switch {
			case tt.wantFailure != "":
				if !strings.Contains(f.failed, tt.wantFailure) {
					t.Errorf("failure %q, want one containing %q (skip %q)", f.failed, tt.wantFailure, f.skipped)
				}
			case tt.wantSkip != "":
				if !strings.Contains(f.skipped, tt.wantSkip) || f.failed != "" {
					t.Errorf("skip %q, failure %q; want a skip containing %q", f.skipped, f.failed, tt.wantSkip)
				}
			default:
				if want := filepath.Join(repo, "..", "shared", "conformance"); got != want || f.failed != "" || f.skipped != "" {
					t.Errorf("Dir = %q (failure %q, skip %q), want %q", got, f.failed, f.skipped, want)
				}
			}
		})
	}
}
