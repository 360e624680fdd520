package geo

import (
	"cmp"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"net/netip"
	"slices"
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

	var e encoder
	e.section([]byte(d.Attribution))
	var cs []byte
	for _, c := range countries {
		cs = append(cs, c...)
	}
	e.section(cs)
	ends, text := binary.LittleEndian.AppendUint32(nil, 0), []byte{}
	for _, o := range orgs {
		text = append(text, o...)
		ends = binary.LittleEndian.AppendUint32(ends, uint32(len(text)))
	}
	e.section(ends)
	e.section(text)
	var as []byte
	for i, a := range asns {
		as = binary.LittleEndian.AppendUint32(as, a)
		var o uint32
		if asnOrg[i] != "" {
			o = oidx[asnOrg[i]]
		}
		as = binary.LittleEndian.AppendUint32(as, o)
	}
	e.section(as)
	e.table(boundaries(cs4, max4), false)
	e.table(boundaries(as4, max4), false)
	e.table(boundaries(cs6, max6), true)
	e.table(boundaries(as6, max6), true)
	b, err := e.bytes()
	if err != nil {
		return fmt.Errorf("geo: %w", err)
	}
	if _, err := w.Write(b); err != nil {
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

// encoder collects the sections and table sizes of a dataset.
type encoder struct {
	sections [][]byte
	entries  []int
}

func (e *encoder) section(b []byte) { e.sections = append(e.sections, b) }

// table adds the three sections of a range table: block keys, block
// offsets and block bodies.
func (e *encoder) table(bs []bound, v6 bool) {
	var keys, offs, body []byte
	for i, b := range bs {
		if i%blockLen == 0 {
			if v6 {
				keys = binary.LittleEndian.AppendUint64(keys, b.at.hi)
				keys = binary.LittleEndian.AppendUint64(keys, b.at.lo)
			} else {
				keys = binary.LittleEndian.AppendUint32(keys, uint32(b.at.lo))
			}
			offs = binary.LittleEndian.AppendUint32(offs, uint32(len(body)))
		} else {
			prev := bs[i-1].at
			switch {
			case !v6:
				body = binary.AppendUvarint(body, b.at.lo-prev.lo)
			case b.at.hi != prev.hi:
				body = binary.AppendUvarint(body, b.at.hi-prev.hi)
				body = binary.AppendUvarint(body, b.at.lo)
			default:
				body = binary.AppendUvarint(body, 0)
				body = binary.AppendUvarint(body, b.at.lo-prev.lo)
			}
		}
		body = binary.AppendUvarint(body, uint64(b.val))
	}
	e.section(keys)
	e.section(offs)
	e.section(body)
	e.entries = append(e.entries, len(bs))
}

// bytes lays out the header, the sections and the checksum.
func (e *encoder) bytes() ([]byte, error) {
	size := headerLen + trailerLen
	for _, s := range e.sections {
		size += len(s)
	}
	if size > maxSize || slices.Max(e.entries) > maxEntries {
		return nil, fmt.Errorf("dataset too large (%d bytes, %d boundaries in a table)", size, slices.Max(e.entries))
	}
	out := make([]byte, 0, size)
	out = append(out, magic...)
	out = append(out, version, 0, 0, 0)
	at := headerLen
	for _, s := range e.sections {
		out = binary.LittleEndian.AppendUint32(out, uint32(at))
		out = binary.LittleEndian.AppendUint32(out, uint32(len(s)))
		at += len(s)
	}
	for _, n := range e.entries {
		out = binary.LittleEndian.AppendUint32(out, uint32(n))
	}
	for _, s := range e.sections {
		out = append(out, s...)
	}
	return binary.LittleEndian.AppendUint32(out, crc32.Checksum(out, castagnoli)), nil
}
