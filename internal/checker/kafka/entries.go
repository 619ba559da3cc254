package kafka

import "github.com/glomers/glomers/internal/history"

// Entry is one [offset message] pair of a send or a poll, as the checker
// reads it. HasOffset is false when the offset is unknown.
type Entry struct {
	Offset    int64
	HasOffset bool
	Message   int64
}

// Sent returns the entries a :send or :txn op sent, by key, in order.
func Sent(op history.Op) map[string][]Entry { return entries(parseOp(op).writes) }

// Polled returns the entries a :poll or :txn op read, by key, in order.
func Polled(op history.Op) map[string][]Entry { return entries(parseOp(op).reads) }

func entries(kps []keyPairs) map[string][]Entry {
	out := make(map[string][]Entry, len(kps))
	for _, kp := range kps {
		es := make([]Entry, len(kp.Pairs))
		for i, p := range kp.Pairs {
			es[i] = Entry{Offset: p.Offset, HasOffset: p.HasOffset, Message: p.Value}
		}
		out[kp.Key] = es
	}
	return out
}
