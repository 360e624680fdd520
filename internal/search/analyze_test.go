package search

import (
	"os"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"
)

// terms returns the terms Analyze gives for s, in order of production.
func terms(s string) []string {
	var out []string
	Analyze([]byte(s), func(t Token) { out = append(out, t.Term) })
	return out
}

func TestFold(t *testing.T) {
	tests := []struct {
		name, in, want string
	}{
		{"ascii lower-cased", "Weeping", "weeping"},
		{"accent removed", "Café", "cafe"},
		{"decomposed accent removed", "Cafe\u0301", "cafe"},
		{"umlaut removed", "Schlüssel", "schlussel"},
		{"sharp s", "Straße", "strasse"},
		{"capital sharp s", "STRAẞE", "strasse"},
		{"ligature fi", "modiﬁcation", "modification"},
		{"ligature ffl", "ba\ufb04e", "baffle"},
		{"full-width letters", "ＡＢＣ", "abc"},
		{"full-width digits", "２０２４", "2024"},
		{"greek accents and final sigma", "ΚΑΛΗΜΈΡΑ λόγος", "καλημερα λογοσ"},
		{"cyrillic accent", "Ё", "е"},
		{"vietnamese", "Tiếng Việt", "tieng viet"},
		{"soft hyphen dropped", "Ex\u00adample", "example"},
		{"devanagari marks kept", "हिन्दी", "हिन्दी"},
		{"japanese voicing kept", "ガ", "ガ"},
		{"superscript digit", "x²", "x2"},
	}
	for _, tc := range tests {
		var got []string
		for _, w := range strings.Fields(tc.in) {
			got = append(got, Fold([]byte(w)))
		}
		if g := strings.Join(got, " "); g != tc.want {
			t.Errorf("%s: Fold(%q) = %q, want %q", tc.name, tc.in, g, tc.want)
		}
	}
}

func TestFoldCutsLongTerms(t *testing.T) {
	for _, in := range []string{strings.Repeat("a", 500), strings.Repeat("é", 100), strings.Repeat("漢", 50)} {
		got := Fold([]byte(in))
		if len(got) > MaxTermBytes || !utf8.ValidString(got) || len(got) < MaxTermBytes-3 {
			t.Errorf("Fold of %d bytes gave %d bytes (valid %v)", len(in), len(got), utf8.ValidString(got))
		}
	}
}

func TestAnalyzeRules(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want []string // terms in order of production
	}{
		// UAX #29: punctuation splits, apostrophes join a word that is then
		// split into parts plus the whole.
		{"words", "The Weeping Angel.", []string{"the", "weeping", "angel"}},
		{"apostrophe", "don't", []string{"don", "t"}},
		{"hyphenated words", "state-of-the-art", []string{"state", "of", "the", "art"}},
		// Accents and case fold both ways: the index and the query agree.
		{"accents", "Café CAFE", []string{"cafe", "cafe"}},
		{"ligature", "modiﬁcation", []string{"modification"}},
		{"full-width", "ＡＢＣ １２３", []string{"abc", "123"}},
		// Identifiers: parts, then the whole as one term.
		{"ipv4", "from 10.0.0.1 port", []string{"from", "10", "0", "0", "1", "10.0.0.1", "port"}},
		{"full-width ipv4", "１０．０．０．１", []string{"10", "0", "0", "1", "10.0.0.1"}},
		{"email", "alice.smith@Example.org", []string{"alice", "smith", "example", "org", "alice.smith@example.org"}},
		{"cve", "CVE-2017-0144:", []string{"cve", "2017", "0144", "cve-2017-0144"}},
		{"file name", "report_v2.PDF", []string{"report_v2", "pdf", "report_v2.pdf"}},
		{"windows path", `C:\Windows\evil.dll`, []string{"c", "windows", "evil", "dll", `windows\evil.dll`}}, // "C:\" has two connectors
		{"number with separators", "1,000.50", []string{"1", "000", "50", "1,000.50"}},
		{"version", "v2-beta", []string{"v2", "beta", "v2-beta"}},
		{"trailing connector", "foo- bar", []string{"foo", "bar"}},
		{"two connectors split", "a--b", []string{"a", "b"}},
		// CJK: overlapping bigrams and the run's last character.
		{"chinese", "兵者国", []string{"兵者", "者国", "国"}},
		{"single han", "兵", []string{"兵"}},
		{"japanese mixed", "東京へ", []string{"東京", "京へ", "へ"}},
		{"katakana", "カタカナ", []string{"カタ", "タカ", "カナ", "ナ"}},
		{"cjk between latin", "abc漢字def", []string{"abc", "漢字", "字", "def"}},
		// Korean is written with spaces: Hangul words are words.
		{"korean", "안녕 세계", []string{"안녕", "세계"}},
		// Invalid UTF-8 separates and never panics.
		{"invalid", "ab\xffcd", []string{"ab", "cd"}},
		{"empty", "", nil},
	}
	for _, tc := range tests {
		if got := terms(tc.in); !slices.Equal(got, tc.want) {
			t.Errorf("%s: terms(%q) = %q, want %q", tc.name, tc.in, got, tc.want)
		}
	}
}

func TestAnalyzePositionsAndSpans(t *testing.T) {
	in := "Mail alice@example.com about 東京都 now"
	var toks []Token
	Analyze([]byte(in), func(tk Token) { toks = append(toks, tk) })
	want := map[string][3]int{ // term -> pos, start, end
		"mail": {0, 0, 4}, "alice": {1, 5, 10}, "example": {2, 11, 18}, "com": {3, 19, 22},
		"alice@example.com": {1, 5, 22}, "about": {4, 23, 28},
		"東京": {5, 29, 35}, "京都": {6, 32, 38}, "都": {7, 35, 38}, "now": {8, 39, 42},
	}
	if len(toks) != len(want) {
		t.Fatalf("got %d tokens, want %d: %+v", len(toks), len(want), toks)
	}
	for _, tk := range toks {
		w, ok := want[tk.Term]
		if !ok || tk.Pos != w[0] || tk.Start != w[1] || tk.End != w[2] {
			t.Errorf("token %+v, want pos/start/end %v", tk, w)
		}
	}
}

// Spans stay inside the text on character boundaries, and positions never
// decrease among parts, on real texts in four scripts.
func TestAnalyzeRealTexts(t *testing.T) {
	for _, f := range []string{"candide.txt", "rashomon.txt", "sunzi.txt", "openssh.log"} {
		text, err := os.ReadFile("testdata/" + f)
		if err != nil {
			t.Fatal(err)
		}
		n, last := 0, -1
		Analyze(text, func(tk Token) {
			n++
			if tk.Start < 0 || tk.End > len(text) || tk.Start >= tk.End || !utf8.RuneStart(text[tk.Start]) || tk.End < len(text) && !utf8.RuneStart(text[tk.End]) {
				t.Fatalf("%s: bad span %+v", f, tk)
			}
			if tk.Term == "" || len(tk.Term) > MaxTermBytes {
				t.Fatalf("%s: bad term %+v", f, tk)
			}
			if tk.Kind != Ident {
				if tk.Pos != last+1 {
					t.Fatalf("%s: position %d after %d", f, tk.Pos, last)
				}
				last = tk.Pos
			}
		})
		if n < 500 {
			t.Errorf("%s: only %d tokens", f, n)
		}
	}
}

func FuzzAnalyze(f *testing.F) {
	for _, s := range []string{"a@b.c", "１０．０．０．１", "東京都", "don't", "x\xffy", "Ex\u00adample", "--a--", "ﬁ", "a\u0301\u0301"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		last := -1
		Analyze([]byte(s), func(tk Token) {
			if tk.Start < 0 || tk.End > len(s) || tk.Start >= tk.End {
				t.Fatalf("bad span %+v in %q", tk, s)
			}
			if tk.Term == "" || !utf8.ValidString(tk.Term) || len(tk.Term) > MaxTermBytes {
				t.Fatalf("bad term %+v", tk)
			}
			if tk.Kind != Ident {
				if tk.Pos != last+1 {
					t.Fatalf("position %d after %d in %q", tk.Pos, last, s)
				}
				last = tk.Pos
			}
		})
		// A query for any word of the text parses or is empty, never panics.
		for _, w := range strings.Fields(s) {
			Parse(w)
		}
	})
}

// The CJK fast path agrees with the general one.
func TestFoldSimpleAgrees(t *testing.T) {
	for _, r := range [][2]rune{{0x4E00, 0x9FFF}, {0x3041, 0x3096}, {0x30A1, 0x30FA}, {0x30FC, 0x30FC}} {
		for c := r[0]; c <= r[1]; c++ {
			w := []byte(string(c))
			if !simple(w) {
				t.Fatalf("%U not simple", c)
			}
			if got := Fold(append(w, 'A')); got != string(c)+"a" {
				t.Fatalf("Fold(%U+A) = %q through the general path", c, got)
			}
		}
	}
}
