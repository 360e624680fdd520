package detect

import (
	"fmt"
	"net/netip"
	"os"
	"strings"
	"testing"
)

// TestDebianChangelogVersions: in lines of Debian changelogs that hold
// four dot-separated numbers, nearly all are versions and are kept; the
// rest, pinned here, are real addresses ("smb://192.168.1.1/",
// "127.0.0.53 stub resolver") or versions without context words
// ("from 6.9.13.51", "firmware 7.13.21.0").
func TestDebianChangelogVersions(t *testing.T) {
	s, err := New(Options{})
	if err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile("testdata/realtext/debian-changelogs.txt")
	if err != nil {
		t.Fatal(err)
	}
	kept, other := 0, 0
	for _, m := range s.Scan(nil, b) {
		if m.Kind != IPv4 {
			continue
		}
		if m.Kept == "version" {
			kept++
		} else {
			other++
		}
	}
	if kept < 280 || other > 45 {
		t.Errorf("changelogs: %d versions kept, %d dotted quads read as addresses; want >= 280 and <= 45", kept, other)
	}
	t.Logf("changelogs: %d kept, %d addresses", kept, other)
}

// TestNetipVectors: every address in Go's net/netip tests that ParseAddr
// accepts is found whole, with the value net/netip gives it (zone
// dropped), but for the compressed forms without a decimal digit, which
// the package doc refuses ("aaaa:bbbb:cccc::").
func TestNetipVectors(t *testing.T) {
	s, err := New(Options{})
	if err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile("testdata/realtext/netip-vectors.txt")
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, l := range strings.Split(string(b), "\n") {
		a, err := netip.ParseAddr(l)
		if err != nil {
			continue
		}
		n++
		ms := s.Scan(nil, []byte(l))
		body := l
		if i := strings.IndexByte(l, '%'); i >= 0 {
			body = l[:i]
		}
		if strings.Contains(body, "::") && !strings.ContainsAny(body, "0123456789") {
			if len(ms) != 0 {
				t.Errorf("%q: want nothing (no decimal digit), got %v", l, ms)
			}
			continue
		}
		if len(ms) != 1 || ms[0].Value != a.WithZone("").String() || l[ms[0].Start:ms[0].End] != body {
			t.Errorf("%q: got %v, want %s over %q", l, ms, a.WithZone(""), body)
		}
	}
	if n < 50 {
		t.Fatalf("only %d vectors parse", n)
	}
}

func TestLikelyPhrases(t *testing.T) {
	list := []string{"John Smith", "Will Power", "Rose Bush", "Will Power | case", "Mark", "Anne-Marie Bush", "rose-bush", "Ødegård"}
	got := LikelyPhrases(list)
	if fmt.Sprint(got) != "[2 3 5 7]" {
		t.Errorf("LikelyPhrases = %v, want [2 3 5 7]", got)
	}
}
