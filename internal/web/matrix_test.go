package web

import (
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"antidote/internal/auth"
)

var (
	idAdmin    = auth.Identity{Name: "root", Role: auth.Admin, Authenticated: true}
	idAnalyst  = auth.Identity{Name: "ana", Role: auth.Analyst, Authenticated: true}
	idReviewer = auth.Identity{Name: "rev", Role: auth.Reviewer, Authenticated: true}
	idVendorA  = auth.Identity{Name: "apple", Role: auth.Vendor, Vendor: 1, Authenticated: true}
	idVendorB  = auth.Identity{Name: "google", Role: auth.Vendor, Vendor: 2, Authenticated: true}
	// The columns of the matrix; the zero Identity is "no login".
	matrixIDs = []auth.Identity{idAdmin, idAnalyst, idReviewer, idVendorA, idVendorB, {}}
)

func newTestServer(t *testing.T) (*Server, *fakeApp, *fakeAccounts) {
	t.Helper()
	app := newFakeApp()
	acc := newFakeAccounts(idAdmin, idAnalyst, idReviewer, idVendorA, idVendorB)
	s, err := New(Config{App: app, Accounts: acc, Admin: &fakeAdmin{}, Now: func() time.Time { return t0.AddDate(0, 0, 10) }})
	if err != nil {
		t.Fatal(err)
	}
	return s, app, acc
}

// do sends a request as id: a bearer token on the API, the session cookie
// (with its CSRF token on unsafe methods) on pages.
func do(s *Server, id auth.Identity, method, target, body string) *httptest.ResponseRecorder {
	r := httptest.NewRequest(method, target, strings.NewReader(body))
	api := strings.HasPrefix(target, "/api/")
	switch {
	case strings.HasPrefix(body, "--"+boundary):
		r.Header.Set("Content-Type", "multipart/form-data; boundary="+boundary)
	case api && body != "":
		r.Header.Set("Content-Type", "application/json")
	case body != "":
		r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	if id.Name != "" {
		if api {
			r.Header.Set("Authorization", "Bearer tok-"+id.Name)
		} else {
			r.AddCookie(&http.Cookie{Name: "antidote_session", Value: "sess-" + id.Name})
			if method == http.MethodPost {
				r.Header.Set("X-CSRF-Token", "csrf-sess-"+id.Name)
			}
		}
	}
	w := httptest.NewRecorder()
	s.ServeHTTP(w, r)
	return w
}

const boundary = "antidote-test-boundary"

// multipartFile is a multipart/form-data body with one file.
func multipartFile(name, content string) string {
	return "--" + boundary + "\r\nContent-Disposition: form-data; name=\"file\"; filename=\"" + name + "\"\r\n" +
		"Content-Type: text/html\r\n\r\n" + content + "\r\n--" + boundary + "--\r\n"
}

// TestAuthorizationMatrix is the table: every registered route
// times every role, with the status written in each cell. A route added
// without a row here fails the test.
func TestAuthorizationMatrix(t *testing.T) {
	form := func(kv ...string) string {
		v := url.Values{}
		for i := 0; i+1 < len(kv); i += 2 {
			v.Set(kv[i], kv[i+1])
		}
		return v.Encode()
	}
	type row struct {
		target string // path and query; case 1 names vendor A only
		body   string
		want   [6]int // admin, analyst, reviewer, vendor A, vendor B, no login
	}
	const (
		ok    = http.StatusOK
		made  = http.StatusCreated
		see   = http.StatusSeeOther
		unau  = http.StatusUnauthorized
		forb  = http.StatusForbidden
		nf    = http.StatusNotFound
		oOK   = ok
		login = see // pages send whoever is not logged in to the login form
	)
	matrix := map[string]row{
		"GET /healthz":                        {"/healthz", "", [6]int{ok, ok, ok, ok, ok, ok}},
		"GET /login":                          {"/login", "", [6]int{ok, ok, ok, ok, ok, ok}},
		"POST /login":                         {"/login", form("name", "nobody", "password", "x"), [6]int{unau, unau, unau, unau, unau, unau}},
		"POST /logout":                        {"/logout", form(), [6]int{see, see, see, see, see, login}},
		"GET /{$}":                            {"/", "", [6]int{see, see, see, see, see, login}},
		"GET /cases":                          {"/cases", "", [6]int{ok, ok, ok, ok, ok, login}},
		"GET /cases/{id}":                     {"/cases/1", "", [6]int{ok, ok, ok, ok, nf, login}},
		"POST /cases/{id}/status":             {"/cases/1/status", form("vendor", "1", "status", "acknowledged"), [6]int{see, see, forb, see, nf, login}},
		"POST /cases/{id}/comments":           {"/cases/1/comments", form("text", "hello"), [6]int{see, see, forb, see, nf, login}},
		"POST /cases/{id}/files":              {"/cases/1/files", multipartFile("fix.txt", "patched"), [6]int{see, see, forb, see, nf, login}},
		"GET /cases/{id}/files/{file}":        {"/cases/1/files/1", "", [6]int{ok, ok, ok, ok, nf, login}},
		"GET /docs":                           {"/docs", "", [6]int{ok, ok, ok, forb, forb, login}},
		"GET /docs/{id}":                      {"/docs/1", "", [6]int{ok, ok, ok, forb, forb, login}},
		"POST /docs/{id}/original":            {"/docs/1/original", form(), [6]int{ok, ok, ok, forb, forb, login}},
		"GET /search":                         {"/search?q=grasshopper", "", [6]int{ok, ok, ok, forb, forb, login}},
		"GET /findings":                       {"/findings", "", [6]int{ok, ok, ok, forb, forb, login}},
		"GET /report":                         {"/report", "", [6]int{ok, ok, ok, forb, forb, login}},
		"GET /release":                        {"/release", "", [6]int{ok, ok, ok, forb, forb, login}},
		"POST /release/approvals":             {"/release/approvals", form("doc", "1"), [6]int{see, forb, see, forb, forb, login}},
		"GET /audit":                          {"/audit", "", [6]int{ok, forb, forb, forb, forb, login}},
		"GET /admin/users":                    {"/admin/users", "", [6]int{ok, forb, forb, forb, forb, login}},
		"POST /admin/users/{name}/disable":    {"/admin/users/ana/disable", form(), [6]int{see, forb, forb, forb, forb, login}},
		"POST /admin/users/{name}/enable":     {"/admin/users/ana/enable", form(), [6]int{see, forb, forb, forb, forb, login}},
		"POST /admin/tokens/{id}/revoke":      {"/admin/tokens/1/revoke", form(), [6]int{see, forb, forb, forb, forb, login}},
		"GET /api/v1/me":                      {"/api/v1/me", "", [6]int{ok, ok, ok, ok, ok, unau}},
		"GET /api/v1/openapi.json":            {"/api/v1/openapi.json", "", [6]int{ok, ok, ok, ok, ok, unau}},
		"GET /api/v1/docs":                    {"/api/v1/docs", "", [6]int{ok, ok, ok, forb, forb, unau}},
		"GET /api/v1/docs/{id}":               {"/api/v1/docs/1", "", [6]int{ok, ok, ok, forb, forb, unau}},
		"GET /api/v1/docs/{id}/redacted":      {"/api/v1/docs/1/redacted", "", [6]int{ok, ok, ok, forb, forb, unau}},
		"GET /api/v1/docs/{id}/text":          {"/api/v1/docs/1/text", "", [6]int{ok, ok, ok, forb, forb, unau}},
		"GET /api/v1/search":                  {"/api/v1/search?q=grasshopper", "", [6]int{ok, ok, ok, forb, forb, unau}},
		"GET /api/v1/findings":                {"/api/v1/findings", "", [6]int{ok, ok, ok, forb, forb, unau}},
		"GET /api/v1/findings/{id}":           {"/api/v1/findings/1", "", [6]int{ok, ok, ok, forb, forb, unau}},
		"GET /api/v1/vendors":                 {"/api/v1/vendors", "", [6]int{ok, ok, ok, forb, forb, unau}},
		"GET /api/v1/cases":                   {"/api/v1/cases", "", [6]int{ok, ok, ok, ok, ok, unau}},
		"GET /api/v1/cases/{id}":              {"/api/v1/cases/1", "", [6]int{ok, ok, ok, oOK, nf, unau}},
		"POST /api/v1/cases/{id}/status":      {"/api/v1/cases/1/status", `{"vendor":"Apple","status":"acknowledged"}`, [6]int{made, made, forb, made, nf, unau}},
		"GET /api/v1/cases/{id}/comments":     {"/api/v1/cases/1/comments", "", [6]int{ok, ok, ok, ok, nf, unau}},
		"POST /api/v1/cases/{id}/comments":    {"/api/v1/cases/1/comments", `{"text":"hello"}`, [6]int{made, made, forb, made, nf, unau}},
		"GET /api/v1/cases/{id}/timeline":     {"/api/v1/cases/1/timeline", "", [6]int{ok, ok, ok, ok, nf, unau}},
		"POST /api/v1/cases/{id}/shared":      {"/api/v1/cases/1/shared", `{"shared":true}`, [6]int{made, made, forb, forb, forb, unau}},
		"POST /cases/{id}/shared":             {"/cases/1/shared", form("shared", "1"), [6]int{see, see, forb, forb, forb, login}},
		"GET /api/v1/cases/{id}/files":        {"/api/v1/cases/1/files", "", [6]int{ok, ok, ok, ok, nf, unau}},
		"POST /api/v1/cases/{id}/files":       {"/api/v1/cases/1/files", multipartFile("fix.txt", "patched"), [6]int{made, made, forb, made, nf, unau}},
		"GET /api/v1/cases/{id}/files/{file}": {"/api/v1/cases/1/files/1", "", [6]int{ok, ok, ok, ok, nf, unau}},
		"GET /api/v1/release/plan":            {"/api/v1/release/plan?at=2026-04-01", "", [6]int{ok, ok, ok, forb, forb, unau}},
		"POST /api/v1/release/approvals":      {"/api/v1/release/approvals", `{"doc":1}`, [6]int{made, forb, made, forb, forb, unau}},
		"GET /api/v1/report":                  {"/api/v1/report", "", [6]int{ok, ok, ok, forb, forb, unau}},
		"GET /api/v1/audit":                   {"/api/v1/audit", "", [6]int{ok, forb, forb, forb, forb, unau}},
	}
	s, _, _ := newTestServer(t)
	seen := map[string]bool{}
	for _, rt := range s.routes {
		key := rt.Method + " " + rt.Pattern
		seen[key] = true
		r, ok := matrix[key]
		if !ok {
			t.Errorf("route %s is missing from the authorization matrix", key)
			continue
		}
		for i, id := range matrixIDs {
			w := do(s, id, rt.Method, r.target, r.body)
			if w.Code != r.want[i] {
				body, _ := io.ReadAll(w.Body)
				t.Errorf("%s as %s: %d, want %d (%s)", key, who(id), w.Code, r.want[i], strings.TrimSpace(string(body[:min(len(body), 200)])))
			}
			if rt.API && w.Code >= 400 && w.Header().Get("Content-Type") != "application/problem+json" {
				t.Errorf("%s as %s: error as %q, not problem+json", key, who(id), w.Header().Get("Content-Type"))
			}
		}
	}
	for key := range matrix {
		if !seen[key] {
			t.Errorf("the matrix has %s, which is not a registered route", key)
		}
	}
}

func who(id auth.Identity) string {
	if id.Name == "" {
		return "no login"
	}
	return id.Name + " (" + string(id.Role) + ")"
}
