// Package checker holds what every checker shares: the three-valued
// verdict, how verdicts combine, and the shape of a checker's result. Each
// checker lives in its own sub-package and is a pure function of a history
// (and, for net, the network journal).
package checker

import (
	"encoding/json"
	"fmt"
)

// Validity is a checker's verdict: true, false, or unknown.
type Validity int

// The three verdicts, ordered by priority: when verdicts combine, false
// beats unknown, which beats true.
const (
	Valid Validity = iota
	Unknown
	Invalid
)

// Of returns Valid for true and Invalid for false.
func Of(ok bool) Validity {
	if ok {
		return Valid
	}
	return Invalid
}

// Merge combines verdicts: the highest-priority one wins, and no verdicts
// at all give Valid.
func Merge(vs ...Validity) Validity {
	out := Valid
	for _, v := range vs {
		out = max(out, v)
	}
	return out
}

// String returns "true", "false" or "unknown".
func (v Validity) String() string {
	switch v {
	case Valid:
		return "true"
	case Invalid:
		return "false"
	}
	return "unknown"
}

// MarshalEDN writes true, false or :unknown.
func (v Validity) MarshalEDN() ([]byte, error) {
	if v == Unknown {
		return []byte(":unknown"), nil
	}
	return []byte(v.String()), nil
}

// MarshalJSON writes true, false or "unknown".
func (v Validity) MarshalJSON() ([]byte, error) {
	if v == Unknown {
		return []byte(`"unknown"`), nil
	}
	return []byte(v.String()), nil
}

// UnmarshalJSON reads true, false or "unknown".
func (v *Validity) UnmarshalJSON(b []byte) error {
	var x any
	if err := json.Unmarshal(b, &x); err != nil {
		return err
	}
	switch x {
	case true:
		*v = Valid
	case false:
		*v = Invalid
	case "unknown", ":unknown":
		*v = Unknown
	default:
		return fmt.Errorf("validity must be true, false or \"unknown\", got %s", b)
	}
	return nil
}

// Result is what a checker returns: a struct (or map) that encodes to EDN
// and JSON and knows its verdict.
type Result interface {
	Validity() Validity
}

// Simple is the result of a checker that only reports a verdict.
type Simple struct {
	Valid Validity `edn:"valid?" json:"valid"`
}

// Validity returns the verdict.
func (s Simple) Validity() Validity { return s.Valid }

// Crashed is the result of a checker that failed to run: unknown, with the
// error that stopped it.
type Crashed struct {
	Valid Validity `edn:"valid?" json:"valid"`
	Error string   `edn:"error" json:"error"`
}

// Validity returns Unknown.
func (c Crashed) Validity() Validity { return c.Valid }

// Safely runs check and turns a panic into a Crashed result, as Jepsen's
// check-safe does with exceptions.
func Safely(check func() Result) (r Result) {
	defer func() {
		if p := recover(); p != nil {
			r = Crashed{Valid: Unknown, Error: fmt.Sprint(p)}
		}
	}()
	return check()
}
