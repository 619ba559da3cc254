package sim

import (
	"fmt"
	"time"

	"github.com/glomers/glomers/internal/network"
	"github.com/glomers/glomers/internal/workload/gset"
)

// A three-node g-set cluster on exponential latency: the clients run the
// g-set workload for 5 s while n0 is cut off from the others for 2 s, and
// the set-full checker judges the history. The same seed gives the same
// run, message for message.
func Example() {
	c := New(Config{Nodes: 3, New: newGSet(false), Seed: 42, Workload: gset.Workload(),
		Latency: network.Latency{Mean: 50 * time.Millisecond, Dist: network.Exponential}})
	c.Test(20, 5*time.Second, func() {
		c.At(c.Now()+time.Second, func() { c.Isolate([]string{"n0"}, []string{"n1", "n2"}) })
		c.At(c.Now()+3*time.Second, c.Heal)
	})
	fmt.Println("valid:", c.Check().Validity(), "errors:", len(c.Errors()))
	// Output: valid: true errors: 0
}
