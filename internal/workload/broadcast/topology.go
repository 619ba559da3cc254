package broadcast

import (
	"fmt"
	"math"
)

// Topologies are the names Topology accepts.
var Topologies = []string{"grid", "line", "tree", "tree2", "tree3", "tree4", "total"}

// Topology returns the neighbours of each node for a named topology, as
// Maelstrom builds them from the nodes in test order:
//
//   - grid: the nodes fill rows of ceil(sqrt n) columns; neighbours are
//     listed down, up, right, left, leaving out cells outside the grid;
//   - line: each node's neighbours are the nodes left and right of it; with
//     fewer than two nodes the topology is empty;
//   - tree, tree2, tree3, tree4: the nodes fill a b-ary tree level by level
//     (b = 2 for tree and tree2); neighbours are the parent, if any, then
//     the children;
//   - total: every other node.
//
// Every node of the result has a non-nil list.
func Topology(name string, nodes []string) (map[string][]string, error) {
	switch name {
	case "grid":
		return grid(nodes), nil
	case "line":
		return line(nodes), nil
	case "tree", "tree2":
		return tree(nodes, 2), nil
	case "tree3":
		return tree(nodes, 3), nil
	case "tree4":
		return tree(nodes, 4), nil
	case "total":
		return total(nodes), nil
	}
	return nil, fmt.Errorf("unknown topology %q (known: %v)", name, Topologies)
}

func grid(nodes []string) map[string][]string {
	n := len(nodes)
	side := int(math.Ceil(math.Sqrt(float64(n))))
	t := make(map[string][]string, n)
	for k, id := range nodes {
		col := k % side
		var ns []string
		add := func(ok bool, j int) {
			if ok && j >= 0 && j < n {
				ns = append(ns, nodes[j])
			}
		}
		add(true, k+side)      // down
		add(true, k-side)      // up
		add(col+1 < side, k+1) // right
		add(col > 0, k-1)      // left
		t[id] = append([]string{}, ns...)
	}
	return t
}

func line(nodes []string) map[string][]string {
	n := len(nodes)
	t := make(map[string][]string, n)
	if n < 2 {
		return t
	}
	for k, id := range nodes {
		switch k {
		case 0:
			t[id] = []string{nodes[1]}
		case n - 1:
			t[id] = []string{nodes[n-2]}
		default:
			t[id] = []string{nodes[k-1], nodes[k+1]}
		}
	}
	return t
}

// tree fills a b-ary tree level by level: node k's parent is (k-1)/b and
// its children are b*k+1 … b*k+b.
func tree(nodes []string, b int) map[string][]string {
	n := len(nodes)
	t := make(map[string][]string, n)
	for k, id := range nodes {
		ns := []string{}
		if k > 0 {
			ns = append(ns, nodes[(k-1)/b])
		}
		for c := b*k + 1; c <= b*k+b && c < n; c++ {
			ns = append(ns, nodes[c])
		}
		t[id] = ns
	}
	return t
}

func total(nodes []string) map[string][]string {
	t := make(map[string][]string, len(nodes))
	for k, id := range nodes {
		ns := make([]string, 0, len(nodes)-1)
		ns = append(ns, nodes[:k]...)
		t[id] = append(ns, nodes[k+1:]...)
	}
	return t
}
