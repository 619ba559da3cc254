// Package scc finds strongly connected components, the first step of every
// cycle search in the Elle and kafka checkers.
package scc

// Components returns the strongly connected components of the graph
// given by vertices and succ, found with an iterative version of Tarjan's
// algorithm (no recursion, so deep graphs cannot overflow the stack).
// Every vertex is in exactly one component; components come in reverse
// topological order, vertices within one in the order they left the stack.
func Components[V comparable](vertices []V, succ func(V) []V) [][]V {
	index := map[V]int{}
	low := map[V]int{}
	onStack := map[V]bool{}
	var stack []V
	var comps [][]V
	type frame struct {
		v    V
		next []V
	}
	for _, root := range vertices {
		if _, seen := index[root]; seen {
			continue
		}
		calls := []frame{{root, succ(root)}}
		index[root], low[root] = len(index), len(index)
		stack = append(stack, root)
		onStack[root] = true
		for len(calls) > 0 {
			f := &calls[len(calls)-1]
			if len(f.next) > 0 {
				w := f.next[0]
				f.next = f.next[1:]
				if _, seen := index[w]; !seen {
					index[w], low[w] = len(index), len(index)
					stack = append(stack, w)
					onStack[w] = true
					calls = append(calls, frame{w, succ(w)})
				} else if onStack[w] {
					low[f.v] = min(low[f.v], index[w])
				}
				continue
			}
			v := f.v
			calls = calls[:len(calls)-1]
			if len(calls) > 0 {
				p := calls[len(calls)-1].v
				low[p] = min(low[p], low[v])
			}
			if low[v] == index[v] {
				var c []V
				for {
					w := stack[len(stack)-1]
					stack = stack[:len(stack)-1]
					onStack[w] = false
					c = append(c, w)
					if w == v {
						break
					}
				}
				comps = append(comps, c)
			}
		}
	}
	return comps
}
