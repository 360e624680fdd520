package geo

import (
	"fmt"
	"math"
)

// validate checks all of the dataset s that parse does not: that the
// sections tile the file, and every record, key and value in them, so that
// Lookup on a validated dataset reads only what Encode wrote. It reads the
// whole dataset; Decode calls it on data from outside, and a test calls it
// on the embedded dataset, which Open trusts.
func validate(s string) error {
	db, err := parse(s)
	if err != nil {
		return err
	}
	if s[len(magic)+1:8] != "\x00\x00\x00" {
		return fmt.Errorf("%w: bad header", ErrCorrupt)
	}
	at := uint32(headerLen)
	for i := range nSections {
		if le32(s, 8+8*i) != at {
			return fmt.Errorf("%w: section %d misplaced", ErrCorrupt, i)
		}
		at += le32(s, 12+8*i)
	}
	if int(at) != len(s)-trailerLen {
		return fmt.Errorf("%w: trailing data", ErrCorrupt)
	}
	if len(db.attribution) > maxAttrib {
		return fmt.Errorf("%w: attribution too long", ErrCorrupt)
	}
	nc := len(db.countries) / 2
	if nc > maxCountries {
		return fmt.Errorf("%w: too many countries", ErrCorrupt)
	}
	for i := 0; i < len(db.countries); i += 2 {
		if !validCountry(db.countries[i : i+2]) {
			return fmt.Errorf("%w: bad country code", ErrCorrupt)
		}
	}
	no := len(db.orgEnds)/4 - 1
	if no < 0 || no > maxEntries || le32(db.orgEnds, 0) != 0 || int(le32(db.orgEnds, 4*no)) != len(db.orgText) {
		return fmt.Errorf("%w: bad organisation index", ErrCorrupt)
	}
	for i := range no {
		if a, b := le32(db.orgEnds, 4*i), le32(db.orgEnds, 4*i+4); b < a || b-a > maxString {
			return fmt.Errorf("%w: bad organisation index", ErrCorrupt)
		}
	}
	na := len(db.asns) / 8
	if na > maxEntries {
		return fmt.Errorf("%w: too many ASNs", ErrCorrupt)
	}
	for i := range na {
		if le32(db.asns, 8*i) == 0 || le32(db.asns, 8*i+4) > uint32(no) {
			return fmt.Errorf("%w: bad ASN", ErrCorrupt)
		}
	}
	for i, t := range []*table{&db.c4, &db.a4, &db.c6, &db.a6} {
		maxVal := nc
		if i%2 == 1 {
			maxVal = na
		}
		if err := t.walk(maxVal, nil); err != nil {
			return fmt.Errorf("%w: table %d: %s", ErrCorrupt, i, err)
		}
	}
	return nil
}

// walk decodes every entry of t in order, calls fn (if not nil) with each
// start and value, and fails on anything Encode does not write: block
// bodies out of place, starts that do not strictly increase or overflow
// the family, values over maxVal.
func (t *table) walk(maxVal int, fn func(start u128, v uint32)) error {
	pos := 0
	var prev u128
	for b := range len(t.offs) / 4 {
		if int(le32(t.offs, 4*b)) != pos {
			return fmt.Errorf("block %d misplaced", b)
		}
		var k u128
		if t.v6 {
			k = u128{le64(t.keys, 16*b), le64(t.keys, 16*b+8)}
		} else {
			k = u128{0, uint64(le32(t.keys, 4*b))}
		}
		if b > 0 && k.cmp(prev) <= 0 {
			return fmt.Errorf("block %d out of order", b)
		}
		for j := range min(blockLen, t.n-b*blockLen) {
			if j > 0 {
				var d, dl uint64
				if d, pos = uvarintAt(t.bodies, pos); pos < 0 {
					return fmt.Errorf("block %d: bad start", b)
				}
				switch {
				case !t.v6:
					if d == 0 || d > math.MaxUint32-k.lo {
						return fmt.Errorf("block %d: bad start", b)
					}
					k.lo += d
				default:
					if dl, pos = uvarintAt(t.bodies, pos); pos < 0 {
						return fmt.Errorf("block %d: bad start", b)
					}
					switch {
					case d != 0 && k.hi+d > k.hi:
						k = u128{k.hi + d, dl}
					case d == 0 && dl != 0 && k.lo+dl > k.lo:
						k.lo += dl
					default:
						return fmt.Errorf("block %d: bad start", b)
					}
				}
			}
			var v uint64
			if v, pos = uvarintAt(t.bodies, pos); pos < 0 || v > uint64(maxVal) {
				return fmt.Errorf("block %d: bad value", b)
			}
			if fn != nil {
				fn(k, uint32(v))
			}
		}
		prev = k
	}
	if pos != len(t.bodies) {
		return fmt.Errorf("trailing data")
	}
	return nil
}
