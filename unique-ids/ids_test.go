package main

import (
	"regexp"
	"sync"
	"testing"
)

func TestIDsUnique(t *testing.T) {
	const perSource = 20_000
	seen := map[string]string{}
	add := func(source, id string) {
		if prev, dup := seen[id]; dup {
			t.Fatalf("%s repeated ID %q first given by %s", source, id, prev)
		}
		seen[id] = source
	}
	sources := []struct{ node, boot string }{
		{"n0", NewBoot()},
		{"n0", NewBoot()}, // n0 restarted
		{"n1", NewBoot()},
		{"n2", NewBoot()},
		// Adversarial prefixes: node ids with dashes and equal boots
		// still cannot collide, because the boot has a fixed width.
		{"n1-0000000000000000", "0000000000000000"},
		{"n1", "0000000000000000"},
	}
	for _, s := range sources {
		g := NewIDs(s.node, s.boot)
		for range perSource {
			add(s.node+"/"+s.boot, g.Next())
		}
	}
	if len(seen) != len(sources)*perSource {
		t.Errorf("%d distinct IDs, want %d", len(seen), len(sources)*perSource)
	}
}

func TestIDsConcurrent(t *testing.T) {
	g := NewIDs("n0", NewBoot())
	const workers, each = 8, 5_000
	out := make(chan string, workers*each)
	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range each {
				out <- g.Next()
			}
		}()
	}
	wg.Wait()
	close(out)
	seen := map[string]bool{}
	for id := range out {
		if seen[id] {
			t.Fatalf("repeated ID %q", id)
		}
		seen[id] = true
	}
}

func TestBootsDiffer(t *testing.T) {
	seen := map[string]bool{}
	shape := regexp.MustCompile(`^[0-9a-f]{16}$`)
	for range 1000 {
		b := NewBoot()
		if !shape.MatchString(b) {
			t.Fatalf("boot %q is not 16 hex digits", b)
		}
		if seen[b] {
			t.Fatalf("boot %q drawn twice", b)
		}
		seen[b] = true
	}
}

func TestGenerate(t *testing.T) {
	g := NewIDs("n3", "00000000000000ff")
	for i, want := range []string{"n3-00000000000000ff-1", "n3-00000000000000ff-2"} {
		got := Generate(g)
		if got.Type != "generate_ok" || got.ID != want {
			t.Errorf("call %d: %+v, want id %s", i, got, want)
		}
	}
}
