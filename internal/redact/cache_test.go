package redact

import (
	"net/netip"
	"slices"
	"strings"
	"testing"

	"antidote/internal/detect"
)

func TestMacKey(t *testing.T) {
	tests := []struct {
		in    string
		key   uint64
		canon bool
	}{
		// detect's canonical form: lower case, colons.
		{"00:1a:2b:3c:4d:5e", 0x001a2b3c4d5e, true},
		{"ff:ff:ff:ff:ff:fe", 0xfffffffffffe, true},
		// Anything else is keyed by its text.
		{"00:1A:2B:3C:4D:5E", 0, false},
		{"00-1a-2b-3c-4d-5e", 0, false},
		{"001a.2b3c.4d5e", 0, false},
		{"00:1a:2b:3c:4d:5", 0, false},
		{"00:1a:2b:3c:4d:5e:", 0, false},
		{"0g:1a:2b:3c:4d:5e", 0, false},
	}
	for _, tt := range tests {
		k, canon := macKey(tt.in)
		if k != tt.key || canon != tt.canon {
			t.Errorf("macKey(%q) = %#x, %v; want %#x, %v", tt.in, k, canon, tt.key, tt.canon)
		}
	}
}

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
