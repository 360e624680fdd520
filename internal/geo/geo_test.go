package geo

import (
	"bytes"
	"encoding/binary"
	"math"
	"math/rand/v2"
	"net/netip"
	"slices"
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
	if n := db.c4.n; n < 100_000 {
		t.Errorf("IPv4 country table has %d boundaries, want over 100,000", n)
	}
	if n := db.a6.n; n < 50_000 {
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
	for range r.IntN(100) {
		f, l := randRange(r, r.IntN(2) == 0)
		d.Countries = append(d.Countries, CountryRange{f, l, countries[r.IntN(len(countries))]})
	}
	for range r.IntN(100) {
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

// entries decodes all of a table, for tests.
func entries(t testing.TB, tb *table) (starts []u128, vals []uint32) {
	t.Helper()
	if err := tb.walk(1<<30, func(k u128, v uint32) {
		starts = append(starts, k)
		vals = append(vals, v)
	}); err != nil {
		t.Fatal(err)
	}
	return starts, vals
}

// TestEmbeddedAgainstLinear checks the search over the real tables against
// a linear scan of the same tables, at random addresses and at every
// boundary and the address before it.
func TestEmbeddedAgainstLinear(t *testing.T) {
	db := embeddedDB(t)
	linear := func(starts []u128, vals []uint32, x u128) uint32 {
		i, _ := slices.BinarySearchFunc(starts, x, func(s, x u128) int {
			if s.cmp(x) <= 0 {
				return -1
			}
			return 1
		})
		if i == 0 {
			return 0
		}
		return vals[i-1]
	}
	r := rand.New(rand.NewPCG(3, 4))
	for _, tb := range []*table{&db.c4, &db.a4, &db.c6, &db.a6} {
		starts, vals := entries(t, tb)
		if len(starts) != tb.n {
			t.Fatalf("walked %d entries, want %d", len(starts), tb.n)
		}
		var probes []u128
		for _, s := range starts {
			probes = append(probes, s, u128{s.hi, s.lo - 1}, u128{s.hi, s.lo + 1})
		}
		for range 3000 {
			if tb.v6 {
				probes = append(probes, u128{uint64(0x2000+r.IntN(0x1000))<<48 | r.Uint64()>>16, r.Uint64()})
			} else {
				probes = append(probes, u128{0, uint64(r.Uint32())})
			}
		}
		for _, x := range probes {
			var got uint32
			if tb.v6 {
				got = tb.find6(x.hi, x.lo)
			} else {
				if x.lo > math.MaxUint32 {
					continue
				}
				got = tb.find4(uint32(x.lo))
			}
			if want := linear(starts, vals, x); got != want {
				t.Fatalf("v6 %v: value of %016x%016x: %d, linear %d", tb.v6, x.hi, x.lo, got, want)
			}
		}
	}
}

// TestEmbeddedValid validates the embedded dataset as Decode would, since
// Open does not.
func TestEmbeddedValid(t *testing.T) {
	if err := checkSum([]byte(embedded)); err != nil {
		t.Fatal(err)
	}
	if err := validate(embedded); err != nil {
		t.Fatal(err)
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
	if _, err := Decode(bytes.NewReader(good)); err != nil {
		t.Fatal(err)
	}
	for _, n := range []int{0, 10, len(good) / 2, len(good) - 1} {
		if _, err := Decode(bytes.NewReader(good[:n])); err == nil {
			t.Errorf("a dataset cut to %d of %d bytes decoded", n, len(good))
		}
	}
	for _, i := range []int{0, 4, 9, headerLen, len(good) / 2, len(good) - 1} {
		bad := bytes.Clone(good)
		bad[i] ^= 0x40
		if _, err := Decode(bytes.NewReader(bad)); err == nil {
			t.Errorf("a dataset with a flipped bit at %d decoded", i)
		}
	}
}

// TestValidateRejects: damage that a checksum would not catch (a dataset
// built wrong, or the checksum recomputed) is caught by the structure
// checks.
func TestValidateRejects(t *testing.T) {
	var buf bytes.Buffer
	d := Data{
		Attribution: "x",
		Countries:   []CountryRange{{netip.MustParseAddr("1.0.0.0"), netip.MustParseAddr("1.0.0.255"), "AU"}},
		ASNs:        []ASNRange{{netip.MustParseAddr("2001::"), netip.MustParseAddr("2001::ffff"), 7, "Org"}},
	}
	if err := Encode(&buf, d); err != nil {
		t.Fatal(err)
	}
	good := buf.Bytes()
	if err := validate(string(good)); err != nil {
		t.Fatal(err)
	}
	// section returns the offset of section i's byte j.
	section := func(b []byte, i, j int) int { return int(binary.LittleEndian.Uint32(b[8+8*i:])) + j }
	put32 := func(b []byte, at int, v uint32) { binary.LittleEndian.PutUint32(b[at:], v) }
	tests := []struct {
		name string
		harm func(b []byte)
	}{
		{"version", func(b []byte) { b[4] = 4 }},
		{"padding", func(b []byte) { b[6] = 1 }},
		{"sections overlap", func(b []byte) { put32(b, 12, 2) }},
		{"section past the end", func(b []byte) { put32(b, 8+8*16, uint32(len(b))) }},
		{"more entries than blocks hold", func(b []byte) { put32(b, 8+8*nSections, 2*blockLen) }},
		{"an entry more than the block holds", func(b []byte) { put32(b, 8+8*nSections, 3) }},
		{"lower-case country", func(b []byte) { b[section(b, 1, 0)] = 'a' }},
		{"first organisation end", func(b []byte) { put32(b, section(b, 2, 0), 1) }},
		{"ASN 0", func(b []byte) { put32(b, section(b, 4, 0), 0) }},
		{"organisation out of range", func(b []byte) { put32(b, section(b, 4, 4), 2) }},
		{"country value out of range", func(b []byte) { b[section(b, 7, 0)] = 2 }},
		{"block body misplaced", func(b []byte) { put32(b, section(b, 6, 0), 1) }},
		{"start delta 0", func(b []byte) { b[section(b, 7, 1)], b[section(b, 7, 2)] = 0x80, 0x00 }},
		{"IPv6 low-half delta 0", func(b []byte) { b[section(b, 16, 2)] = 0 }},
	}
	for _, tt := range tests {
		bad := bytes.Clone(good)
		tt.harm(bad)
		if err := validate(string(bad)); err == nil {
			t.Errorf("%s: validates", tt.name)
		} else {
			t.Logf("%s: %v", tt.name, err)
		}
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
		// What Open does with a dataset it does not validate: lookups
		// must not panic whatever the bytes.
		if db, err := parse(string(b)); err == nil {
			for _, a := range probes {
				db.Lookup(a)
			}
		}
		db, err := Decode(bytes.NewReader(b))
		if err != nil {
			return
		}
		for _, a := range probes {
			db.Lookup(a)
		}
	})
}

// FuzzLookupUnchecked flips bits of a valid dataset and looks up in it as
// Open would, without validating: Lookup must not panic on data that
// passes parse but not validate, and on data that still validates it must
// answer with a country code or nothing, and its index must agree with the
// plain search.
func FuzzLookupUnchecked(f *testing.F) {
	f.Add(uint64(1), uint16(200), byte(0x40), []byte("8.8.8.8"))
	f.Add(uint64(2), uint16(300), byte(0x01), []byte("2001::1"))
	f.Fuzz(func(t *testing.T, seed uint64, at uint16, bit byte, addr []byte) {
		var buf bytes.Buffer
		if err := Encode(&buf, randData(rand.New(rand.NewPCG(seed, 3)))); err != nil {
			t.Fatal(err)
		}
		b := buf.Bytes()
		b[int(at)%len(b)] ^= bit
		a, err := netip.ParseAddr(string(addr))
		if err != nil {
			a = randAddr(rand.New(rand.NewPCG(seed, uint64(at))), bit&1 == 0)
		}
		db, err := parse(string(b))
		if err != nil {
			return
		}
		got, ok := db.Lookup(a)
		if validate(string(b)) != nil {
			return
		}
		if ok != (got.Country != "" || got.ASN != 0) || got.Country != "" && !validCountry(got.Country) {
			t.Fatalf("%s: %+v %v", a, got, ok)
		}
		// On keys in order the index finds what the plain search does.
		x := a.As16()
		for _, tb := range []*table{&db.c4, &db.a4, &db.c6, &db.a6} {
			hi, lo := be64(x[:8]), be64(x[8:])
			if !tb.v6 && tb.blocks4(uint32(lo)) != tb.search4(uint32(lo)) || tb.v6 && tb.blocks6(hi, lo) != tb.search6(hi, lo) {
				t.Fatalf("%s: v6 %v: index and search disagree", a, tb.v6)
			}
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

// BenchmarkOpenLookup is what a run pays for its first lookup.
func BenchmarkOpenLookup(b *testing.B) { benchOpenLookup(b, "8.8.8.8") }

// BenchmarkOpenLookup6 is what a run pays for its first IPv6 lookup.
func BenchmarkOpenLookup6(b *testing.B) { benchOpenLookup(b, "2001:4860:4860::8888") }

func benchOpenLookup(b *testing.B, addr string) {
	a := netip.MustParseAddr(addr)
	b.ReportAllocs()
	for b.Loop() {
		db, _ := Open()
		if _, ok := db.Lookup(a); !ok {
			b.Fatalf("%s not found", a)
		}
	}
}

// BenchmarkValidate is what Decode pays beyond reading and checksumming.
func BenchmarkValidate(b *testing.B) {
	for b.Loop() {
		if err := validate(embedded); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkLookup looks up random public addresses of each family, and a
// mix of three IPv4 to one IPv6 address.
func BenchmarkLookup(b *testing.B) {
	db := embeddedDB(b)
	r := rand.New(rand.NewPCG(5, 6))
	v4 := func() netip.Addr {
		return netip.AddrFrom4([4]byte{byte(1 + r.IntN(222)), byte(r.Uint32()), byte(r.Uint32()), byte(r.Uint32())})
	}
	v6 := func() netip.Addr {
		var a [16]byte
		a[0], a[1] = 0x20, byte(r.Uint32())
		for i := 2; i < 16; i++ {
			a[i] = byte(r.Uint32())
		}
		return netip.AddrFrom16(a)
	}
	for _, bb := range []struct {
		name string
		gen  func(i int) netip.Addr
	}{
		{"v4", func(int) netip.Addr { return v4() }},
		{"v6", func(int) netip.Addr { return v6() }},
		{"mixed", func(i int) netip.Addr {
			if i%4 == 0 {
				return v6()
			}
			return v4()
		}},
	} {
		addrs := make([]netip.Addr, 4096)
		for i := range addrs {
			addrs[i] = bb.gen(i)
		}
		b.Run(bb.name, func(b *testing.B) {
			b.ReportAllocs()
			i := 0
			for b.Loop() {
				db.Lookup(addrs[i&4095])
				i++
			}
		})
	}
}

// TestOpenReadsInPlace: Open and a first lookup decode nothing; the DB is
// Open's one allocation, and a lookup adds the IPv4 index entries of the
// address's /8 for each table it searched.
func TestOpenReadsInPlace(t *testing.T) {
	a := netip.MustParseAddr("8.8.8.8")
	if n := testing.AllocsPerRun(10, func() { Open() }); n > 1 {
		t.Errorf("Open allocates %.1f times", n)
	}
	n := testing.AllocsPerRun(10, func() {
		db, _ := Open()
		if _, ok := db.Lookup(a); !ok || db.Err() != nil || db.Attribution() == "" {
			t.Fatal("lookup of 8.8.8.8 failed")
		}
	})
	if n > 3 {
		t.Errorf("Open and Lookup allocate %.1f times", n)
	}
}

// TestEmbeddedHasNoPrivateData: the embedded dataset knows nothing of the
// addresses an opened DB answers without decoding it.
func TestEmbeddedHasNoPrivateData(t *testing.T) {
	db, err := Decode(strings.NewReader(embedded))
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

// TestUvarintAt: uvarintAt reads what binary.Uvarint reads, at every
// length, at the end of the input, at an offset and on overflowing or cut
// values.
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
		bytes.Repeat([]byte{0xff}, 11), append(bytes.Repeat([]byte{0xff}, 9), 0x02), append(bytes.Repeat([]byte{0xff}, 9), 0x01))
	for _, b := range cases {
		wv, wn := binary.Uvarint(b)
		for _, pre := range []string{"", "\x85\x01"} {
			for _, post := range []string{"", "\x80\x80\x80\x80\x80\x80\x80\x80\x80\x80"} {
				v, next := uvarintAt(pre+string(b)+post, len(pre))
				n := next - len(pre)
				if next < 0 {
					n = 0
				}
				if wn <= 0 {
					wv, wn = 0, 0
				}
				if v != wv || n != wn {
					t.Errorf("uvarintAt(%x) = %d, %d; binary.Uvarint says %d, %d", b, v, n, wv, wn)
				}
			}
		}
	}
	if _, next := uvarintAt("\x01", -1); next != -1 {
		t.Error("uvarintAt read before the string")
	}
}
