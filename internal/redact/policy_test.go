package redact

import (
	"bytes"
	"context"
	"crypto/rand"
	"strings"
	"testing"

	"antidote/internal/detect"
)

func TestDefaultPolicy(t *testing.T) {
	p := DefaultPolicy()
	for _, c := range []struct {
		k    detect.Kind
		s    detect.Scope
		want Action
	}{
		{detect.IPv4, detect.Public, Redact},        // public addresses point at someone
		{detect.IPv6, detect.Public, Redact},        // in both families
		{detect.IPv4, detect.Private, Keep},         // RFC 1918 identifies no one outside
		{detect.IPv6, detect.LinkLocal, Keep},       // nor does link-local
		{detect.IPv4, detect.Documentation, Keep},   // nor documentation ranges
		{detect.Email, detect.ScopeNone, Redact},    // e-mail addresses
		{detect.MAC, detect.ScopeNone, Redact},      // hardware addresses
		{detect.Name, detect.ScopeNone, Redact},     // listed names
		{detect.Secret, detect.ScopeNone, Redact},   // credentials and keys
		{detect.Kind(42), detect.ScopeNone, Redact}, // unknown kinds: cautious
	} {
		if got := p.Action(c.k, c.s); got != c.want {
			t.Errorf("Action(%v, %v) = %v, want %v", c.k, c.s, got, c.want)
		}
	}
	var zero Policy
	if zero.Redacts(detect.Email, detect.ScopeNone) {
		t.Error("the zero Policy redacts")
	}
}

func TestParsePolicy(t *testing.T) {
	tests := []struct {
		name  string
		in    string
		check map[[2]string]string // {type, scope} -> action; scope "" for none
		err   string               // substring of the error, "" for none
	}{
		// An empty object is the default policy.
		{"empty", `{}`, map[[2]string]string{{"ipv4", "public"}: "redact", {"ipv4", "private"}: "keep"}, ""},
		// A string applies to every scope of the type.
		{"whole type", `{"ipv4": "redact", "mac": "keep"}`, map[[2]string]string{{"ipv4", "private"}: "redact", {"ipv4", "loopback"}: "redact", {"mac", ""}: "keep", {"ipv6", "private"}: "keep"}, ""},
		// An object changes the scopes it names only.
		{"per scope", `{"ipv6": {"private": "redact", "public": "prefix-preserve"}}`, map[[2]string]string{{"ipv6", "private"}: "redact", {"ipv6", "public"}: "prefix-preserve", {"ipv6", "loopback"}: "keep"}, ""},
		// "ip" sets both families; the specific key wins where both speak.
		{"ip then ipv4", `{"ipv4": {"shared": "keep"}, "ip": {"shared": "redact", "private": "redact"}}`, map[[2]string]string{{"ipv4", "shared"}: "keep", {"ipv6", "shared"}: "redact", {"ipv4", "private"}: "redact"}, ""},
		// Actions and scopes are case-insensitive.
		{"case", `{"email": "KEEP", "ipv4": {"Link-Local": "Redact"}}`, map[[2]string]string{{"email", ""}: "keep", {"ipv4", "link-local"}: "redact"}, ""},
		// Unknown type.
		{"unknown type", `{"phone": "redact"}`, nil, `unknown type "phone"`},
		// Unknown action.
		{"unknown action", `{"email": "hide"}`, nil, `unknown action "hide"`},
		// Unknown scope.
		{"unknown scope", `{"ipv4": {"global": "keep"}}`, nil, `unknown scope "global"`},
		// Prefix preservation needs a prefix.
		{"pp email", `{"email": "prefix-preserve"}`, nil, "IP addresses only"},
		// Scopes belong to addresses.
		{"scoped email", `{"email": {"public": "keep"}}`, nil, "want an action"},
		// Not an object.
		{"array", `["redact"]`, nil, "not a JSON object"},
		{"null", `null`, nil, "not a JSON object"},
		{"garbage", `{"email": `, nil, "not a JSON object"},
	}
	for _, tt := range tests {
		p, err := ParsePolicy([]byte(tt.in))
		if tt.err != "" {
			if err == nil || !strings.Contains(err.Error(), tt.err) {
				t.Errorf("%s: error %v, want one containing %q", tt.name, err, tt.err)
			}
			continue
		}
		if err != nil {
			t.Errorf("%s: %v", tt.name, err)
			continue
		}
		for ks, want := range tt.check {
			k, _ := detect.ParseKind(ks[0])
			s, _ := detect.ParseScope(ks[1])
			if got := p.Action(k, s).String(); got != want {
				t.Errorf("%s: %s/%s = %s, want %s", tt.name, ks[0], ks[1], got, want)
			}
		}
	}
}

// TestPolicyStringRoundTrip: String writes the file format, and reading
// it back gives the same policy.
func TestPolicyStringRoundTrip(t *testing.T) {
	p, err := ParsePolicy([]byte(`{"ip": {"private": "redact"}, "ipv6": {"public": "prefix-preserve"}, "name": "keep"}`))
	if err != nil {
		t.Fatal(err)
	}
	q, err := ParsePolicy([]byte(p.String()))
	if err != nil {
		t.Fatalf("ParsePolicy(String()): %v\n%s", err, p)
	}
	if p != q {
		t.Errorf("round trip changed the policy:\n%s\n%s", p, q)
	}
	if pp := DefaultPolicy().WithPrefixPreserving(); pp.Action(detect.IPv4, detect.Public) != PrefixPreserve || pp.Action(detect.IPv4, detect.Private) != Keep || pp.Action(detect.Email, detect.ScopeNone) != Redact {
		t.Errorf("WithPrefixPreserving: %s", pp)
	}
}

func TestParseToken(t *testing.T) {
	tests := []struct {
		in    string
		kind  detect.Kind
		place string
		ok    bool
	}{
		{"IPv4-US-PQOWZIJAMBDH", detect.IPv4, "US", true},               // public IPv4 with country
		{"IPv6-XX-PQOWZIJAMBDH", detect.IPv6, "XX", true},               // country unknown
		{"IPv4-PRIVATE-PQOWZIJAMBDH", detect.IPv4, "PRIVATE", true},     // scope instead of country
		{"IPv6-LINKLOCAL-PQOWZIJAMBDH", detect.IPv6, "LINKLOCAL", true}, // scope tag without hyphen
		{"EMAIL-CJT7NJAT4FFD", detect.Email, "", true},                  // e-mail
		{"MAC-CJT7NJAT4FFD", detect.MAC, "", true},                      // MAC
		{"NAME-CJT7NJAT4FFD", detect.Name, "", true},                    // name
		{"SECRET-CJT7NJAT4FFD", detect.Secret, "", true},                // secret
		{"EMAIL-CJT7NJAT4FF", 0, "", false},                             // body too short
		{"EMAIL-CJT7NJAT4FFDA", 0, "", false},                           // body too long
		{"EMAIL-cjt7njat4ffd", 0, "", false},                            // lower case is not base32 here
		{"EMAIL-CJT7NJAT4FF1", 0, "", false},                            // 1 is not in the alphabet
		{"IPv4-CJT7NJAT4FFD", 0, "", false},                             // IP token without place
		{"IPv4-USA-CJT7NJAT4FFD", 0, "", false},                         // three-letter place
		{"IPv4-us-CJT7NJAT4FFD", 0, "", false},                          // lower-case country
		{"PHONE-CJT7NJAT4FFD", 0, "", false},                            // unknown type
		{"xEMAIL-CJT7NJAT4FFD", 0, "", false},                           // prefix glued
		{"", 0, "", false},                                              // empty
	}
	for _, tt := range tests {
		info, ok := ParseToken(tt.in)
		if ok != tt.ok || info.Kind != tt.kind || info.Place != tt.place {
			t.Errorf("ParseToken(%q) = %+v, %v; want %v %q %v", tt.in, info, ok, tt.kind, tt.place, tt.ok)
		}
	}
}

func TestKeyFile(t *testing.T) {
	k, err := GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	f := k.KeyFile()
	k2, err := ParseKeyFile(f)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(k.b.Reveal(), k2.b.Reveal()) {
		t.Error("key file round trip changed the key")
	}
	hexKey := strings.Repeat("ab", 32)
	for _, c := range []struct {
		in string
		ok bool
	}{
		{hexKey, true},                          // bare hex
		{"  " + hexKey + "  \r\n\n", true},      // space and CRLF around it
		{"# comment\n\n" + hexKey + "\n", true}, // comments
		{strings.ToUpper(hexKey), true},         // upper-case hex
		{hexKey[:62], false},                    // too short
		{hexKey + "ab", false},                  // too long
		{hexKey + "\n" + hexKey, false},         // two keys
		{"# only a comment\n", false},           // none
		{strings.Repeat("zz", 32), false},       // not hex
	} {
		_, err := ParseKeyFile([]byte(c.in))
		if (err == nil) != c.ok {
			t.Errorf("ParseKeyFile(%q): %v", c.in, err)
		}
		if err != nil && strings.Contains(err.Error(), "ab") {
			t.Errorf("error quotes the file: %v", err)
		}
	}
	if s := k.String(); s != "[redacted]" {
		t.Errorf("key prints as %q", s)
	}
	if _, err := NewKey(make([]byte, 16)); err == nil {
		t.Error("NewKey accepted 16 bytes")
	}
}

// TestEUI64AddressesCarryTheirMAC: a link-local or private IPv6 address
// whose interface identifier is made from a MAC address is redacted where
// MAC addresses are, by redact and by verify alike; other kept addresses
// stay, and a policy that keeps MACs keeps them.
func TestEUI64AddressesCarryTheirMAC(t *testing.T) {
	in := "from fe80::21a:2bff:fe3c:4d5e%eth0 and fd00::21a:2bff:fe3c:4d5e, not fe80::1 nor fe80::21a:2bff:fe3c:4d5e:1\n"
	for _, c := range []struct {
		note     string
		keepMACs bool
		want     []string // what must be left in the output
		gone     []string // what must not be
	}{
		{"default", false, []string{"fe80::1 ", "fe80::21a:2bff:fe3c:4d5e:1"}, []string{"fe80::21a:2bff:fe3c:4d5e%", "fd00::"}},
		{"MACs kept", true, []string{"fe80::21a:2bff:fe3c:4d5e%eth0", "fd00::21a:2bff:fe3c:4d5e", "fe80::1 "}, nil},
	} {
		pol := DefaultPolicy()
		if c.keepMACs {
			pol.Set(detect.MAC, Keep)
		}
		r := newTestRedactor(t, func(o *Options) { o.Policy = pol })
		out, _, err := r.Apply(nil, []byte(in))
		if err != nil {
			t.Fatal(err)
		}
		for _, w := range c.want {
			if !bytes.Contains(out, []byte(w)) {
				t.Errorf("%s: %q lost from %q", c.note, w, out)
			}
		}
		for _, g := range c.gone {
			if bytes.Contains(out, []byte(g)) {
				t.Errorf("%s: %q left in %q", c.note, g, out)
			}
		}
		// verify agrees: the input leaks exactly what redact replaced.
		var leaks int
		if err := Check(context.Background(), strings.NewReader(in), r.Scanner(), pol, func(Found) error { leaks++; return nil }); err != nil {
			t.Fatal(err)
		}
		if want := map[bool]int{false: 2, true: 0}[c.keepMACs]; leaks != want {
			t.Errorf("%s: verify found %d leaks in the input, want %d", c.note, leaks, want)
		}
	}
}
