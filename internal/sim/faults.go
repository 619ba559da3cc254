package sim

import (
	"math/rand/v2"
	"time"

	"github.com/glomers/glomers/node"
)

// Kill stops node id as SIGKILL would: its memory is gone, its timers
// stop, and every message due to it until Restart is dropped. Messages it
// sent before stay on the network.
func (c *Cluster) Kill(id string) {
	n := c.nodes[id]
	n.tickGen++ // cancels its pending tick
	c.net.Down(id)
	c.logf("killed %s", id)
}

// Restart gives a killed node a fresh machine, as the runner's kill
// nemesis starts a fresh process, and sends it init again with the same
// node ids.
func (c *Cluster) Restart(id string) {
	m := node.NewMachine(c.cfg.New)
	m.Logf = func(format string, a ...any) { c.logf(id+": "+format, a...) }
	c.nodes[id].m = m
	c.net.Up(id)
	c.logf("restarted %s", id)
	c.Init(id)
}

// Kills schedules, from now for d, kills of one random node at a time,
// each restarted after 0–2 s, as the runner's kill nemesis does (so never
// more than one node down); the last is restarted by now+d.
func (c *Cluster) Kills(d time.Duration) {
	rng := rand.New(rand.NewPCG(c.rng.Uint64(), c.rng.Uint64()))
	end := c.now + d
	for at := c.now + 500*time.Millisecond; ; {
		down := time.Duration(rng.Int64N(int64(2 * time.Second)))
		if at+down >= end {
			return
		}
		id := c.ids[rng.IntN(len(c.ids))]
		c.At(at, func() { c.Kill(id) })
		c.At(at+down, func() { c.Restart(id) })
		at += down + time.Duration(rng.Int64N(int64(2*time.Second)))
	}
}
