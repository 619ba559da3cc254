package nemesis

import (
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/glomers/glomers/internal/history"
)

func TestParseFault(t *testing.T) {
	for _, f := range Faults {
		if got, err := ParseFault(string(f)); err != nil || got != f {
			t.Errorf("ParseFault(%s) = %v, %v", f, got, err)
		}
	}
	if _, err := ParseFault("crash"); err == nil || !strings.Contains(err.Error(), `unknown fault "crash" (known: partition, kill, pause)`) {
		t.Errorf("ParseFault(crash) error %v", err)
	}
}

func TestTargets(t *testing.T) {
	five := []string{"n0", "n1", "n2", "n3", "n4"}
	tests := []struct {
		spec       Spec
		candidates []string
		total      int
		room       int
		want       int
	}{
		{One, five, 5, 2, 1},
		{Minority, five, 5, 2, 2},
		{Minority, five, 5, 1, 1}, // one node is already down
		{Minority, five[:3], 5, 2, 2},
		{One, five, 5, 0, 0},
		{Minority, []string{"n0", "n1"}, 2, 1, 1},
		{Minority, []string{"n0", "n1", "n2"}, 3, 1, 1},
		{Minority, five[:1], 25, 12, 1},
	}
	for _, tt := range tests {
		for seed := range uint64(20) {
			got, err := Targets(tt.spec, tt.candidates, tt.total, tt.room, rand.New(rand.NewPCG(seed, 1)))
			if err != nil || len(got) != tt.want || !slices.IsSorted(got) {
				t.Fatalf("Targets(%s, %v, total %d, room %d) = %v, %v; want %d sorted nodes", tt.spec, tt.candidates, tt.total, tt.room, got, err, tt.want)
			}
			for _, n := range got {
				if !slices.Contains(tt.candidates, n) {
					t.Fatalf("target %s is not a candidate", n)
				}
			}
		}
	}
	if _, err := Targets("majority", five, 5, 2, rand.New(rand.NewPCG(1, 1))); err == nil {
		t.Error("a partition spec was taken as a node spec")
	}
}

func TestMaxDown(t *testing.T) {
	for n, want := range map[int]int{1: 1, 2: 1, 3: 1, 4: 1, 5: 2, 25: 12} {
		if got := MaxDown(n); got != want {
			t.Errorf("MaxDown(%d) = %d, want %d", n, got, want)
		}
	}
}

func TestNodeOps(t *testing.T) {
	inv := NodeInvocation(FKill, Minority)
	if inv.Type != history.Info || inv.Process != history.Nemesis || inv.F != "kill" || inv.Value != history.Keyword("minority") {
		t.Errorf("kill invocation %+v", inv)
	}
	done := NodeCompletion(FRestart, map[string]history.Keyword{"n0": Started, "n1": AlreadyRunning, "n2": Started})
	if got := Affected(done); !slices.Equal(got, []string{"n0", "n2"}) {
		t.Errorf("Affected = %v, want n0 and n2 (not the one already running)", got)
	}
	// As history.edn reads it back: keyword values print with a colon.
	decoded := history.Op{Value: map[any]any{"n3": history.Keyword("paused")}}
	if got := Affected(decoded); !slices.Equal(got, []string{"n3"}) {
		t.Errorf("Affected(decoded) = %v", got)
	}
}
