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

// expectedIPv4 finds dotted quads, keyed by their end, independently of the scanner: take each
// maximal run of digits and dots, drop dots at its ends, and keep it if it
// has exactly four decimal parts of at most three digits and 255; letters
// and '_' around it do not disqualify it. The same for a run of digits and
// dashes with letters next to it, as in a host name, where a first part
// glued to letters belongs to them.
func expectedIPv4(text []byte) map[int]string {
	want := map[int]string{}
	for _, sep := range []byte{'.', '-'} {
		numeric := func(c byte) bool { return c == sep || '0' <= c && c <= '9' }
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
			for s < e && text[s] == sep {
				s++
			}
			for e > s && text[e-1] == sep {
				e--
			}
			i = j
			parts := strings.Split(string(text[s:e]), string(sep))
			if sep == '-' && len(parts) == 5 && s > 0 && ('a' <= text[s-1]|0x20 && text[s-1]|0x20 <= 'z') {
				// The digits that end a word are the word's: Amazon's
				// "ec2-52-80-34-196".
				s += len(parts[0]) + 1
				parts = parts[1:]
			}
			if len(parts) != 4 {
				continue
			}
			if sep == '-' {
				// A dashed address counts in a host name only: letters
				// or a dot and a letter next to it.
				letter := func(i int) bool {
					return i >= 0 && i < len(text) && ('a' <= text[i]|0x20 && text[i]|0x20 <= 'z')
				}
				if !letter(s-2) && !letter(e+1) && !(e+1 < len(text) && text[e] == '.' && letter(e+1)) {
					continue
				}
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
				want[e] = netip.AddrFrom4(oct).String()
			}
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
			if m.Kind == IPv4 && m.Kept == "" {
				// keyed by the address's end: the span may go on
				// with its host name label
				at := m.End
				for text[at-1] < '0' || text[at-1] > '9' {
					at--
				}
				found[at] = m.Value
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
