package web

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"antidote/internal/auth"
)

func decodeBody[T any](t *testing.T, w *httptest.ResponseRecorder) T {
	t.Helper()
	var v T
	if err := json.Unmarshal(w.Body.Bytes(), &v); err != nil {
		t.Fatalf("decode %s: %v", w.Body.String(), err)
	}
	return v
}

// TestVendorSeesOnlyItsOwn: the case list, a case, its comments and its
// timeline as each vendor sees them.
func TestVendorSeesOnlyItsOwn(t *testing.T) {
	s, _, _ := newTestServer(t)
	ids := func(p Page[CaseView]) []int64 {
		var out []int64
		for _, c := range p.Items {
			out = append(out, c.ID)
		}
		return out
	}
	for _, c := range []struct {
		id   auth.Identity
		want string
	}{
		{idAnalyst, "[1 2 3 4]"},
		{idVendorA, "[1 3 4]"},
		{idVendorB, "[2 3 4]"},
	} {
		w := do(s, c.id, "GET", "/api/v1/cases", "")
		p := decodeBody[Page[CaseView]](t, w)
		// Items only: the total is the core's count, and this fake core
		// (which enforces nothing) counts every case.
		if got := strings.ReplaceAll(strings.Trim(jsonOf(ids(p)), ""), ",", " "); got != c.want {
			t.Errorf("%s sees cases %s (total %d), want %s", c.id.Name, got, p.Total, c.want)
		}
	}

	// Case 3 names both vendors but is not shared: Apple sees only itself,
	// and not who opened it.
	c := decodeBody[CaseView](t, do(s, idVendorA, "GET", "/api/v1/cases/3", ""))
	if len(c.Targets) != 1 || c.Targets[0].Vendor != "Apple" || c.OpenedBy != "" {
		t.Errorf("Apple's view of case 3: %+v", c)
	}
	body := do(s, idVendorA, "GET", "/api/v1/cases/3", "").Body.String()
	if strings.Contains(body, "Google") {
		t.Errorf("Apple's view of an unshared case names Google: %s", body)
	}
	// Case 4 is shared: Google's name and status, not its dates or clock.
	c = decodeBody[CaseView](t, do(s, idVendorA, "GET", "/api/v1/cases/4", ""))
	if len(c.Targets) != 2 {
		t.Fatalf("Apple's view of shared case 4: %+v", c)
	}
	g := c.Targets[1]
	if g.Vendor != "Google" || g.Status == "" || !g.ExpectedFix.IsZero() || g.DaysLeft != nil || !g.Notified.IsZero() {
		t.Errorf("Google as Apple sees it in a shared case: %+v", g)
	}
	if a := c.Targets[0]; a.DaysLeft == nil || *a.DaysLeft != 80 {
		t.Errorf("Apple's own clock missing: %+v", a)
	}
	// The analyst sees everything.
	c = decodeBody[CaseView](t, do(s, idAnalyst, "GET", "/api/v1/cases/3", ""))
	if len(c.Targets) != 2 || c.OpenedBy != "ana" {
		t.Errorf("analyst's view of case 3: %+v", c)
	}

	// Comments: Apple reads its own thread only.
	cm := decodeBody[[]Comment](t, do(s, idVendorA, "GET", "/api/v1/cases/3/comments", ""))
	if len(cm) != 1 || cm[0].Text != "to Apple: details attached" {
		t.Errorf("Apple's comments: %+v", cm)
	}
	if cm := decodeBody[[]Comment](t, do(s, idAnalyst, "GET", "/api/v1/cases/3/comments", "")); len(cm) != 3 {
		t.Errorf("analyst's comments: %+v", cm)
	}

	// Timeline: Apple's own events with notes; no internal note; in an
	// unshared case nothing of Google.
	tl := decodeBody[[]TimelineEvent](t, do(s, idVendorA, "GET", "/api/v1/cases/3/timeline", ""))
	if len(tl) != 1 || tl[0].Vendor != "Apple" || tl[0].Note == "" {
		t.Errorf("Apple's timeline of case 3: %+v", tl)
	}
	tl = decodeBody[[]TimelineEvent](t, do(s, idVendorA, "GET", "/api/v1/cases/4/timeline", ""))
	if len(tl) != 2 || tl[1].Vendor != "Google" || tl[1].Note != "" || tl[1].Actor != "" {
		t.Errorf("Apple's timeline of shared case 4: %+v", tl)
	}

	// The vendor portal page shows the same.
	page := do(s, idVendorA, "GET", "/cases/3", "").Body.String()
	if strings.Contains(page, "Google") || strings.Contains(page, "internal: Apple is slow") || !strings.Contains(page, "to Apple: details attached") {
		t.Errorf("Apple's case page leaks or misses something")
	}
	list := do(s, idVendorB, "GET", "/cases", "").Body.String()
	if strings.Contains(list, `href="/cases/1"`) || !strings.Contains(list, `href="/cases/2"`) {
		t.Errorf("Google's case list is wrong")
	}
}

func jsonOf(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

func TestVendorStatusRules(t *testing.T) {
	s, app, _ := newTestServer(t)
	for _, c := range []struct {
		id   auth.Identity
		body string
		want int
	}{
		{idVendorA, `{"status":"fixed","fixed_version":"17.4","release_date":"2026-03-20"}`, http.StatusCreated}, // its own, vendor implied
		{idVendorA, `{"vendor":"Google","status":"fixed","fixed_version":"1"}`, http.StatusForbidden},            // another party of the case
		{idVendorA, `{"status":"unresponsive"}`, http.StatusForbidden},                                           // a coordinator's status
		{idVendorA, `{"status":"done"}`, http.StatusBadRequest},
		{idVendorA, `{"status":"fixed","release_date":"next week"}`, http.StatusBadRequest},
		{idVendorA, `{"status":"fixed","color":"red"}`, http.StatusBadRequest}, // unknown field
		{idVendorA, `{"status":`, http.StatusBadRequest},
		{idVendorA, `{"status":"fixed"} {}`, http.StatusBadRequest},
		{idAnalyst, `{"status":"notified"}`, http.StatusBadRequest}, // no vendor named
		{idAnalyst, `{"vendor":"Samsung","status":"notified"}`, http.StatusBadRequest},
		{idAnalyst, `{"vendor":"google","status":"unresponsive"}`, http.StatusCreated},
	} {
		w := do(s, c.id, "POST", "/api/v1/cases/3/status", c.body)
		if w.Code != c.want {
			t.Errorf("%s %s: %d, want %d: %s", c.id.Name, c.body, w.Code, c.want, w.Body.String())
		}
	}
	if len(app.statuses) != 2 || app.statuses[0].Vendor != 1 || app.statuses[0].ReleaseDate.Format("2006-01-02") != "2026-03-20" || app.statuses[1].Vendor != 2 {
		t.Errorf("statuses reaching the core: %+v", app.statuses)
	}
	// A vendor's comment lands in its own thread whatever it asks for.
	w := do(s, idVendorA, "POST", "/api/v1/cases/3/comments", `{"text":"patched","vendor":2}`)
	if w.Code != http.StatusCreated || decodeBody[Comment](t, w).Vendor != 1 {
		t.Errorf("vendor comment: %d %s", w.Code, w.Body.String())
	}
	if w := do(s, idVendorA, "POST", "/api/v1/cases/3/comments", `{"text":"`+strings.Repeat("x", maxComment+1)+`"}`); w.Code != http.StatusBadRequest {
		t.Errorf("long comment: %d", w.Code)
	}
}

func TestSecurityHeaders(t *testing.T) {
	s, _, _ := newTestServer(t)
	w := do(s, idAnalyst, "GET", "/cases", "")
	h := w.Header()
	for k, want := range map[string]string{
		"X-Content-Type-Options": "nosniff",
		"Referrer-Policy":        "no-referrer",
		"X-Frame-Options":        "DENY",
		"Cache-Control":          "no-store",
	} {
		if h.Get(k) != want {
			t.Errorf("%s: %q, want %q", k, h.Get(k), want)
		}
	}
	p := h.Get("Content-Security-Policy")
	for _, want := range []string{"default-src 'none'", "script-src 'self'", "frame-ancestors 'none'"} {
		if !strings.Contains(p, want) {
			t.Errorf("CSP %q lacks %q", p, want)
		}
	}
	if strings.Contains(p, "unsafe-inline") || strings.Contains(w.Body.String(), "<script>") || strings.Contains(w.Body.String(), "style=") {
		t.Error("inline script or style")
	}
	if h.Get("Strict-Transport-Security") != "" {
		t.Error("HSTS without TLS")
	}
	tlsS, err := New(Config{App: newFakeApp(), Accounts: newFakeAccounts(), TLS: true})
	if err != nil {
		t.Fatal(err)
	}
	w = do(tlsS, auth.Identity{}, "GET", "/healthz", "")
	if !strings.HasPrefix(w.Header().Get("Strict-Transport-Security"), "max-age=") {
		t.Error("no HSTS under TLS")
	}
}

func TestCSRF(t *testing.T) {
	s, app, _ := newTestServer(t)
	post := func(target, body string, hdr map[string]string) int {
		r := httptest.NewRequest("POST", target, strings.NewReader(body))
		if strings.HasPrefix(target, "/api/") {
			r.Header.Set("Content-Type", "application/json")
		} else {
			r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		}
		r.AddCookie(&http.Cookie{Name: "antidote_session", Value: "sess-ana"})
		for k, v := range hdr {
			r.Header.Set(k, v)
		}
		w := httptest.NewRecorder()
		s.ServeHTTP(w, r)
		return w.Code
	}
	cases := []struct {
		name   string
		target string
		body   string
		hdr    map[string]string
		want   int
	}{
		{"API with the cookie and no token", "/api/v1/cases/1/comments", `{"text":"x"}`, nil, http.StatusForbidden},
		{"API with the cookie and a wrong token", "/api/v1/cases/1/comments", `{"text":"x"}`, map[string]string{"X-CSRF-Token": "csrf-sess-rev"}, http.StatusForbidden},
		{"API with the cookie and its token", "/api/v1/cases/1/comments", `{"text":"x"}`, map[string]string{"X-CSRF-Token": "csrf-sess-ana"}, http.StatusCreated},
		{"form without token", "/cases/1/comments", "text=x", nil, http.StatusForbidden},
		{"form with the token field", "/cases/1/comments", "text=x&csrf=csrf-sess-ana", nil, http.StatusSeeOther},
		{"form from another site", "/cases/1/comments", "text=x&csrf=csrf-sess-ana", map[string]string{"Sec-Fetch-Site": "cross-site"}, http.StatusForbidden},
		{"form from another origin", "/cases/1/comments", "text=x&csrf=csrf-sess-ana", map[string]string{"Origin": "https://evil.example"}, http.StatusForbidden},
		{"login from another site", "/login", "name=ana&password=x", map[string]string{"Sec-Fetch-Site": "cross-site"}, http.StatusForbidden},
	}
	for _, c := range cases {
		if got := post(c.target, c.body, c.hdr); got != c.want {
			t.Errorf("%s: %d, want %d", c.name, got, c.want)
		}
	}
	// A bearer token needs no CSRF token: no browser sends it by itself.
	if w := do(s, idAnalyst, "POST", "/api/v1/cases/1/comments", `{"text":"x"}`); w.Code != http.StatusCreated {
		t.Errorf("bearer: %d", w.Code)
	}
	_ = app
}

func TestProblemDetails(t *testing.T) {
	s, _, _ := newTestServer(t)
	w := do(s, idVendorB, "GET", "/api/v1/cases/1", "")
	p := decodeBody[problem](t, w)
	if w.Code != 404 || p.Status != 404 || p.Title != "Not Found" || p.Type != "about:blank" || p.Instance != "/api/v1/cases/1" {
		t.Errorf("problem %+v", p)
	}
	for _, c := range []struct {
		method, target string
		want           int
	}{
		{"GET", "/api/v1/nothing", 404},
		{"DELETE", "/api/v1/cases/1", 405},
		{"GET", "/api/v1/cases/x", 404},
		{"GET", "/api/v1/search", 400},
		{"GET", "/api/v1/docs?page=0", 400},
		{"GET", "/api/v1/release/plan?at=soon", 400},
		{"GET", "/api/v1/docs/2", 404},
	} {
		w := do(s, idAnalyst, c.method, c.target, "")
		if w.Code != c.want {
			t.Errorf("%s %s: %d, want %d", c.method, c.target, w.Code, c.want)
		}
		if c.want != 405 && w.Header().Get("Content-Type") != "application/problem+json" {
			t.Errorf("%s %s: %s", c.method, c.target, w.Header().Get("Content-Type"))
		}
	}
	// Unauthenticated API calls say how to authenticate.
	w = do(s, auth.Identity{}, "GET", "/api/v1/me", "")
	if w.Header().Get("WWW-Authenticate") == "" {
		t.Error("401 without WWW-Authenticate")
	}
	// A bad bearer token is 401, never a fallback to the cookie.
	r := httptest.NewRequest("GET", "/api/v1/me", nil)
	r.Header.Set("Authorization", "Bearer tok-nobody")
	r.AddCookie(&http.Cookie{Name: "antidote_session", Value: "sess-ana"})
	w = httptest.NewRecorder()
	s.ServeHTTP(w, r)
	if w.Code != 401 {
		t.Errorf("bad bearer with a good cookie: %d", w.Code)
	}
}

func TestBodyLimit(t *testing.T) {
	app := newFakeApp()
	s, err := New(Config{App: app, Accounts: newFakeAccounts(idAnalyst), MaxBody: 1024})
	if err != nil {
		t.Fatal(err)
	}
	w := do(s, idAnalyst, "POST", "/api/v1/cases/1/comments", `{"text":"`+strings.Repeat("x", 2000)+`"}`)
	if w.Code != http.StatusRequestEntityTooLarge || app.called("AddComment") {
		t.Errorf("oversized body: %d", w.Code)
	}
}

func TestLoginFlow(t *testing.T) {
	s, _, acc := newTestServer(t)
	post := func(body string, cookie string) *httptest.ResponseRecorder {
		r := httptest.NewRequest("POST", "/login", strings.NewReader(body))
		r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		if cookie != "" {
			r.AddCookie(&http.Cookie{Name: "antidote_session", Value: cookie})
		}
		w := httptest.NewRecorder()
		s.ServeHTTP(w, r)
		return w
	}
	v := url.Values{"name": {"ana"}, "password": {"password of ana"}, "next": {"/cases/3"}}
	w := post(v.Encode(), "sess-rev")
	if w.Code != http.StatusSeeOther || w.Header().Get("Location") != "/cases/3" {
		t.Fatalf("login: %d %s", w.Code, w.Header().Get("Location"))
	}
	c := w.Result().Cookies()
	if len(c) != 1 || c[0].Value != "sess-ana-new" || !c[0].HttpOnly || c[0].SameSite != http.SameSiteStrictMode || c[0].Path != "/" {
		t.Fatalf("cookie %+v", c)
	}
	if len(acc.logouts) != 1 || acc.logouts[0] != "sess-rev" {
		t.Errorf("the browser's old session was not ended: %v", acc.logouts)
	}
	for _, next := range []string{"//evil.example/", "https://evil.example/", "/\\evil.example"} {
		v.Set("next", next)
		if w := post(v.Encode(), ""); w.Header().Get("Location") != "/" {
			t.Errorf("next %q redirects to %q", next, w.Header().Get("Location"))
		}
	}
	// Wrong password and unknown user read the same.
	a := post(url.Values{"name": {"ana"}, "password": {"wrong"}}.Encode(), "").Body.String()
	b := post(url.Values{"name": {"nobody"}, "password": {"wrong"}}.Encode(), "").Body.String()
	if a != strings.Replace(b, `value="nobody"`, `value="ana"`, 1) || !strings.Contains(a, "Wrong name, password or code.") {
		t.Error("a wrong password and an unknown name give different pages")
	}
	// Pages send anonymous visitors to the login form, keeping the target.
	w = do(s, auth.Identity{}, "GET", "/cases/3?x=1", "")
	if w.Code != http.StatusSeeOther || w.Header().Get("Location") != "/login?next=%2Fcases%2F3%3Fx%3D1" {
		t.Errorf("anonymous page: %d %s", w.Code, w.Header().Get("Location"))
	}
	// An expired session cookie is cleared.
	r := httptest.NewRequest("GET", "/cases", nil)
	r.AddCookie(&http.Cookie{Name: "antidote_session", Value: "sess-gone"})
	rw := httptest.NewRecorder()
	s.ServeHTTP(rw, r)
	if c := rw.Result().Cookies(); len(c) != 1 || c[0].MaxAge >= 0 {
		t.Errorf("stale cookie not cleared: %+v", c)
	}
}

// TestVendorNeverReachesTheCore: refused calls stop in the web.
func TestVendorNeverReachesTheCore(t *testing.T) {
	s, app, _ := newTestServer(t)
	for _, target := range []string{"/api/v1/docs/1/text", "/api/v1/search?q=x", "/api/v1/report", "/api/v1/audit", "/api/v1/docs"} {
		do(s, idVendorA, "GET", target, "")
	}
	for _, name := range []string{"OriginalText", "Search", "Report", "Audit", "Docs"} {
		if app.called(name) {
			t.Errorf("a vendor's request reached %s", name)
		}
	}
}
