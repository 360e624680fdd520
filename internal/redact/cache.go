package redact

import (
	"net/netip"

	"antidote/internal/detect"
)

// maxCache bounds each worker's memory of values already replaced.
const maxCache = 1 << 16

// cache is a worker's memory of the values it has replaced, so that a value
// costs one keyed hash and one geo lookup however often it occurs. Looking
// up is most of what redaction does per identifier, so addresses are keyed
// by their bits rather than their text: the key is hashed and compared in
// place, without following a pointer to a string that is rarely in the CPU
// cache. That is the same key, since detect.Match.Value is the canonical
// text of the address (a function of Addr, or of the MAC's bytes).
type cache struct {
	ip4   map[uint32]cacheEntry
	ip6   map[netip.Addr]cacheEntry
	mac   map[uint64]cacheEntry
	email map[string]cacheEntry
	text  map[cacheKey]cacheEntry // every other kind, and any value not in canonical form
}

type cacheKey struct {
	kind  detect.Kind
	value string
}

type cacheEntry struct {
	repl    string // "" when the policy keeps the value
	country string // public IP addresses: country code or XX
	asn     uint32
	org     string
}

func newCache() *cache {
	return &cache{
		ip4:   make(map[uint32]cacheEntry),
		ip6:   make(map[netip.Addr]cacheEntry),
		mac:   make(map[uint64]cacheEntry),
		email: make(map[string]cacheEntry),
		text:  make(map[cacheKey]cacheEntry),
	}
}

func (c *cache) get(m *detect.Match) (e cacheEntry, ok bool) {
	switch m.Kind {
	case detect.IPv4:
		if m.Addr.Is4() {
			e, ok = c.ip4[ip4Key(m.Addr)]
			return e, ok
		}
	case detect.IPv6:
		if m.Addr.IsValid() {
			e, ok = c.ip6[m.Addr]
			return e, ok
		}
	case detect.MAC:
		if k, canon := macKey(m.Value); canon {
			e, ok = c.mac[k]
			return e, ok
		}
	case detect.Email:
		e, ok = c.email[m.Value]
		return e, ok
	}
	e, ok = c.text[cacheKey{m.Kind, m.Value}]
	return e, ok
}

// put remembers e for m's value, forgetting everything first when the cache
// is full.
func (c *cache) put(m *detect.Match, e cacheEntry) {
	if len(c.ip4)+len(c.ip6)+len(c.mac)+len(c.email)+len(c.text) >= maxCache {
		clear(c.ip4)
		clear(c.ip6)
		clear(c.mac)
		clear(c.email)
		clear(c.text)
	}
	switch m.Kind {
	case detect.IPv4:
		if m.Addr.Is4() {
			c.ip4[ip4Key(m.Addr)] = e
			return
		}
	case detect.IPv6:
		if m.Addr.IsValid() {
			c.ip6[m.Addr] = e
			return
		}
	case detect.MAC:
		if k, canon := macKey(m.Value); canon {
			c.mac[k] = e
			return
		}
	case detect.Email:
		c.email[m.Value] = e
		return
	}
	c.text[cacheKey{m.Kind, m.Value}] = e
}

func ip4Key(a netip.Addr) uint32 {
	b := a.As4()
	return uint32(b[0])<<24 | uint32(b[1])<<16 | uint32(b[2])<<8 | uint32(b[3])
}

// macKey parses a MAC address in detect's canonical form (lower case, six
// colon-separated pairs); canon is false for any other text, which the
// cache then keys by its text.
func macKey(v string) (k uint64, canon bool) {
	if len(v) != 17 {
		return 0, false
	}
	for i := 0; i < 17; i += 3 {
		hi, lo := lowerHex(v[i]), lowerHex(v[i+1])
		if hi < 0 || lo < 0 || i+2 < 17 && v[i+2] != ':' {
			return 0, false
		}
		k = k<<8 | uint64(hi<<4|lo)
	}
	return k, true
}

func lowerHex(c byte) int {
	switch {
	case '0' <= c && c <= '9':
		return int(c - '0')
	case 'a' <= c && c <= 'f':
		return int(c-'a') + 10
	}
	return -1
}
