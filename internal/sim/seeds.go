package sim

import (
	"encoding/json"
	"fmt"
	"os"
	"strconv"
	"strings"
	"testing"

	"github.com/glomers/glomers/internal/checker"
)

// SeedEnv names the environment variable that replays one seed: with
// SIM_SEED=N, Seeds runs seed N only.
const SeedEnv = "SIM_SEED"

// Seeds runs scenario for seeds 1 … n, each as the subtest "seed=N", and
// stops at the first seed that fails, saying how to replay it. With
// SIM_SEED=N in the environment it runs seed N only.
func Seeds(t *testing.T, n int, scenario func(t *testing.T, seed uint64)) {
	t.Helper()
	first, last := uint64(1), uint64(n)
	if s := os.Getenv(SeedEnv); s != "" {
		seed, err := strconv.ParseUint(s, 10, 64)
		if err != nil {
			t.Fatalf("%s=%q is not a seed (a non-negative integer)", SeedEnv, s)
		}
		first, last = seed, seed
	}
	for seed := first; seed <= last; seed++ {
		if !t.Run(fmt.Sprintf("seed=%d", seed), func(t *testing.T) { scenario(t, seed) }) {
			t.Errorf("seed %d failed; replay it alone with: %s=%d go test -run '^%s$' <this package>",
				seed, SeedEnv, seed, strings.SplitN(t.Name(), "/", 2)[0])
			return
		}
	}
}

// Verify fails t unless the run had no errors (see Errors) and the
// workload's checker finds the history valid. It returns the result.
func (c *Cluster) Verify(t testing.TB) checker.Result {
	t.Helper()
	for _, e := range c.errs {
		t.Errorf("cluster error %s", e)
	}
	res := c.Check()
	if res.Validity() != checker.Valid {
		b, _ := json.MarshalIndent(res, "", "  ")
		t.Errorf("checker verdict %v (%d ops in the history):\n%s", res.Validity(), len(c.hist), truncate(string(b), 3000))
	}
	return res
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + fmt.Sprintf("\n... (%d bytes in all)", len(s))
}

// Catches fails t unless the checker finds some run of seeds 1 … n
// invalid: run builds and runs a deliberately broken scenario. It shows a
// scenario able to fail, and logs the first seed that fails.
func Catches(t *testing.T, n int, run func(seed uint64) *Cluster) {
	t.Helper()
	for seed := uint64(1); seed <= uint64(n); seed++ {
		if run(seed).Check().Validity() == checker.Invalid {
			t.Logf("caught on seed %d", seed)
			return
		}
	}
	t.Errorf("the broken scenario passed seeds 1 to %d", n)
}

// Replays fails t unless two runs of seed give the same history and the
// same network journal, message for message: nothing in the scenario or
// the core depends on map order, goroutines or the real clock.
func Replays(t *testing.T, seed uint64, run func(seed uint64) *Cluster) {
	t.Helper()
	a, b := run(seed), run(seed)
	ja, jb := a.Journal(), b.Journal()
	for i := range min(len(ja), len(jb)) {
		x, y := ja[i], jb[i]
		if x.Time != y.Time || x.Type != y.Type || x.Message.Src != y.Message.Src || x.Message.Dest != y.Message.Dest || string(x.Message.Body) != string(y.Message.Body) {
			t.Fatalf("seed %d does not replay: journal event %d differs:\n%+v\n%+v", seed, i, x, y)
		}
	}
	if len(ja) != len(jb) {
		t.Fatalf("seed %d does not replay: %d and %d journal events", seed, len(ja), len(jb))
	}
	if ha, hb := fmt.Sprint(a.History()), fmt.Sprint(b.History()); ha != hb {
		t.Fatalf("seed %d does not replay: the histories differ", seed)
	}
}
