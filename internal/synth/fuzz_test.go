package synth

import (
	"strings"
	"testing"
)

// FuzzWrap checks wrap keeps every word in order, never splits a kept
// phrase, and only overruns the width with a single unbreakable word.
func FuzzWrap(f *testing.F) {
	for _, c := range []struct {
		s     string
		width int
		keep  string
	}{
		{"Contact Nadia Haverford (nadia.haverford@ddi.example) before use.", 20, "Nadia Haverford"}, // name at a break
		{"    indented code line with several words", 12, ""},                                        // indentation kept
		{"averyveryverylongtokenwithoutspaces short", 8, ""},                                         // overlong word
		{"", 10, ""},          // empty
		{"a  b\tc", 1, "b c"}, // odd whitespace
	} {
		f.Add(c.s, c.width, c.keep)
	}
	f.Fuzz(func(t *testing.T, s string, width int, keep string) {
		if width < 1 || width > 200 || strings.Contains(s, "\x01") || strings.Contains(keep, "\x01") {
			return
		}
		var keeps []string
		if strings.Contains(keep, " ") && strings.TrimSpace(keep) == keep && !strings.Contains(keep, "  ") && strings.Fields(keep)[0] != "" {
			keeps = []string{keep}
		}
		lines := wrap(s, width, keeps)
		if got, want := strings.Fields(strings.Join(lines, " ")), strings.Fields(s); strings.Join(got, " ") != strings.Join(want, " ") {
			t.Fatalf("words changed: %q -> %q", s, lines)
		}
		lead := len(s) - len(strings.TrimLeft(s, " "))
		for _, l := range lines {
			if len(l) > width && len(strings.Fields(l)) > 1 && len(keeps) == 0 && lead < width {
				t.Fatalf("line %q longer than %d with a break available", l, width)
			}
		}
		if len(keeps) == 1 && strings.Count(s, keep) > 0 && lead == 0 && strings.Join(strings.Fields(s), " ") == s {
			n := 0
			for _, l := range lines {
				n += strings.Count(l, keep)
			}
			if n < strings.Count(s, keep) {
				t.Fatalf("kept phrase %q split: %q", keep, lines)
			}
		}
	})
}

// FuzzPDFString checks escaping reads back and leaves no bare parenthesis or
// backslash that would end or corrupt a PDF string.
func FuzzPDFString(f *testing.F) {
	for _, s := range []string{"plain", "(a) b", `back\slash`, "\\)", "caf\u00e9 \u2013 x", "\x00\n"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		e := pdfString(s)
		for i := 0; i < len(e); i++ {
			switch c := e[i]; {
			case c == '\\':
				i++
				if i >= len(e) || (e[i] != '\\' && e[i] != '(' && e[i] != ')') {
					t.Fatalf("bad escape in %q", e)
				}
			case c == '(' || c == ')':
				t.Fatalf("bare parenthesis in %q", e)
			case c < 0x20 || c > 0x7e:
				t.Fatalf("non-ASCII byte in %q", e)
			}
		}
		ascii := true
		for i := 0; i < len(s); i++ {
			if s[i] < 0x20 || s[i] > 0x7e {
				ascii = false
			}
		}
		if ascii && pdfUnescape(e) != s {
			t.Fatalf("%q escaped to %q reads back as %q", s, e, pdfUnescape(e))
		}
	})
}

// FuzzDemoSeed checks every seed gives a leak whose truth is in its files.
func FuzzDemoSeed(f *testing.F) {
	for _, s := range []int64{0, 1, -1, 1 << 62} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, seed int64) {
		checkTruth(t, Demo(seed))
	})
}
