package main

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"encoding/pem"
	"io"
	"math/big"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"
)

// syncBuffer is a bytes.Buffer safe for the server goroutine and the test.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// startServe runs 'antidote serve' on a free loopback port and returns its
// base URL; the server stops when the test ends.
func startServe(t *testing.T, env map[string]string, extra ...string) string {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	var stderr syncBuffer
	lookup := func(k string) (string, bool) { v, ok := env[k]; return v, ok }
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, append([]string{"serve", "--addr", "127.0.0.1:0"}, extra...), lookup, strings.NewReader(""), io.Discard, &stderr)
	}()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("serve: %v", err)
		}
		if !strings.Contains(stderr.String(), "server stopped") {
			t.Errorf("no graceful stop: %s", stderr.String())
		}
	})
	re := regexp.MustCompile(`(http://127\.0\.0\.1:\d+)/`)
	for i := 0; i < 500; i++ {
		if m := re.FindStringSubmatch(stderr.String()); m != nil {
			return m[1]
		}
		select {
		case err := <-done:
			t.Fatalf("serve ended: %v %s", err, stderr.String())
		case <-time.After(10 * time.Millisecond):
		}
	}
	t.Fatalf("serve did not start: %s", stderr.String())
	return ""
}

func mustCLI(t *testing.T, env map[string]string, args ...string) string {
	t.Helper()
	out, stderr, err := runCLI(t, env, args...)
	if err != nil {
		t.Fatalf("%v: %v %s", args, err, stderr)
	}
	return out
}

type apiClient struct {
	t     *testing.T
	base  string
	token string
	http  *http.Client
	csrf  string
}

func (c *apiClient) do(method, path, body string) (int, string) {
	c.t.Helper()
	req, err := http.NewRequest(method, c.base+path, strings.NewReader(body))
	if err != nil {
		c.t.Fatal(err)
	}
	if c.token != "" {
		req.Header.Set("Authorization", "Bearer "+c.token)
	}
	if c.csrf != "" {
		req.Header.Set("X-CSRF-Token", c.csrf)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	res, err := c.http.Do(req)
	if err != nil {
		c.t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res.StatusCode, string(b)
}

// TestServeEndToEnd runs the server on a real workspace: an analyst logs
// in and opens a case, a vendor sets a status and comments with a token,
// another vendor cannot see the case, two reviewers approve a document,
// and everything is in the audit chain under the web accounts' names.
// servedWorkspace builds a workspace with one ingested and redacted
// document, vendors Apple (with an iPhone) and Google, case 1 naming both
// (notified) and case 2 naming Apple, accounts ana (analyst), rev1 and rev2
// (reviewers), apple and google (vendors), all with the password
// "a long enough password", and serves it. It returns the CLI environment,
// the base URL and a bearer token per non-analyst account.
func servedWorkspace(t *testing.T) (map[string]string, string, map[string]string) {
	t.Helper()
	env := testEnv(t)
	mustCLI(t, env, "init")
	src := filepath.Join(t.TempDir(), "memo.txt")
	os.WriteFile(src, []byte("Memo: the implant calls home to 8.8.4.4 every hour.\n"), 0o600)
	mustCLI(t, env, "ingest", src)
	mustCLI(t, env, "redact", "--all")
	mustCLI(t, env, "vendor", "add", "Apple")
	mustCLI(t, env, "vendor", "add", "Google")
	mustCLI(t, env, "product", "add", "Apple", "iPhone", "--class", "phone")
	mustCLI(t, env, "finding", "add", "--title", "Implant persistence", "--summary", "survives reboots", "--cwe", "CWE-787", "--source", "1:0-10")
	mustCLI(t, env, "finding", "add", "--title", "Browser exploit", "--source", "1:11-20")
	mustCLI(t, env, "case", "open", "1", "--vendor", "Apple:iPhone", "--vendor", "Google")
	mustCLI(t, env, "case", "open", "2", "--vendor", "Apple")
	mustCLI(t, env, "case", "notify", "1")
	env["ANTIDOTE_NEW_PASSWORD"] = "a long enough password"
	for _, u := range [][]string{
		{"ana", "--role", "analyst"}, {"rev1", "--role", "reviewer"}, {"rev2", "--role", "reviewer"},
		{"apple", "--role", "vendor", "--vendor", "Apple"}, {"google", "--role", "vendor", "--vendor", "Google"},
	} {
		mustCLI(t, env, append([]string{"user", "add"}, u...)...)
	}
	tokens := map[string]string{}
	for _, u := range []string{"apple", "google", "rev1", "rev2"} {
		tokens[u] = strings.TrimSpace(mustCLI(t, env, "token", "create", u))
	}
	base := startServe(t, env)
	return env, base, tokens
}

func TestServeEndToEnd(t *testing.T) {
	env, base, tokens := servedWorkspace(t)

	// The analyst logs in through the form, with a cookie jar as a browser.
	jar, _ := cookiejar.New(nil)
	browser := &http.Client{Jar: jar}
	res, err := browser.PostForm(base+"/login", url.Values{"name": {"ana"}, "password": {"a long enough password"}, "next": {"/cases"}})
	if err != nil {
		t.Fatal(err)
	}
	page, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != 200 || !strings.Contains(string(page), "Implant persistence") || !strings.Contains(string(page), `href="/cases/2"`) {
		t.Fatalf("analyst's case list: %d %s", res.StatusCode, page)
	}
	res, _ = browser.Get(base + "/cases/1")
	page, _ = io.ReadAll(res.Body)
	res.Body.Close()
	if !strings.Contains(string(page), "iPhone") || !strings.Contains(string(page), "Google") || !strings.Contains(string(page), "<td>90</td>") {
		t.Errorf("analyst's case page: %s", page)
	}
	// The API with the cookie needs the CSRF token from /api/v1/me.
	ana := &apiClient{t: t, base: base, http: browser}
	code, body := ana.do("POST", "/api/v1/cases/1/comments", `{"text":"internal note"}`)
	if code != 403 {
		t.Errorf("cookie POST without CSRF token: %d %s", code, body)
	}
	_, body = ana.do("GET", "/api/v1/me", "")
	var me struct {
		Name string `json:"name"`
		CSRF string `json:"csrf_token"`
	}
	json.Unmarshal([]byte(body), &me)
	ana.csrf = me.CSRF
	if code, body := ana.do("POST", "/api/v1/cases/1/comments", `{"text":"internal note"}`); code != 201 {
		t.Errorf("analyst comment: %d %s", code, body)
	}

	// The vendors, with bearer tokens.
	apple := &apiClient{t: t, base: base, token: tokens["apple"], http: http.DefaultClient}
	google := &apiClient{t: t, base: base, token: tokens["google"], http: http.DefaultClient}
	if code, body := apple.do("GET", "/api/v1/docs", ""); code != 403 {
		t.Errorf("vendor reads documents: %d %s", code, body)
	}
	code, body = apple.do("GET", "/api/v1/cases", "")
	if code != 200 || !strings.Contains(body, `"total": 2`) {
		t.Errorf("Apple's cases: %d %s", code, body)
	}
	code, body = google.do("GET", "/api/v1/cases", "")
	if code != 200 || !strings.Contains(body, `"total": 1`) || strings.Contains(body, "iPhone") {
		t.Errorf("Google's cases: %d %s", code, body)
	}
	if code, _ := google.do("GET", "/api/v1/cases/2", ""); code != 404 {
		t.Errorf("Google reads Apple's case 2: %d", code)
	}
	if code, body := apple.do("POST", "/api/v1/cases/1/status", `{"product":"iPhone","status":"fixed","fixed_version":"10.3.1","release_date":"2017-04-03"}`); code != 201 {
		t.Errorf("Apple sets its status: %d %s", code, body)
	}
	if code, _ := apple.do("POST", "/api/v1/cases/1/status", `{"vendor":"Google","status":"fixed","fixed_version":"1"}`); code != 403 {
		t.Errorf("Apple sets Google's status: %d", code)
	}
	if code, body := apple.do("POST", "/api/v1/cases/1/status", `{"product":"iPhone","status":"notified"}`); code != 403 {
		t.Errorf("Apple sets a coordinator's status: %d %s", code, body)
	}
	if code, body := apple.do("POST", "/api/v1/cases/1/comments", `{"text":"fixed in 10.3.1"}`); code != 201 {
		t.Errorf("Apple comments: %d %s", code, body)
	}
	// Apple attaches its patch notes; Google, a party of the same case,
	// cannot read them; the analyst can.
	req, _ := http.NewRequest("POST", base+"/api/v1/cases/1/files", strings.NewReader("--b\r\nContent-Disposition: form-data; name=\"file\"; filename=\"notes.txt\"\r\n\r\nfixed in 10.3.1\r\n--b--\r\n"))
	req.Header.Set("Content-Type", "multipart/form-data; boundary=b")
	req.Header.Set("Authorization", "Bearer "+tokens["apple"])
	if res, err := http.DefaultClient.Do(req); err != nil || res.StatusCode != 201 {
		t.Fatalf("upload: %v %v", err, res.StatusCode)
	}
	if code, _ := google.do("GET", "/api/v1/cases/1/files/1", ""); code != 404 {
		t.Errorf("Google reads Apple's file: %d", code)
	}
	if code, body := ana.do("GET", "/api/v1/cases/1/files/1", ""); code != 200 || body != "fixed in 10.3.1" {
		t.Errorf("the analyst reads Apple's file: %d %q", code, body)
	}
	_, body = apple.do("GET", "/api/v1/cases/1/comments", "")
	if !strings.Contains(body, "fixed in 10.3.1") || strings.Contains(body, "internal note") {
		t.Errorf("Apple's thread: %s", body)
	}
	_, body = google.do("GET", "/api/v1/cases/1", "")
	if strings.Contains(body, "iPhone") || strings.Contains(body, "10.3.1") {
		t.Errorf("Google sees Apple's part of an unshared case: %s", body)
	}
	// Once the analyst shares the case, Google sees Apple's name and
	// status, still not its versions.
	if code, body := ana.do("POST", "/api/v1/cases/1/shared", `{"shared":true}`); code != 201 {
		t.Fatalf("share: %d %s", code, body)
	}
	_, body = google.do("GET", "/api/v1/cases/1", "")
	if !strings.Contains(body, "iPhone") || !strings.Contains(body, `"status": "fixed"`) || strings.Contains(body, "10.3.1") {
		t.Errorf("Google's view of the shared case: %s", body)
	}
	_, body = ana.do("GET", "/api/v1/cases/1", "")
	if !strings.Contains(body, `"fixed_version": "10.3.1"`) {
		t.Errorf("the analyst does not see Apple's fix: %s", body)
	}

	// Two reviewers approve document 1.
	for _, r := range []string{"rev1", "rev2"} {
		c := &apiClient{t: t, base: base, token: tokens[r], http: http.DefaultClient}
		if code, body := c.do("POST", "/api/v1/release/approvals", `{"doc":1}`); code != 201 || !strings.Contains(body, `"new": true`) {
			t.Errorf("%s approves: %d %s", r, code, body)
		}
	}
	if code, _ := apple.do("POST", "/api/v1/release/approvals", `{"doc":1}`); code != 403 {
		t.Errorf("a vendor approves: %d", code)
	}
	_, body = ana.do("GET", "/api/v1/release/plan", "")
	if strings.Contains(body, `"kind": "approvals"`) {
		t.Errorf("approvals still missing: %s", body)
	}
	// Every change is in the audit chain, under the web account's name.
	audit := mustCLI(t, env, "audit", "list", "--json")
	for _, want := range []string{`"actor":"apple","at"`, `"action":"case.status"`, `"action":"case.file.add"`, `"action":"case.file.get"`, `"actor":"rev2"`, `"action":"release.approve"`, `"action":"case.comment"`} {
		if !strings.Contains(audit, strings.TrimSuffix(want, `,"at"`)) {
			t.Errorf("audit log lacks %s", want)
		}
	}
	// An admin disables Google's account in the browser: its token stops.
	mustCLI(t, env, "user", "add", "root", "--role", "admin")
	jar2, _ := cookiejar.New(nil)
	adminBrowser := &http.Client{Jar: jar2}
	if res, err := adminBrowser.PostForm(base+"/login", url.Values{"name": {"root"}, "password": {"a long enough password"}}); err != nil || res.StatusCode != 200 {
		t.Fatalf("admin login: %v", err)
	}
	admin := &apiClient{t: t, base: base, http: adminBrowser}
	_, body = admin.do("GET", "/api/v1/me", "")
	json.Unmarshal([]byte(body), &me)
	res, err = adminBrowser.PostForm(base+"/admin/users/google/disable", url.Values{"csrf": {me.CSRF}})
	if err != nil || res.StatusCode != 200 {
		t.Fatalf("disable google: %v %v", err, res.StatusCode)
	}
	if code, _ := google.do("GET", "/api/v1/cases", ""); code != 401 {
		t.Errorf("a disabled vendor's token still works: %d", code)
	}
	if out := mustCLI(t, env, "audit", "list"); !strings.Contains(out, "user.disable") {
		t.Error("disabling in the browser was not audited")
	}
	if out := mustCLI(t, env, "audit", "verify"); !strings.Contains(out, "intact") {
		t.Errorf("audit verify: %s", out)
	}
}

func TestServeRefusesPlainHTTPOffLoopback(t *testing.T) {
	env := testEnv(t)
	for _, addr := range []string{"0.0.0.0:8080", ":8080", "192.0.2.1:80"} {
		_, _, err := runCLI(t, env, "serve", "--addr", addr)
		if exitCode(err) != exitUsage || !strings.Contains(err.Error(), "refusing") {
			t.Errorf("%s: %v", addr, err)
		}
	}
	if _, _, err := runCLI(t, env, "serve", "--tls-cert", "x.pem"); exitCode(err) != exitUsage {
		t.Errorf("cert without key: %v", err)
	}
}

// TestServeSealed: started without the passphrase, the server answers
// only the unseal form until the passphrase is given in the browser.
func TestServeSealed(t *testing.T) {
	env := testEnv(t)
	mustCLI(t, env, "init")
	env["ANTIDOTE_NEW_PASSWORD"] = "a long enough password"
	mustCLI(t, env, "user", "add", "ana", "--role", "analyst")
	sealedEnv := map[string]string{}
	for k, v := range env {
		if k != "ANTIDOTE_PASSPHRASE" {
			sealedEnv[k] = v
		}
	}
	base := startServe(t, sealedEnv, "--sealed")
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	status := func(method, path string, form url.Values) int {
		var res *http.Response
		var err error
		if method == "POST" {
			res, err = client.PostForm(base+path, form)
		} else {
			res, err = client.Get(base + path)
		}
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		return res.StatusCode
	}
	if got := status("GET", "/healthz", nil); got != 503 {
		t.Errorf("sealed healthz: %d", got)
	}
	if got := status("POST", "/login", url.Values{"name": {"ana"}, "password": {"a long enough password"}}); got != 303 {
		t.Errorf("login while sealed: %d, want a redirect to /unseal", got)
	}
	if got := status("POST", "/unseal", url.Values{"passphrase": {"wrong passphrase"}}); got != 401 {
		t.Errorf("wrong passphrase: %d", got)
	}
	if got := status("POST", "/unseal", url.Values{"passphrase": {env["ANTIDOTE_PASSPHRASE"]}}); got != 303 {
		t.Fatalf("unseal: %d", got)
	}
	if got := status("GET", "/healthz", nil); got != 200 {
		t.Errorf("unsealed healthz: %d", got)
	}
	if got := status("POST", "/login", url.Values{"name": {"ana"}, "password": {"a long enough password"}}); got != 303 {
		t.Errorf("login after unseal: %d", got)
	}
}

// TestServeTLS: with a certificate the server speaks HTTPS only, sends
// HSTS, and its session cookie is Secure and __Host- prefixed.
func TestServeTLS(t *testing.T) {
	env := testEnv(t)
	mustCLI(t, env, "init")
	env["ANTIDOTE_NEW_PASSWORD"] = "a long enough password"
	mustCLI(t, env, "user", "add", "ana", "--role", "analyst")
	dir := t.TempDir()
	certFile, keyFile := filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "127.0.0.1"},
		IPAddresses: []net.IP{net.ParseIP("127.0.0.1")}, NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	kb, _ := x509.MarshalECPrivateKey(key)
	os.WriteFile(certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600)
	os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: kb}), 0o600)

	ctx, cancel := context.WithCancel(context.Background())
	var stderr syncBuffer
	lookup := func(k string) (string, bool) { v, ok := env[k]; return v, ok }
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, []string{"serve", "--addr", "127.0.0.1:0", "--tls-cert", certFile, "--tls-key", keyFile}, lookup, strings.NewReader(""), io.Discard, &stderr)
	}()
	defer func() { cancel(); <-done }()
	re := regexp.MustCompile(`(https://127\.0\.0\.1:\d+)/`)
	var base string
	for i := 0; i < 500 && base == ""; i++ {
		if m := re.FindStringSubmatch(stderr.String()); m != nil {
			base = m[1]
		}
		time.Sleep(10 * time.Millisecond)
	}
	if base == "" {
		t.Fatalf("no HTTPS server: %s", stderr.String())
	}
	pool := x509.NewCertPool()
	pool.AddCert(must(x509.ParseCertificate(der)))
	client := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}},
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	res, err := client.PostForm(base+"/login", url.Values{"name": {"ana"}, "password": {"a long enough password"}})
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if !strings.HasPrefix(res.Header.Get("Strict-Transport-Security"), "max-age=") {
		t.Error("no HSTS over TLS")
	}
	c := res.Cookies()
	if len(c) != 1 || c[0].Name != "__Host-antidote_session" || !c[0].Secure || !c[0].HttpOnly || c[0].SameSite != http.SameSiteStrictMode {
		t.Errorf("session cookie over TLS: %+v", c)
	}
	// Plain HTTP on the TLS port gets nothing useful.
	if res, err := http.Get(strings.Replace(base, "https://", "http://", 1) + "/healthz"); err == nil {
		b, _ := io.ReadAll(res.Body)
		res.Body.Close()
		if res.StatusCode == 200 && string(b) == "ok\n" {
			t.Error("plain HTTP served on the TLS port")
		}
	}
}

func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}

// TestServeWithShares: a server starts from k-of-n recovery shares when the
// passphrase is lost, records that it did, and refuses too few shares.
func TestServeWithShares(t *testing.T) {
	env := testEnv(t)
	out := mustCLI(t, env, "init", "--shares", "3", "--threshold", "2")
	var shares []string
	for _, line := range strings.Split(out, "\n") {
		if strings.HasPrefix(strings.TrimSpace(line), "antidote-share-") || (len(strings.TrimSpace(line)) > 40 && !strings.Contains(line, " ")) {
			shares = append(shares, strings.TrimSpace(line))
		}
	}
	if len(shares) != 3 {
		t.Fatalf("init printed %d shares:\n%s", len(shares), out)
	}
	dir := t.TempDir()
	two, one := filepath.Join(dir, "two"), filepath.Join(dir, "one")
	os.WriteFile(two, []byte(shares[0]+"\n"+shares[2]+"\n"), 0o600)
	os.WriteFile(one, []byte(shares[1]+"\n"), 0o600)
	noPass := map[string]string{}
	for k, v := range env {
		if k != "ANTIDOTE_PASSPHRASE" {
			noPass[k] = v
		}
	}
	if _, _, err := runCLI(t, noPass, "serve", "--addr", "127.0.0.1:0", "--shares-file", one); exitCode(err) != exitAuth {
		t.Errorf("serve with one share of two: exit %d (%v), want %d", exitCode(err), err, exitAuth)
	}
	base := startServe(t, noPass, "--shares-file", two)
	res, err := http.Get(base + "/healthz")
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != 200 {
		t.Errorf("healthz after a start from shares: %d", res.StatusCode)
	}
	if out := mustCLI(t, env, "audit", "list", "--json"); !strings.Contains(out, `"action":"unlock.shares"`) {
		t.Errorf("the start from shares is not in the audit log")
	}
}
