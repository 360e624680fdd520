package web

import (
	"net/http"
	"net/url"
)

// csp allows nothing inline: scripts, styles and images come from this
// origin only, forms post only here, and no one may frame the pages.
const csp = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; " +
	"form-action 'self'; frame-ancestors 'none'; base-uri 'none'"

// secure wraps every response with the security headers and rejects
// cross-origin unsafe requests (http.CrossOriginProtection: Sec-Fetch-Site
// and Origin checks); cookie sessions also need the CSRF token (serve).
func (s *Server) secure(next http.Handler) http.Handler {
	cop := http.NewCrossOriginProtection()
	cop.SetDenyHandler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if isAPI(r) {
			writeProblem(w, r, http.StatusForbidden, "cross-origin request refused")
			return
		}
		s.errorPage(w, r, http.StatusForbidden, "Cross-origin request refused.")
	}))
	inner := cop.Handler(next)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Content-Security-Policy", csp)
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "no-referrer")
		h.Set("X-Frame-Options", "DENY")
		h.Set("Cross-Origin-Opener-Policy", "same-origin")
		h.Set("Cross-Origin-Resource-Policy", "same-origin")
		h.Set("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
		// Pages and API answers hold case data: no cache keeps them.
		h.Set("Cache-Control", "no-store")
		if s.tls {
			h.Set("Strict-Transport-Security", "max-age=63072000; includeSubDomains")
		}
		inner.ServeHTTP(w, r)
	})
}

// staticFiles lets browsers cache the embedded assets (they change only
// with the binary).
func staticFiles(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "public, max-age=3600")
		next.ServeHTTP(w, r)
	})
}

func urlQueryEscape(s string) string { return url.QueryEscape(s) }
