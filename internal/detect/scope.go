package detect

import "net/netip"

type scopeRule struct {
	p netip.Prefix
	s Scope
}

// scopes4 maps the IANA IPv4 Special-Purpose Address Registry onto Scope. The
// first rule that contains the address wins, so longer prefixes come first.
// Blocks the registry marks globally reachable (192.0.0.9/32 PCP anycast,
// 192.0.0.10/32 TURN anycast, 192.31.196.0/24 AS112, 192.52.193.0/24 AMT,
// 192.175.48.0/24) are Public.
var scopes4 = []scopeRule{
	{netip.MustParsePrefix("0.0.0.0/32"), Unspecified},
	{netip.MustParsePrefix("0.0.0.0/8"), Reserved}, // "this network"
	{netip.MustParsePrefix("10.0.0.0/8"), Private},
	{netip.MustParsePrefix("100.64.0.0/10"), Shared}, // carrier-grade NAT
	{netip.MustParsePrefix("127.0.0.0/8"), Loopback},
	{netip.MustParsePrefix("169.254.0.0/16"), LinkLocal},
	{netip.MustParsePrefix("172.16.0.0/12"), Private},
	{netip.MustParsePrefix("192.0.0.9/32"), Public},   // PCP anycast
	{netip.MustParsePrefix("192.0.0.10/32"), Public},  // TURN anycast
	{netip.MustParsePrefix("192.0.0.0/24"), Reserved}, // IETF protocol assignments
	{netip.MustParsePrefix("192.0.2.0/24"), Documentation},
	{netip.MustParsePrefix("192.88.99.0/24"), Reserved}, // deprecated 6to4 relay anycast
	{netip.MustParsePrefix("192.168.0.0/16"), Private},
	{netip.MustParsePrefix("198.18.0.0/15"), Reserved}, // benchmarking
	{netip.MustParsePrefix("198.51.100.0/24"), Documentation},
	{netip.MustParsePrefix("203.0.113.0/24"), Documentation},
	{netip.MustParsePrefix("233.252.0.0/24"), Documentation}, // MCAST-TEST-NET
	{netip.MustParsePrefix("224.0.0.0/4"), Multicast},
	{netip.MustParsePrefix("255.255.255.255/32"), Reserved}, // limited broadcast
	{netip.MustParsePrefix("240.0.0.0/4"), Reserved},
}

// scopes6 maps the IANA IPv6 Special-Purpose Address Registry onto Scope.
// Anything outside 2000::/3 and the blocks below is Reserved: IANA has not
// allocated it for unicast. 6to4 (2002::/16) stays Public, like Teredo: the
// registry leaves its reachability open, and a public reading is the one
// that keeps a redaction policy on the safe side.
var scopes6 = []scopeRule{
	{netip.MustParsePrefix("::/128"), Unspecified},
	{netip.MustParsePrefix("::1/128"), Loopback},
	{netip.MustParsePrefix("64:ff9b:1::/48"), Private}, // local-use NAT64
	{netip.MustParsePrefix("100::/64"), Reserved},      // discard-only
	{netip.MustParsePrefix("2001:1::1/128"), Public},   // PCP anycast
	{netip.MustParsePrefix("2001:1::2/128"), Public},   // TURN anycast
	{netip.MustParsePrefix("2001:1::3/128"), Public},   // DNS-SD SRP anycast
	{netip.MustParsePrefix("2001::/32"), Public},       // Teredo: embeds a public IPv4
	{netip.MustParsePrefix("2001:2::/48"), Reserved},   // benchmarking
	{netip.MustParsePrefix("2001:3::/32"), Public},     // AMT
	{netip.MustParsePrefix("2001:4:112::/48"), Public}, // AS112
	{netip.MustParsePrefix("2001:10::/28"), Reserved},  // deprecated ORCHID
	{netip.MustParsePrefix("2001:20::/28"), Public},    // ORCHIDv2
	{netip.MustParsePrefix("2001:30::/28"), Public},    // drone remote ID
	{netip.MustParsePrefix("2001::/23"), Reserved},     // IETF protocol assignments
	{netip.MustParsePrefix("2001:db8::/32"), Documentation},
	{netip.MustParsePrefix("3fff::/20"), Documentation},
	{netip.MustParsePrefix("5f00::/16"), Reserved}, // SRv6 SIDs
	{netip.MustParsePrefix("2000::/3"), Public},
	{netip.MustParsePrefix("fc00::/7"), Private}, // unique local
	{netip.MustParsePrefix("fe80::/10"), LinkLocal},
	{netip.MustParsePrefix("fec0::/10"), Private}, // deprecated site-local
	{netip.MustParsePrefix("ff00::/8"), Multicast},
}

var nat64 = netip.MustParsePrefix("64:ff9b::/96")

// ScopeOf classifies a after the IANA special-purpose address registries.
// An IPv4-mapped IPv6 address (::ffff:a.b.c.d) and an address in the NAT64
// well-known prefix (64:ff9b::a.b.c.d) take the scope of the IPv4 address
// they carry. A zone is ignored. The invalid Addr has ScopeNone.
func ScopeOf(a netip.Addr) Scope {
	if a.Is4() {
		// The common case, first: an IPv4 address has no zone and
		// needs no unmapping.
		return scope4(a.As4())
	}
	if !a.IsValid() {
		return ScopeNone
	}
	a = a.WithZone("")
	if a.Is4In6() {
		a = a.Unmap()
	} else if a.Is6() && nat64.Contains(a) {
		b := a.As16()
		a = netip.AddrFrom4([4]byte(b[12:]))
	}
	if a.Is4() {
		return scope4(a.As4())
	}
	return scope6(a)
}

// scope6 is scopes6 with a switch on the first 16 bits in front, so that
// the common global unicast addresses need no table walk.
func scope6(a netip.Addr) Scope {
	b := a.As16()
	switch w := uint16(b[0])<<8 | uint16(b[1]); {
	case w == 0x2001:
		return scope2001(b)
	case w == 0 || w == 0x64 || w == 0x100:
		for _, r := range scopes6 {
			if r.p.Contains(a) {
				return r.s
			}
		}
		return Reserved
	case w == 0x3fff && b[2] < 0x10:
		return Documentation
	case w >= 0x2000 && w <= 0x3fff:
		return Public
	case w == 0x5f00:
		return Reserved
	case w >= 0xfc00 && w <= 0xfdff:
		return Private
	case w >= 0xfe80 && w <= 0xfebf:
		return LinkLocal
	case w >= 0xfec0 && w <= 0xfeff:
		return Private
	case w >= 0xff00:
		return Multicast
	}
	return Reserved
}

// scope4 is scopes4 as arithmetic on the address, which the scanner calls
// for every IPv4 match.
func scope4(b [4]byte) Scope {
	in := func(p uint32, bits int) bool {
		v := uint32(b[0])<<24 | uint32(b[1])<<16 | uint32(b[2])<<8 | uint32(b[3])
		return v>>(32-bits) == p>>(32-bits)
	}
	switch b[0] {
	case 0:
		if b == [4]byte{} {
			return Unspecified
		}
		return Reserved
	case 10:
		return Private
	case 100:
		if in(100<<24|64<<16, 10) {
			return Shared
		}
	case 127:
		return Loopback
	case 169:
		if b[1] == 254 {
			return LinkLocal
		}
	case 172:
		if in(172<<24|16<<16, 12) {
			return Private
		}
	case 192:
		switch {
		case b[1] == 0 && b[2] == 0 && (b[3] == 9 || b[3] == 10):
			return Public // PCP and TURN anycast
		case b[1] == 0 && b[2] == 0:
			return Reserved
		case b[1] == 0 && b[2] == 2:
			return Documentation
		case b[1] == 88 && b[2] == 99:
			return Reserved
		case b[1] == 168:
			return Private
		}
	case 198:
		switch {
		case b[1] == 18 || b[1] == 19:
			return Reserved
		case b[1] == 51 && b[2] == 100:
			return Documentation
		}
	case 203:
		if b[1] == 0 && b[2] == 113 {
			return Documentation
		}
	case 233:
		if b[1] == 252 && b[2] == 0 {
			return Documentation
		}
	}
	switch {
	case b[0] >= 224 && b[0] < 240:
		return Multicast
	case b[0] >= 240:
		return Reserved
	}
	return Public
}

// scope2001 is scopes6 for 2001::/16, where most of the IPv6 registry lies.
func scope2001(b [16]byte) Scope {
	w := uint16(b[2])<<8 | uint16(b[3])
	switch {
	case w == 0x0db8:
		return Documentation
	case w == 0, w == 3: // Teredo, AMT
		return Public
	case w == 1: // PCP, TURN and DNS-SD anycast
		for _, x := range b[4:15] {
			if x != 0 {
				return Reserved
			}
		}
		if b[15] >= 1 && b[15] <= 3 {
			return Public
		}
		return Reserved
	case w == 4 && b[4] == 0x01 && b[5] == 0x12: // AS112
		return Public
	case w >= 0x20 && w <= 0x3f: // ORCHIDv2, drone remote ID
		return Public
	case w < 0x200: // IETF protocol assignments
		return Reserved
	}
	return Public
}
