package detect

import (
	"bytes"
	"net/netip"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

var loghubFiles = []string{"OpenSSH", "Linux", "Zookeeper", "HDFS", "OpenStack"}

func readLoghub(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "loghub", name+"_2k.log"))
	if err != nil {
		t.Fatalf("read loghub sample: %v", err)
	}
	return b
}

// expectedIPv4 finds dotted quads independently of the scanner: take each
// maximal run of digits and dots, drop dots at its ends, and keep it if it
// has exactly four decimal parts of at most three digits and 255, and the
// bytes around it are not letters, digits or '_' (a dot before a letter, as
// in a reverse-DNS host name, does not disqualify it).
func expectedIPv4(text []byte) map[int]string {
	want := map[int]string{}
	numeric := func(c byte) bool { return c == '.' || '0' <= c && c <= '9' }
	word := func(i int) bool {
		if i < 0 || i >= len(text) {
			return false
		}
		c := text[i]
		return c == '_' || '0' <= c && c <= '9' || 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z'
	}
	for i := 0; i < len(text); {
		if !numeric(text[i]) {
			i++
			continue
		}
		j := i
		for j < len(text) && numeric(text[j]) {
			j++
		}
		s, e := i, j
		for s < e && text[s] == '.' {
			s++
		}
		for e > s && text[e-1] == '.' {
			e--
		}
		i = j
		parts := strings.Split(string(text[s:e]), ".")
		if len(parts) != 4 || word(s-1) || word(e) {
			continue
		}
		ok := true
		var oct [4]byte
		for k, p := range parts {
			v, err := strconv.Atoi(p)
			if err != nil || len(p) > 3 || v > 255 {
				ok = false
				break
			}
			oct[k] = byte(v)
		}
		if ok {
			want[s] = netip.AddrFrom4(oct).String()
		}
	}
	return want
}

func TestLoghubIPv4(t *testing.T) {
	s, err := New(Options{})
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range loghubFiles {
		text := readLoghub(t, name)
		want := expectedIPv4(text)
		got := s.Scan(nil, text)
		checkInvariants(t, name, text, got)
		found := map[int]string{}
		kinds := map[Kind]int{}
		for _, m := range got {
			kinds[m.Kind]++
			if m.Kind == IPv4 {
				found[m.Start] = m.Value
			}
		}
		for at, v := range want {
			if found[at] != v {
				t.Errorf("%s: missed IPv4 %s at %d", name, v, at)
			}
		}
		for at, v := range found {
			if want[at] != v {
				t.Errorf("%s: false IPv4 %s at %d (%q)", name, v, at, line(text, at))
			}
		}
		t.Logf("%s: %d IPv4 addresses expected, matches by kind %v", name, len(want), kinds)
		if len(want) == 0 && name != "HDFS" {
			t.Errorf("%s: expected set is empty; the test would prove nothing", name)
		}
	}
}

// TestLoghubOtherKinds pins what else the scanner reports on real logs, so
// that a rule change that starts flagging timestamps, block IDs or request
// IDs shows up here.
func TestLoghubOtherKinds(t *testing.T) {
	s, err := New(Options{Kinds: []Kind{IPv6, Email, MAC, Secret}})
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range loghubFiles {
		text := readLoghub(t, name)
		for _, m := range s.Scan(nil, text) {
			span := string(text[m.Start:m.End])
			switch {
			case name == "Zookeeper" && m.Kind == IPv6 && span == "0:0:0:0:0:0:0:0" && m.Value == "::":
			case name == "Linux" && m.Kind == Email && m.Value == "bhcompile@bugs.build.redhat.com":
			default:
				t.Errorf("%s: unexpected %v %q in %q", name, m.Kind, span, line(text, m.Start))
			}
		}
	}
}

func line(text []byte, at int) string {
	s := bytes.LastIndexByte(text[:at], '\n') + 1
	e := bytes.IndexByte(text[at:], '\n')
	if e < 0 {
		e = len(text) - at
	}
	return string(text[s : at+e])
}
