package geo

import (
	"bufio"
	"cmp"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net/netip"
	"slices"

	"github.com/klauspost/compress/zstd"
)

// The encoded dataset, inside one zstd frame (with its checksum):
//
//	"AGEO" version(2)
//	attribution            uvarint length, bytes
//	countries              uvarint n, n × 2 bytes (value index 1..n)
//	orgs                   uvarint n, n × (uvarint length, bytes) (org index 1..n)
//	asns                   uvarint n, n × (uvarint ASN, uvarint org index or 0)
//	tables c4, a4 (IPv4)   uvarint n, n × uvarint start delta, n × uvarint value
//	tables c6, a6 (IPv6)   uvarint n, n × (uvarint high-half delta, uvarint low
//	                       half: absolute if the high half moved, else a delta),
//	                       n × uvarint value
//
// Starts are strictly increasing boundaries; a value holds until the next
// boundary and 0 means no data. Columns (all deltas, then all values) and
// value indexes ordered by frequency make the stream small. Version 1 was
// the same inside gzip; zstd decompresses it in a third of the time, which
// every scan and redact pays at start-up.
const (
	magic   = "AGEO"
	version = 2
)

// CountryRange says that addresses First..Last (inclusive) are in Country.
type CountryRange struct {
	First, Last netip.Addr
	Country     string // ISO 3166-1 alpha-2
}

// ASNRange says that addresses First..Last (inclusive) are announced by ASN,
// run by Org.
type ASNRange struct {
	First, Last netip.Addr
	ASN         uint32
	Org         string
}

// Data is a dataset before encoding, as scripts/geo reads it from its
// sources.
type Data struct {
	Attribution string
	Countries   []CountryRange
	ASNs        []ASNRange
}

// u128 is an address as a number; IPv4 addresses use lo only.
type u128 struct{ hi, lo uint64 }

func (a u128) cmp(b u128) int {
	if c := cmp.Compare(a.hi, b.hi); c != 0 {
		return c
	}
	return cmp.Compare(a.lo, b.lo)
}

func (a u128) next() u128 {
	if a.lo == ^uint64(0) {
		return u128{a.hi + 1, 0}
	}
	return u128{a.hi, a.lo + 1}
}

type span struct {
	first, last u128
	val         uint32
}

type bound struct {
	at  u128
	val uint32
}

// key returns a as a number and whether it is an IPv4 address (plain or
// IPv4-mapped).
func key(a netip.Addr) (u128, bool) {
	a = a.Unmap()
	if a.Is4() {
		b := a.As4()
		return u128{0, uint64(binary.BigEndian.Uint32(b[:]))}, true
	}
	b := a.As16()
	return u128{be64(b[:8]), be64(b[8:])}, false
}

// boundaries turns ranges into sorted boundaries. Where ranges overlap, the
// one that starts first keeps the overlapping addresses. max is the last
// address of the family.
func boundaries(spans []span, max u128) []bound {
	slices.SortStableFunc(spans, func(a, b span) int { return a.first.cmp(b.first) })
	var out []bound
	var end u128 // first address after the last range placed
	placed, full := false, false
	for _, s := range spans {
		if full {
			break
		}
		if placed && s.first.cmp(end) < 0 {
			if s.last.cmp(end) < 0 {
				continue // inside an earlier range
			}
			s.first = end
		}
		switch {
		case placed && s.first == end && out[len(out)-1].val == s.val:
			// Adjacent with the same value: extend.
		case placed && s.first.cmp(end) > 0:
			if out[len(out)-1].val != 0 {
				out = append(out, bound{end, 0})
			}
			out = append(out, bound{s.first, s.val})
		default:
			out = append(out, bound{s.first, s.val})
		}
		placed = true
		if s.last == max {
			full = true
		} else {
			end = s.last.next()
		}
	}
	if placed && !full {
		out = append(out, bound{end, 0})
	}
	return out
}

// Encode writes d in the format Decode reads. It rejects invalid ranges and
// codes, naming the offending range by its position.
func Encode(w io.Writer, d Data) error {
	var cs4, cs6, as4, as6 []span
	ccount := map[string]int{}
	for i, r := range d.Countries {
		if err := checkRange(r.First, r.Last); err != nil {
			return fmt.Errorf("geo: country range %d: %w", i, err)
		}
		if !validCountry(r.Country) {
			return fmt.Errorf("geo: country range %d: country code must be two upper-case letters", i)
		}
		ccount[r.Country]++
	}
	acount := map[uint32]int{}
	orgVotes := map[uint32]map[string]int{}
	for i, r := range d.ASNs {
		if err := checkRange(r.First, r.Last); err != nil {
			return fmt.Errorf("geo: ASN range %d: %w", i, err)
		}
		if r.ASN == 0 {
			return fmt.Errorf("geo: ASN range %d: ASN 0 is reserved", i)
		}
		acount[r.ASN]++
		if r.Org != "" {
			if orgVotes[r.ASN] == nil {
				orgVotes[r.ASN] = map[string]int{}
			}
			orgVotes[r.ASN][r.Org]++
		}
	}
	countries := byFrequency(ccount, cmp.Compare[string])
	cidx := indexOf(countries)
	asns := byFrequency(acount, cmp.Compare[uint32])
	aidx := indexOf(asns)
	// Each ASN takes the organisation name most of its ranges give.
	orgCount := map[string]int{}
	asnOrg := make([]string, len(asns))
	for i, a := range asns {
		best, n := "", 0
		for o, c := range orgVotes[a] {
			if c > n || c == n && o < best {
				best, n = o, c
			}
		}
		asnOrg[i] = best
		if best != "" {
			orgCount[best]++
		}
	}
	orgs := byFrequency(orgCount, cmp.Compare[string])
	oidx := indexOf(orgs)

	for _, r := range d.Countries {
		f, is4 := key(r.First)
		l, _ := key(r.Last)
		s := span{f, l, cidx[r.Country]}
		if is4 {
			cs4 = append(cs4, s)
		} else {
			cs6 = append(cs6, s)
		}
	}
	for _, r := range d.ASNs {
		f, is4 := key(r.First)
		l, _ := key(r.Last)
		s := span{f, l, aidx[r.ASN]}
		if is4 {
			as4 = append(as4, s)
		} else {
			as6 = append(as6, s)
		}
	}
	max4 := u128{0, 0xffffffff}
	max6 := u128{^uint64(0), ^uint64(0)}

	zw, err := zstd.NewWriter(w, zstd.WithEncoderLevel(zstd.SpeedBestCompression), zstd.WithEncoderConcurrency(1))
	if err != nil {
		return err
	}
	bw := bufio.NewWriter(zw)
	e := encoder{w: bw}
	e.bytes([]byte(magic))
	e.bytes([]byte{version})
	e.str(d.Attribution)
	e.uvarint(uint64(len(countries)))
	for _, c := range countries {
		e.bytes([]byte(c))
	}
	e.uvarint(uint64(len(orgs)))
	for _, o := range orgs {
		e.str(o)
	}
	e.uvarint(uint64(len(asns)))
	for i, a := range asns {
		e.uvarint(uint64(a))
		if asnOrg[i] == "" {
			e.uvarint(0)
		} else {
			e.uvarint(uint64(oidx[asnOrg[i]]))
		}
	}
	e.table4(boundaries(cs4, max4))
	e.table4(boundaries(as4, max4))
	e.table6(boundaries(cs6, max6))
	e.table6(boundaries(as6, max6))
	if e.err != nil {
		return fmt.Errorf("geo: write dataset: %w", e.err)
	}
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("geo: write dataset: %w", err)
	}
	if err := zw.Close(); err != nil {
		return fmt.Errorf("geo: write dataset: %w", err)
	}
	return nil
}

func checkRange(first, last netip.Addr) error {
	if !first.IsValid() || !last.IsValid() {
		return errors.New("invalid address")
	}
	f, is4 := key(first)
	l, last4 := key(last)
	if is4 != last4 {
		return errors.New("first and last address are of different families")
	}
	if first.Zone() != "" || last.Zone() != "" {
		return errors.New("address has a zone")
	}
	if l.cmp(f) < 0 {
		return errors.New("last address is before the first")
	}
	return nil
}

func validCountry(c string) bool {
	return len(c) == 2 && c[0] >= 'A' && c[0] <= 'Z' && c[1] >= 'A' && c[1] <= 'Z'
}

// byFrequency returns the keys of count, most frequent first, ties in key
// order, so that encoded indexes are small and the output is deterministic.
func byFrequency[K comparable](count map[K]int, keyCmp func(a, b K) int) []K {
	ks := make([]K, 0, len(count))
	for k := range count {
		ks = append(ks, k)
	}
	slices.SortFunc(ks, func(a, b K) int {
		if c := cmp.Compare(count[b], count[a]); c != 0 {
			return c
		}
		return keyCmp(a, b)
	})
	return ks
}

// indexOf maps each key to its 1-based position.
func indexOf[K comparable](ks []K) map[K]uint32 {
	m := make(map[K]uint32, len(ks))
	for i, k := range ks {
		m[k] = uint32(i + 1)
	}
	return m
}

type encoder struct {
	w   *bufio.Writer
	buf [binary.MaxVarintLen64]byte
	err error
}

func (e *encoder) bytes(b []byte) {
	if e.err == nil {
		_, e.err = e.w.Write(b)
	}
}

func (e *encoder) uvarint(v uint64) {
	n := binary.PutUvarint(e.buf[:], v)
	e.bytes(e.buf[:n])
}

func (e *encoder) str(s string) {
	e.uvarint(uint64(len(s)))
	e.bytes([]byte(s))
}

func (e *encoder) table4(bs []bound) {
	e.uvarint(uint64(len(bs)))
	var prev uint64
	for _, b := range bs {
		e.uvarint(b.at.lo - prev)
		prev = b.at.lo
	}
	for _, b := range bs {
		e.uvarint(uint64(b.val))
	}
}

func (e *encoder) table6(bs []bound) {
	e.uvarint(uint64(len(bs)))
	var prev u128
	for _, b := range bs {
		dh := b.at.hi - prev.hi
		e.uvarint(dh)
		if dh != 0 {
			e.uvarint(b.at.lo)
		} else {
			e.uvarint(b.at.lo - prev.lo)
		}
		prev = b.at
	}
	for _, b := range bs {
		e.uvarint(uint64(b.val))
	}
}
