package geo

import (
	"errors"
	"fmt"
	"math"
	"math/bits"
)

// The encoded dataset (version 3) is read in place: Lookup reads the bytes
// of the embedded string where the linker put them, so that a run pays only
// for the few pages its lookups touch, not for decoding the whole dataset.
// All integers are little-endian; offsets count from the start of the file.
//
//	"AGEO" version(3) 0 0 0
//	17 × (u32 offset, u32 length)   the sections, in this order, each
//	                                starting where the one before ends:
//	  attribution                   text
//	  countries                     n × 2 bytes (value index 1..n)
//	  organisation ends             (n+1) × u32: organisation i (1..n) is
//	                                text[end[i-1]:end[i]], end[0] = 0
//	  organisation text
//	  asns                          n × (u32 ASN, u32 organisation index or 0)
//	  per table c4, a4, c6, a6:
//	    block keys                  per block, the first entry's start: u32
//	                                (IPv4), or u64 high half, u64 low half
//	    block offsets               per block, u32 offset of its body within
//	                                the bodies section
//	    block bodies
//	4 × u32                         entries per table (c4, a4, c6, a6)
//	  ... sections ...
//	u32                             CRC-32C (Castagnoli) of all before it
//
// A table maps an address family to value indexes (countries or ASNs):
// entry i holds from its start up to the next entry's start (exclusive) or
// the end of the address space; value 0 means no data. Entries go in
// blocks of blockLen; a block's body is its first entry's uvarint value,
// then per later entry a uvarint start delta (IPv6: uvarint high-half
// delta, then the low half, absolute if the high half moved, else a delta)
// and a uvarint value. Lookup binary-searches the block keys, narrowed by
// an index kept in memory (index.go), and decodes one block. Value
// indexes ordered by frequency keep the values small.
//
// Version 1 was a columnar stream inside gzip and version 2 the same inside
// zstd; both had to be decoded whole (tens of milliseconds) before the
// first lookup.
const (
	magic    = "AGEO"
	version  = 3
	blockLen = 8 // 16 saves 0.8 MB but makes IPv6 lookups 1.5x slower

	nSections  = 17
	headerLen  = 8 + nSections*8 + 4*4
	trailerLen = 4
)

// ErrCorrupt reports a dataset that does not decode; rebuild it with
// scripts/geo.
var ErrCorrupt = errors.New("geo: dataset is corrupt")

// Limits on what a dataset may hold, far above the real one's; validate
// rejects a dataset beyond them. (Decode's maxSize bounds its memory.)
const (
	maxEntries   = 1 << 24
	maxString    = 1 << 16
	maxAttrib    = 1 << 20
	maxCountries = 1 << 10
)

// table is one range table, its sections as substrings of the dataset,
// and the index that speeds up searching them.
type table struct {
	n                  int // entries
	keys, offs, bodies string
	v6                 bool
	idx                index
}

func (t *table) keyLen() int {
	if t.v6 {
		return 16
	}
	return 4
}

// parse finds the sections of the dataset s. It checks only what makes
// every later read in range (the header, and that each section lies inside
// s and has a whole number of records), not the contents: Lookup checks
// each read it makes, and validate checks the rest. It costs the same for
// any size of dataset.
func parse(s string) (*DB, error) {
	if len(s) < headerLen+trailerLen || s[:len(magic)] != magic {
		return nil, fmt.Errorf("%w: not an antidote geo dataset", ErrCorrupt)
	}
	if s[len(magic)] != version {
		return nil, fmt.Errorf("%w: not a version %d antidote geo dataset", ErrCorrupt, version)
	}
	var sec [nSections]string
	for i := range sec {
		off, n := uint64(le32(s, 8+8*i)), uint64(le32(s, 12+8*i))
		if off < headerLen || off+n > uint64(len(s)-trailerLen) {
			return nil, fmt.Errorf("%w: section %d out of range", ErrCorrupt, i)
		}
		sec[i] = s[off : off+n]
	}
	db := &DB{
		attribution: sec[0],
		countries:   sec[1],
		orgEnds:     sec[2],
		orgText:     sec[3],
		asns:        sec[4],
	}
	if len(db.countries)%2 != 0 || len(db.orgEnds)%4 != 0 || len(db.asns)%8 != 0 {
		return nil, fmt.Errorf("%w: partial record", ErrCorrupt)
	}
	for i, t := range []*table{&db.c4, &db.a4, &db.c6, &db.a6} {
		t.v6 = i >= 2
		t.keys, t.offs, t.bodies = sec[5+3*i], sec[6+3*i], sec[7+3*i]
		n := uint64(le32(s, 8+8*nSections+4*i))
		blocks := (n + blockLen - 1) / blockLen
		if n > maxEntries || uint64(len(t.offs)) != 4*blocks || uint64(len(t.keys)) != uint64(t.keyLen())*blocks {
			return nil, fmt.Errorf("%w: table %d: bad block index", ErrCorrupt, i)
		}
		t.n = int(n)
	}
	return db, nil
}

// le32 reads the u32 at s[i:], or 0 if s is too short.
func le32(s string, i int) uint32 {
	if i < 0 || len(s)-i < 4 {
		return 0
	}
	s = s[i : i+4]
	return uint32(s[0]) | uint32(s[1])<<8 | uint32(s[2])<<16 | uint32(s[3])<<24
}

// le64 reads the u64 at s[i:], or 0 if s is too short.
func le64(s string, i int) uint64 {
	if i < 0 || len(s)-i < 8 {
		return 0
	}
	s = s[i : i+8]
	return uint64(s[0]) | uint64(s[1])<<8 | uint64(s[2])<<16 | uint64(s[3])<<24 |
		uint64(s[4])<<32 | uint64(s[5])<<40 | uint64(s[6])<<48 | uint64(s[7])<<56
}

// uvarintAt decodes the varint at s[i:] as binary.Uvarint would and
// returns the index after it, or -1 if s holds none there (cut short or
// over 64 bits). The block loops copy its one-byte case, most values, by
// hand: uvarintAt is over the compiler's inlining budget, and a call per
// varint costs a lookup about 10%.
func uvarintAt(s string, i int) (uint64, int) {
	if i >= 0 && i < len(s) && s[i] < 0x80 {
		return uint64(s[i]), i + 1
	}
	return uvarintWord(s, i)
}

// uvarintWord is uvarintAt for a varint of any length. With eight bytes
// left it reads them as one word and gathers the 7-bit groups without a
// loop.
func uvarintWord(s string, i int) (uint64, int) {
	if i < 0 || len(s)-i < 8 {
		return uvarintSlow(s, i)
	}
	w := le64(s, i)
	m := ^w & 0x8080808080808080 // the high bit of each byte that ends a varint
	n := 64                      // bits up to the end of the first such byte
	if m != 0 {
		n = bits.TrailingZeros64(m) + 1
	}
	x := w & (1<<n - 1) & 0x7f7f7f7f7f7f7f7f
	x = x&0x007f007f007f007f | x&0x7f007f007f007f00>>1
	x = x&0x00003fff00003fff | x&0x3fff00003fff0000>>2
	x = x&0x000000000fffffff | x&0x0fffffff00000000>>4
	if m != 0 {
		return x, i + n/8
	}
	// Nine or ten bytes: the starts of distant IPv6 prefixes.
	if len(s)-i < 10 {
		return uvarintSlow(s, i)
	}
	if b := s[i+8]; b < 0x80 {
		return x | uint64(b)<<56, i + 9
	}
	if b := s[i+9]; b < 2 {
		return x | uint64(s[i+8]&0x7f)<<56 | uint64(b)<<63, i + 10
	}
	return 0, -1
}

func uvarintSlow(s string, i int) (uint64, int) {
	if i < 0 || i >= len(s) {
		return 0, -1
	}
	var v uint64
	var shift uint
	for j := i; j < len(s) && j-i < 10; j++ {
		b := s[j]
		if b < 0x80 {
			if j-i == 9 && b > 1 {
				return 0, -1
			}
			return v | uint64(b)<<shift, j + 1
		}
		v |= uint64(b&0x7f) << shift
		shift += 7
	}
	return 0, -1
}

// block returns where block b's body starts and how many entries it holds,
// or a count of 0 if its offset is out of range.
func (t *table) block(b int) (at, count int) {
	off := int(le32(t.offs, 4*b))
	if off >= len(t.bodies) {
		return 0, 0
	}
	return off, min(blockLen, t.n-b*blockLen)
}

// find4 returns the value of the last entry whose start is <= x, or 0.
func (t *table) find4(x uint32) uint32 {
	return t.scan4(x, t.open4(t.blocks4(x)))
}

// cursor is a place in a table's block bodies: the entry just decoded,
// its start and value, and how many entries of its block follow.
type cursor struct {
	i, left  int // i < 0 when the block cannot be read
	start, v uint64
}

// open4 decodes the first entry of the block before block lo, the block
// whose first entry starts at or before x when lo blocks do. (lo = 0: no
// entry does, and the cursor holds value 0.) It and scan4 are apart so
// that a lookup can open the blocks of both its tables before it scans
// either, and their cache misses overlap.
func (t *table) open4(lo int) cursor {
	if lo == 0 {
		return cursor{i: -1}
	}
	at, n := t.block(lo - 1)
	if n == 0 {
		return cursor{i: -1}
	}
	v, i := uvarintAt(t.bodies, at)
	return cursor{i: i, left: n - 1, start: uint64(le32(t.keys, 4*(lo-1))), v: v}
}

// scan4 returns the value of the last entry of c's block whose start is
// <= x.
func (t *table) scan4(x uint32, c cursor) uint32 {
	b, i, start, v := t.bodies, c.i, c.start, c.v
	if i < 0 {
		return 0
	}
	for range c.left {
		// uvarintAt by hand: the loop decodes up to 2×blockLen varints.
		var d, w uint64
		if uint(i) < uint(len(b)) && b[i] < 0x80 {
			d, i = uint64(b[i]), i+1
		} else if d, i = uvarintWord(b, i); i < 0 {
			break
		}
		if start += d; start > uint64(x) {
			break
		}
		if uint(i) < uint(len(b)) && b[i] < 0x80 {
			w, i = uint64(b[i]), i+1
		} else if w, i = uvarintWord(b, i); i < 0 {
			break
		}
		v = w
	}
	return uint32(min(v, math.MaxUint32))
}

// find6 is find4 for an IPv6 address, split into halves.
func (t *table) find6(xh, xl uint64) uint32 {
	lo := t.blocks6(xh, xl)
	if lo == 0 {
		return 0
	}
	i, n := t.block(lo - 1)
	if n == 0 {
		return 0
	}
	b := t.bodies
	h, l := le64(t.keys, 16*(lo-1)), le64(t.keys, 16*(lo-1)+8)
	v, i := uvarintAt(b, i)
	for range n - 1 {
		var dh, dl, w uint64
		if uint(i) < uint(len(b)) && b[i] < 0x80 {
			dh, i = uint64(b[i]), i+1
		} else if dh, i = uvarintWord(b, i); i < 0 {
			break
		}
		if uint(i) < uint(len(b)) && b[i] < 0x80 {
			dl, i = uint64(b[i]), i+1
		} else if dl, i = uvarintWord(b, i); i < 0 {
			break
		}
		if dh != 0 {
			h, l = h+dh, dl
		} else {
			l += dl
		}
		if h > xh || h == xh && l > xl {
			break
		}
		if uint(i) < uint(len(b)) && b[i] < 0x80 {
			w, i = uint64(b[i]), i+1
		} else if w, i = uvarintWord(b, i); i < 0 {
			break
		}
		v = w
	}
	return uint32(min(v, math.MaxUint32))
}
