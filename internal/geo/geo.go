package geo

import (
	_ "embed"
	"net/netip"
)

//go:embed data/geo.dat
var embedded string

// Result is what the dataset says about an address. Country is empty, or
// ASN 0 and Org empty, when that part is unknown.
type Result struct {
	Country string // ISO 3166-1 alpha-2, upper case
	ASN     uint32 // autonomous system number
	Org     string // the autonomous system's organisation
}

// DB is a dataset, read in place: its fields are substrings of the encoded
// dataset (see format.go). It is immutable and safe for concurrent use.
type DB struct {
	attribution string
	countries   string // 2 bytes per value index 1..n
	orgEnds     string // u32 per organisation index 0..n
	orgText     string
	asns        string // u32 ASN, u32 organisation index per value index 1..n
	c4, a4      table
	c6, a6      table

	public bool // holds public addresses only: skip the others
	err    error
}

// maybePublic reports whether a may be in the embedded dataset, which
// holds no private, loopback, link-local, multicast or unspecified
// addresses (TestEmbeddedHasNoPrivateData).
func maybePublic(a netip.Addr) bool {
	return !(a.IsPrivate() || a.IsLoopback() || a.IsLinkLocalUnicast() || a.IsMulticast() || a.IsUnspecified())
}

// Open returns the embedded dataset. It reads only its header: lookups
// read the pages of the dataset they need where the binary holds them,
// and the dataset is not validated at run time (a test validates it). The
// error is always nil; an embedded dataset whose header does not parse
// makes Lookup find nothing and Err report why.
func Open() (*DB, error) {
	db, err := parse(embedded)
	if err != nil {
		return &DB{err: err}, nil
	}
	db.public = true
	return db, nil
}

// Err reports whether the dataset failed to open.
func (db *DB) Err() error {
	return db.err
}

// Attribution returns the dataset's sources, versions and licence notice,
// which must accompany anything that shows lookup results to others.
func (db *DB) Attribution() string {
	return db.attribution
}

// Lookup returns the country and autonomous system of a. An IPv4-mapped
// IPv6 address and one in the NAT64 well-known prefix are looked up as the
// IPv4 address they carry; a zone is ignored. ok is false when the dataset
// knows neither, as for every non-public address. It allocates only a
// table's index, on the first lookup that needs it.
func (db *DB) Lookup(a netip.Addr) (r Result, ok bool) {
	if !a.IsValid() || db.public && !maybePublic(a) {
		return r, false
	}
	var c, s uint32
	if v4, is4 := asIPv4(a); is4 {
		// Both tables stage by stage, so that the cache misses of a
		// stage overlap instead of following one another.
		bc, ba := db.c4.blocks4(v4), db.a4.blocks4(v4)
		oc, oa := db.c4.open4(bc), db.a4.open4(ba)
		c, s = db.c4.scan4(v4, oc), db.a4.scan4(v4, oa)
	} else {
		b := a.As16()
		hi, lo := be64(b[:8]), be64(b[8:])
		c, s = db.c6.find6(hi, lo), db.a6.find6(hi, lo)
	}
	if c != 0 && int(c) <= len(db.countries)/2 {
		r.Country = db.countries[2*c-2 : 2*c]
	}
	if s != 0 && int(s) <= len(db.asns)/8 {
		r.ASN = le32(db.asns, 8*int(s)-8)
		r.Org = db.org(int(le32(db.asns, 8*int(s)-4)))
	}
	return r, r.Country != "" || r.ASN != 0
}

// org returns organisation i, or "" for 0 or one out of range.
func (db *DB) org(i int) string {
	if i == 0 {
		return ""
	}
	a, b := le32(db.orgEnds, 4*i-4), le32(db.orgEnds, 4*i)
	if a > b || int(b) > len(db.orgText) {
		return ""
	}
	return db.orgText[a:b]
}

// nat64 is 64:ff9b::/96, whose addresses carry an IPv4 address in their
// last 32 bits.
var nat64hi = uint64(0x0064ff9b) << 32

func asIPv4(a netip.Addr) (uint32, bool) {
	if a.Is4() || a.Is4In6() {
		b := a.As4()
		return uint32(b[0])<<24 | uint32(b[1])<<16 | uint32(b[2])<<8 | uint32(b[3]), true
	}
	b := a.As16()
	if be64(b[:8]) == nat64hi && be64(b[8:])>>32 == 0 {
		return uint32(be64(b[8:])), true
	}
	return 0, false
}

func be64(b []byte) uint64 {
	_ = b[7]
	return uint64(b[0])<<56 | uint64(b[1])<<48 | uint64(b[2])<<40 | uint64(b[3])<<32 |
		uint64(b[4])<<24 | uint64(b[5])<<16 | uint64(b[6])<<8 | uint64(b[7])
}
