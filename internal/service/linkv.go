package service

import "github.com/glomers/glomers/internal/message"

// LinKV is lin-kv, a linearizable key-value store: one map, and every
// request applied to it atomically in the order the requests arrive.
type LinKV struct {
	m map[string]entry
}

// NewLinKV returns an empty lin-kv.
func NewLinKV() *LinKV { return &LinKV{m: map[string]entry{}} }

// Handle answers read, write and cas.
func (s *LinKV) Handle(_ string, req message.Body) message.Body {
	get := func(id string) (entry, bool) { e, ok := s.m[id]; return e, ok }
	body, ch, ok := applyKV(get, req, kvRules{createIfNotExists: true})
	if !ok {
		return nil
	}
	if ch.set {
		s.m[ch.id] = ch.e
	}
	return reply(req, body)
}

// LinTSO is lin-tso, a linearizable timestamp oracle: each ts request gets
// the next integer, starting at 0.
type LinTSO struct {
	next int64
}

// NewLinTSO returns a lin-tso whose first timestamp is 0.
func NewLinTSO() *LinTSO { return &LinTSO{} }

// Handle answers ts with ts_ok.
func (s *LinTSO) Handle(_ string, req message.Body) message.Body {
	if req.Type() != "ts" {
		return nil
	}
	ts := s.next
	s.next++
	return reply(req, message.Body{"type": "ts_ok", "ts": ts})
}
