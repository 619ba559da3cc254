package consistency

import (
	"reflect"
	"strings"
	"testing"
)

// The prohibited sets listed in checkers.md §5.6.
func TestProhibitedBy(t *testing.T) {
	rc := "G0 G1 G1a G1b G1c PL-1-cycle-exists PL-2-cycle-exists cyclic-versions dirty-update duplicate-elements future-read incompatible-order"
	rr := rc + " G-cursor G-nonadjacent-item G-single-item G2-item PL-2.99-cycle-exists lost-update"
	si := "G-MSR G-SI G-SIb G-cursor G-monotonic G-nonadjacent G-nonadjacent-item G-single G-single-item G0 G1 G1a G1b G1c PL-1-cycle-exists PL-2-cycle-exists PL-SI-cycle-exists cyclic-versions dirty-update duplicate-elements future-read incompatible-order internal lost-update"
	ser := si + " G-update G2 G2-item PL-2.99-cycle-exists PL-3-cycle-exists predicate-read-miss write-skew"
	ss := ser + " G0-process G0-realtime G1-process G1-realtime G1c-process G1c-realtime G-single-process G-single-realtime G-single-item-process G-single-item-realtime G-nonadjacent-process G-nonadjacent-realtime G-nonadjacent-item-process G-nonadjacent-item-realtime G2-process G2-realtime G2-item-process G2-item-realtime" +
		" PL-SS-cycle-exists strong-PL-1-cycle-exists strong-PL-2-cycle-exists strong-session-PL-1-cycle-exists strong-session-PL-2-cycle-exists strong-session-serializable-cycle-exists strong-session-snapshot-isolation-cycle-exists strong-snapshot-isolation-cycle-exists"
	tests := []struct {
		model string
		want  string
		n     int
	}{
		{"read-uncommitted", "G0 PL-1-cycle-exists cyclic-versions duplicate-elements", 4},
		{"read-committed", rc, 12},
		{"repeatable-read", rr, 18},
		{"snapshot-isolation", si, 24},
		{"serializable", ser, 31},
		{"strict-serializable", ss, 57},
		{"strong-serializable", ss, 57},
		{"PL-SS", ss, 57},
	}
	for _, tt := range tests {
		got := setToSorted(ProhibitedBy([]string{tt.model}))
		want := setToSorted(wordSet(tt.want))
		if !reflect.DeepEqual(got, want) || len(got) != tt.n {
			t.Errorf("ProhibitedBy(%s) = %d %v\nwant %d %v", tt.model, len(got), got, tt.n, want)
		}
	}
	if got := ProhibitedBy(nil); len(got) != 0 {
		t.Errorf("ProhibitedBy(nil) = %v, want empty", got)
	}
}

// The boundary examples of checkers.md §5.7.
func TestBoundary(t *testing.T) {
	tests := []struct {
		anomalies    string
		not, alsoNot string
		checkAlsoNot bool
	}{
		{"G1c", "read-committed", "", false},
		{"G-single-item", "consistent-view repeatable-read", "", false},
		{"G2-item", "repeatable-read", "serializable strong-serializable strong-session-serializable", true},
		{"G1c-realtime", "strong-read-committed", "strong-serializable strong-snapshot-isolation", true},
		{"internal", "read-atomic", "", false},
		{"cycle-search-timeout", "", "", true},
		{"cyclic-versions", "read-uncommitted", "", false},
		{"lost-update", "cursor-stability update-atomic", "", false},
		{"G0", "read-uncommitted", "", false},
	}
	for _, tt := range tests {
		not, also := Boundary(strings.Fields(tt.anomalies))
		if !reflect.DeepEqual(not, strings.Fields(tt.not)) && !(len(not) == 0 && tt.not == "") {
			t.Errorf("Boundary(%s).not = %v, want %v", tt.anomalies, not, tt.not)
		}
		if tt.checkAlsoNot && !reflect.DeepEqual(also, strings.Fields(tt.alsoNot)) && !(len(also) == 0 && tt.alsoNot == "") {
			t.Errorf("Boundary(%s).alsoNot = %v, want %v", tt.anomalies, also, tt.alsoNot)
		}
	}
}

func TestNames(t *testing.T) {
	for _, tt := range []struct{ in, canonical, friendly string }{
		{"read-committed", "PL-2", "read-committed"},
		{"strict-serializable", "PL-SS", "strong-serializable"},
		{"serializable", "PL-3", "serializable"},
		{"conflict-serializable", "PL-3", "serializable"},
		{"linearizable", "linearizable", "linearizable"},
	} {
		if c := Canonical(tt.in); c != tt.canonical {
			t.Errorf("Canonical(%s) = %s, want %s", tt.in, c, tt.canonical)
		}
		if f := Friendly(Canonical(tt.in)); f != tt.friendly {
			t.Errorf("Friendly(%s) = %s, want %s", tt.canonical, f, tt.friendly)
		}
	}
	for _, m := range []string{"strict-serializable", "PL-SS", "read-atomic", "linearizable", "1SR", "strong-session-snapshot-isolation"} {
		if !Known(m) {
			t.Errorf("Known(%s) = false", m)
		}
	}
	if Known("bogus") {
		t.Errorf("Known(bogus) = true")
	}
}

func TestSeverityOrder(t *testing.T) {
	// Nothing implies G-single-item, so it has depth 0 and sorts by name
	// before G0, as in Elle.
	for _, pair := range [][2]string{{"G0", "G1c"}, {"G-single-item", "G0"}, {"G-single-item", "G-single"},
		{"G-single", "G-nonadjacent"}, {"G-nonadjacent", "G2"}, {"G2", "G0-process"}, {"G2-process", "G0-realtime"}} {
		if CompareSeverity(pair[0], pair[1]) >= 0 {
			t.Errorf("%s should come before %s", pair[0], pair[1])
		}
	}
}

func wordSet(s string) map[string]bool {
	m := map[string]bool{}
	for _, w := range strings.Fields(s) {
		m[w] = true
	}
	return m
}
