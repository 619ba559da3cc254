package elle

import "math/bits"

// Clojure's hasheq (Murmur3, as in clojure.lang.Murmur3 1.11), for the
// values list-append reads hold. Elle keeps a key's distinct reads in a
// Clojure hash set and sorts them by length only, so among reads of equal
// length the set's iteration order decides which read is the version order
// and which pair an incompatible-order case names. That order follows the
// hashes; hashOrderLess reproduces it.

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

// hashLong is Murmur3.hashLong, Clojure's hasheq of a Long.
func hashLong(n int64) uint32 {
	if n == 0 {
		return 0
	}
	h := mixH1(0, mixK1(uint32(n)))
	h = mixH1(h, mixK1(uint32(uint64(n)>>32)))
	return fmix(h, 8)
}

// hashString is Clojure's hasheq of a String: Murmur3.hashInt of Java's
// String.hashCode.
func hashString(s string) uint32 {
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

// hasheq returns Clojure's hash of an element, or false for values whose
// Clojure form we do not model (they keep their order of appearance).
func hasheq(x any) (uint32, bool) {
	switch v := x.(type) {
	case nil:
		return 0, true
	case int64:
		return hashLong(v), true
	case string:
		return hashString(v), true
	case bool:
		if v {
			return 1231, true
		}
		return 1237, true
	}
	return 0, false
}

// hashList is Clojure's hasheq of a vector (Murmur3.hashOrdered).
func hashList(l []any) (uint32, bool) {
	var h uint32 = 1
	for _, e := range l {
		x, ok := hasheq(e)
		if !ok {
			return 0, false
		}
		h = 31*h + x
	}
	return fmix(mixH1(0, mixK1(h)), uint32(len(l))), true
}

// hashOrderLess reports whether a hash set iterates a value of hash a
// before one of hash b: a persistent hash map's trie orders entries by
// the 5-bit groups of their hashes, lowest group first.
func hashOrderLess(a, b uint32) bool {
	for shift := 0; shift < 32; shift += 5 {
		x, y := (a>>shift)&31, (b>>shift)&31
		if x != y {
			return x < y
		}
	}
	return false
}
