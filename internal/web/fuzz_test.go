package web

import (
	"net/url"
	"strings"
	"testing"
	"unicode/utf8"
)

// FuzzSafeNext: whatever the login form's next holds, the redirect stays
// on this site.
func FuzzSafeNext(f *testing.F) {
	for _, s := range []string{"/cases/3", "//evil.example", "/\\evil", "https://evil.example", "", "/%2F%2Fx", "/\r\nSet-Cookie: x"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, next string) {
		got := safeNext(next)
		u, err := url.Parse(got)
		if err != nil {
			return // the browser would not follow it either
		}
		if u.Host != "" || u.Scheme != "" || !strings.HasPrefix(got, "/") || strings.HasPrefix(got, "//") || strings.ContainsAny(got, "\r\n") {
			t.Fatalf("safeNext(%q) = %q leaves the site", next, got)
		}
	})
}

// FuzzCleanName: stored file names are short, printable, one path element.
func FuzzCleanName(f *testing.F) {
	for _, s := range []string{"report.pdf", "../../etc/passwd", "C:\\x\\y.doc", "\x00", "a\"b", strings.Repeat("é", 300)} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, name string) {
		got := cleanName(name)
		if got == "" || len(got) > 200 || !utf8.ValidString(got) || strings.ContainsAny(got, "/\\\"\x00\r\n") || got == ".." {
			t.Fatalf("cleanName(%q) = %q", name, got)
		}
	})
}
