package service

import (
	"fmt"

	"github.com/glomers/glomers/internal/message"
)

// entry is one key of a KV state: the key as sent, and its value.
type entry struct {
	key, value any
}

// getter looks a key (by keyOf) up in a KV state.
type getter func(id string) (entry, bool)

// change is what a request does to a KV state: set id to e. Only requests
// that make the state different produce a change.
type change struct {
	set bool
	id  string
	e   entry
}

// kvRules are the differences between the KV services.
type kvRules struct {
	// createIfNotExists honours cas's create_if_not_exists flag (lww-kv
	// ignores it).
	createIfNotExists bool
	// bareFrom prints cas's from value with str instead of pr-str in the
	// code-22 text (lww-kv).
	bareFrom bool
}

// applyKV runs a read, write or cas request against the state get, and
// returns the reply (without in_reply_to) and the change to make. ok is
// false for any other request type.
func applyKV(get getter, req message.Body, rules kvRules) (body message.Body, ch change, ok bool) {
	key := normalize(req["key"])
	id := keyOf(key)
	cur, exists := get(id)
	switch req.Type() {
	case "read":
		if !exists {
			return errorBody(CodeKeyDoesNotExist, textKeyDoesNotExist), change{}, true
		}
		return message.Body{"type": "read_ok", "value": cur.value}, change{}, true
	case "write":
		v := normalize(req["value"])
		return message.Body{"type": "write_ok"}, setIfDifferent(cur, exists, id, entry{key, v}), true
	case "cas":
		from, to := normalize(req["from"]), normalize(req["to"])
		if !exists {
			if rules.createIfNotExists && truthy(req["create_if_not_exists"]) {
				return message.Body{"type": "cas_ok"}, change{set: true, id: id, e: entry{key, to}}, true
			}
			return errorBody(CodeKeyDoesNotExist, textKeyDoesNotExist), change{}, true
		}
		if !equal(cur.value, from) {
			want := EDN(from)
			if rules.bareFrom {
				want = plain(from)
			}
			return errorBody(CodePreconditionFailed, fmt.Sprintf(formatPreconditionError, EDN(cur.value), want)), change{}, true
		}
		return message.Body{"type": "cas_ok"}, setIfDifferent(cur, exists, id, entry{key, to}), true
	}
	return nil, change{}, false
}

func setIfDifferent(cur entry, exists bool, id string, e entry) change {
	if exists && equal(cur.value, e.value) {
		return change{}
	}
	return change{set: true, id: id, e: e}
}

// truthy is Clojure's truth: everything but nil and false.
func truthy(v any) bool { return v != nil && v != false }
