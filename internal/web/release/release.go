// Package release serves a release directory written by publish as a CSAF
// trusted provider must be served: the content types the standard names,
// the directory listings the publisher wrote (index.html), no redirects,
// and a strict Content-Security-Policy for the site. It reads only the
// file system it is given; it knows nothing of workspaces or the store.
package release

import (
	"bytes"
	"io/fs"
	"mime"
	"net/http"
	"path"
	"strings"
	"time"
)

// CSP is the policy every response carries: the site loads nothing
// external and runs no inline script or style.
const CSP = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"

// Handler serves the release in root, read-only (GET and HEAD).
func Handler(root fs.FS) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			w.Header().Set("Allow", "GET, HEAD")
			http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
			return
		}
		p := strings.TrimPrefix(path.Clean("/"+r.URL.Path), "/")
		switch {
		case p == "":
			p = "index.html"
		case strings.HasSuffix(r.URL.Path, "/"):
			p += "/index.html"
		}
		b, err := fs.ReadFile(root, p)
		if err != nil {
			// A directory is served as its listing, without the redirect
			// to a trailing slash that CSAF forbids.
			if b, err = fs.ReadFile(root, p+"/index.html"); err != nil {
				http.NotFound(w, r)
				return
			}
			p += "/index.html"
		}
		h := w.Header()
		h.Set("Content-Type", ContentType(p))
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Content-Security-Policy", CSP)
		h.Set("Referrer-Policy", "no-referrer")
		http.ServeContent(w, r, p, time.Time{}, bytes.NewReader(b))
	})
}

// ContentType is the type a release file is served with: those CSAF
// requires for its documents, hashes and signatures, then the site's.
func ContentType(p string) string {
	switch path.Ext(p) {
	case ".json":
		return "application/json"
	case ".asc", ".sha256", ".sha512", ".txt", ".csv":
		return "text/plain; charset=utf-8"
	case ".atom":
		return "application/atom+xml"
	case ".html":
		return "text/html; charset=utf-8"
	case ".js":
		return "text/javascript; charset=utf-8"
	case ".css":
		return "text/css; charset=utf-8"
	case ".svg":
		return "image/svg+xml"
	}
	if t := mime.TypeByExtension(path.Ext(p)); t != "" {
		return t
	}
	return "application/octet-stream"
}
