package nemesis

import (
	"fmt"
	"math/rand/v2"
	"reflect"
	"slices"
	"sort"
	"strings"
	"testing"
)

func nodeIDs(n int) []string {
	ids := make([]string, n)
	for i := range ids {
		ids[i] = fmt.Sprintf("n%d", i)
	}
	return ids
}

// hears returns, for each node, the nodes whose messages reach it, itself
// included.
func hears(g Grudge, nodes []string) map[string][]string {
	out := map[string][]string{}
	for _, r := range nodes {
		for _, s := range nodes {
			if r == s || !g.Drops(r, s) {
				out[r] = append(out[r], s)
			}
		}
	}
	return out
}

// checkWellFormed checks what every grudge must satisfy: receivers and
// senders are test nodes, senders sorted and distinct, nobody drops
// itself, and no receiver has an empty entry.
func checkWellFormed(t *testing.T, g Grudge, nodes []string) {
	t.Helper()
	for r, senders := range g {
		if !slices.Contains(nodes, r) {
			t.Errorf("receiver %q is not a node", r)
		}
		if len(senders) == 0 {
			t.Errorf("receiver %q has an empty entry", r)
		}
		if !sort.StringsAreSorted(senders) || len(slices.Compact(slices.Clone(senders))) != len(senders) {
			t.Errorf("senders of %q not sorted and distinct: %v", r, senders)
		}
		for _, s := range senders {
			if s == r {
				t.Errorf("%q drops itself", r)
			}
			if !slices.Contains(nodes, s) {
				t.Errorf("sender %q is not a node", s)
			}
		}
	}
}

// components returns the groups of a grudge in which everyone hears
// everyone, if every link is cut both ways; it fails the test otherwise.
func components(t *testing.T, g Grudge, nodes []string) [][]string {
	t.Helper()
	h := hears(g, nodes)
	seen := map[string]bool{}
	var out [][]string
	for _, n := range nodes {
		if seen[n] {
			continue
		}
		c := h[n]
		for _, m := range c {
			if !reflect.DeepEqual(h[m], c) {
				t.Fatalf("not a clean split: %s hears %v but %s hears %v", n, c, m, h[m])
			}
			seen[m] = true
		}
		out = append(out, c)
	}
	sort.Slice(out, func(i, j int) bool { return len(out[i]) < len(out[j]) })
	return out
}

func sizes(cs [][]string) []int {
	var out []int
	for _, c := range cs {
		out = append(out, len(c))
	}
	return out
}

func TestSplitSpecs(t *testing.T) {
	tests := []struct {
		spec  Spec
		n     int
		sizes []int // component sizes, smallest first
	}{
		{One, 1, []int{1}},
		{One, 2, []int{1, 1}},
		{One, 3, []int{1, 2}},
		{One, 5, []int{1, 4}},
		{One, 25, []int{1, 24}},
		{Majority, 1, []int{1}},
		{Majority, 2, []int{1, 1}},
		{Majority, 3, []int{1, 2}},
		{Majority, 5, []int{2, 3}},
		{Majority, 25, []int{12, 13}},
		{MinorityThird, 1, []int{1}},
		{MinorityThird, 2, []int{2}},
		{MinorityThird, 3, []int{3}},
		{MinorityThird, 4, []int{1, 3}},
		{MinorityThird, 5, []int{1, 4}},
		{MinorityThird, 25, []int{8, 17}},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("%s/%d", tt.spec, tt.n), func(t *testing.T) {
			nodes := nodeIDs(tt.n)
			for seed := range uint64(20) {
				g, err := Build(tt.spec, nodes, rand.New(rand.NewPCG(seed, 1)))
				if err != nil {
					t.Fatal(err)
				}
				checkWellFormed(t, g, nodes)
				if got := sizes(components(t, g, nodes)); !reflect.DeepEqual(got, tt.sizes) {
					t.Fatalf("seed %d: component sizes %v, want %v (grudge %v)", seed, got, tt.sizes, g)
				}
				if len(tt.sizes) == 1 && len(g) != 0 {
					t.Errorf("seed %d: no-op should be an empty grudge, got %v", seed, g)
				}
			}
		})
	}
}

func TestSplitsAreRandom(t *testing.T) {
	nodes := nodeIDs(5)
	isolated := map[string]bool{}
	rng := rand.New(rand.NewPCG(1, 2))
	for range 200 {
		g, _ := Build(One, nodes, rng)
		for r, s := range g {
			if len(s) == len(nodes)-1 {
				isolated[r] = true
			}
		}
	}
	if len(isolated) != len(nodes) {
		t.Errorf("over 200 draws only %v were isolated", isolated)
	}
}

func TestMajoritiesRingSmall(t *testing.T) {
	tests := []struct {
		n      int
		hears  int // how many nodes each node hears, itself included
		oneWay bool
	}{
		{1, 1, false},
		{2, 2, false},
		{3, 2, true},
		{4, 3, false},
		{5, 3, false},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprint(tt.n), func(t *testing.T) {
			nodes := nodeIDs(tt.n)
			for seed := range uint64(20) {
				g, err := Build(MajoritiesRing, nodes, rand.New(rand.NewPCG(seed, 3)))
				if err != nil {
					t.Fatal(err)
				}
				checkWellFormed(t, g, nodes)
				h := hears(g, nodes)
				views := map[string]bool{}
				for _, n := range nodes {
					if len(h[n]) != tt.hears {
						t.Fatalf("%s hears %v, want %d nodes", n, h[n], tt.hears)
					}
					views[strings.Join(h[n], ",")] = true
				}
				if tt.n >= 3 && len(views) != tt.n {
					t.Errorf("views not distinct: %v", h)
				}
				for r, senders := range g {
					for _, s := range senders {
						if g.Drops(s, r) == tt.oneWay {
							t.Errorf("%s drops %s; reverse cut %v, want %v", r, s, !tt.oneWay, !tt.oneWay)
						}
					}
				}
			}
		})
	}
}

// TestMajoritiesRingThree checks the shape on three nodes: each node drops
// exactly one other, and following "drops" visits all three in a cycle.
func TestMajoritiesRingThree(t *testing.T) {
	nodes := nodeIDs(3)
	g, _ := Build(MajoritiesRing, nodes, rand.New(rand.NewPCG(7, 7)))
	if len(g) != 3 {
		t.Fatalf("grudge %v: want every node to drop one other", g)
	}
	at, visited := nodes[0], map[string]bool{}
	for range 3 {
		visited[at] = true
		if len(g[at]) != 1 {
			t.Fatalf("%s drops %v, want exactly one node", at, g[at])
		}
		at = g[at][0]
	}
	if at != nodes[0] || len(visited) != 3 {
		t.Errorf("drops do not form a 3-cycle: %v", g)
	}
}

func TestMajoritiesRingLarge(t *testing.T) {
	for _, n := range []int{6, 7, 9, 25} {
		t.Run(fmt.Sprint(n), func(t *testing.T) {
			nodes := nodeIDs(n)
			for seed := range uint64(50) {
				g, err := Build(MajoritiesRing, nodes, rand.New(rand.NewPCG(seed, 4)))
				if err != nil {
					t.Fatal(err)
				}
				checkWellFormed(t, g, nodes)
				h := hears(g, nodes)
				views := map[string]bool{}
				for _, node := range nodes {
					if len(h[node]) < majority(n) {
						t.Fatalf("seed %d: %s hears only %v", seed, node, h[node])
					}
					if len(h[node]) == n {
						t.Fatalf("seed %d: %s hears everyone", seed, node)
					}
					views[strings.Join(h[node], ",")] = true
				}
				if len(views) != n {
					t.Fatalf("seed %d: views not distinct: %v", seed, h)
				}
			}
		})
	}
}

func TestRingGrudgeViewsDistinct(t *testing.T) {
	// The fallback of the random construction.
	for n := 3; n <= 25; n++ {
		nodes := nodeIDs(n)
		h := hears(ringGrudge(nodes), nodes)
		views := map[string]bool{}
		for _, node := range nodes {
			if len(h[node]) != majority(n) {
				t.Fatalf("n=%d: %s hears %v", n, node, h[node])
			}
			views[strings.Join(h[node], ",")] = true
		}
		if len(views) != n {
			t.Fatalf("n=%d: views not distinct: %v", n, h)
		}
	}
}

func TestBuildDeterministic(t *testing.T) {
	nodes := nodeIDs(25)
	for _, spec := range Specs {
		a, _ := Build(spec, nodes, rand.New(rand.NewPCG(5, 5)))
		b, _ := Build(spec, nodes, rand.New(rand.NewPCG(5, 5)))
		if !reflect.DeepEqual(a, b) {
			t.Errorf("%s: same seed, different grudges", spec)
		}
	}
}

func TestBuildUnknownSpec(t *testing.T) {
	if _, err := Build("primaries", nodeIDs(3), rand.New(rand.NewPCG(1, 1))); err == nil {
		t.Error("want an error for an unknown spec")
	}
}
