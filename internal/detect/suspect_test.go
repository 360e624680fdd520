package detect

import (
	"bytes"
	"compress/gzip"
	"io"
	"net/netip"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

func TestFindSuspectsTable(t *testing.T) {
	for _, c := range []struct {
		in   string
		want []string // "ipv4|span" or "ipv6|span"
	}{
		{"from 1.2.3.4 to 1-2-3-4 and 1[.]2_3{.}4", []string{"ipv4|1.2.3.4", "ipv4|1-2-3-4", "ipv4|1[.]2_3{.}4"}},
		{`\f510.172.0.0/24\fR`, []string{"ipv4|10.172.0.0"}},
		{"v1.2.3.4.5 and 1.2.3", []string{"ipv4|1.2.3.4.5"}},
		{"at 10:30:00 on 2017/03/07 and 2017-03-07", nil},
		{"mac 00:1a:2b:3c:4d:5e ip fe80::1 std::vector", []string{"ipv6|00:1a:2b:3c:4d:5e", "ipv6|fe80::1", "ipv6|d::"}},
		{"256.1.1.1 and 1.1.1.1000", []string{"ipv4|56.1.1.1"}},
	} {
		var got []string
		for _, s := range FindSuspects(nil, []byte(c.in)) {
			got = append(got, s.Kind.String()+"|"+c.in[s.Start:s.End])
		}
		if strings.Join(got, ",") != strings.Join(c.want, ",") {
			t.Errorf("%q: got %v, want %v", c.in, got, c.want)
		}
	}
}

// corpus reads the committed real text: loghub samples, Debian changelog
// and man page excerpts, Go's netip test vectors.
func corpus(t *testing.T) map[string][]byte {
	t.Helper()
	out := map[string][]byte{}
	for _, pat := range []string{"testdata/loghub/*.log", "testdata/realtext/*.txt"} {
		files, _ := filepath.Glob(pat)
		for _, f := range files {
			b, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			if strings.HasSuffix(f, ".gz") {
				r, err := gzip.NewReader(bytes.NewReader(b))
				if err != nil {
					t.Fatal(err)
				}
				b, _ = io.ReadAll(r)
			}
			out[f] = b
		}
	}
	if len(out) < 6 {
		t.Fatalf("corpus: %d files", len(out))
	}
	return out
}

var (
	suspectNumbers = regexp.MustCompile(`[0-9]+`)
	suspectSeps    = regexp.MustCompile(`[^0-9]+`)
)

// explainSuspect says why the scanner, rightly, reports nothing at a run
// the greedy second opinion sees, or "" if nothing explains it.
func explainSuspect(text []byte, s Suspect) string {
	run := string(text[s.Start:s.End])
	if s.Kind == IPv4 {
		if len(suspectNumbers.FindAllString(run, -1)) > 4 {
			return "more than four numbers: a version, OID or longer dotted number"
		}
		for _, sep := range suspectSeps.FindAllString(run, -1) {
			switch sep {
			case ".", "[.]", "(.)", "{.}", "-":
			default:
				return "numbers joined by " + sep + ": a list, not an address"
			}
		}
		if strings.Contains(run, "-") {
			return "dashes outside a host name"
		}
		if s.Start > 0 && isDigit(text[s.Start-1]) || s.Start > 1 && text[s.Start-1] == '.' && isDigit(text[s.Start-2]) {
			return "continues a longer number"
		}
		return ""
	}
	body := strings.Trim(run, ":")
	if a, err := netip.ParseAddr(body); err == nil && a.Is6() {
		switch {
		case strings.Contains(body, "::") && !strings.ContainsAny(body, "0123456789"):
			return "compressed form without a decimal digit (the detector's rule)"
		case strings.Count(body, ":") == 7 && len(body) == 23:
			return "eight groups of two hex digits: an EUI-64 or WWN"
		case strings.Count(body, ":") <= 2 && strings.Contains(body, "::"):
			return "short compressed form (a slice or path more often than an address)"
		case s.Start > 0 && isWordByte(text[s.Start-1]) || s.End < len(text) && isWordByte(text[s.End]):
			return "glued to a word"
		case len(run) != len(body):
			return "more colons around it than an address has"
		}
		return ""
	}
	return "not an address by RFC 4291 nor a MAC"
}

// TestSuspectsVsScanner is the differential test between verify's greedy
// second opinion and the scanner on real text: every run the greedy one
// sees must overlap a match of the scanner (kept ones included) or be
// explained by a rule the scanner states; every address or MAC the scanner
// finds must overlap a greedy run, or be a form the greedy one does not
// read (full-width digits, dashed or dotted MACs, "[dot]").
func TestSuspectsVsScanner(t *testing.T) {
	s, err := New(Options{})
	if err != nil {
		t.Fatal(err)
	}
	reasons := map[string]int{}
	for name, text := range corpus(t) {
		ms := s.Scan(nil, text)
		sus := FindSuspects(nil, text)
		k := 0
		for _, x := range sus {
			for k < len(ms) && ms[k].End <= x.Start {
				k++
			}
			covered := k < len(ms) && ms[k].Start < x.End
			if covered {
				continue
			}
			why := explainSuspect(text, x)
			if why == "" {
				t.Errorf("%s: unexplained: the greedy check sees %v %q, the scanner nothing (%q)", name, x.Kind, text[x.Start:x.End], line(text, x.Start))
				continue
			}
			reasons[why]++
		}
		for _, m := range ms {
			if m.Kind != IPv4 && m.Kind != IPv6 && m.Kind != MAC {
				continue
			}
			covered := false
			for _, x := range sus {
				if x.Start < m.End && x.End > m.Start {
					covered = true
					break
				}
			}
			span := string(text[m.Start:m.End])
			if !covered && !strings.ContainsAny(span, "．０１２３４５６７８９") && !strings.Contains(strings.ToLower(span), "dot") && !(m.Kind == MAC && !strings.Contains(span, ":")) {
				t.Errorf("%s: the scanner finds %v %q, the greedy check nothing", name, m.Kind, span)
			}
		}
	}
	t.Logf("explained disagreements: %v", reasons)
}
