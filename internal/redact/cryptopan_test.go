package redact

import (
	"math/bits"
	"math/rand/v2"
	"net/netip"
	"testing"
)

// referenceKey is the sample key of the Crypto-PAn reference distribution.
var referenceKey = [32]byte{21, 34, 23, 141, 51, 164, 207, 128, 19, 10, 91, 22, 73, 144, 125, 16,
	216, 152, 143, 131, 121, 121, 101, 39, 98, 87, 76, 45, 42, 132, 34, 2}

func TestPrefixPreserverReferenceTrace(t *testing.T) {
	p := newPrefixPreserver(referenceKey)
	// Pairs from the reference distribution's sample_trace_raw.dat and
	// sample_trace_sanitized.dat.
	for _, v := range [][2]string{
		{"128.11.68.132", "135.242.180.132"},
		{"129.118.74.4", "134.136.186.123"},
		{"130.132.252.244", "133.68.164.234"},
		{"141.223.7.43", "141.167.8.160"},
		{"141.233.145.108", "141.129.237.235"},
		{"152.163.225.39", "151.140.114.167"},
		{"156.29.3.236", "147.225.12.42"},
		{"192.102.249.13", "252.138.62.131"},
		{"207.105.49.5", "241.118.205.138"},
		{"24.0.250.221", "100.15.198.226"},
		{"4.3.88.225", "124.60.155.63"},
		{"64.14.118.196", "0.255.183.58"},
		{"10.185.25.118", "117.161.29.118"},
	} {
		got := p.anon(netip.MustParseAddr(v[0]))
		if got.String() != v[1] {
			t.Errorf("anon(%s) = %s, want %s", v[0], got, v[1])
		}
	}
}

// TestPrefixPreserverIPv6 pins the 128-bit extension. Other
// implementations that extend Crypto-PAn the same way (the address's first
// bits, then the pad's) agree on these.
func TestPrefixPreserverIPv6(t *testing.T) {
	p := newPrefixPreserver(referenceKey)
	for _, v := range [][2]string{
		{"::1", "78ff:f001:9fc0:20df:8380:b1f1:704:ed"},
		{"::2", "78ff:f001:9fc0:20df:8380:b1f1:704:ef"},
		{"2001:db8::1", "4401:2bc:603f:d91d:27f:ff8e:e6f1:dc1e"},
	} {
		if got := p.anon(netip.MustParseAddr(v[0])); got.String() != v[1] {
			t.Errorf("anon(%s) = %s, want %s", v[0], got, v[1])
		}
	}
}

func commonPrefix(a, b netip.Addr) int {
	x, y := a.As16(), b.As16()
	n := 0
	for i := range x {
		if x[i] == y[i] {
			n += 8
			continue
		}
		return n + bits.LeadingZeros8(x[i]^y[i])
	}
	return n
}

// TestPrefixPreserverProperty checks the defining property on random
// pairs: the common prefix length is kept exactly, and distinct addresses
// stay distinct.
func TestPrefixPreserverProperty(t *testing.T) {
	var key [32]byte
	r := rand.New(rand.NewPCG(1, 1))
	for i := range key {
		key[i] = byte(r.Uint32())
	}
	p := newPrefixPreserver(key)
	for range 2000 {
		var a, b netip.Addr
		if r.IntN(2) == 0 {
			x := r.Uint32()
			y := x ^ (r.Uint32() >> r.IntN(32)) // share a random-length prefix
			a = netip.AddrFrom4([4]byte{byte(x >> 24), byte(x >> 16), byte(x >> 8), byte(x)})
			b = netip.AddrFrom4([4]byte{byte(y >> 24), byte(y >> 16), byte(y >> 8), byte(y)})
		} else {
			var x [16]byte
			for i := range x {
				x[i] = byte(r.Uint32())
			}
			y := x
			k := r.IntN(128)
			y[k/8] ^= 0x80 >> (k % 8)
			for i := k/8 + 1; i < 16; i++ {
				y[i] = byte(r.Uint32())
			}
			a, b = netip.AddrFrom16(x), netip.AddrFrom16(y)
		}
		pa, pb := p.anon(a), p.anon(b)
		want := commonPrefix(a, b)
		if a.Is4() {
			want -= 96
		}
		got := commonPrefix(pa, pb)
		if pa.Is4() {
			got -= 96
		}
		if got != want || pa.Is4() != a.Is4() {
			t.Fatalf("%s, %s share %d bits; images %s, %s share %d", a, b, want, pa, pb, got)
		}
	}
}

func BenchmarkPrefixPreserverIPv4(b *testing.B) {
	p := newPrefixPreserver(referenceKey)
	a := netip.MustParseAddr("192.0.2.1")
	for b.Loop() {
		p.anon(a)
	}
}
