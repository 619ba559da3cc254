package client

import (
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"

	"github.com/glomers/glomers/internal/history"
)

func TestLookupCode(t *testing.T) {
	tests := []struct {
		code     int
		name     string
		definite bool
	}{
		{0, "timeout", false},
		{1, "node-not-found", true},
		{10, "not-supported", true},
		{11, "temporarily-unavailable", true},
		{12, "malformed-request", true},
		{13, "crash", false},
		{14, "abort", true},
		{20, "key-does-not-exist", true},
		{21, "key-already-exists", true},
		{22, "precondition-failed", true},
		{30, "txn-conflict", true},
		{2, "unknown", false},
		{1000, "unknown", false},
		{-1, "unknown", false},
	}
	for _, tt := range tests {
		want := ErrorCode{Code: tt.code, Name: tt.name, Definite: tt.definite}
		if got := LookupCode(tt.code); got != want {
			t.Errorf("LookupCode(%d) = %+v, want %+v", tt.code, got, want)
		}
	}
}

func rpcErr(code int, text any) *RPCError {
	return &RPCError{ErrorCode: LookupCode(code), Text: text, Body: map[string]any{"type": "error", "code": code, "text": text}}
}

func TestComplete(t *testing.T) {
	kw := func(s string) history.Keyword { return history.Keyword(s) }
	tests := []struct {
		name       string
		err        error
		idempotent bool
		wantType   history.Type
		wantError  any
	}{
		{"timeout", ErrTimeout, false, history.Info, kw("net-timeout")},
		{"timeout idempotent", ErrTimeout, true, history.Fail, kw("net-timeout")},
		{"wrapped timeout", fmt.Errorf("call: %w", ErrTimeout), false, history.Info, kw("net-timeout")},
		{"definite 1", rpcErr(1, "no node"), false, history.Fail, []any{kw("node-not-found"), "no node"}},
		{"definite 10", rpcErr(10, "nope"), false, history.Fail, []any{kw("not-supported"), "nope"}},
		{"definite 11", rpcErr(11, "no leader"), false, history.Fail, []any{kw("temporarily-unavailable"), "no leader"}},
		{"definite 12", rpcErr(12, "bad"), false, history.Fail, []any{kw("malformed-request"), "bad"}},
		{"definite 14", rpcErr(14, "aborted"), false, history.Fail, []any{kw("abort"), "aborted"}},
		{"definite 20", rpcErr(20, "key does not exist"), false, history.Fail, []any{kw("key-does-not-exist"), "key does not exist"}},
		{"definite 21", rpcErr(21, "exists"), false, history.Fail, []any{kw("key-already-exists"), "exists"}},
		{"definite 22", rpcErr(22, "cas"), false, history.Fail, []any{kw("precondition-failed"), "cas"}},
		{"definite 30", rpcErr(30, "conflict"), false, history.Fail, []any{kw("txn-conflict"), "conflict"}},
		{"definite idempotent", rpcErr(20, "x"), true, history.Fail, []any{kw("key-does-not-exist"), "x"}},
		{"indefinite 0", rpcErr(0, "slow"), false, history.Info, []any{kw("timeout"), "slow"}},
		{"indefinite 13", rpcErr(13, "boom"), false, history.Info, []any{kw("crash"), "boom"}},
		{"indefinite 13 idempotent", rpcErr(13, "boom"), true, history.Fail, []any{kw("crash"), "boom"}},
		{"unknown code", rpcErr(1000, "custom"), false, history.Info, []any{kw("unknown"), "custom"}},
		{"unknown code idempotent", rpcErr(1000, "custom"), true, history.Fail, []any{kw("unknown"), "custom"}},
		{"no text", rpcErr(1000, nil), false, history.Info, []any{kw("unknown"), nil}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			inv := history.Op{Index: 3, Time: 5, Type: history.Invoke, Process: 2, F: "read", Value: "v"}
			got := Complete(inv, tt.err, tt.idempotent)
			if got.Type != tt.wantType {
				t.Errorf("type = %s, want %s", got.Type, tt.wantType)
			}
			if !reflect.DeepEqual(got.Error, tt.wantError) {
				t.Errorf("error = %#v, want %#v", got.Error, tt.wantError)
			}
			if got.Exception != nil {
				t.Errorf("exception = %v, want none", got.Exception)
			}
			if got.Process != 2 || got.F != "read" || got.Value != "v" {
				t.Errorf("Complete changed other fields: %+v", got)
			}
		})
	}
}

func TestCompleteIndeterminate(t *testing.T) {
	tests := []struct {
		name  string
		err   error
		class string
	}{
		{"plain error", errors.New("pipe closed"), "exception"},
		{"malformed reply", &MalformedReplyError{Node: "n1", Reason: "missing key"}, "malformed-rpc-response"},
	}
	for _, tt := range tests {
		for _, idem := range []bool{false, true} {
			got := Complete(history.Op{Type: history.Invoke, F: "add"}, tt.err, idem)
			if got.Type != history.Info {
				t.Errorf("%s: type = %s, want info", tt.name, got.Type)
			}
			msg, _ := got.Error.(string)
			if !strings.HasPrefix(msg, "indeterminate: ") || !strings.Contains(msg, tt.err.Error()) {
				t.Errorf("%s: error = %#v, want \"indeterminate: %s\"", tt.name, got.Error, tt.err)
			}
			exc, ok := got.Exception.(map[history.Keyword]any)
			if !ok || exc["type"] != history.Keyword(tt.class) || exc["message"] != tt.err.Error() {
				t.Errorf("%s: exception = %#v, want type %s", tt.name, got.Exception, tt.class)
			}
		}
	}
}

func TestIndeterminateClasses(t *testing.T) {
	tests := []struct {
		err   error
		class string
	}{
		{ErrTimeout, "timeout"},
		{rpcErr(20, "x"), "rpc-error"},
		{&MalformedReplyError{}, "malformed-rpc-response"},
		{errors.New("x"), "exception"},
	}
	for _, tt := range tests {
		got := Indeterminate(history.Op{}, tt.err)
		exc := got.Exception.(map[history.Keyword]any)
		if got.Type != history.Info || exc["type"] != history.Keyword(tt.class) {
			t.Errorf("Indeterminate(%v) = %s %v, want info with class %s", tt.err, got.Type, exc, tt.class)
		}
	}
}
