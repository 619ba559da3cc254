package history

// Pair is an invocation and its completion. Completion is nil when the
// invocation never completed.
type Pair struct {
	Invoke     Op
	Completion *Op
}

// Pairs matches every invocation in h with the next op of the same process,
// in history order.
func Pairs(h []Op) []Pair {
	var pairs []Pair
	open := map[Process]int{} // process -> index into pairs
	for _, op := range h {
		if op.Type == Invoke {
			open[op.Process] = len(pairs)
			pairs = append(pairs, Pair{Invoke: op})
			continue
		}
		if i, ok := open[op.Process]; ok {
			c := op
			pairs[i].Completion = &c
			delete(open, op.Process)
		}
	}
	return pairs
}
