package geo

import (
	"sync"
	"sync/atomic"
)

// A lookup's binary search over a whole block index costs about sixteen
// dependent reads spread over hundreds of kilobytes, most of them cache
// misses. A table therefore keeps a small index of its block keys in
// memory that narrows the search to a few neighbouring blocks:
//
//   - IPv4: per /16, how many blocks start before it, so that an address's
//     block is among the blocks starting in its /16 (at most 32 in the
//     embedded dataset) or the one before them. Entries are filled in as
//     lookups first need them, by a plain search each: building all of
//     them at once reads every key and costs more (0.4 ms a table) than
//     a short run saves.
//   - IPv6: every v6Stride-th block key, a compact copy of the upper
//     levels of the search, built on the family's first lookup. The
//     addresses cluster too tightly for a prefix index: even one per /32
//     would leave six steps in the densest prefixes.
//
// The index only ever narrows the range a search looks at to blocks that
// exist, so on a dataset that was parsed but not validated (Open's) it
// cannot make a lookup read out of range; on keys in order (validate
// checks that) it finds the block the plain search would.
const (
	v4IndexBits = 16
	v6Stride    = 8
)

// index is a table's in-memory search index.
type index struct {
	once sync.Once
	// IPv4: entry p is 1 + how many blocks start before prefix p (p <<
	// (32-v4IndexBits)), or 0 while not yet known. Lookups that race to
	// fill an entry store the same value.
	first   *[1<<v4IndexBits + 1]atomic.Uint32
	samples []u128 // IPv6: the key of every v6Stride-th block
}

// build makes the parts of the index built at once: the room for the
// IPv4 entries, or the IPv6 samples (about 20 µs for the embedded
// dataset).
func (t *table) build() {
	if !t.v6 {
		t.idx.first = new([1<<v4IndexBits + 1]atomic.Uint32)
		return
	}
	nb := len(t.offs) / 4
	samples := make([]u128, 0, (nb+v6Stride-1)/v6Stride)
	for b := 0; b < nb; b += v6Stride {
		samples = append(samples, u128{le64(t.keys, 16*b), le64(t.keys, 16*b+8)})
	}
	t.idx.samples = samples
}

// blocks4 returns how many blocks start at or before x, as search4 does
// on keys in order, searching only the blocks that start in x's /16.
func (t *table) blocks4(x uint32) int {
	t.idx.once.Do(t.build)
	p := x >> (32 - v4IndexBits)
	lo, hi := t.idx.first[p].Load(), t.idx.first[p+1].Load()
	if lo == 0 || hi == 0 {
		lo, hi = t.fill4(p)
	}
	return t.between4(x, int(lo-1), int(hi-1))
}

// fill4 sets the index entries around prefix p and returns them.
func (t *table) fill4(p uint32) (lo, hi uint32) {
	entry := func(p uint32) uint32 {
		e := &t.idx.first[p]
		if v := e.Load(); v != 0 {
			return v
		}
		var n int // blocks that start before prefix p
		if p == 1<<v4IndexBits {
			n = len(t.offs) / 4
		} else if p > 0 {
			n = t.search4(p<<(32-v4IndexBits) - 1)
		}
		e.Store(uint32(1 + n))
		return uint32(1 + n)
	}
	return entry(p), entry(p + 1)
}

// blocks6 is blocks4 for an IPv6 address: a search of the samples picks
// the run of v6Stride blocks to search.
func (t *table) blocks6(xh, xl uint64) int {
	t.idx.once.Do(t.build)
	s := t.idx.samples
	lo, hi := 0, len(s)
	for lo < hi {
		m := int(uint(lo+hi) >> 1)
		if k := s[m]; k.hi < xh || k.hi == xh && k.lo <= xl {
			lo = m + 1
		} else {
			hi = m
		}
	}
	if lo == 0 {
		return 0
	}
	// Block (lo-1)·v6Stride starts at or before x, block lo·v6Stride (if
	// any) after it.
	return t.between6(xh, xl, (lo-1)*v6Stride+1, min(lo*v6Stride, len(t.offs)/4))
}

// search4 is the plain binary search of the whole block index that
// blocks4 narrows. Tests compare the two.
func (t *table) search4(x uint32) int {
	return t.between4(x, 0, len(t.offs)/4)
}

// search6 is search4 for an IPv6 address.
func (t *table) search6(xh, xl uint64) int {
	return t.between6(xh, xl, 0, len(t.offs)/4)
}

// between4 returns how many blocks start at or before x, given that
// blocks[:lo] do and blocks[hi:] do not, by binary search of the rest.
func (t *table) between4(x uint32, lo, hi int) int {
	for lo < hi {
		m := int(uint(lo+hi) >> 1)
		if le32(t.keys, 4*m) <= x {
			lo = m + 1
		} else {
			hi = m
		}
	}
	return lo
}

// between6 is between4 for an IPv6 address, split into halves.
func (t *table) between6(xh, xl uint64, lo, hi int) int {
	for lo < hi {
		m := int(uint(lo+hi) >> 1)
		if kh := le64(t.keys, 16*m); kh < xh || kh == xh && le64(t.keys, 16*m+8) <= xl {
			lo = m + 1
		} else {
			hi = m
		}
	}
	return lo
}
