// Package client is the test's side of the Maelstrom protocol: clients that
// send one RPC at a time to a node, the registry of error codes, and the
// mapping from RPC outcomes to history operation types.
package client

import (
	"errors"
	"fmt"

	"github.com/glomers/glomers/internal/history"
	"github.com/glomers/glomers/internal/jsonvalue"
)

// ErrorCode describes one registered Maelstrom error code.
type ErrorCode struct {
	Code     int
	Name     string
	Definite bool // the operation certainly did not happen
}

// Registry lists Maelstrom's error codes (resources/errors.edn).
var registry = map[int]ErrorCode{
	0:  {0, "timeout", false},
	1:  {1, "node-not-found", true},
	10: {10, "not-supported", true},
	11: {11, "temporarily-unavailable", true},
	12: {12, "malformed-request", true},
	13: {13, "crash", false},
	14: {14, "abort", true},
	20: {20, "key-does-not-exist", true},
	21: {21, "key-already-exists", true},
	22: {22, "precondition-failed", true},
	30: {30, "txn-conflict", true},
}

// LookupCode returns the registry entry for code. Unknown codes, including
// every custom code, are indefinite and named "unknown".
func LookupCode(code int) ErrorCode {
	if e, ok := registry[code]; ok {
		return e
	}
	return ErrorCode{Code: code, Name: "unknown", Definite: false}
}

// RPCError is an error reply from a node.
type RPCError struct {
	ErrorCode
	Text any            // the body's "text", usually a string
	Body map[string]any // the whole reply body
}

func (e *RPCError) Error() string {
	return fmt.Sprintf("RPC error %d (%s): %v", e.Code, e.Name, e.Text)
}

// ErrTimeout is returned when no reply arrives before the RPC deadline.
var ErrTimeout = errors.New("client read timeout")

// MalformedReplyError is a reply that does not match the expected schema.
type MalformedReplyError struct {
	Node    string
	Request map[string]any
	Reply   map[string]any
	// Expected shows the reply the schema wants, as JSON with
	// placeholders; empty if unknown.
	Expected string
	Reason   string
}

func (e *MalformedReplyError) Error() string {
	msg := fmt.Sprintf("malformed RPC response: node %s was sent %s", e.Node, jsonvalue.Text(e.Request))
	if e.Expected != "" {
		msg += fmt.Sprintf(", expected a reply of the form %s", e.Expected)
	}
	return msg + fmt.Sprintf(", but received %s: %s", jsonvalue.Text(e.Reply), e.Reason)
}

// Complete finishes an invocation whose RPC failed with err, as Maelstrom's
// with-errors does: a timeout is :fail for idempotent functions and :info
// otherwise, with error :net-timeout; an error reply is :fail when its code
// is definite or the function idempotent, else :info, with error
// [:name text]. Any other error is an indeterminate exception: :info with
// error "indeterminate: ...".
func Complete(op history.Op, err error, idempotent bool) history.Op {
	var rpcErr *RPCError
	switch {
	case errors.Is(err, ErrTimeout):
		op.Type = pick(idempotent)
		op.Error = history.Keyword("net-timeout")
	case errors.As(err, &rpcErr):
		op.Type = pick(idempotent || rpcErr.Definite)
		op.Error = []any{history.Keyword(rpcErr.Name), rpcErr.Text}
	default:
		return Indeterminate(op, err)
	}
	return op
}

// Indeterminate finishes op as a client exception: :info, with error
// "indeterminate: <message>" and the exception recorded.
func Indeterminate(op history.Op, err error) history.Op {
	op.Type = history.Info
	op.Error = "indeterminate: " + err.Error()
	op.Exception = map[history.Keyword]any{
		"type":    history.Keyword(exceptionClass(err)),
		"message": err.Error(),
	}
	return op
}

func exceptionClass(err error) string {
	var (
		rpcErr    *RPCError
		malformed *MalformedReplyError
	)
	switch {
	case errors.Is(err, ErrTimeout):
		return "timeout"
	case errors.As(err, &rpcErr):
		return "rpc-error"
	case errors.As(err, &malformed):
		return "malformed-rpc-response"
	}
	return "exception"
}

func pick(fail bool) history.Type {
	if fail {
		return history.Fail
	}
	return history.Info
}
