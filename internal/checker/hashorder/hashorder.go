// Package hashorder reproduces the iteration orders of the hash-based
// collections Elle keeps its data in, so the Elle checkers can walk
// values and operations in the order Elle does: Clojure's hasheq
// (Murmur3, as clojure.lang.Murmur3 1.11 computes it) with the order of a
// Clojure persistent hash set, and the order of a bifurcan 0.2.0-alpha7
// hash map (a CHAMP trie), such as the vertex and successor sets of Elle's
// dependency graphs, whose operations hash by index.
package hashorder

import (
	"math/bits"
	"sort"
)

const (
	murmurC1 uint32 = 0xcc9e2d51
	murmurC2 uint32 = 0x1b873593
)

func mixK1(k uint32) uint32 { return bits.RotateLeft32(k*murmurC1, 15) * murmurC2 }

func mixH1(h, k uint32) uint32 { return bits.RotateLeft32(h^k, 13)*5 + 0xe6546b64 }

func fmix(h, length uint32) uint32 {
	h ^= length
	h ^= h >> 16
	h *= 0x85ebca6b
	h ^= h >> 13
	h *= 0xc2b2ae35
	h ^= h >> 16
	return h
}

// Long is Murmur3.hashLong, Clojure's hasheq of a Long.
func Long(n int64) uint32 {
	if n == 0 {
		return 0
	}
	h := mixH1(0, mixK1(uint32(n)))
	h = mixH1(h, mixK1(uint32(uint64(n)>>32)))
	return fmix(h, 8)
}

// String is Clojure's hasheq of a String: Murmur3.hashInt of Java's
// String.hashCode.
func String(s string) uint32 {
	var j uint32
	for _, c := range s {
		if c >= 0x10000 { // a surrogate pair in UTF-16
			c -= 0x10000
			j = 31*j + uint32(0xd800+(c>>10))
			j = 31*j + uint32(0xdc00+(c&0x3ff))
			continue
		}
		j = 31*j + uint32(c)
	}
	if j == 0 {
		return 0
	}
	return fmix(mixH1(0, mixK1(j)), 4)
}

// Hasheq returns Clojure's hash of nil, an int64, a string or a bool, or
// false for other values.
func Hasheq(x any) (uint32, bool) {
	switch v := x.(type) {
	case nil:
		return 0, true
	case int64:
		return Long(v), true
	case string:
		return String(v), true
	case bool:
		if v {
			return 1231, true
		}
		return 1237, true
	}
	return 0, false
}

// List is Clojure's hasheq of a vector (Murmur3.hashOrdered), or false if
// some element has no Hasheq.
func List(l []any) (uint32, bool) {
	var h uint32 = 1
	for _, e := range l {
		x, ok := Hasheq(e)
		if !ok {
			return 0, false
		}
		h = 31*h + x
	}
	return fmix(mixH1(0, mixK1(h)), uint32(len(l))), true
}

// ClojureLess reports whether a Clojure persistent hash set (or map)
// iterates a value of hash a before one of hash b: its trie orders entries
// by the 5-bit groups of their hashes, lowest group first. Equal hashes
// keep their insertion order.
func ClojureLess(a, b uint32) bool {
	for shift := 0; shift < 32; shift += 5 {
		x, y := (a>>shift)&31, (b>>shift)&31
		if x != y {
			return x < y
		}
	}
	return false
}

// bifurcanHash is the hash a bifurcan Map indexes a key by, from the long
// its hash function returns (an int hash, such as Long's, sign-extended).
func bifurcanHash(h int32) uint32 {
	h64 := int64(h)
	x := uint32((h64 >> 32) ^ h64)
	x ^= (x >> 20) ^ (x >> 12)
	x ^= (x >> 7) ^ (x >> 4)
	return x
}

// Bifurcan returns keys in the order a bifurcan Map (or Set, or a
// DirectedGraph's vertex and successor sets) holding exactly them iterates,
// given each key's hash as its hash function returns it: a CHAMP trie
// lists a node's own entries in the order of their 5-bit hash group, then
// its sub-nodes in the same order, depth first. Keys with equal hashes keep
// the order given.
func Bifurcan(keys []int, hash func(int) int32) []int {
	hs := make(map[int]uint32, len(keys))
	for _, k := range keys {
		hs[k] = bifurcanHash(hash(k))
	}
	out := make([]int, 0, len(keys))
	var walk func(ks []int, shift uint)
	walk = func(ks []int, shift uint) {
		if shift >= 35 { // same hash: a collision node, in insertion order
			out = append(out, ks...)
			return
		}
		groups := map[uint32][]int{}
		var chunks []uint32
		for _, k := range ks {
			c := (hs[k] >> (shift & 31)) & 31
			if groups[c] == nil {
				chunks = append(chunks, c)
			}
			groups[c] = append(groups[c], k)
		}
		sort.Slice(chunks, func(i, j int) bool { return chunks[i] < chunks[j] })
		for _, c := range chunks {
			if len(groups[c]) == 1 {
				out = append(out, groups[c][0])
			}
		}
		for _, c := range chunks {
			if g := groups[c]; len(g) > 1 {
				walk(g, shift+5)
			}
		}
	}
	walk(keys, 0)
	return out
}
