package e2e

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestChallenges runs every challenge at its official flags with our
// solution and requires a valid verdict. Speed and message targets are
// measured by the benchmarks, not here. Challenge 1 is covered by
// TestChallenge1Echo through glomers run.
func TestChallenges(t *testing.T) {
	out, err := exec.Command(filepath.Join(binDir, "glomers"), "presets", "all").Output()
	if err != nil {
		t.Fatalf("glomers presets: %v", err)
	}
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		f := strings.Fields(line)
		id, binary, flags := f[0], f[1], f[2:]
		if id == "1" {
			continue
		}
		t.Run(id, func(t *testing.T) {
			t.Parallel()
			if _, err := os.Stat(bin(binary)); err != nil {
				t.Fatalf("no solution binary %s: %v", binary, err)
			}
			r := glomers(t, append(append([]string{"test"}, flags...), "--bin", bin(binary))...)
			r.expect(t, 0, "Everything looks good!")
		})
	}
}

// TestFaultChallenges runs our fault presets (partitions, kills and
// pauses) through glomers run with the stock solutions: each must be valid
// with nodes killed and paused.
func TestFaultChallenges(t *testing.T) {
	for _, id := range []string{"3e-faults", "4-faults", "5c-faults", "6c-faults"} {
		t.Run(id, func(t *testing.T) {
			t.Parallel()
			r := glomers(t, "run", id, "--bin-dir", binDir)
			r.expect(t, 0, "Everything looks good!", "nodes killed and paused")
		})
	}
}
