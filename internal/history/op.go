// Package history holds the operations a test records, in the shape Jepsen
// gives them (:index :time :type :process :f :value), and writes them as
// history.edn, history.txt and JSON.
package history

import (
	"encoding/json"
	"fmt"
	"strconv"

	"olympos.io/encoding/edn"
)

// Type is an operation's type: an invocation or one of the three completions.
type Type string

// The four operation types.
const (
	Invoke Type = "invoke"
	OK     Type = "ok"
	Fail   Type = "fail"
	Info   Type = "info"
)

// MarshalEDN writes the type as a keyword.
func (t Type) MarshalEDN() ([]byte, error) { return []byte(":" + string(t)), nil }

// Process identifies the logical process that ran an operation: a client
// worker's number, or the nemesis.
type Process int

// Nemesis is the process of fault-injection operations.
const Nemesis Process = -1

// String returns the process as Jepsen prints it: a number or :nemesis.
func (p Process) String() string {
	if p == Nemesis {
		return ":nemesis"
	}
	return strconv.Itoa(int(p))
}

// MarshalEDN writes the process as a number or :nemesis.
func (p Process) MarshalEDN() ([]byte, error) { return []byte(p.String()), nil }

// MarshalJSON writes the process as a number or "nemesis".
func (p Process) MarshalJSON() ([]byte, error) {
	if p == Nemesis {
		return []byte(`"nemesis"`), nil
	}
	return []byte(strconv.Itoa(int(p))), nil
}

// UnmarshalJSON reads a number, "nemesis" or ":nemesis".
func (p *Process) UnmarshalJSON(b []byte) error {
	var s string
	if json.Unmarshal(b, &s) == nil {
		if s == "nemesis" || s == ":nemesis" {
			*p = Nemesis
			return nil
		}
		return fmt.Errorf("unknown process %q", s)
	}
	var n int
	if err := json.Unmarshal(b, &n); err != nil {
		return fmt.Errorf("process must be a number or \"nemesis\": %s", b)
	}
	*p = Process(n)
	return nil
}

// Keyword is an EDN keyword (written without its colon). In JSON it is a
// plain string.
type Keyword = edn.Keyword

// Op is one history entry. Value and Error hold plain JSON-like data
// (maps, slices, strings, numbers, nil) plus Keyword where Jepsen would
// print a keyword.
type Op struct {
	Index     int     `edn:"index" json:"index"`
	Time      int64   `edn:"time" json:"time"`
	Type      Type    `edn:"type" json:"type"`
	Process   Process `edn:"process" json:"process"`
	F         Keyword `edn:"f" json:"f"`
	Value     any     `edn:"value" json:"value"`
	Error     any     `edn:"error,omitempty" json:"error,omitempty"`
	Final     bool    `edn:"final?,omitempty" json:"final,omitempty"`
	Exception any     `edn:"exception,omitempty" json:"exception,omitempty"`
}

// IsClient reports whether the op came from a client worker rather than the
// nemesis.
func (o Op) IsClient() bool { return o.Process != Nemesis }
