package search

import (
	"reflect"
	"strings"
	"testing"
	"unicode/utf8"
)

func TestTerms(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want []string
	}{
		// ASCII words are lower-cased and deduplicated.
		{"ascii", "Weeping Angel weeping ANGEL", []string{"weeping", "angel"}},
		// Punctuation splits; digits and underscores stay inside terms.
		{"punct", "CVE-2017-0144 smb_v1", []string{"cve", "2017", "0144", "smb_v1"}},
		// Non-ASCII letters are words and fold case.
		{"unicode", "Überwachung CAFÉ", []string{"überwachung", "café"}},
		// Invalid UTF-8 bytes separate terms and never panic.
		{"invalid", "ab\xffcd", []string{"ab", "cd"}},
		// Empty text has no terms.
		{"empty", "", nil},
	}
	for _, tc := range tests {
		if got := Terms([]byte(tc.in)); !reflect.DeepEqual(got, tc.want) {
			t.Errorf("%s: Terms(%q) = %q, want %q", tc.name, tc.in, got, tc.want)
		}
	}
}

func TestLongTermTruncated(t *testing.T) {
	got := Terms([]byte(strings.Repeat("a", 500)))
	if len(got) != 1 || len(got[0]) != MaxTermBytes {
		t.Fatalf("long run gave %d terms of %d bytes", len(got), len(got[0]))
	}
}

func TestParseAndMatch(t *testing.T) {
	text := []byte("The Weeping Angel implant targets Samsung Smart TV sets.\nFake-off mode keeps the microphone on.")
	tests := []struct {
		q    string
		want bool
	}{
		{"weeping angel", true},           // both words, anywhere
		{`"weeping angel"`, true},         // exact phrase
		{`"angel weeping"`, false},        // phrase order matters
		{"samsung AND microphone", true},  // explicit AND
		{"iphone OR samsung", true},       // one alternative suffices
		{"iphone OR android", false},      // neither alternative
		{"samsung -microphone", false},    // exclusion removes a match
		{`samsung -"smart fridge"`, true}, // excluded phrase absent
		{`"fake off"`, true},              // punctuation inside a phrase is folded
		{"SAMSUNG", true},                 // case-insensitive
		{"Samsung's", false},              // possessive splits into samsung + s, s absent as a word
	}
	for _, tc := range tests {
		q, err := Parse(tc.q)
		if err != nil {
			t.Fatalf("Parse(%q): %v", tc.q, err)
		}
		got, spans := q.Match(text)
		if got != tc.want {
			t.Errorf("Match(%q) = %v, want %v", tc.q, got, tc.want)
		}
		for _, sp := range spans {
			if sp[0] < 0 || sp[1] > len(text) || sp[0] >= sp[1] {
				t.Errorf("Match(%q): bad span %v", tc.q, sp)
			}
		}
	}
}

func TestParseErrors(t *testing.T) {
	for _, q := range []string{"", "   ", `"unclosed`, "-only", "a OR -b", "!!!"} {
		if _, err := Parse(q); err == nil {
			t.Errorf("Parse(%q) succeeded, want an error", q)
		}
	}
}

func TestRequired(t *testing.T) {
	q, err := Parse(`"smart tv" samsung -lg OR iphone`)
	if err != nil {
		t.Fatal(err)
	}
	want := [][]string{{"smart", "tv", "samsung"}, {"iphone"}}
	if got := q.Required(); !reflect.DeepEqual(got, want) {
		t.Fatalf("Required = %q, want %q", got, want)
	}
}

func TestSnippet(t *testing.T) {
	text := []byte("line one\nthe implant persists\nline three")
	s := Snippet(text, [2]int{13, 20}, 5)
	if s != "… the [implant] pers…" {
		t.Fatalf("Snippet = %q", s)
	}
}

func FuzzParseMatch(f *testing.F) {
	f.Add(`"a b" OR c -d`, "a b c d")
	f.Add("x", "\xff\xfe")
	f.Fuzz(func(t *testing.T, q, text string) {
		query, err := Parse(q)
		if err != nil {
			return
		}
		ok, spans := query.Match([]byte(text))
		if !ok && spans != nil {
			t.Fatal("spans without a match")
		}
		for _, sp := range spans {
			if sp[0] < 0 || sp[1] > len(text) || sp[0] > sp[1] {
				t.Fatalf("span %v outside text of %d bytes", sp, len(text))
			}
			if !utf8.ValidString(Snippet([]byte(text), sp, 10)) {
				t.Fatal("snippet is not valid UTF-8")
			}
		}
		// Every required term of a matching clause occurs among the text's terms.
		if ok {
			terms := map[string]bool{}
			for _, tm := range Terms([]byte(text)) {
				terms[tm] = true
			}
			found := false
			for _, req := range query.Required() {
				all := true
				for _, r := range req {
					all = all && terms[r]
				}
				found = found || all
			}
			if !found {
				t.Fatal("a matching text lacks the required terms of every clause: the index would miss it")
			}
		}
	})
}
