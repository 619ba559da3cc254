// Package nemesis is Maelstrom's partition nemesis, and Jepsen's kill and
// pause nemeses, as plain values: the grudges each partition spec builds,
// the nodes a kill or pause picks, the schedule of start and stop
// operations, the history ops that record them, and a Partitioner that
// applies partitions to a network. Nothing here starts a goroutine or reads
// a clock; the runner drives each Schedule in real time and acts on the
// processes.
package nemesis

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"slices"
	"sort"

	"olympos.io/encoding/edn"
)

// Spec names a shape of partition.
type Spec string

// The four partition specs Maelstrom chooses from.
const (
	// One cuts a single random node off from all others, both ways.
	One Spec = "one"
	// Majority splits the nodes into a random ⌊n/2⌋ and the rest.
	Majority Spec = "majority"
	// MinorityThird cuts ⌊(n−1)/3⌋ random nodes off from the rest.
	MinorityThird Spec = "minority-third"
	// MajoritiesRing lets every node see a majority, no two the same one.
	MajoritiesRing Spec = "majorities-ring"
)

// Specs lists the specs a start chooses from, uniformly.
var Specs = []Spec{One, MinorityThird, Majority, MajoritiesRing}

// Grudge maps each receiver to the senders whose messages it drops, sorted.
// Receivers that drop nothing are left out, so a no-op is an empty Grudge.
type Grudge map[string][]string

// Build returns the grudge of spec over nodes, drawing randomness from rng.
func Build(spec Spec, nodes []string, rng *rand.Rand) (Grudge, error) {
	switch spec {
	case One:
		return oneGrudge(nodes, rng), nil
	case Majority:
		return majorityGrudge(nodes, rng), nil
	case MinorityThird:
		return minorityThirdGrudge(nodes, rng), nil
	case MajoritiesRing:
		return majoritiesRingGrudge(nodes, rng), nil
	}
	return nil, fmt.Errorf("nemesis: unknown partition spec %q", spec)
}

// Drops reports whether receiver drops messages from sender.
func (g Grudge) Drops(receiver, sender string) bool {
	_, found := slices.BinarySearch(g[receiver], sender)
	return found
}

// MarshalEDN writes the grudge as Jepsen prints it: a map from receiver to
// the set of senders it drops, receivers in order.
func (g Grudge) MarshalEDN() ([]byte, error) {
	receivers := make([]string, 0, len(g))
	for r := range g {
		receivers = append(receivers, r)
	}
	sort.Strings(receivers)
	var b bytes.Buffer
	b.WriteByte('{')
	for i, r := range receivers {
		if i > 0 {
			b.WriteString(", ")
		}
		if err := writeEDN(&b, r); err != nil {
			return nil, err
		}
		b.WriteString(" #{")
		for j, s := range g[r] {
			if j > 0 {
				b.WriteByte(' ')
			}
			if err := writeEDN(&b, s); err != nil {
				return nil, err
			}
		}
		b.WriteByte('}')
	}
	b.WriteByte('}')
	return b.Bytes(), nil
}

func writeEDN(b *bytes.Buffer, v any) error {
	out, err := edn.Marshal(v)
	if err != nil {
		return fmt.Errorf("encode %v as EDN: %w", v, err)
	}
	b.Write(out)
	return nil
}

// oneGrudge isolates one random node. With one node there is nobody to
// isolate it from.
func oneGrudge(nodes []string, rng *rand.Rand) Grudge {
	if len(nodes) == 0 {
		return Grudge{}
	}
	i := rng.IntN(len(nodes))
	rest := slices.Delete(slices.Clone(nodes), i, i+1)
	return completeGrudge([]string{nodes[i]}, rest)
}

// majorityGrudge splits a shuffle of the nodes into its first ⌊n/2⌋ and the
// rest.
func majorityGrudge(nodes []string, rng *rand.Rand) Grudge {
	s := shuffled(nodes, rng)
	k := len(s) / 2
	return completeGrudge(s[:k], s[k:])
}

// minorityThirdGrudge cuts off the first ⌊(n−1)/3⌋ of a shuffle, which is
// nobody for n ≤ 3.
func minorityThirdGrudge(nodes []string, rng *rand.Rand) Grudge {
	s := shuffled(nodes, rng)
	k := 0
	if len(s) > 0 {
		k = (len(s) - 1) / 3
	}
	return completeGrudge(s[:k], s[k:])
}

// completeGrudge makes every node of each component drop every node of the
// other components. Empty components change nothing.
func completeGrudge(components ...[]string) Grudge {
	g := Grudge{}
	for i, c := range components {
		var others []string
		for j, d := range components {
			if j != i {
				others = append(others, d...)
			}
		}
		if len(others) == 0 {
			continue
		}
		sort.Strings(others)
		for _, n := range c {
			g[n] = others
		}
	}
	return g
}

// majoritiesRingGrudge lets every node see a majority of the nodes,
// itself included, with no two nodes seeing the same set when that is
// possible (n ≥ 3). Up to 5 nodes it uses the exact ring construction,
// which may cut links one way only; above 5 it links nodes at random.
func majoritiesRingGrudge(nodes []string, rng *rand.Rand) Grudge {
	if len(nodes) <= 5 {
		return ringGrudge(shuffled(nodes, rng))
	}
	return randomMajoritiesGrudge(nodes, rng)
}

// majority returns the smallest majority of n nodes.
func majority(n int) int { return n/2 + 1 }

// ringGrudge takes each of the n windows of m = majority(n) consecutive
// nodes of ring and makes the window's middle member (index ⌊m/2⌋) drop
// every node outside it. Each node is the middle of exactly one window, so
// each sees exactly that window, and the windows differ whenever m < n.
func ringGrudge(ring []string) Grudge {
	n := len(ring)
	m := majority(n)
	g := Grudge{}
	for i := range ring {
		middle := ring[(i+m/2)%n]
		var outside []string
		for j := m; j < n; j++ {
			outside = append(outside, ring[(i+j)%n])
		}
		if len(outside) == 0 {
			continue
		}
		sort.Strings(outside)
		g[middle] = outside
	}
	return g
}

// randomAttempts bounds how often randomMajoritiesGrudge redraws a graph in
// which two nodes see the same set before falling back to the ring.
const randomAttempts = 100

// randomMajoritiesGrudge links nodes two ways at random, always extending
// one of the nodes that sees the fewest, until every node sees a
// majority, then turns the links into drops. A draw in which two nodes
// see the same set is thrown away; after randomAttempts such draws (which
// practically never happens) the ring construction, whose views always
// differ, is used instead.
func randomMajoritiesGrudge(nodes []string, rng *rand.Rand) Grudge {
	for range randomAttempts {
		sees := linkLeastConnected(len(nodes), rng)
		if allDistinct(sees) {
			return dropsFrom(nodes, sees)
		}
	}
	return ringGrudge(shuffled(nodes, rng))
}

// linkLeastConnected returns, for nodes 0…n−1, who each node sees: itself
// plus the nodes it was linked to.
func linkLeastConnected(n int, rng *rand.Rand) []map[int]bool {
	m := majority(n)
	sees := make([]map[int]bool, n)
	for i := range sees {
		sees[i] = map[int]bool{i: true}
	}
	for {
		a, ok := pickFewest(sees, rng, func(i int) bool { return len(sees[i]) < m })
		if !ok {
			return sees
		}
		b, _ := pickFewest(sees, rng, func(i int) bool { return !sees[a][i] })
		sees[a][b] = true
		sees[b][a] = true
	}
}

// pickFewest returns a random node among those that pass keep and see the
// fewest nodes, or false if none pass.
func pickFewest(sees []map[int]bool, rng *rand.Rand, keep func(int) bool) (int, bool) {
	var best []int
	for i := range sees {
		if !keep(i) {
			continue
		}
		switch {
		case len(best) == 0 || len(sees[i]) < len(sees[best[0]]):
			best = append(best[:0], i)
		case len(sees[i]) == len(sees[best[0]]):
			best = append(best, i)
		}
	}
	if len(best) == 0 {
		return 0, false
	}
	return best[rng.IntN(len(best))], true
}

// allDistinct reports whether no two nodes see the same set.
func allDistinct(sees []map[int]bool) bool {
	seen := map[string]bool{}
	for _, s := range sees {
		members := make([]int, 0, len(s))
		for i := range s {
			members = append(members, i)
		}
		sort.Ints(members)
		k := fmt.Sprint(members)
		if seen[k] {
			return false
		}
		seen[k] = true
	}
	return true
}

// dropsFrom inverts visibility: each node drops every node it does not see.
func dropsFrom(nodes []string, sees []map[int]bool) Grudge {
	g := Grudge{}
	for i, n := range nodes {
		var drops []string
		for j, other := range nodes {
			if !sees[i][j] {
				drops = append(drops, other)
			}
		}
		if len(drops) > 0 {
			sort.Strings(drops)
			g[n] = drops
		}
	}
	return g
}

func shuffled(nodes []string, rng *rand.Rand) []string {
	s := slices.Clone(nodes)
	rng.Shuffle(len(s), func(i, j int) { s[i], s[j] = s[j], s[i] })
	return s
}
