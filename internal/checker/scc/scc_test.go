package scc

import (
	"reflect"
	"slices"
	"testing"
)

func TestComponents(t *testing.T) {
	tests := []struct {
		name  string
		edges map[int][]int
		want  [][]int // each sorted, sorted by first vertex
	}{
		{"empty", map[int][]int{}, nil},
		{"one vertex", map[int][]int{1: nil}, [][]int{{1}}},
		{"self loop", map[int][]int{1: {1}}, [][]int{{1}}},
		{"chain", map[int][]int{1: {2}, 2: {3}, 3: nil}, [][]int{{1}, {2}, {3}}},
		{"two cycles joined one way", map[int][]int{1: {2}, 2: {1, 3}, 3: {4}, 4: {3}}, [][]int{{1, 2}, {3, 4}}},
		{"edge to a vertex not listed", map[int][]int{1: {5}, 5: nil}, [][]int{{1}, {5}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var vs []int
			for v := range tt.edges {
				vs = append(vs, v)
			}
			slices.Sort(vs)
			got := Components(vs, func(v int) []int { return tt.edges[v] })
			for _, c := range got {
				slices.Sort(c)
			}
			slices.SortFunc(got, func(a, b []int) int { return a[0] - b[0] })
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("Components = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestDeepChainDoesNotRecurse(t *testing.T) {
	const n = 200_000
	vs := make([]int, n)
	for i := range vs {
		vs[i] = i
	}
	// One big cycle 0 -> 1 -> ... -> n-1 -> 0.
	got := Components(vs, func(v int) []int { return []int{(v + 1) % n} })
	if len(got) != 1 || len(got[0]) != n {
		t.Errorf("got %d components, want one of %d vertices", len(got), n)
	}
}
