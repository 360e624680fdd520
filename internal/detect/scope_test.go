package detect

import (
	"net/netip"
	"testing"
)

// TestScopeRegistryRows pins the scope of every row of the IANA IPv4 and
// IPv6 Special-Purpose Address Registries (and the multicast, site-local
// and unallocated space around them), at the first and the last address
// of each block, so that a neighbouring rule cannot swallow an edge.
func TestScopeRegistryRows(t *testing.T) {
	for _, c := range []struct {
		block string
		want  Scope
		why   string
	}{
		// IPv4 Special-Purpose Address Registry.
		{"0.0.0.1/32", Reserved, `"this network" (0.0.0.0/8): valid only as a source while booting`},
		{"0.128.0.0/9", Reserved, `"this network", up to its last address`},
		{"0.0.0.0/32", Unspecified, "this host on this network"},
		{"10.0.0.0/8", Private, "RFC 1918"},
		{"100.64.0.0/10", Shared, "RFC 6598 carrier-grade NAT"},
		{"127.0.0.0/8", Loopback, "loopback"},
		{"169.254.0.0/16", LinkLocal, "RFC 3927"},
		{"172.16.0.0/12", Private, "RFC 1918"},
		{"192.0.0.0/29", Reserved, "IPv4 service continuity prefix (DS-Lite), not globally reachable"},
		{"192.0.0.8/32", Reserved, "IPv4 dummy address"},
		{"192.0.0.9/32", Public, "Port Control Protocol anycast, globally reachable"},
		{"192.0.0.10/32", Public, "TURN anycast, globally reachable"},
		{"192.0.0.11/32", Reserved, "rest of the IETF protocol assignments block"},
		{"192.0.0.170/31", Reserved, "NAT64/DNS64 discovery"},
		{"192.0.0.255/32", Reserved, "IETF protocol assignments, last address"},
		{"192.0.2.0/24", Documentation, "TEST-NET-1"},
		{"192.31.196.0/24", Public, "AS112-v4, globally reachable"},
		{"192.52.193.0/24", Public, "AMT, globally reachable"},
		{"192.88.99.0/24", Reserved, "deprecated 6to4 relay anycast (RFC 7526)"},
		{"192.168.0.0/16", Private, "RFC 1918"},
		{"192.175.48.0/24", Public, "AS112 direct delegation, globally reachable"},
		{"198.18.0.0/15", Reserved, "benchmarking (RFC 2544): for labs, never routed"},
		{"198.51.100.0/24", Documentation, "TEST-NET-2"},
		{"203.0.113.0/24", Documentation, "TEST-NET-3"},
		{"240.0.0.0/4", Reserved, "reserved for future use (class E) ..."},
		{"255.255.255.255/32", Reserved, "... with the limited broadcast address at its end"},
		// Around the registry.
		{"224.0.0.0/4", Multicast, "IPv4 multicast (but for MCAST-TEST-NET)"},
		{"233.252.0.0/24", Documentation, "MCAST-TEST-NET (RFC 6676) is for documentation"},
		{"1.0.0.0/8", Public, "ordinary unicast"},
		{"100.0.0.0/10", Public, "just below the shared block"},
		{"100.128.0.0/9", Public, "just above the shared block"},
		{"172.15.255.255/32", Public, "just below 172.16/12"},
		{"172.32.0.0/11", Public, "just above 172.16/12"},
		{"198.17.255.255/32", Public, "just below the benchmarking block"},
		{"198.20.0.0/14", Public, "just above the benchmarking block"},
		{"223.255.255.255/32", Public, "last unicast address before multicast"},

		// IPv6 Special-Purpose Address Registry.
		{"::1/128", Loopback, "loopback"},
		{"::/128", Unspecified, "unspecified"},
		{"::ffff:0.0.0.0/128", Unspecified, "IPv4-mapped: the IPv4 address's scope"},
		{"::ffff:10.0.0.0/104", Private, "IPv4-mapped private"},
		{"::ffff:8.8.8.8/128", Public, "IPv4-mapped public"},
		{"::ffff:127.0.0.0/104", Loopback, "IPv4-mapped loopback"},
		{"::ffff:192.0.2.0/120", Documentation, "IPv4-mapped documentation"},
		{"64:ff9b::8.8.8.8/128", Public, "NAT64 well-known prefix: the translated IPv4 address's scope"},
		{"64:ff9b::192.168.0.0/112", Private, "NAT64 of a private address"},
		{"64:ff9b:1::/48", Private, "local-use NAT64 (RFC 8215), not globally reachable"},
		{"100::/64", Reserved, "discard-only (RFC 6666)"},
		{"100:0:0:1::/64", Reserved, "dummy IPv6 prefix (RFC 9780)"},
		{"2001::/32", Public, "Teredo: carries a public IPv4 address"},
		{"2001:1::1/128", Public, "Port Control Protocol anycast, globally reachable"},
		{"2001:1::2/128", Public, "TURN anycast, globally reachable"},
		{"2001:1::3/128", Public, "DNS-SD service registration protocol anycast, globally reachable"},
		{"2001:1::4/126", Reserved, "rest of the IETF protocol assignments block"},
		{"2001:2::/48", Reserved, "benchmarking (RFC 5180)"},
		{"2001:3::/32", Public, "AMT, globally reachable"},
		{"2001:4:112::/48", Public, "AS112-v6, globally reachable"},
		{"2001:10::/28", Reserved, "deprecated ORCHID"},
		{"2001:20::/28", Public, "ORCHIDv2, globally reachable"},
		{"2001:30::/28", Public, "drone remote ID, globally reachable"},
		{"2001:40::/26", Reserved, "unassigned rest of 2001::/23"},
		{"2001:db8::/32", Documentation, "documentation (RFC 3849)"},
		{"2002::/16", Public, "6to4: reachability N/A in the registry; public is the safe reading"},
		{"2620:4f:8000::/48", Public, "AS112 direct delegation, globally reachable"},
		{"3fff::/20", Documentation, "documentation (RFC 9637)"},
		{"3fff:1000::/20", Public, "just past the documentation block"},
		{"5f00::/16", Reserved, "SRv6 SIDs (RFC 9602), not globally reachable"},
		{"fc00::/7", Private, "unique local (RFC 4193)"},
		{"fe80::/10", LinkLocal, "link-local unicast"},
		// Around the registry.
		{"fec0::/10", Private, "deprecated site-local: the old private-use block"},
		{"ff00::/8", Multicast, "IPv6 multicast, of every multicast scope"},
		{"2000::/3", Public, "global unicast"},
		{"::2/127", Reserved, "rest of ::/8 (deprecated IPv4-compatible addresses)"},
		{"::192.0.2.1/128", Reserved, "IPv4-compatible form: deprecated, not the IPv4's scope"},
		{"4000::/3", Reserved, "unallocated"},
		{"fe00::/9", Reserved, "unallocated, just below link-local"},
	} {
		p := netip.MustParsePrefix(c.block)
		first := p.Masked().Addr()
		last := first
		for b := p.Bits(); b < first.BitLen(); b++ {
			last = setBit(last, b)
		}
		for _, a := range []netip.Addr{first, last} {
			if got := ScopeOf(a); got != c.want {
				t.Errorf("%s (%s): ScopeOf(%s) = %v, want %v", c.block, c.why, a, got, c.want)
			}
		}
	}
}

// setBit returns a with bit b (0 is the most significant) set.
func setBit(a netip.Addr, b int) netip.Addr {
	if a.Is4() {
		x := a.As4()
		x[b/8] |= 0x80 >> (b % 8)
		return netip.AddrFrom4(x)
	}
	x := a.As16()
	x[b/8] |= 0x80 >> (b % 8)
	return netip.AddrFrom16(x)
}
