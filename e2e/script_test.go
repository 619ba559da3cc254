package e2e

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// fakeMaelstrom writes a maelstrom stand-in into dir that appends its
// arguments, one per line, and a "---" line to log.
func fakeMaelstrom(t *testing.T, dir, log string) string {
	t.Helper()
	path := filepath.Join(dir, "maelstrom")
	script := "#!/bin/sh\nprintf '%s\\n' \"$@\" >> " + log + "\necho --- >> " + log + "\n"
	if err := os.WriteFile(path, []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	return path
}

func runScript(t *testing.T, env []string, args ...string) (string, error) {
	t.Helper()
	script, err := filepath.Abs("../scripts/run-maelstrom.sh")
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("bash", append([]string{script}, args...)...)
	cmd.Dir = t.TempDir() // the fallback's glomers run keeps its store here
	cmd.Env = append(os.Environ(), append([]string{"GLOMERS_BIN_DIR=" + binDir}, env...)...)
	out, err := cmd.CombinedOutput()
	return string(out), err
}

func TestRunMaelstromUsesRealMaelstrom(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	log := filepath.Join(dir, "args")
	fakeMaelstrom(t, dir, log)
	out, err := runScript(t, []string{"PATH=" + dir + ":" + os.Getenv("PATH")}, "1")
	if err != nil {
		t.Fatalf("script failed: %v\n%s", err, out)
	}
	got, _ := os.ReadFile(log)
	want := strings.Join([]string{"test", "-w", "echo", "--node-count", "1", "--time-limit", "10", "--bin", filepath.Join(binDir, "echo"), "---", ""}, "\n")
	if string(got) != want {
		t.Errorf("maelstrom got\n%s\nwant\n%s", got, want)
	}
}

func TestRunMaelstromAllWithEnvVariable(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	log := filepath.Join(dir, "args")
	fake := fakeMaelstrom(t, dir, log)
	out, err := runScript(t, []string{"MAELSTROM=" + fake}, "all")
	if err != nil {
		t.Fatalf("script failed: %v\n%s", err, out)
	}
	presets, err := exec.Command(filepath.Join(binDir, "glomers"), "presets", "all").Output()
	if err != nil {
		t.Fatal(err)
	}
	got, _ := os.ReadFile(log)
	runs := strings.Count(string(got), "---\n")
	if want := strings.Count(string(presets), "\n"); runs != want || runs == 0 {
		t.Errorf("maelstrom ran %d times, want once per challenge (%d)\n%s", runs, want, got)
	}
	for _, line := range strings.Split(strings.TrimSpace(string(presets)), "\n") {
		f := strings.Fields(line)
		if !strings.Contains(string(got), filepath.Join(binDir, f[1])) {
			t.Errorf("challenge %s not run with %s", f[0], f[1])
		}
	}
}

func TestRunMaelstromFallsBackToGlomers(t *testing.T) {
	t.Parallel()
	out, err := runScript(t, []string{"PATH=" + filepath.Dir(mustLookPath(t, "bash")) + ":/usr/bin:/bin", "MAELSTROM="}, "1")
	if err != nil {
		t.Fatalf("script failed: %v\n%s", err, out)
	}
	for _, want := range []string{"Maelstrom not found", "challenge 1 (echo)", "Everything looks good!"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, tail(out))
		}
	}
}

func TestRunMaelstromBadArguments(t *testing.T) {
	t.Parallel()
	if out, err := runScript(t, nil); err == nil || !strings.Contains(out, "usage:") {
		t.Errorf("no argument: err %v, output %q", err, out)
	}
}

func mustLookPath(t *testing.T, name string) string {
	t.Helper()
	p, err := exec.LookPath(name)
	if err != nil {
		t.Fatal(err)
	}
	return p
}
