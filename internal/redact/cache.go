package redact

import (
	"bytes"
	"hash/maphash"

	"antidote/internal/detect"
)

// maxCache bounds how many values each worker remembers; maxArena bounds
// the bytes it keeps for them (keys, replacements and countries). A value
// too long for the arena is not remembered at all.
//
// The bounds keep a worker's table (128 KiB of slots) and entries in the
// processor's own cache, and its memory small: a miss costs about a
// microsecond (a keyed hash and a geo lookup), but every page of fresh
// memory costs a page fault. 16,384 values hold every distinct value of
// 67 MB of generated logs (16,190 misses, against 16,166 with four times
// as many); on text where nearly every value is new no size helps.
const (
	maxCache = 1 << 14
	maxArena = 1 << 20
)

// cache is a worker's memory of the values it has replaced, so that a value
// costs one keyed hash and one geo lookup however often it occurs.
//
// Every identifier redacted is looked up, and on identifier-dense text
// most lookups are of values never seen before, so the cache is built to
// miss cheaply and to cost the garbage collector nothing: an
// open-addressing table of 32-bit slots (17 bits of the key's hash beside
// an entry number), entries without pointers, and the bytes of every
// entry in one arena. A miss usually reads one slot. When it is full it
// forgets everything at once, as the maps it replaced did.
//
// Addresses are keyed by their bits rather than their text, which is the
// same key, since the canonical text of an address (Match.Canonical) is a
// function of Addr or of the MAC's bytes; the workers' scanner does not
// even make that text (detect.Scanner.KeyedByBits). Keys are hashed with a
// random seed per cache, so that no input can choose its collisions.
type cache struct {
	hashKey func([]byte) uint64 // seeded; a test may make every key collide
	// maxEnts and maxBytes bound the entries and the arena. The table
	// has at least twice as many slots as entries, so that a miss is
	// short; it starts small and grows to twice maxEnts, so that a cache
	// that sees a few values (a small file) costs little.
	maxEnts, maxBytes int
	slots             []uint32 // tag<<slotBits | entry index+1; 0 is empty
	ents              []cacheEntry
	arena             []byte
	// orgs names the autonomous systems of the entries: the organisation
	// is a function of the ASN in the geo dataset.
	orgs map[uint32]string

	// The last get's key and where its probe ended, for the put that
	// follows a miss.
	key  []byte
	kind uint8
	hash uint64
	pos  int
}

const (
	minSlots = 1 << 10
	slotBits = 15 // enough for maxCache+1 entry numbers; the rest is tag
	idxMask  = 1<<slotBits - 1
	kindMix  = 0x9e3779b97f4a7c15 // spreads the kinds over the table
	// bitsKey marks a key made of an address's bits rather than its
	// text, so that the two never compare equal.
	bitsKey = 0x80
)

// cacheEntry is a remembered value: its key, replacement and country lie
// one after the other at arena[off:].
type cacheEntry struct {
	off  uint32
	klen uint32
	rlen uint16 // 0 when the policy keeps the value
	clen uint8  // country code or XX, public IP addresses only
	kind uint8  // detect.Kind, with bitsKey
	asn  uint32 // public IP addresses the dataset places, else 0
}

func newCache() *cache { return newCacheSize(maxCache, maxArena) }

// newCacheSize makes a cache of at most entries values (at most maxCache)
// and bytes bytes.
func newCacheSize(entries, bytes int) *cache {
	seed := maphash.MakeSeed()
	return &cache{
		hashKey:  func(b []byte) uint64 { return maphash.Bytes(seed, b) },
		maxEnts:  min(entries, maxCache),
		maxBytes: bytes,
		slots:    make([]uint32, minSlots),
		orgs:     make(map[uint32]string),
	}
}

func (c *cache) repl(e *cacheEntry) []byte {
	o := e.off + e.klen
	return c.arena[o : o+uint32(e.rlen)]
}

func (c *cache) country(e *cacheEntry) []byte {
	o := e.off + e.klen + uint32(e.rlen)
	return c.arena[o : o+uint32(e.clen)]
}

// get finds m's value. After a miss, put stores the value's entry.
func (c *cache) get(m *detect.Match) (*cacheEntry, bool) {
	c.setKey(m)
	c.hash = c.hashKey(c.key) ^ uint64(c.kind)*kindMix
	tag := uint32(c.hash>>32) &^ idxMask
	mask := len(c.slots) - 1
	for i := int(c.hash) & mask; ; i = (i + 1) & mask {
		s := c.slots[i]
		if s == 0 {
			c.pos = i
			return nil, false
		}
		if s&^idxMask != tag {
			continue
		}
		e := &c.ents[s&idxMask-1]
		if e.kind == c.kind && bytes.Equal(c.arena[e.off:e.off+e.klen], c.key) {
			return e, true
		}
	}
}

// setKey puts m's key in c.key and c.kind: the bits of an address, or
// the value's text.
func (c *cache) setKey(m *detect.Match) {
	c.key = c.key[:0]
	c.kind = uint8(m.Kind)
	switch m.Kind {
	case detect.IPv4:
		if m.Addr.Is4() {
			b := m.Addr.As4()
			c.key, c.kind = append(c.key, b[:]...), c.kind|bitsKey
			return
		}
	case detect.IPv6:
		// An IPv4 address in an IPv6 match would share its bits with
		// ::ffff:a.b.c.d but not its text: key it by the text. The
		// zone is not in the value.
		if m.Addr.Is6() {
			b := m.Addr.As16()
			c.key, c.kind = append(c.key, b[:]...), c.kind|bitsKey
			return
		}
	case detect.MAC:
		c.key, c.kind = append(c.key, m.MAC[:]...), c.kind|bitsKey
		return
	}
	c.key = m.AppendCanonical(c.key)
}

// put remembers the value the last get missed: its replacement (empty when
// the policy keeps it), and for a public address its country, ASN and
// organisation. It forgets everything first when the cache is full, and
// reports false, keeping nothing, when the value is too long to remember.
func (c *cache) put(repl, country []byte, asn uint32, org string) bool {
	need := len(c.key) + len(repl) + len(country)
	if need > c.maxBytes || len(repl) > 0xffff || len(country) > 0xff {
		return false
	}
	if len(c.ents) >= c.maxEnts || len(c.arena)+need > c.maxBytes {
		clear(c.slots)
		clear(c.orgs)
		c.ents, c.arena = c.ents[:0], c.arena[:0]
		c.pos = int(c.hash) & (len(c.slots) - 1)
	} else if 2*(len(c.ents)+1) > len(c.slots) {
		c.grow()
	}
	c.ents = append(c.ents, cacheEntry{
		off:  uint32(len(c.arena)),
		klen: uint32(len(c.key)),
		rlen: uint16(len(repl)),
		clen: uint8(len(country)),
		kind: c.kind,
		asn:  asn,
	})
	c.arena = append(c.arena, c.key...)
	c.arena = append(c.arena, repl...)
	c.arena = append(c.arena, country...)
	c.slots[c.pos] = uint32(c.hash>>32)&^idxMask | uint32(len(c.ents))
	if asn != 0 {
		if _, ok := c.orgs[asn]; !ok {
			c.orgs[asn] = org
		}
	}
	return true
}

// grow doubles the table and puts every entry in it again, then finds
// the slot for the key of the last get.
func (c *cache) grow() {
	c.slots = make([]uint32, 2*len(c.slots))
	mask := len(c.slots) - 1
	for i := range c.ents {
		e := &c.ents[i]
		h := c.hashKey(c.arena[e.off:e.off+e.klen]) ^ uint64(e.kind)*kindMix
		j := int(h) & mask
		for c.slots[j] != 0 {
			j = (j + 1) & mask
		}
		c.slots[j] = uint32(h>>32)&^idxMask | uint32(i+1)
	}
	j := int(c.hash) & mask
	for c.slots[j] != 0 {
		j = (j + 1) & mask
	}
	c.pos = j
}
