package release

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"testing/fstest"
)

// The release server: CSAF content types, listings without redirects, a
// strict CSP, nothing outside the release.
func TestReleaseHandler(t *testing.T) {
	fsys := fstest.MapFS{
		"index.html": {Data: []byte("<!DOCTYPE html><title>r</title>")},
		".well-known/csaf/provider-metadata.json":         {Data: []byte("{}")},
		".well-known/csaf/white/index.html":               {Data: []byte("<a href=\"2017/\">2017/</a>")},
		".well-known/csaf/white/2017/a.json.asc":          {Data: []byte("-----BEGIN PGP SIGNATURE-----")},
		".well-known/csaf/white/2017/a.json.sha256":       {Data: []byte("00  a.json\n")},
		".well-known/csaf/white/csaf-feed-tlp-white.json": {Data: []byte("{}")},
	}
	h := Handler(fsys)
	for _, tc := range []struct {
		method, path string
		status       int
		ctype        string
	}{
		{"GET", "/", 200, "text/html; charset=utf-8"},
		{"GET", "/.well-known/csaf/provider-metadata.json", 200, "application/json"},
		{"GET", "/.well-known/csaf/white/", 200, "text/html; charset=utf-8"},
		{"GET", "/.well-known/csaf/white", 200, "text/html; charset=utf-8"}, // no redirect to the slash
		{"GET", "/.well-known/csaf/white/2017/a.json.asc", 200, "text/plain; charset=utf-8"},
		{"HEAD", "/.well-known/csaf/white/2017/a.json.sha256", 200, "text/plain; charset=utf-8"},
		{"GET", "/.well-known/csaf/white/2017/missing.json", 404, ""},
		{"GET", "/../../etc/passwd", 404, ""},
		{"POST", "/", 405, ""},
	} {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest(tc.method, tc.path, nil))
		if rec.Code != tc.status {
			t.Errorf("%s %s: status %d, want %d", tc.method, tc.path, rec.Code, tc.status)
			continue
		}
		if tc.status != http.StatusOK {
			continue
		}
		if got := rec.Header().Get("Content-Type"); got != tc.ctype {
			t.Errorf("%s: content type %q, want %q", tc.path, got, tc.ctype)
		}
		if csp := rec.Header().Get("Content-Security-Policy"); !strings.Contains(csp, "script-src 'self'") || strings.Contains(csp, "unsafe") {
			t.Errorf("%s: CSP %q", tc.path, csp)
		}
	}
}
