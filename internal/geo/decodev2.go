package geo

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"io"
	"math"
	"net/netip"

	"github.com/klauspost/compress/zstd"
)

// This file is the version 2 decoder, kept only to convert the version 2
// dataset to version 3 and to check that the two answer alike
// (TestV3MatchesV2); it goes once that is done.

// ConvertV2 reads a version 2 dataset and returns it as Data, one range per
// boundary that has a value.
func ConvertV2(r io.Reader) (Data, error) {
	t, err := decodeV2(r)
	if err != nil {
		return Data{}, err
	}
	d := Data{Attribution: t.attribution}
	ip4 := func(x uint64) netip.Addr {
		return netip.AddrFrom4([4]byte{byte(x >> 24), byte(x >> 16), byte(x >> 8), byte(x)})
	}
	ip6 := func(a u128) netip.Addr {
		var b [16]byte
		binary.BigEndian.PutUint64(b[:8], a.hi)
		binary.BigEndian.PutUint64(b[8:], a.lo)
		return netip.AddrFrom16(b)
	}
	prev6 := func(a u128) u128 {
		if a.lo == 0 {
			return u128{a.hi - 1, ^uint64(0)}
		}
		return u128{a.hi, a.lo - 1}
	}
	for i, s := range t.c4.starts {
		if v := t.c4.vals[i]; v != 0 {
			last := uint64(0xffffffff)
			if i+1 < len(t.c4.starts) {
				last = uint64(t.c4.starts[i+1]) - 1
			}
			d.Countries = append(d.Countries, CountryRange{ip4(uint64(s)), ip4(last), t.countries[v]})
		}
	}
	for i, s := range t.a4.starts {
		if v := t.a4.vals[i]; v != 0 {
			last := uint64(0xffffffff)
			if i+1 < len(t.a4.starts) {
				last = uint64(t.a4.starts[i+1]) - 1
			}
			d.ASNs = append(d.ASNs, ASNRange{ip4(uint64(s)), ip4(last), t.asns[v], t.orgs[t.asnOrg[v]]})
		}
	}
	for i := range t.c6.hi {
		if v := t.c6.vals[i]; v != 0 {
			last := u128{^uint64(0), ^uint64(0)}
			if i+1 < len(t.c6.hi) {
				last = prev6(u128{t.c6.hi[i+1], t.c6.lo[i+1]})
			}
			d.Countries = append(d.Countries, CountryRange{ip6(u128{t.c6.hi[i], t.c6.lo[i]}), ip6(last), t.countries[v]})
		}
	}
	for i := range t.a6.hi {
		if v := t.a6.vals[i]; v != 0 {
			last := u128{^uint64(0), ^uint64(0)}
			if i+1 < len(t.a6.hi) {
				last = prev6(u128{t.a6.hi[i+1], t.a6.lo[i+1]})
			}
			d.ASNs = append(d.ASNs, ASNRange{ip6(u128{t.a6.hi[i], t.a6.lo[i]}), ip6(last), t.asns[v], t.orgs[t.asnOrg[v]]})
		}
	}
	return d, nil
}

// lookupV2 is the version 2 Lookup over decoded tables.
func lookupV2(t *tables, a netip.Addr) (r Result, ok bool) {
	var c, s uint32
	if v4, is4 := asIPv4(a); is4 {
		c, s = t.c4.find(v4), t.a4.find(v4)
	} else {
		b := a.As16()
		hi, lo := be64(b[:8]), be64(b[8:])
		c, s = t.c6.find(hi, lo), t.a6.find(hi, lo)
	}
	if c != 0 {
		r.Country = t.countries[c]
	}
	if s != 0 {
		r.ASN = t.asns[s]
		r.Org = t.orgs[t.asnOrg[s]]
	}
	return r, c != 0 || s != 0
}

// tables is a decoded dataset.
type tables struct {
	attribution string
	countries   []string // by value index; [0] is ""
	asns        []uint32 // by value index; [0] is 0
	asnOrg      []uint32 // org index per ASN value index
	orgs        []string // [0] is ""
	c4, a4      table4
	c6, a6      table6
}

// table4 maps IPv4 addresses to value indexes: vals[i] holds from starts[i]
// up to the next start (exclusive) or the end of the address space. Value 0
// means no data.
type table4 struct {
	starts []uint32
	vals   []uint32
}

// table6 is table4 for IPv6, with 128-bit starts split into halves.
type table6 struct {
	hi, lo []uint64
	vals   []uint32
}

// find returns the value of the last start <= x, or 0.
func (t *table4) find(x uint32) uint32 {
	lo, hi := 0, len(t.starts) // invariant: starts[:lo] <= x < starts[hi:]
	for lo < hi {
		m := int(uint(lo+hi) >> 1)
		if t.starts[m] <= x {
			lo = m + 1
		} else {
			hi = m
		}
	}
	if lo == 0 {
		return 0
	}
	return t.vals[lo-1]
}

func (t *table6) find(xh, xl uint64) uint32 {
	lo, hi := 0, len(t.hi)
	for lo < hi {
		m := int(uint(lo+hi) >> 1)
		if t.hi[m] < xh || t.hi[m] == xh && t.lo[m] <= xl {
			lo = m + 1
		} else {
			hi = m
		}
	}
	if lo == 0 {
		return 0
	}
	return t.vals[lo-1]
}

// maxDecoded bounds the decompressed dataset, so that a hostile one cannot
// exhaust memory before its counts are checked.
const maxDecoded = 1 << 30

func decodeV2(r io.Reader) (*tables, error) {
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
	if d.err == nil && (string(hdr[:len(magic)]) != magic || hdr[len(magic)] != 2) {
		return nil, fmt.Errorf("%w: not a version 2 antidote geo dataset", ErrCorrupt)
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
// in place (uvarintV2) and check for errors once per loop rather than per
// value.

// uvarintV2 decodes the varint at the start of b and returns its length, 0
// or less if b holds none (see binary.Uvarint). It unrolls the values of up
// to four bytes, which are nearly all of the dataset's.
func uvarintV2(b []byte) (uint64, int) {
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
		v, k := uvarintV2(b)
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
		delta, k := uvarintV2(b)
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
		dh, k := uvarintV2(b)
		if k <= 0 {
			d.fail(what)
			return t
		}
		b = b[k:]
		l, k := uvarintV2(b)
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
