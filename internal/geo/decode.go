package geo

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"

	"github.com/klauspost/compress/zstd"
)

// ErrCorrupt reports a dataset that does not decode; rebuild it with
// scripts/geo.
var ErrCorrupt = errors.New("geo: dataset is corrupt")

// Limits that keep a damaged or hostile dataset from exhausting memory.
const (
	maxEntries = 1 << 24
	maxString  = 1 << 16
	maxAttrib  = 1 << 20
)

// maxDecoded bounds the decompressed dataset, so that a hostile one cannot
// exhaust memory before its counts are checked.
const maxDecoded = 1 << 30

// Decode reads a dataset written by Encode. It decompresses the whole
// dataset first and then decodes from memory: varints read from a byte
// slice cost a few instructions, through an io.ByteReader many more.
func Decode(r io.Reader) (*DB, error) {
	t, err := decodeTables(r)
	if err != nil {
		return nil, err
	}
	db := &DB{t: t}
	db.once.Do(func() {})
	return db, nil
}

func decodeTables(r io.Reader) (*tables, error) {
	zr, err := zstd.NewReader(r, zstd.WithDecoderConcurrency(1), zstd.WithDecoderMaxMemory(maxDecoded), zstd.WithDecoderMaxWindow(64<<20))
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrCorrupt, err)
	}
	defer zr.Close()
	// Reading to the end also checks the frame's checksum.
	var buf bytes.Buffer
	buf.Grow(16 << 20)
	if _, err := buf.ReadFrom(io.LimitReader(zr, maxDecoded+1)); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrCorrupt, err)
	}
	if buf.Len() > maxDecoded {
		return nil, fmt.Errorf("%w: larger than %d bytes decompressed", ErrCorrupt, maxDecoded)
	}
	d := decoder{b: buf.Bytes()}
	db, err := d.db()
	if err != nil {
		return nil, err
	}
	if len(d.b) != 0 {
		return nil, fmt.Errorf("%w: trailing data", ErrCorrupt)
	}
	return db, nil
}

// decoder reads from b, which shrinks as it goes; the first error sticks
// and makes every later read return zero.
type decoder struct {
	b   []byte
	err error
}

func (d *decoder) fail(what string) {
	if d.err == nil {
		d.err = fmt.Errorf("%w: bad %s", ErrCorrupt, what)
	}
}

func (d *decoder) uvarint(what string) uint64 {
	if d.err != nil {
		return 0
	}
	if len(d.b) > 0 && d.b[0] < 0x80 {
		v := uint64(d.b[0])
		d.b = d.b[1:]
		return v
	}
	v, n := binary.Uvarint(d.b)
	if n <= 0 {
		d.fail(what)
		return 0
	}
	d.b = d.b[n:]
	return v
}

func (d *decoder) count(what string, limit uint64) int {
	n := d.uvarint(what)
	if n > limit {
		d.fail(what)
		return 0
	}
	return int(n)
}

func (d *decoder) read(b []byte, what string) {
	if d.err != nil {
		return
	}
	if len(d.b) < len(b) {
		d.fail(what)
		return
	}
	copy(b, d.b)
	d.b = d.b[len(b):]
}

func (d *decoder) str(what string, limit uint64) string {
	n := d.count(what, limit)
	if d.err != nil || n == 0 {
		return ""
	}
	if len(d.b) < n {
		d.fail(what)
		return ""
	}
	s := string(d.b[:n])
	d.b = d.b[n:]
	return s
}

func (d *decoder) db() (*tables, error) {
	var hdr [len(magic) + 1]byte
	d.read(hdr[:], "header")
	if d.err == nil && (string(hdr[:len(magic)]) != magic || hdr[len(magic)] != version) {
		return nil, fmt.Errorf("%w: not a version %d antidote geo dataset", ErrCorrupt, version)
	}
	db := &tables{}
	db.attribution = d.str("attribution", maxAttrib)
	nc := d.count("country count", 1<<10)
	db.countries = make([]string, 1, prealloc(nc)+1)
	for range nc {
		if d.err != nil {
			break
		}
		var c [2]byte
		d.read(c[:], "country code")
		if d.err == nil && !validCountry(string(c[:])) {
			d.fail("country code")
		}
		db.countries = append(db.countries, string(c[:]))
	}
	no := d.count("organisation count", maxEntries)
	db.orgs = make([]string, 1, prealloc(no)+1)
	for range no {
		if d.err != nil {
			break
		}
		db.orgs = append(db.orgs, d.str("organisation", maxString))
	}
	na := d.count("ASN count", maxEntries)
	db.asns = make([]uint32, 1, prealloc(na)+1)
	db.asnOrg = make([]uint32, 1, prealloc(na)+1)
	for range na {
		if d.err != nil {
			break
		}
		a := d.uvarint("ASN")
		o := d.uvarint("ASN organisation")
		if a == 0 || a > math.MaxUint32 || o > uint64(no) {
			d.fail("ASN")
		}
		db.asns = append(db.asns, uint32(a))
		db.asnOrg = append(db.asnOrg, uint32(o))
	}
	db.c4 = d.table4("IPv4 country table", nc)
	db.a4 = d.table4("IPv4 ASN table", na)
	db.c6 = d.table6("IPv6 country table", nc)
	db.a6 = d.table6("IPv6 ASN table", na)
	if d.err != nil {
		return nil, d.err
	}
	return db, nil
}

// The tables are most of the dataset: over a million varints, which every
// run that meets a public address decodes once. Their loops read the bytes
// in place (uvarintAt) and check for errors once per loop rather than per
// value.

// uvarintAt decodes the varint at the start of b and returns its length, 0
// or less if b holds none (see binary.Uvarint). It unrolls the values of up
// to four bytes, which are nearly all of the dataset's.
func uvarintAt(b []byte) (uint64, int) {
	if len(b) < 4 {
		return binary.Uvarint(b)
	}
	b0, b1, b2, b3 := uint64(b[0]), uint64(b[1]), uint64(b[2]), uint64(b[3])
	switch {
	case b0 < 0x80:
		return b0, 1
	case b1 < 0x80:
		return b0&0x7f | b1<<7, 2
	case b2 < 0x80:
		return b0&0x7f | (b1&0x7f)<<7 | b2<<14, 3
	case b3 < 0x80:
		return b0&0x7f | (b1&0x7f)<<7 | (b2&0x7f)<<14 | b3<<21, 4
	}
	return binary.Uvarint(b)
}

func (d *decoder) vals(n, max int, what string) []uint32 {
	if d.err != nil {
		return nil
	}
	vs := make([]uint32, 0, prealloc(n))
	b := d.b
	for range n {
		v, k := uvarintAt(b)
		if k <= 0 || v > uint64(max) {
			d.fail(what)
			return vs
		}
		b = b[k:]
		vs = append(vs, uint32(v))
	}
	d.b = b
	return vs
}

func (d *decoder) table4(what string, max int) table4 {
	n := d.count(what, maxEntries)
	if d.err != nil {
		return table4{}
	}
	t := table4{starts: make([]uint32, 0, prealloc(n))}
	b := d.b
	var at uint64
	for i := range n {
		delta, k := uvarintAt(b)
		if k <= 0 || i > 0 && delta == 0 || at+delta > math.MaxUint32 {
			d.fail(what)
			return t
		}
		b = b[k:]
		at += delta
		t.starts = append(t.starts, uint32(at))
	}
	d.b = b
	t.vals = d.vals(n, max, what)
	return t
}

func (d *decoder) table6(what string, max int) table6 {
	n := d.count(what, maxEntries)
	if d.err != nil {
		return table6{}
	}
	t := table6{hi: make([]uint64, 0, prealloc(n)), lo: make([]uint64, 0, prealloc(n))}
	b := d.b
	var hi, lo uint64
	for i := range n {
		dh, k := uvarintAt(b)
		if k <= 0 {
			d.fail(what)
			return t
		}
		b = b[k:]
		l, k := uvarintAt(b)
		if k <= 0 {
			d.fail(what)
			return t
		}
		b = b[k:]
		switch {
		case dh != 0:
			if hi+dh < hi {
				d.fail(what)
				return t
			}
			hi, lo = hi+dh, l
		case i > 0 && l == 0, lo+l < lo:
			d.fail(what)
			return t
		default:
			lo += l
		}
		t.hi = append(t.hi, hi)
		t.lo = append(t.lo, lo)
	}
	d.b = b
	t.vals = d.vals(n, max, what)
	return t
}

// prealloc bounds what a count read from the dataset may reserve up front,
// so that a damaged count fails on the data rather than on memory.
func prealloc(n int) int { return min(n, 1<<20) }
