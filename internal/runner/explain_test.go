package runner

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/glomers/glomers/internal/checker"
	"github.com/glomers/glomers/internal/checker/uniqueids"
	"github.com/glomers/glomers/internal/history"
	"github.com/glomers/glomers/internal/workload"
)

func TestExplainFile(t *testing.T) {
	dir := t.TempDir()
	h := []history.Op{
		{Index: 0, Type: history.Invoke, Process: 0, F: "generate"},
		{Index: 1, Type: history.OK, Process: 0, F: "generate", Value: int64(5)},
		{Index: 2, Type: history.Invoke, Process: 1, F: "generate"},
		{Index: 3, Type: history.OK, Process: 1, F: "generate", Value: int64(5)},
	}
	opts := workload.Options{Nodes: []string{"n0", "n1"}, Concurrency: 2}
	res := Results{Workload: uniqueids.Check(h), Valid: checker.Invalid}
	text, err := Explain(dir, "unique-ids", opts, h, &res, nil)
	if err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(filepath.Join(dir, "explanation.md"))
	if err != nil || string(b) != text {
		t.Fatalf("explanation.md = %q (%v), want the returned text %q", b, err, text)
	}
	if !strings.Contains(text, "id 5 was returned by op 0 → op 1 (process 0 on n0") || !strings.Contains(text, "op 2 → op 3 (process 1 on n1") {
		t.Errorf("explanation does not name the two ops and their nodes:\n%s", text)
	}

	// A run that became valid on re-analysis loses its old explanation.
	valid := Results{Valid: checker.Valid}
	if text, err := Explain(dir, "unique-ids", opts, h, &valid, nil); err != nil || text != "" {
		t.Fatalf("valid run: %q, %v", text, err)
	}
	if _, err := os.Stat(filepath.Join(dir, "explanation.md")); !os.IsNotExist(err) {
		t.Errorf("explanation.md of a valid run still exists: %v", err)
	}

	// A crash: the cause, with crash.txt when the folder has one.
	if err := os.WriteFile(filepath.Join(dir, "crash.txt"), []byte("node n1 exited with status 2\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	text, err = Explain(dir, "unique-ids", opts, h, nil, errors.New("Node n1 crashed with exit status 2"))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"unique-ids run crashed", "crash.txt:\n  node n1 exited with status 2"} {
		if !strings.Contains(text, want) {
			t.Errorf("crash explanation lacks %q:\n%s", want, text)
		}
	}

	// Analysed again, a crashed run keeps its crash in the explanation,
	// even when what history there is passes the checkers.
	text, err = Explain(dir, "unique-ids", opts, h, &valid, nil)
	if err != nil || !strings.Contains(text, "unique-ids run crashed") || !strings.Contains(text, "node n1 exited with status 2") {
		t.Errorf("re-analysed crashed run: %v\n%s", err, text)
	}
}
