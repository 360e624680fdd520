package web

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"antidote/internal/secret"
)

func TestSealed(t *testing.T) {
	opened := 0
	s, err := NewSealed(func(ctx context.Context, p secret.String) (http.Handler, error) {
		if p.Reveal() != "open sesame" {
			return nil, fmt.Errorf("unlock: %w", ErrBadPassphrase)
		}
		opened++
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.Write([]byte("unsealed " + r.URL.Path)) }), nil
	}, nil, false)
	if err != nil {
		t.Fatal(err)
	}
	get := func(path string) *httptest.ResponseRecorder {
		w := httptest.NewRecorder()
		s.ServeHTTP(w, httptest.NewRequest("GET", path, nil))
		return w
	}
	post := func(pass, addr string, hdr ...string) *httptest.ResponseRecorder {
		r := httptest.NewRequest("POST", "/unseal", strings.NewReader(url.Values{"passphrase": {pass}}.Encode()))
		r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		r.RemoteAddr = addr + ":1234"
		for i := 0; i+1 < len(hdr); i += 2 {
			r.Header.Set(hdr[i], hdr[i+1])
		}
		w := httptest.NewRecorder()
		s.ServeHTTP(w, r)
		return w
	}
	if w := get("/healthz"); w.Code != 503 || w.Body.String() != "sealed\n" {
		t.Errorf("healthz: %d %q", w.Code, w.Body.String())
	}
	if w := get("/cases"); w.Code != 303 || w.Header().Get("Location") != "/unseal" {
		t.Errorf("page: %d %s", w.Code, w.Header().Get("Location"))
	}
	if w := get("/api/v1/me"); w.Code != 503 || w.Header().Get("Content-Type") != "application/problem+json" {
		t.Errorf("API: %d", w.Code)
	}
	if w := get("/unseal"); !strings.Contains(w.Body.String(), `name="passphrase"`) || w.Header().Get("Content-Security-Policy") == "" {
		t.Errorf("unseal page without form or headers")
	}
	if w := post("open sesame", "192.0.2.1", "Sec-Fetch-Site", "cross-site"); w.Code != 403 || opened != 0 {
		t.Errorf("cross-site unseal: %d", w.Code)
	}
	// Five wrong passphrases from one address lock it out, even with the
	// right one; another address may still try.
	for i := range unsealTries {
		if w := post("guess", "192.0.2.1"); w.Code != 401 {
			t.Fatalf("wrong passphrase %d: %d", i, w.Code)
		}
	}
	if w := post("open sesame", "192.0.2.1"); w.Code != 429 || opened != 0 {
		t.Fatalf("after %d failures: %d", unsealTries, w.Code)
	}
	if w := post("open sesame", "192.0.2.2"); w.Code != 303 || opened != 1 {
		t.Fatalf("unseal: %d", w.Code)
	}
	if w := get("/cases"); w.Body.String() != "unsealed /cases" {
		t.Errorf("after unseal: %q", w.Body.String())
	}
}

func TestSealedGlobalLimit(t *testing.T) {
	s, _ := NewSealed(func(ctx context.Context, p secret.String) (http.Handler, error) {
		return nil, ErrBadPassphrase
	}, nil, false)
	codes := map[int]int{}
	for i := range unsealTries * 5 {
		r := httptest.NewRequest("POST", "/unseal", strings.NewReader("passphrase=x"))
		r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		r.RemoteAddr = fmt.Sprintf("198.51.100.%d:1", i)
		w := httptest.NewRecorder()
		s.ServeHTTP(w, r)
		codes[w.Code]++
	}
	if codes[401] != unsealTries*4 || codes[429] != unsealTries {
		t.Errorf("spread guesses: %v", codes)
	}
}
