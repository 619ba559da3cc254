package elle

import "testing"

// Values of (hash x) printed by Clojure 1.11.1.
func TestHasheq(t *testing.T) {
	tests := []struct {
		x    any
		want int32
	}{
		{int64(0), 0},
		{int64(1), 1392991556},
		{int64(2), -971005196},
		{int64(-1), 1651860712},
		{int64(1) << 40, -1443483870},
		{"", 0},
		{"a", 1455541201},
	}
	for _, tt := range tests {
		if got, ok := hasheq(tt.x); !ok || int32(got) != tt.want {
			t.Errorf("hasheq(%v) = %d, want %d", tt.x, int32(got), tt.want)
		}
	}
	lists := []struct {
		l    []any
		want int32
	}{
		{[]any{}, -2017569654},
		{[]any{int64(1)}, -1381383523},
		{[]any{int64(1), int64(2)}, 156247261},
		{[]any{int64(1), int64(2), int64(3)}, 736442005},
	}
	for _, tt := range lists {
		if got, ok := hashList(tt.l); !ok || int32(got) != tt.want {
			t.Errorf("hashList(%v) = %d, want %d", tt.l, int32(got), tt.want)
		}
	}
}
