package kafka

import (
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"testing"

	"github.com/glomers/glomers/internal/conformance"
)

// TestConformanceCycleWords explains the G1c of Jepsen's g1c-pure-wr test in words.
func TestConformanceCycleWords(t *testing.T) {
	b, err := os.ReadFile(filepath.Join(conformance.Dir(t), "kafka-g1c-wr.json"))
	if err != nil {
		t.Fatal(err)
	}
	var c conformanceCase
	if err := json.Unmarshal(b, &c); err != nil {
		t.Fatal(err)
	}
	cs, _ := Analyze(c.History, Options{}).Errors["G1c"].([]Cycle)
	if len(cs) != 1 {
		t.Fatalf("want one G1c, got %v", cs)
	}
	var got []string
	for _, s := range CycleWords(cs[0]) {
		got = append(got, s.FromName+"<"+s.ToName+": "+s.Text)
	}
	want := []string{
		`T1<T2: T2 polled T1's send of 2 to "y"`,
		`T2<T1: T1 polled T2's send of 1 to "x"`,
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("words %q, want %q", got, want)
	}
}
