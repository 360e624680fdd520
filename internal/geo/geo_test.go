package geo

import (
	"bytes"
	"encoding/binary"
	"math/rand/v2"
	"net/netip"
	"strings"
	"sync"
	"testing"
)

// openOnce shares one decoded embedded dataset between the tests.
var openOnce = sync.OnceValues(Open)

func embeddedDB(t testing.TB) *DB {
	t.Helper()
	db, err := openOnce()
	if err != nil {
		t.Fatalf("open embedded dataset: %v", err)
	}
	return db
}

func TestLookupKnown(t *testing.T) {
	db := embeddedDB(t)
	tests := []struct {
		addr    string
		country string // "" to skip the check (data may move)
		asn     uint32
		org     string // substring
		ok      bool
	}{
		// Google's public resolver, the canonical example.
		{"8.8.8.8", "US", 15169, "Google", true},
		// Cloudflare's resolver.
		{"1.1.1.1", "", 13335, "Cloudflare", true},
		// RIPE NCC's own network in Amsterdam.
		{"193.0.6.139", "NL", 3333, "RIPE", true},
		// Google's IPv6 resolver.
		{"2001:4860:4860::8888", "", 15169, "Google", true},
		// An IPv4-mapped IPv6 address is looked up as the IPv4 address.
		{"::ffff:8.8.8.8", "US", 15169, "Google", true},
		// So is one in the NAT64 well-known prefix.
		{"64:ff9b::808:808", "US", 15169, "Google", true},
		// A zone does not change the answer.
		{"2001:4860:4860::8888%eth0", "", 15169, "Google", true},
		// Private, loopback, link-local and documentation addresses are
		// in no public dataset.
		{"10.1.2.3", "", 0, "", false},
		{"127.0.0.1", "", 0, "", false},
		{"192.168.1.1", "", 0, "", false},
		{"169.254.0.1", "", 0, "", false},
		{"192.0.2.1", "", 0, "", false},
		{"fe80::1", "", 0, "", false},
		{"::1", "", 0, "", false},
		{"2001:db8::1", "", 0, "", false},
		// The ends of the address spaces.
		{"0.0.0.0", "", 0, "", false},
		{"255.255.255.255", "", 0, "", false},
		{"ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", "", 0, "", false},
	}
	for _, tt := range tests {
		r, ok := db.Lookup(netip.MustParseAddr(tt.addr))
		if ok != tt.ok {
			t.Errorf("Lookup(%s) ok = %v, want %v (%+v)", tt.addr, ok, tt.ok, r)
			continue
		}
		if tt.country != "" && r.Country != tt.country {
			t.Errorf("Lookup(%s) country = %q, want %q", tt.addr, r.Country, tt.country)
		}
		if r.ASN != tt.asn {
			t.Errorf("Lookup(%s) ASN = %d, want %d", tt.addr, r.ASN, tt.asn)
		}
		if !strings.Contains(r.Org, tt.org) {
			t.Errorf("Lookup(%s) org = %q, want it to contain %q", tt.addr, r.Org, tt.org)
		}
		if tt.ok && tt.country == "" && len(r.Country) != 2 {
			t.Errorf("Lookup(%s) country = %q, want a country code", tt.addr, r.Country)
		}
	}
	if _, ok := db.Lookup(netip.Addr{}); ok {
		t.Error("Lookup of the zero Addr found something")
	}
}

func TestAttribution(t *testing.T) {
	a := embeddedDB(t).Attribution()
	for _, want := range []string{"DB-IP", "RouteViews", "CC BY 4.0", "@ip-location-db/dbip-country@", "@ip-location-db/asn@"} {
		if !strings.Contains(a, want) {
			t.Errorf("attribution %q lacks %q", a, want)
		}
	}
}

// TestEmbeddedCoverage guards against a regeneration that silently lost
// most of the data.
func TestEmbeddedCoverage(t *testing.T) {
	db := embeddedDB(t)
	if n := len(db.tables().c4.starts); n < 100_000 {
		t.Errorf("IPv4 country table has %d boundaries, want over 100,000", n)
	}
	if n := len(db.tables().a6.hi); n < 50_000 {
		t.Errorf("IPv6 ASN table has %d boundaries, want over 50,000", n)
	}
	r := rand.New(rand.NewPCG(1, 2))
	found := 0
	for range 10_000 {
		a := netip.AddrFrom4([4]byte{byte(1 + r.IntN(222)), byte(r.Uint32()), byte(r.Uint32()), byte(r.Uint32())})
		if res, ok := db.Lookup(a); ok && res.Country != "" {
			found++
		}
	}
	if found < 8000 {
		t.Errorf("only %d of 10,000 random unicast IPv4 addresses have a country", found)
	}
}

func TestLookupDoesNotAllocate(t *testing.T) {
	db := embeddedDB(t)
	a4 := netip.MustParseAddr("8.8.8.8")
	a6 := netip.MustParseAddr("2001:4860:4860::8888")
	n := testing.AllocsPerRun(100, func() {
		db.Lookup(a4)
		db.Lookup(a6)
	})
	if n != 0 {
		t.Errorf("Lookup allocates %.1f times per call", n)
	}
}

// refLookup is the slow, obviously correct answer: of the ranges that
// contain a, the one with the smallest first address wins, ties to the one
// listed first.
func refLookup(d Data, a netip.Addr) (Result, bool) {
	a = a.WithZone("")
	if v, ok := asIPv4(a); ok {
		a = netip.AddrFrom4([4]byte{byte(v >> 24), byte(v >> 16), byte(v >> 8), byte(v)})
	}
	var r Result
	var cFirst, aFirst netip.Addr
	for _, c := range d.Countries {
		f, l := c.First.Unmap(), c.Last.Unmap()
		if f.BitLen() == a.BitLen() && f.Compare(a) <= 0 && a.Compare(l) <= 0 && (!cFirst.IsValid() || f.Less(cFirst)) {
			r.Country, cFirst = c.Country, f
		}
	}
	for _, s := range d.ASNs {
		f, l := s.First.Unmap(), s.Last.Unmap()
		if f.BitLen() == a.BitLen() && f.Compare(a) <= 0 && a.Compare(l) <= 0 && (!aFirst.IsValid() || f.Less(aFirst)) {
			r.ASN, aFirst = s.ASN, f
		}
	}
	return r, r.Country != "" || r.ASN != 0
}

// randAddr draws addresses clustered near a few bases, so that ranges
// overlap and touch and lookups hit their edges.
func randAddr(r *rand.Rand, v6 bool) netip.Addr {
	if !v6 {
		bases := []uint32{0, 0x08080800, 0x7fffff00, 0xffffff00}
		v := bases[r.IntN(len(bases))] + uint32(r.IntN(256))
		return netip.AddrFrom4([4]byte{byte(v >> 24), byte(v >> 16), byte(v >> 8), byte(v)})
	}
	var b [16]byte
	switch r.IntN(4) {
	case 0: // all zero but the last byte
	case 1:
		for i := range b {
			b[i] = 0xff
		}
	case 2:
		b[0], b[1] = 0x20, 0x01
	case 3:
		b[0], b[1], b[7] = 0x20, 0x01, 0xff
		for i := 8; i < 15; i++ {
			b[i] = 0xff
		}
	}
	b[15] = byte(r.IntN(256))
	if r.IntN(2) == 0 {
		b[8] = byte(r.IntN(3))
	}
	return netip.AddrFrom16(b)
}

func randRange(r *rand.Rand, v6 bool) (netip.Addr, netip.Addr) {
	a, b := randAddr(r, v6), randAddr(r, v6)
	if b.Less(a) {
		a, b = b, a
	}
	return a, b
}

func randData(r *rand.Rand) Data {
	d := Data{Attribution: "test data"}
	countries := []string{"US", "DE", "FR", "JP"}
	orgs := []string{"", "Org A", "Org B"}
	for range r.IntN(40) {
		f, l := randRange(r, r.IntN(2) == 0)
		d.Countries = append(d.Countries, CountryRange{f, l, countries[r.IntN(len(countries))]})
	}
	for range r.IntN(40) {
		f, l := randRange(r, r.IntN(2) == 0)
		if r.IntN(8) == 0 && f.Is4() {
			f, l = netip.AddrFrom16(f.As16()), netip.AddrFrom16(l.As16()) // IPv4-mapped input
		}
		asn := uint32(1 + r.IntN(5))
		d.ASNs = append(d.ASNs, ASNRange{f, l, asn, orgs[asn%3]})
	}
	return d
}

// TestEncodeDecodeAgainstReference encodes random datasets and compares
// every lookup with the linear reference.
func TestEncodeDecodeAgainstReference(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 7))
	for iter := range 300 {
		d := randData(r)
		var buf bytes.Buffer
		if err := Encode(&buf, d); err != nil {
			t.Fatal(err)
		}
		db, err := Decode(&buf)
		if err != nil {
			t.Fatalf("dataset %d: %v", iter, err)
		}
		var probes []netip.Addr
		for range 200 {
			probes = append(probes, randAddr(r, r.IntN(2) == 0))
		}
		for _, c := range d.Countries {
			probes = append(probes, c.First, c.Last, c.Last.Next(), c.First.Prev())
		}
		for _, s := range d.ASNs {
			probes = append(probes, s.First, s.Last, s.Last.Next(), s.First.Prev())
		}
		for _, a := range probes {
			if !a.IsValid() {
				continue
			}
			want, wok := refLookup(d, a)
			got, ok := db.Lookup(a)
			if ok != wok || got.Country != want.Country || got.ASN != want.ASN {
				t.Fatalf("dataset %d, %s: got %+v %v, want %+v %v", iter, a, got, ok, want, wok)
			}
			if got.ASN != 0 {
				if wantOrg := orgsFor(d, got.ASN); got.Org != wantOrg {
					t.Fatalf("dataset %d, %s: org %q, want %q", iter, a, got.Org, wantOrg)
				}
			}
		}
	}
}

func orgsFor(d Data, asn uint32) string {
	for _, s := range d.ASNs {
		if s.ASN == asn {
			return s.Org // randData gives one name per ASN
		}
	}
	return ""
}

// TestEmbeddedAgainstLinear checks the binary search over the real tables
// against a linear scan of the same tables.
func TestEmbeddedAgainstLinear(t *testing.T) {
	db := embeddedDB(t)
	linear4 := func(tb *table4, x uint32) uint32 {
		var v uint32
		for i, s := range tb.starts {
			if s > x {
				break
			}
			v = tb.vals[i]
		}
		return v
	}
	linear6 := func(tb *table6, h, l uint64) uint32 {
		var v uint32
		for i := range tb.hi {
			if tb.hi[i] > h || tb.hi[i] == h && tb.lo[i] > l {
				break
			}
			v = tb.vals[i]
		}
		return v
	}
	r := rand.New(rand.NewPCG(3, 4))
	for range 300 {
		x := r.Uint32()
		if got, want := db.t.c4.find(x), linear4(&db.t.c4, x); got != want {
			t.Fatalf("country of %08x: %d, linear %d", x, got, want)
		}
		if got, want := db.t.a4.find(x), linear4(&db.t.a4, x); got != want {
			t.Fatalf("ASN of %08x: %d, linear %d", x, got, want)
		}
		h := uint64(0x2000+r.IntN(0x1000))<<48 | r.Uint64()>>16
		l := r.Uint64()
		if got, want := db.t.c6.find(h, l), linear6(&db.t.c6, h, l); got != want {
			t.Fatalf("country of %016x%016x: %d, linear %d", h, l, got, want)
		}
		if got, want := db.t.a6.find(h, l), linear6(&db.t.a6, h, l); got != want {
			t.Fatalf("ASN of %016x%016x: %d, linear %d", h, l, got, want)
		}
	}
}

func TestEncodeRejects(t *testing.T) {
	a, b := netip.MustParseAddr("1.2.3.4"), netip.MustParseAddr("1.2.3.5")
	six := netip.MustParseAddr("2001:db8::1")
	tests := []struct {
		name string
		d    Data
	}{
		// A range that ends before it starts.
		{"reversed", Data{Countries: []CountryRange{{b, a, "US"}}}},
		// A range from IPv4 to IPv6.
		{"mixed families", Data{Countries: []CountryRange{{a, six, "US"}}}},
		// Country codes are two upper-case letters.
		{"bad code", Data{Countries: []CountryRange{{a, b, "usa"}}}},
		// ASN 0 is reserved and means "none" in the tables.
		{"asn zero", Data{ASNs: []ASNRange{{a, b, 0, "x"}}}},
		// The zero Addr.
		{"invalid", Data{ASNs: []ASNRange{{netip.Addr{}, b, 1, "x"}}}},
	}
	for _, tt := range tests {
		if err := Encode(&bytes.Buffer{}, tt.d); err == nil {
			t.Errorf("%s: Encode accepted it", tt.name)
		}
	}
}

func TestDecodeRejectsDamage(t *testing.T) {
	var buf bytes.Buffer
	if err := Encode(&buf, randData(rand.New(rand.NewPCG(9, 9)))); err != nil {
		t.Fatal(err)
	}
	good := buf.Bytes()
	for _, n := range []int{0, 10, len(good) / 2, len(good) - 1} {
		if _, err := Decode(bytes.NewReader(good[:n])); err == nil {
			t.Errorf("a dataset cut to %d of %d bytes decoded", n, len(good))
		}
	}
	bad := bytes.Clone(good)
	bad[len(bad)/2] ^= 0x40
	if _, err := Decode(bytes.NewReader(bad)); err == nil {
		t.Error("a dataset with a flipped bit decoded (zstd checksum not checked?)")
	}
}

func FuzzDecode(f *testing.F) {
	for i := range 4 {
		var buf bytes.Buffer
		if err := Encode(&buf, randData(rand.New(rand.NewPCG(uint64(i), 1)))); err != nil {
			f.Fatal(err)
		}
		f.Add(buf.Bytes())
	}
	probes := []netip.Addr{netip.MustParseAddr("0.0.0.0"), netip.MustParseAddr("8.8.8.8"), netip.MustParseAddr("255.255.255.255"),
		netip.MustParseAddr("::"), netip.MustParseAddr("2001::1"), netip.MustParseAddr("ffff::")}
	f.Fuzz(func(t *testing.T, b []byte) {
		db, err := Decode(bytes.NewReader(b))
		if err != nil {
			return
		}
		for _, a := range probes {
			db.Lookup(a) // must not panic
		}
	})
}

func BenchmarkOpen(b *testing.B) {
	for b.Loop() {
		if _, err := Open(); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkDecode is what the first lookup of a run pays: decompressing and
// decoding the embedded dataset.
func BenchmarkDecode(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		if _, err := decodeTables(bytes.NewReader(embedded)); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkLookup(b *testing.B) {
	db := embeddedDB(b)
	r := rand.New(rand.NewPCG(5, 6))
	addrs := make([]netip.Addr, 1024)
	for i := range addrs {
		if i%4 == 0 {
			addrs[i] = randAddr(r, true)
		} else {
			addrs[i] = netip.AddrFrom4([4]byte{byte(r.Uint32()), byte(r.Uint32()), byte(r.Uint32()), byte(r.Uint32())})
		}
	}
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		db.Lookup(addrs[i&1023])
		i++
	}
}

// TestOpenIsLazy: Open decodes nothing; the first lookup does, once.
func TestOpenIsLazy(t *testing.T) {
	db, err := Open()
	if err != nil {
		t.Fatal(err)
	}
	if db.t != nil {
		t.Fatal("Open decoded the dataset")
	}
	for _, a := range []string{"10.0.0.1", "127.0.0.1", "fe80::1", "::", "224.0.0.1"} {
		if _, ok := db.Lookup(netip.MustParseAddr(a)); ok || db.t != nil {
			t.Fatalf("lookup of %s found data or decoded the dataset", a)
		}
	}
	if _, ok := db.Lookup(netip.MustParseAddr("8.8.8.8")); !ok || db.t == nil {
		t.Fatal("first lookup did not decode the dataset")
	}
	if db.Err() != nil || db.Attribution() == "" {
		t.Fatal(db.Err())
	}
}

// TestEmbeddedHasNoPrivateData: the embedded dataset knows nothing of the
// addresses an opened DB answers without decoding it.
func TestEmbeddedHasNoPrivateData(t *testing.T) {
	db, err := Decode(bytes.NewReader(embedded))
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range []string{"10.0.0.0", "10.1.2.3", "10.255.255.255", "172.16.0.1", "172.31.255.255", "192.168.0.0", "192.168.255.255",
		"127.0.0.1", "169.254.1.1", "224.0.0.1", "239.255.255.255", "0.0.0.0", "fe80::1", "fc00::1", "fdff::1", "ff02::1", "::", "::1"} {
		a := netip.MustParseAddr(s)
		if maybePublic(a) {
			t.Fatalf("%s: maybePublic", s)
		}
		if r, ok := db.Lookup(a); ok {
			t.Errorf("embedded dataset has %v for %s: Open's DB would miss it", r, s)
		}
	}
}

// TestUvarintAt: the unrolled decoder reads what binary.Uvarint reads, at
// every length, at the end of the input and on overflowing or cut values.
func TestUvarintAt(t *testing.T) {
	r := rand.New(rand.NewPCG(9, 9))
	var cases [][]byte
	for bits := range 65 {
		for range 20 {
			v := r.Uint64()
			if bits < 64 {
				v &= 1<<bits - 1
			}
			b := binary.AppendUvarint(nil, v)
			cases = append(cases, b, append(b, 0x01, 0x80, 0x7f), b[:len(b)-1])
		}
	}
	cases = append(cases, nil, []byte{0x80}, []byte{0x80, 0x80, 0x80, 0x80, 0x80},
		bytes.Repeat([]byte{0xff}, 11), append(bytes.Repeat([]byte{0xff}, 9), 0x02))
	for _, b := range cases {
		wv, wn := binary.Uvarint(b)
		if v, n := uvarintAt(b); v != wv || n != wn {
			t.Errorf("uvarintAt(%x) = %d, %d; binary.Uvarint says %d, %d", b, v, n, wv, wn)
		}
	}
}
