package geo

import (
	"bytes"
	_ "embed"
	"net/netip"
	"sync"
)

//go:embed data/geo.dat
var embedded []byte

// Result is what the dataset says about an address. Country is empty, or
// ASN 0 and Org empty, when that part is unknown.
type Result struct {
	Country string // ISO 3166-1 alpha-2, upper case
	ASN     uint32 // autonomous system number
	Org     string // the autonomous system's organisation
}

// DB is a dataset. It is immutable and safe for concurrent use. The one
// Open returns decodes the embedded dataset at its first use, so that a
// run that looks nothing up (a small file of private addresses, no
// addresses at all) never pays for it.
type DB struct {
	once sync.Once
	lazy bool // the embedded dataset, decoded at first use
	t    *tables
	err  error
}

// maybePublic reports whether a may be in the embedded dataset, which
// holds no private, loopback, link-local, multicast or unspecified
// addresses (TestEmbeddedHasNoPrivateData).
func maybePublic(a netip.Addr) bool {
	return !(a.IsPrivate() || a.IsLoopback() || a.IsLinkLocalUnicast() || a.IsMulticast() || a.IsUnspecified())
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

// Open returns the embedded dataset, decoded at its first use. Decoding
// takes tens of milliseconds of CPU and a few tens of megabytes: call Open
// once and share the DB. The error is always nil; an embedded dataset that
// does not decode makes Lookup find nothing and Err report why.
func Open() (*DB, error) {
	return &DB{lazy: true}, nil
}

func (db *DB) tables() *tables {
	db.once.Do(func() {
		db.t, db.err = decodeTables(bytes.NewReader(embedded))
	})
	return db.t
}

// Err decodes the dataset if that has not happened yet and reports whether
// it failed.
func (db *DB) Err() error {
	db.tables()
	return db.err
}

// Attribution returns the dataset's sources, versions and licence notice,
// which must accompany anything that shows lookup results to others.
func (db *DB) Attribution() string {
	if t := db.tables(); t != nil {
		return t.attribution
	}
	return ""
}

// Lookup returns the country and autonomous system of a. An IPv4-mapped
// IPv6 address and one in the NAT64 well-known prefix are looked up as the
// IPv4 address they carry; a zone is ignored. ok is false when the dataset
// knows neither, as for every non-public address. It does not allocate.
func (db *DB) Lookup(a netip.Addr) (r Result, ok bool) {
	if !a.IsValid() || db.lazy && !maybePublic(a) {
		return r, false // the embedded dataset has nothing there: no need to decode it
	}
	db0 := db.tables()
	if db0 == nil {
		return r, false
	}
	var c, s uint32
	if v4, is4 := asIPv4(a); is4 {
		c, s = db0.c4.find(v4), db0.a4.find(v4)
	} else {
		b := a.As16()
		hi, lo := be64(b[:8]), be64(b[8:])
		c, s = db0.c6.find(hi, lo), db0.a6.find(hi, lo)
	}
	if c != 0 {
		r.Country = db0.countries[c]
	}
	if s != 0 {
		r.ASN = db0.asns[s]
		r.Org = db0.orgs[db0.asnOrg[s]]
	}
	return r, c != 0 || s != 0
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
