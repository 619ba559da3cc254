package message

import (
	"bytes"
	"encoding/json"
	"testing"
)

// FuzzParse feeds Parse arbitrary lines (seed corpus in
// testdata/fuzz/FuzzParse): it must never panic, and a line it accepts
// has a src, a dest and an object body, and parses again, unchanged, from
// the line the runner writes for it.
func FuzzParse(f *testing.F) {
	f.Fuzz(func(t *testing.T, line []byte) {
		m, err := Parse("n1", line)
		if err != nil {
			if _, ok := err.(*ParseError); !ok {
				t.Fatalf("error %T, want *ParseError", err)
			}
			return
		}
		if m.Src == "" || m.Dest == "" || !json.Valid(m.Body) || bytes.TrimSpace(m.Body)[0] != '{' {
			t.Fatalf("accepted %q as %+v", line, m)
		}
		again, err := Parse("n1", m.Line())
		if err != nil {
			t.Fatalf("%q parsed, but its line %q does not: %v", line, m.Line(), err)
		}
		again.ID = m.ID
		if again.Src != m.Src || again.Dest != m.Dest || !bytes.Equal(again.Body, m.Body) {
			t.Fatalf("%q parsed as %+v, then as %+v", line, m, again)
		}
	})
}
