package nemesis

import (
	"fmt"
	"math/rand/v2"
	"slices"

	"github.com/glomers/glomers/internal/history"
)

// Net is what partitions act on. *network.Network and *network.Driver
// satisfy it.
type Net interface {
	// Partition adds grudge (receiver -> senders it drops) to the
	// partitions in force.
	Partition(grudge map[string][]string)
	// Heal removes every partition.
	Heal()
}

// Partitioner applies nemesis operations to a network of test nodes.
// Clients and services are never in a grudge, so never partitioned.
type Partitioner struct {
	net   Net
	nodes []string
	rng   *rand.Rand
}

// NewPartitioner returns a partitioner over nodes (in test order) that
// draws the random choices of each grudge from rng.
func NewPartitioner(net Net, nodes []string, rng *rand.Rand) *Partitioner {
	return &Partitioner{net: net, nodes: slices.Clone(nodes), rng: rng}
}

// Start builds a grudge of spec and adds it to the network, without
// healing first (a start always follows a heal).
func (p *Partitioner) Start(spec Spec) (Grudge, error) {
	g, err := Build(spec, p.nodes, p.rng)
	if err != nil {
		return nil, err
	}
	p.net.Partition(g)
	return g, nil
}

// Stop heals the network.
func (p *Partitioner) Stop() { p.net.Heal() }

// Apply performs a nemesis invocation (StartInvocation or StopInvocation)
// and returns its completion.
func (p *Partitioner) Apply(inv history.Op) (history.Op, error) {
	switch inv.F {
	case FStart:
		spec, ok := inv.Value.(history.Keyword)
		if !ok {
			return history.Op{}, fmt.Errorf("nemesis: start-partition value %v is not a spec keyword", inv.Value)
		}
		g, err := p.Start(Spec(spec))
		if err != nil {
			return history.Op{}, err
		}
		return StartCompletion(g), nil
	case FStop:
		p.Stop()
		return StopCompletion(), nil
	}
	return history.Op{}, fmt.Errorf("nemesis: unknown function %q", inv.F)
}
