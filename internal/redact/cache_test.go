package redact

import (
	"fmt"
	"math/rand/v2"
	"net"
	"net/netip"
	"slices"
	"strings"
	"testing"

	"antidote/internal/detect"
)

// Values that share a cache map but differ in one bit keep their own
// tokens, on first sight and when they repeat.
func TestCacheKeepsValuesApart(t *testing.T) {
	k := testKey(t, 1)
	place6 := func(v string) string {
		res, _ := testGeo(t).Lookup(netip.MustParseAddr(v))
		if res.Country == "" {
			return unknownCountry
		}
		return res.Country
	}
	values := []struct {
		kind        detect.Kind
		place, text string
	}{
		{detect.IPv4, "US", "8.8.8.8"},
		{detect.IPv4, "US", "8.8.8.9"},
		{detect.IPv6, place6("2001:4860:4860::8888"), "2001:4860:4860::8888"},
		{detect.IPv6, place6("2001:4860:4860::8889"), "2001:4860:4860::8889"},
		{detect.MAC, "", "00:1a:2b:3c:4d:5e"},
		{detect.MAC, "", "00:1a:2b:3c:4d:5f"},
		{detect.Email, "", "bob@example.com"},
		{detect.Email, "", "bob@example.org"},
	}
	var in, want []string
	for range 3 {
		for _, v := range values {
			in = append(in, v.text)
			want = append(want, tokenFor(k, v.kind, v.place, v.text))
		}
	}
	out, _, err := newTestRedactor(t, nil).Apply(nil, []byte(strings.Join(in, " ; ")))
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Split(string(out), " ; "); !slices.Equal(got, want) {
		t.Errorf("got  %q\nwant %q", got, want)
	}
}

// cachePool is a set of distinct values keyed every way the cache keys
// them: by an address's bits (IPv4, IPv6 including an IPv4-mapped one, a
// MAC with or without its text) and by text (an IPv4 value without an
// address whose text is another's bits, e-mail, names, secrets).
func cachePool() []detect.Match {
	addr := func(k detect.Kind, s string) detect.Match {
		a := netip.MustParseAddr(s)
		return detect.Match{Kind: k, Value: a.WithZone("").String(), Addr: a, Scope: detect.Public}
	}
	text := func(k detect.Kind, v string) detect.Match { return detect.Match{Kind: k, Value: v} }
	// A MAC as detect reports it: its bits, and its text unless the
	// scanner is KeyedByBits.
	mac := func(v string, keyed bool) detect.Match {
		hw, err := net.ParseMAC(v)
		if err != nil {
			panic(err)
		}
		m := detect.Match{Kind: detect.MAC, MAC: [6]byte(hw)}
		if !keyed {
			m.Value = hw.String()
		}
		return m
	}
	pool := []detect.Match{
		addr(detect.IPv4, "8.8.8.8"),
		addr(detect.IPv4, "8.8.8.9"),
		text(detect.IPv4, "\x08\x08\x08\x08"), // the bits of 8.8.8.8, as text
		addr(detect.IPv6, "2001:4860:4860::8888"),
		addr(detect.IPv6, "::ffff:8.8.8.8"),
		addr(detect.IPv6, "fe80::1%eth0"),
		mac("00:1a:2b:3c:4d:5e", false),
		mac("00:1A:2B:3C:4D:5F", true),
		text(detect.Email, "\x00\x1a\x2b\x3c\x4d\x5e"), // the bits of a MAC, as text
		text(detect.Email, "bob@example.com"),
		text(detect.Name, "Alice Martin"),
		text(detect.Secret, ""),
		text(detect.Secret, strings.Repeat("k", 300)),
	}
	for i := range 600 { // more than the table holds at first: it grows
		pool = append(pool, addr(detect.IPv4, fmt.Sprintf("193.0.%d.%d", i/256, i%256)))
		pool = append(pool, text(detect.Email, fmt.Sprintf("user%d@example.org", i)))
	}
	return pool
}

// cacheWant is what the tests store for a value.
func cacheWant(m *detect.Match) (repl, country string, asn uint32) {
	repl = fmt.Sprintf("%v-%x", m.Kind, m.Value)
	if m.Kind == detect.Name {
		repl = "" // kept by the policy
	}
	if m.Addr.IsValid() {
		country, asn = "C"+m.Value[len(m.Value)-1:], uint32(len(m.Value))
	}
	return repl, country, asn
}

// TestCacheModel looks values up in random order and stores them on a
// miss, in caches of several sizes, one with a hash under which every key
// collides: a hit must give back what was stored for that value, and a
// value stored since the cache last forgot must be found, as the table
// grows and after it forgets.
func TestCacheModel(t *testing.T) {
	pool := cachePool()
	tests := []struct {
		name           string
		entries, bytes int
		collide        bool
	}{
		{"default", maxCache, maxArena, false},
		{"few entries", 8, maxArena, false},
		{"few bytes", maxCache, 400, false},
		{"all collide", 16, maxArena, true},
		{"all collide, few bytes", 64, 700, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := newCacheSize(tt.entries, tt.bytes)
			if tt.collide {
				c.hashKey = func([]byte) uint64 { return 0 }
			}
			held := map[int]bool{} // pool indices stored since the last clear
			r := rand.New(rand.NewPCG(1, uint64(tt.entries)))
			clears := 0
			for range 50000 {
				i := r.IntN(len(pool))
				m := &pool[i]
				repl, country, asn := cacheWant(m)
				e, ok := c.get(m)
				if ok {
					if !held[i] {
						t.Fatalf("found %v %q, not stored since the last clear", m.Kind, m.Value)
					}
					if string(c.repl(e)) != repl || string(c.country(e)) != country || e.asn != asn {
						t.Fatalf("%v %q: got %q %q %d, want %q %q %d", m.Kind, m.Value, c.repl(e), c.country(e), e.asn, repl, country, asn)
					}
					continue
				}
				if held[i] {
					t.Fatalf("%v %q stored but not found", m.Kind, m.Value)
				}
				n := len(c.ents)
				if !c.put([]byte(repl), []byte(country), asn, "org") {
					if need := len(c.key) + len(repl) + len(country); need <= tt.bytes {
						t.Fatalf("%v needing %d bytes not stored", m.Kind, need)
					}
					continue
				}
				if len(c.ents) <= n {
					clear(held)
					clears++
				}
				held[i] = true
				if len(c.ents) > tt.entries || len(c.arena) > tt.bytes {
					t.Fatalf("%d entries, %d bytes: over the bounds", len(c.ents), len(c.arena))
				}
			}
			if small := tt.entries < len(pool) || tt.bytes < 2000; small != (clears > 0) {
				t.Errorf("%d clears", clears)
			}
			if tt.name == "default" && len(c.slots) <= minSlots {
				t.Errorf("the table did not grow: %d slots", len(c.slots))
			}
		})
	}
}

// A value too long for the cache is replaced each time it occurs, with
// the same token.
func TestCacheTooLong(t *testing.T) {
	r := newTestRedactor(t, nil)
	w := r.newWorker()
	w.cache = newCacheSize(maxCache, 64)
	long := "password=" + strings.Repeat("Zq9", 30)
	text := []byte(long + "\n" + long + "\n")
	var tl tally
	var fresh []Mapping
	out := w.redact(nil, text, &tl, &fresh)
	lines := strings.Split(string(out), "\n")
	if lines[0] != lines[1] || strings.Contains(lines[0], "Zq9") || len(fresh) != 2 {
		t.Errorf("got %q with %d mappings", out, len(fresh))
	}
	if len(w.cache.ents) != 0 {
		t.Errorf("the cache holds %d entries", len(w.cache.ents))
	}
}
