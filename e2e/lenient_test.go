package e2e

import "testing"

// TestLenientAsMaelstrom: replies Maelstrom's schemas accept pass here too
// (testdata/lenient): a broadcast read of "messages": null, and txn reads
// of {}, judged as data by Elle.
func TestLenientAsMaelstrom(t *testing.T) {
	tests := []struct {
		name string
		args []string
	}{
		{"broadcast read of null", []string{"-w", "broadcast", "--bin", bin("broadcast-null"), "--node-count", "1",
			"--time-limit", "3", "--rate", "10", "--availability", "total"}},
		{"txn values that are objects", []string{"-w", "txn-rw-register", "--bin", bin("txn-opaque"), "--node-count", "1",
			"--time-limit", "3", "--rate", "20", "--consistency-models", "read-uncommitted"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r := glomers(t, append([]string{"test"}, tt.args...)...)
			r.expect(t, 0, ":workload {:valid? true", "Everything looks good!")
		})
	}
}
