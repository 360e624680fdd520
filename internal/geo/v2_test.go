package geo

import (
	"math/rand/v2"
	"net/netip"
	"os"
	"strings"
	"testing"
)

// TestV3MatchesV2 compares the version 3 embedded dataset with the version
// 2 file it was converted from (GEO_V2=path): every lookup at every
// boundary, the address before it and random addresses must agree.
func TestV3MatchesV2(t *testing.T) {
	path := os.Getenv("GEO_V2")
	if path == "" {
		t.Skip("GEO_V2 not set")
	}
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	old, err := decodeV2(f)
	if err != nil {
		t.Fatal(err)
	}
	opened := embeddedDB(t)
	decoded, err := Decode(strings.NewReader(embedded))
	if err != nil {
		t.Fatal(err)
	}
	if old.attribution != opened.Attribution() {
		t.Fatal("attribution differs")
	}
	var probes []netip.Addr
	add4 := func(x uint32) {
		probes = append(probes, netip.AddrFrom4([4]byte{byte(x >> 24), byte(x >> 16), byte(x >> 8), byte(x)}))
	}
	add6 := func(h, l uint64) {
		var b [16]byte
		for i := range 8 {
			b[i], b[8+i] = byte(h>>(56-8*i)), byte(l>>(56-8*i))
		}
		probes = append(probes, netip.AddrFrom16(b))
	}
	for _, tb := range []*table4{&old.c4, &old.a4} {
		for _, s := range tb.starts {
			add4(s)
			add4(s - 1)
		}
	}
	for _, tb := range []*table6{&old.c6, &old.a6} {
		for i := range tb.hi {
			add6(tb.hi[i], tb.lo[i])
			p := u128{tb.hi[i], tb.lo[i] - 1}
			if tb.lo[i] == 0 {
				p.hi--
			}
			add6(p.hi, p.lo)
		}
	}
	r := rand.New(rand.NewPCG(11, 12))
	for range 1_000_000 {
		add4(r.Uint32())
		add6(r.Uint64(), r.Uint64())
		add6(uint64(0x2000+r.IntN(0x1000))<<48|r.Uint64()>>16, r.Uint64())
	}
	n := 0
	for _, a := range probes {
		want, wok := lookupV2(old, a)
		for _, db := range []*DB{opened, decoded} {
			if got, ok := db.Lookup(a); got != want || ok != wok {
				t.Fatalf("%s: v3 %+v %v, v2 %+v %v", a, got, ok, want, wok)
			}
		}
		if wok {
			n++
		}
	}
	t.Logf("%d probes agree, %d found", len(probes), n)
}
