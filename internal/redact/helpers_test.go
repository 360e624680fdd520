package redact

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"strings"
	"sync"
	"testing"

	"antidote/internal/detect"
	"antidote/internal/geo"
)

var geoOnce = sync.OnceValues(geo.Open)

func testGeo(t testing.TB) *geo.DB {
	t.Helper()
	db, err := geoOnce()
	if err != nil {
		t.Fatal(err)
	}
	return db
}

func testKey(t testing.TB, seed byte) Key {
	t.Helper()
	b := make([]byte, KeySize)
	for i := range b {
		b[i] = seed + byte(i)
	}
	k, err := NewKey(b)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

var testNames = []string{"Alice Martin", "Bob", "Name"}

func newTestRedactor(t testing.TB, mod func(*Options)) *Redactor {
	t.Helper()
	opts := Options{Key: testKey(t, 1), Policy: DefaultPolicy(), Names: testNames, Geo: testGeo(t)}
	if mod != nil {
		mod(&opts)
	}
	r, err := New(opts)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// tokenFor computes a token the slow way, for expected outputs.
func tokenFor(k Key, kind detect.Kind, place, value string) string {
	return string(appendToken(nil, kind, place, newPseudonymizer(k).body(kind, []byte(value))))
}

// pieces are the building blocks of random texts: identifiers of every
// kind and scope, and the text between them.
var pieces = []string{
	"8.8.8.8", "1.1.1.1", "193.0.6.139", "10.0.0.1", "192.168.1.20", "127.0.0.1", "203.0.113.5",
	"8.8.4[.]4", "2001:4860:4860::8888", "fe80::1%eth0", "::1", "[2606:4700::1111]:443", "::ffff:8.8.8.8",
	"alice@example.com", "Bob.Smith+tag@mail.example.org", "root@localhost",
	"00:1a:2b:3c:4d:5e", "00-1A-2B-3C-4D-5E", "001a.2b3c.4d5e",
	"Alice Martin", "alice  martin", "Bob's", "BOB",
	"password=hunter2hunter2", "api_key: sk_live_0123456789abcdefABCDEF",
	"AKIAIOSFODNN7EXAMPLE", "-----BEGIN RSA PRIVATE KEY-----\nMIIBOgIBAAJBAKj34GkxFhD90vcNLYLInFEX6Ppy1tPf9Cnzj4p4WGeKLs1Pt8Qu\n-----END RSA PRIVATE KEY-----",
	"NAME-ABCDEFGHJKMN", "IPv4-US-ABCDEFGHJKMN",
	" ", " ", " ", "\n", "\n", "\t", ", ", ". ", ":", "=", "-", "sshd[24200]:", "port 22",
	"Failed password for root from", "version 1.2.3.4.5", "10:30:00", "std::vector", "logo@2x.png",
	"é", "naïve", "日本語", "x", "9", "ab", "",
}

func randText(r *rand.Rand, n int) []byte {
	var b bytes.Buffer
	for range n {
		b.WriteString(pieces[r.IntN(len(pieces))])
	}
	return b.Bytes()
}

// reconstruct undoes a redaction using the mappings recorded for it and
// the matches found in the original: every replaced span must hold the
// replacement of exactly the value found there, and every byte outside
// replaced spans must be unchanged. It returns the rebuilt original.
func reconstruct(t testing.TB, r *Redactor, in, out []byte, repl map[string]string) []byte {
	t.Helper()
	var rebuilt bytes.Buffer
	ms := r.Scanner().Scan(nil, in)
	prevIn, o := 0, 0
	for _, m := range ms {
		if mayHideInToken(m.Kind) && insideToken(in, m.Start, m.End) {
			continue
		}
		if r.Policy().Action(m.Kind, m.Scope) == Keep || m.Kept != "" {
			continue
		}
		gap := in[prevIn:m.Start]
		if !bytes.HasPrefix(out[o:], gap) {
			t.Fatalf("text before offset %d changed:\n in: %q\nout: %q", m.Start, gap, out[o:min(len(out), o+len(gap)+20)])
		}
		rebuilt.Write(gap)
		o += len(gap)
		tok := ""
		for cand, v := range repl {
			if v == m.Value && bytes.HasPrefix(out[o:], []byte(cand)) && len(cand) > len(tok) {
				tok = cand
			}
		}
		if tok == "" {
			t.Fatalf("no recorded replacement for the %v at %d in output %q", m.Kind, m.Start, out[o:min(len(out), o+40)])
		}
		rebuilt.Write(in[m.Start:m.End])
		o += len(tok)
		prevIn = m.End
	}
	if !bytes.Equal(out[o:], in[prevIn:]) {
		t.Fatalf("tail changed:\n in: %q\nout: %q", in[prevIn:], out[o:])
	}
	rebuilt.Write(in[prevIn:])
	return rebuilt.Bytes()
}

// collector records mappings; safe for the single goroutine Stream uses.
type collector struct {
	mu sync.Mutex
	m  map[string]string
}

func (c *collector) add(m Mapping) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.m == nil {
		c.m = map[string]string{}
	}
	if old, ok := c.m[m.Token]; ok && old != m.Value.Reveal() {
		return fmt.Errorf("token %s stands for two values", m.Token)
	}
	c.m[m.Token] = m.Value.Reveal()
	return nil
}

func show(b []byte) string {
	s := string(b)
	if len(s) > 200 {
		s = s[:200] + "..."
	}
	return strings.ReplaceAll(s, "\n", `\n`)
}
