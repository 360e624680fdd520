package geo

import (
	"math"
	"math/rand/v2"
	"net/netip"
	"sync"
	"testing"
)

// TestIndexAgainstSearch checks the indexed search of every embedded
// table against the plain binary search of its whole block index: at every
// entry start and its neighbours, at the ends of the address space, at
// every /16 edge (for IPv6, of the first 16 bits and of the 16 bits after
// 2000::/4's first 4) and at random addresses, on a fresh index filled by
// these lookups in a shuffled order.
func TestIndexAgainstSearch(t *testing.T) {
	db, _ := Open()
	if db.Err() != nil {
		t.Fatal(db.Err())
	}
	r := rand.New(rand.NewPCG(11, 12))
	for _, tb := range []*table{&db.c4, &db.a4, &db.c6, &db.a6} {
		starts, _ := entries(t, tb)
		probes := []u128{{0, 0}, {0, 1}}
		if tb.v6 {
			probes = append(probes, u128{math.MaxUint64, math.MaxUint64}, u128{math.MaxUint64, math.MaxUint64 - 1})
			for p := range uint64(1 << 16) {
				for _, hi := range []uint64{p << 48, 0x2<<60 | p<<44} {
					probes = append(probes, u128{hi, 0}, u128{hi - 1, math.MaxUint64})
				}
			}
		} else {
			probes = append(probes, u128{0, math.MaxUint32}, u128{0, math.MaxUint32 - 1})
			for p := range uint64(1 << 16) {
				probes = append(probes, u128{0, p << 16}, u128{0, p<<16 - 1})
			}
		}
		for _, s := range starts {
			probes = append(probes, s, u128{s.hi, s.lo - 1}, u128{s.hi, s.lo + 1})
		}
		for range 20_000 {
			probes = append(probes, u128{r.Uint64(), r.Uint64()}, u128{uint64(0x2000+r.IntN(0x1000))<<48 | r.Uint64()>>16, r.Uint64()})
		}
		r.Shuffle(len(probes), func(i, j int) { probes[i], probes[j] = probes[j], probes[i] })
		for _, x := range probes {
			var got, want int
			if tb.v6 {
				got, want = tb.blocks6(x.hi, x.lo), tb.search6(x.hi, x.lo)
			} else {
				x.lo &= math.MaxUint32
				got, want = tb.blocks4(uint32(x.lo)), tb.search4(uint32(x.lo))
			}
			if got != want {
				t.Fatalf("v6 %v: blocks at or before %016x%016x: index %d, search %d", tb.v6, x.hi, x.lo, got, want)
			}
		}
	}
}

// TestLookupConcurrent: lookups that fill a fresh index at the same time
// answer as lookups on an index filled one at a time (run with -race).
func TestLookupConcurrent(t *testing.T) {
	r := rand.New(rand.NewPCG(13, 14))
	addrs := make([]netip.Addr, 4000)
	for i := range addrs {
		addrs[i] = randPublic(r, i%4 == 0)
	}
	seq, _ := Open()
	want := make([]Result, len(addrs))
	for i, a := range addrs {
		want[i], _ = seq.Lookup(a)
	}
	db, _ := Open()
	var wg sync.WaitGroup
	for g := range 4 {
		wg.Go(func() {
			for i := range addrs {
				i = (i + g*len(addrs)/4) % len(addrs)
				if got, _ := db.Lookup(addrs[i]); got != want[i] {
					t.Errorf("%s: %+v, alone %+v", addrs[i], got, want[i])
					return
				}
			}
		})
	}
	wg.Wait()
}

// randPublic draws an address from where most of the data is: IPv4
// outside 0/8 and the multicast and reserved space, or IPv6 in 2000::/4.
func randPublic(r *rand.Rand, v6 bool) netip.Addr {
	if !v6 {
		return netip.AddrFrom4([4]byte{byte(1 + r.IntN(222)), byte(r.Uint32()), byte(r.Uint32()), byte(r.Uint32())})
	}
	var a [16]byte
	for i := range a {
		a[i] = byte(r.Uint32())
	}
	a[0] = 0x20 | a[0]&0x0f
	return netip.AddrFrom16(a)
}

// BenchmarkLookupSpread looks up a million distinct random public IPv4
// addresses in turn, as redaction of text dense with addresses does: each
// lookup finds little of the dataset in the caches.
func BenchmarkLookupSpread(b *testing.B) {
	db, _ := Open()
	r := rand.New(rand.NewPCG(15, 16))
	addrs := make([]netip.Addr, 1<<20)
	for i := range addrs {
		addrs[i] = netip.AddrFrom4([4]byte{byte(1 + r.IntN(222)), byte(r.Uint32()), byte(r.Uint32()), byte(r.Uint32())})
	}
	i := 0
	for b.Loop() {
		db.Lookup(addrs[i&(1<<20-1)])
		i++
	}
}
