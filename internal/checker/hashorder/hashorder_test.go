package hashorder

import (
	"fmt"
	"reflect"
	"sort"
	"testing"
)

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
		if got, ok := Hasheq(tt.x); !ok || int32(got) != tt.want {
			t.Errorf("Hasheq(%v) = %d, want %d", tt.x, int32(got), tt.want)
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
		if got, ok := List(tt.l); !ok || int32(got) != tt.want {
			t.Errorf("List(%v) = %d, want %d", tt.l, int32(got), tt.want)
		}
	}
}

// Iteration orders of bifurcan 0.2.0-alpha7 Sets of longs hashed with
// Murmur3.hashLong (as Elle hashes operations by index), printed by the
// real library after inserting the keys in a random order.
func TestBifurcan(t *testing.T) {
	hash := func(k int) int32 { return int32(Long(int64(k))) }
	var upTo40 []int
	for i := 0; i < 40; i++ {
		upTo40 = append(upTo40, i)
	}
	tests := []struct {
		keys, want []int
	}{
		{upTo40, []int{39, 6, 29, 13, 17, 33, 15, 36, 0, 38, 10, 34, 35, 32, 26, 21, 20, 9, 30, 19, 18, 5, 23, 16, 11, 8, 28, 12, 1, 22, 7, 3, 24, 31, 14, 2, 37, 25, 27, 4}},
		{[]int{5, 17, 99, 1000, 23, 4, 8}, []int{99, 5, 1000, 23, 8, 17, 4}},
	}
	for _, tt := range tests {
		if got := Bifurcan(tt.keys, hash); !reflect.DeepEqual(got, tt.want) {
			t.Errorf("Bifurcan(%v) = %v, want %v", tt.keys, got, tt.want)
		}
	}
}

// A Clojure hash set of vectors iterates them in this order (printed by
// Clojure 1.11.1 for (seq (set [[1 2 3 4 5] [1 2 3 4 6] [1 2 3 4 8]]))).
func TestClojureLess(t *testing.T) {
	vs := [][]any{{int64(1), int64(2), int64(3), int64(4), int64(5)}, {int64(1), int64(2), int64(3), int64(4), int64(6)}, {int64(1), int64(2), int64(3), int64(4), int64(8)}}
	sort.SliceStable(vs, func(i, j int) bool {
		a, _ := List(vs[i])
		b, _ := List(vs[j])
		return ClojureLess(a, b)
	})
	if got := fmt.Sprint(vs); got != "[[1 2 3 4 8] [1 2 3 4 5] [1 2 3 4 6]]" {
		t.Errorf("order %s", got)
	}
}
