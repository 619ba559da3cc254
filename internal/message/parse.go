package message

import (
	"encoding/json"
	"fmt"
	"sort"
	"strings"

	"github.com/glomers/glomers/internal/jsonvalue"
)

// ParseError says why a line a node printed is not a valid message.
type ParseError struct {
	Node   string // the node that printed the line
	Line   string // the line, without its newline
	Reason string // what is wrong with it
}

func (e *ParseError) Error() string {
	return fmt.Sprintf("node %s printed a malformed message on stdout: %s\n  line: %s", e.Node, e.Reason, truncate(e.Line, 300))
}

// Parse reads one stdout line of node as a message. It applies Maelstrom's
// schema: the envelope is exactly {src: string, dest: string, body: object
// or null, id?: integer}; unknown top-level keys are rejected. A null body
// becomes {}.
func Parse(node string, line []byte) (Message, error) {
	fail := func(format string, a ...any) (Message, error) {
		return Message{}, &ParseError{Node: node, Line: string(line), Reason: fmt.Sprintf(format, a...)}
	}
	if len(strings.TrimSpace(string(line))) == 0 {
		return fail("empty line (missing src, dest and body)")
	}
	v, err := jsonvalue.Decode(line)
	if err != nil {
		return fail("not well-formed JSON (%v); did you mean to write this line to stderr?", err)
	}
	env, ok := v.(map[string]any)
	if !ok {
		return fail("a message must be a JSON object, got %s", jsonvalue.Kind(v))
	}
	var extra []string
	for k := range env {
		switch k {
		case "src", "dest", "body", "id":
		default:
			extra = append(extra, k)
		}
	}
	if len(extra) > 0 {
		sort.Strings(extra)
		return fail("unexpected top-level key(s) %q: only src, dest, body and id are allowed (did a body field end up outside body?)", extra)
	}
	var m Message
	for _, k := range []string{"src", "dest"} {
		s, ok := env[k].(string)
		switch {
		case env[k] == nil:
			return fail("missing %q", k)
		case !ok:
			return fail("%q must be a string, got %s", k, jsonvalue.Kind(env[k]))
		case s == "":
			return fail("%q is empty", k)
		}
	}
	m.Src, m.Dest = env["src"].(string), env["dest"].(string)
	if id, present := env["id"]; present {
		if _, ok := id.(int64); !ok {
			return fail("\"id\" must be an integer, got %v", id)
		}
	}
	body, present := env["body"]
	switch b := body.(type) {
	case map[string]any:
		raw, _ := json.Marshal(b)
		m.Body = raw
	case nil:
		if !present {
			return fail("missing \"body\"")
		}
		m.Body = json.RawMessage("{}")
	default:
		return fail("\"body\" must be an object, got %s", jsonvalue.Kind(body))
	}
	return m, nil
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + fmt.Sprintf("... (%d bytes in all)", len(s))
}
