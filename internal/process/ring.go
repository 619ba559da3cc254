package process

import (
	"fmt"
	"sync"
)

// MaxTailLine is the most of one line a tail keeps: a node that prints a
// huge line costs the runner a bounded amount of memory for its report.
const MaxTailLine = 4096

// tailLine returns line cut to MaxTailLine bytes, saying how long it was.
func tailLine(line []byte) string {
	if len(line) <= MaxTailLine {
		return string(line)
	}
	return fmt.Sprintf("%s… (%d bytes in all)", line[:MaxTailLine], len(line))
}

// ring keeps the last n lines written to it.
type ring struct {
	mu    sync.Mutex
	n     int
	lines []string
}

func newRing(n int) *ring { return &ring{n: n} }

func (r *ring) add(line string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.lines = append(r.lines, line)
	if len(r.lines) > r.n {
		r.lines = r.lines[len(r.lines)-r.n:]
	}
}

func (r *ring) snapshot() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]string(nil), r.lines...)
}
