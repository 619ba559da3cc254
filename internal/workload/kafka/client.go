package kafka

import (
	"context"
	"fmt"
	"sort"

	"github.com/glomers/glomers/internal/message"
	"github.com/glomers/glomers/internal/workload"
)

// Client is one worker client's consumer state, as Maelstrom's kafka
// client keeps it: the keys it is assigned and, for each, the offset its
// next poll starts from. A new client (after a crash or any :info) starts
// with no keys, so it polls nothing until it is assigned some.
type Client struct {
	offsets map[string]int64
}

// Offsets returns a copy of the client's key → next-offset map.
func (c *Client) Offsets() map[string]int64 {
	out := make(map[string]int64, len(c.offsets))
	for k, o := range c.offsets {
		out[k] = o
	}
	return out
}

// Assign makes keys the client's assignment. With seek it polls every key
// from offset 0. Otherwise a key keeps its local offset if it had one, and
// else starts from the committed offset list_committed_offsets reports
// (not one past it), or 0. Keys not in keys are dropped.
func (c *Client) Assign(ctx context.Context, call workload.RPC, keys []string, seek bool) error {
	committed := map[string]any{}
	if !seek {
		reply, err := call(ctx, message.Body{"type": "list_committed_offsets", "keys": keys})
		if err != nil {
			return err
		}
		committed, _ = reply["offsets"].(map[string]any)
	}
	next := make(map[string]int64, len(keys))
	for _, k := range keys {
		switch o, local := c.offsets[k]; {
		case seek:
			next[k] = 0
		case local:
			next[k] = o
		default:
			next[k], _ = toInt(committed[k])
		}
	}
	c.offsets = next
	return nil
}

// Poll asks the node for messages from the client's offsets, moves each
// polled key's offset past the highest offset returned, and, if anything
// came back, commits the highest polled offset of each key. It returns the
// reply's msgs map as received.
func (c *Client) Poll(ctx context.Context, call workload.RPC) (map[string]any, error) {
	reply, err := call(ctx, message.Body{"type": "poll", "offsets": c.Offsets()})
	if err != nil {
		return nil, err
	}
	msgs, _ := reply["msgs"].(map[string]any)
	if msgs == nil {
		msgs = map[string]any{}
	}
	highest := map[string]int64{}
	for k, pairs := range msgs {
		for _, p := range list(pairs) {
			pr := list(p)
			if len(pr) != 2 {
				return nil, fmt.Errorf("poll of key %s: pair %v is not [offset, msg]", k, p)
			}
			off, ok := toInt(pr[0])
			if !ok {
				return nil, fmt.Errorf("poll of key %s: offset %v is not an integer", k, pr[0])
			}
			if h, seen := highest[k]; !seen || off > h {
				highest[k] = off
			}
		}
	}
	if c.offsets == nil && len(highest) > 0 {
		c.offsets = map[string]int64{}
	}
	for k, h := range highest {
		c.offsets[k] = max(c.offsets[k], h+1)
	}
	if len(highest) > 0 {
		if _, err := call(ctx, message.Body{"type": "commit_offsets", "offsets": highest}); err != nil {
			return nil, err
		}
	}
	return msgs, nil
}

// Send appends msg to key's log and returns the offset the node gave it.
func (c *Client) Send(ctx context.Context, call workload.RPC, key string, msg int64) (int64, error) {
	reply, err := call(ctx, message.Body{"type": "send", "key": key, "msg": msg})
	if err != nil {
		return 0, err
	}
	off, ok := toInt(reply["offset"])
	if !ok {
		return 0, fmt.Errorf("send_ok offset %v is not an integer", reply["offset"])
	}
	return off, nil
}

// toInt reads a decoded JSON integer.
func toInt(v any) (int64, bool) {
	switch n := v.(type) {
	case int64:
		return n, true
	case int:
		return int64(n), true
	case float64:
		if n == float64(int64(n)) {
			return int64(n), true
		}
	}
	return 0, false
}

// list returns v as a slice, or nil.
func list(v any) []any {
	xs, _ := v.([]any)
	return xs
}

// sortedKeys returns m's keys in numeric order (keys are decimal
// integers), then string order for any that are not.
func sortedKeys[V any](m map[string]V) []string {
	ks := make([]string, 0, len(m))
	for k := range m {
		ks = append(ks, k)
	}
	sort.Slice(ks, func(i, j int) bool { return keyLess(ks[i], ks[j]) })
	return ks
}

func keyLess(a, b string) bool {
	if len(a) != len(b) {
		return len(a) < len(b)
	}
	return a < b
}
