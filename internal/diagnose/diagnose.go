// Package diagnose collects the mistakes a node makes while a test runs:
// lines on stdout that are not messages, messages to ids that are not on
// the network, replies that answer no request, replies of the wrong shape
// and an init that is never answered. Each is kept per kind and node, with
// its first occurrence explained and a count of the rest, and rendered as
// plain text for the console and diagnostics.txt. The package does no I/O.
package diagnose

import (
	"fmt"
	"strings"
	"sync"
	"time"
)

// Kind names one kind of mistake.
type Kind string

// The kinds of mistakes glomers diagnoses.
const (
	// NotAMessage is a stdout line that is not a valid message.
	NotAMessage Kind = "not-a-message"
	// UnknownID is a message from or to an id that is not on the network.
	UnknownID Kind = "unknown-id"
	// ClosedClient is a message to a client that is no longer on the
	// network: usually a reply that came after the client gave up.
	ClosedClient Kind = "closed-client"
	// StrayReply is a message to a client that answers none of its
	// requests: no in_reply_to, or one the client never sent.
	StrayReply Kind = "stray-reply"
	// BadReply is a reply of the wrong type or shape.
	BadReply Kind = "bad-reply"
	// InitUnanswered is an init the node never answered while running.
	InitUnanswered Kind = "init-unanswered"
)

// Diagnostic is one kind of mistake by one node: its first occurrence,
// explained, and how many times it happened.
type Diagnostic struct {
	Kind Kind
	Node string
	At   time.Duration // test time of the first occurrence
	// What says what happened the first time, in one sentence or two.
	What string
	// Evidence is the offending message, line or reply, as printed.
	Evidence string
	// Advice says what to do about it.
	Advice string
	// Silences is set when Maelstrom stops reading the node's stdout at
	// this mistake: the node would have gone silent at At.
	Silences bool
	// Fatal is set when the mistake ended the test; the crash report
	// then carries the same words.
	Fatal bool
	Count int // occurrences, the first included
}

// Text is the diagnostic's explanation, as printed when it is first seen.
func (d Diagnostic) Text() string {
	var b strings.Builder
	b.WriteString(d.What)
	if d.Evidence != "" {
		b.WriteString("\n")
		b.WriteString(indent(d.Evidence, "    "))
	}
	if d.Advice != "" {
		b.WriteString("\n")
		b.WriteString(d.Advice)
	}
	if d.Silences {
		b.WriteString("\n")
		b.WriteString(d.silenceNote())
	}
	return b.String()
}

func (d Diagnostic) silenceNote() string {
	return fmt.Sprintf("Under Maelstrom, %s would have gone silent at %s: Maelstrom stops reading a node's stdout for the rest of the test at the first line it cannot parse or deliver. glomers keeps reading.", d.Node, seconds(d.At))
}

type key struct {
	kind Kind
	node string
}

// Collector gathers diagnostics, one per kind and node. It is safe for
// concurrent use.
type Collector struct {
	mu    sync.Mutex
	byKey map[key]*Diagnostic
	order []key
}

// Add records an occurrence of d. It reports whether d is the first of
// its kind for its node, that is, whether it should be shown now; later
// occurrences are only counted.
func (c *Collector) Add(d Diagnostic) (first bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	k := key{d.Kind, d.Node}
	if old, ok := c.byKey[k]; ok {
		old.Count++
		return false
	}
	if c.byKey == nil {
		c.byKey = map[key]*Diagnostic{}
	}
	d.Count = 1
	c.byKey[k] = &d
	c.order = append(c.order, k)
	return true
}

// Count counts one more occurrence of kind for node if one was seen
// before, and reports whether it was: a caller can then skip building the
// diagnostic.
func (c *Collector) Count(kind Kind, node string) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	d, ok := c.byKey[key{kind, node}]
	if ok {
		d.Count++
	}
	return ok
}

// List returns the diagnostics in the order they were first seen.
func (c *Collector) List() []Diagnostic {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := make([]Diagnostic, 0, len(c.order))
	for _, k := range c.order {
		out = append(out, *c.byKey[k])
	}
	return out
}

// Report renders diagnostics as the end-of-run summary: first, in
// capitals, every node that Maelstrom would have stopped hearing from,
// then each diagnostic with its count and explanation. It is empty when
// there are none.
func Report(ds []Diagnostic) string {
	if len(ds) == 0 {
		return ""
	}
	var b strings.Builder
	fmt.Fprintf(&b, "Node problems glomers noticed (%s):\n", plural(len(ds), "kind", "kinds"))
	silenced := map[string]bool{}
	for _, d := range ds {
		if d.Silences && !silenced[d.Node] {
			silenced[d.Node] = true
			fmt.Fprintf(&b, "\n!! UNDER MAELSTROM, NODE %s WOULD HAVE GONE SILENT AT %s, at its first %s: Maelstrom reads none of its messages after that. glomers read on, so this run's verdict does not show it.", d.Node, seconds(d.At), d.Kind.describe())
		}
	}
	if len(silenced) > 0 {
		b.WriteString("\n")
	}
	for i, d := range ds {
		fmt.Fprintf(&b, "\n%d. %s, node %s: %s, first at %s.\n", i+1, d.Kind.describe(), d.Node, plural(d.Count, "time", "times"), seconds(d.At))
		b.WriteString(indent(d.Text(), "   "))
		b.WriteString("\n")
	}
	return b.String()
}

func (k Kind) describe() string {
	switch k {
	case NotAMessage:
		return "stdout line that is not a message"
	case UnknownID:
		return "message to or from an id not on the network"
	case ClosedClient:
		return "message to a client that had already given up"
	case StrayReply:
		return "reply that answers no request"
	case BadReply:
		return "reply of the wrong type or shape"
	case InitUnanswered:
		return "init never answered"
	}
	return string(k)
}

func plural(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return fmt.Sprintf("%d %s", n, many)
}

func seconds(d time.Duration) string {
	return fmt.Sprintf("%.3fs", d.Seconds())
}

func indent(s, prefix string) string {
	lines := strings.Split(s, "\n")
	for i, l := range lines {
		if l != "" {
			lines[i] = prefix + l
		}
	}
	return strings.Join(lines, "\n")
}
