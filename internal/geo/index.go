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
//     embedded dataset) or the one before them. The entries are made a /8
//     at a time (1 KB), when a lookup first needs that /8, by one search
//     and a walk over the keys in it: a few microseconds. All at once
//     they cost tenths of a millisecond, much for a run that looks up
//     one address; one at a time, a search each, they cost a run that
//     looks up addresses everywhere more than the index saves it.
//   - IPv6: every v6Stride-th block key, a compact copy of the upper
//     levels of the search, built on the family's first lookup. The
//     addresses cluster too tightly for a prefix index: even one per /32
//     would leave six steps in the densest prefixes.
//
// The index only ever narrows the range a search looks at to blocks that
// exist, so on a dataset that was parsed but not validated (Open's) it
// cannot make a lookup read out of range; on keys in order (validate
// checks that) it finds the block the plain search would.
const v6Stride = 32

// index is a table's in-memory search index.
type index struct {
	// IPv4: per /8 c, nil until a lookup needs it, then entry j is how
	// many blocks start before c.j.0.0 (j = 256: before the next /8).
	// Lookups that race to make one keep the first made; they are equal.
	first [256]atomic.Pointer[[257]uint32]

	once    sync.Once
	samples []u128 // IPv6: the key of every v6Stride-th block
}

// samples6 makes the IPv6 samples: for the embedded dataset 2,000 keys,
// some tens of microseconds. (Every 8th key made lookups no faster that
// we could measure, and cost four times as much.)
func (t *table) samples6() {
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
	c, j := x>>24, x>>16&0xff
	e := t.idx.first[c].Load()
	if e == nil {
		e = t.fill4(c)
	}
	return t.between4(x, int(e[j]), int(e[j+1]))
}

// fill4 makes the entries of /8 c, unless another lookup did first, and
// returns them.
func (t *table) fill4(c uint32) *[257]uint32 {
	e := new([257]uint32)
	nb := len(t.offs) / 4
	b := 0 // blocks that start before c.0.0.0
	if c > 0 {
		b = t.search4(c<<24 - 1)
	}
	j := 0 // e[:j] are set
	for ; b < nb; b++ {
		// A key out of order (in data not validated) sets nothing
		// or ends the walk: the entries stay in [0, nb].
		k := int(le32(t.keys, 4*b)>>16) - int(c<<8)
		for ; j <= min(k, len(e)-1); j++ {
			e[j] = uint32(b)
		}
		if j == len(e) {
			break
		}
	}
	for ; j < len(e); j++ {
		e[j] = uint32(b)
	}
	if t.idx.first[c].CompareAndSwap(nil, e) {
		return e
	}
	return t.idx.first[c].Load()
}

// blocks6 is blocks4 for an IPv6 address: a search of the samples picks
// the run of v6Stride blocks to search.
func (t *table) blocks6(xh, xl uint64) int {
	t.idx.once.Do(t.samples6)
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
// It halves the range without a branch on the keys:
// a mispredicted branch would wait for each key's cache miss, and would
// keep the other table's search from starting meanwhile. It reads only
// blocks[lo:hi].
func (t *table) between4(x uint32, lo, hi int) int {
	if lo >= hi {
		return lo
	}
	n := hi - lo // blocks[lo+n:] start after x
	for n > 1 {
		half := n >> 1
		lo += half &^ after(x, le32(t.keys, 4*(lo+half)))
		n -= half
	}
	return lo + 1&^after(x, le32(t.keys, 4*lo))
}

// after returns -1 (all ones) if key k is after x, else 0, without a
// branch.
func after(x, k uint32) int {
	return int((int64(x) - int64(k)) >> 63)
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
