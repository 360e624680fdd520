package web

import (
	"bytes"
	"context"
	"errors"
	"html/template"
	"log/slog"
	"net/http"
	"sync"
	"time"

	"antidote/internal/secret"
)

// Sealed serves a workspace that is still locked, as Vault serves a sealed
// vault: /healthz answers 503 "sealed", /unseal takes the workspace
// passphrase, and every other request is 503 with a pointer to /unseal.
// The accounts live in the encrypted database, so nobody can log in before
// the unseal: the passphrase itself is the credential, tried at most
// unsealTries times per address and unsealTries*4 in all per window.
// Once unseal succeeds, every request goes to the server it returns.
type Sealed struct {
	unseal func(ctx context.Context, passphrase secret.String) (http.Handler, error)
	log    *slog.Logger
	page   *template.Template
	guard  http.Handler
	now    func() time.Time

	mu       sync.Mutex
	next     http.Handler
	failures map[string][]time.Time
}

const (
	unsealTries  = 5
	unsealWindow = 15 * time.Minute
)

// ErrBadPassphrase is what an unseal function returns for a wrong
// passphrase (wrap it); anything else is an internal error.
var ErrBadPassphrase = errors.New("wrong passphrase")

// NewSealed returns the sealed server; tls as in Config.
func NewSealed(unseal func(context.Context, secret.String) (http.Handler, error), log *slog.Logger, tls bool) (*Sealed, error) {
	pages, err := parsePages()
	if err != nil {
		return nil, err
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	s := &Sealed{unseal: unseal, log: log, page: pages["unseal"], now: time.Now, failures: map[string][]time.Time{}}
	// The same headers and cross-origin protection as the unsealed server.
	hs := &Server{tls: tls, log: log, pages: pages}
	s.guard = hs.secure(http.HandlerFunc(s.sealed))
	return s, nil
}

// ServeHTTP serves a request, sealed or not.
func (s *Sealed) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	next := s.next
	s.mu.Unlock()
	if next != nil {
		next.ServeHTTP(w, r)
		return
	}
	s.guard.ServeHTTP(w, r)
}

func (s *Sealed) render(w http.ResponseWriter, status int, problem string) {
	var buf bytes.Buffer
	if err := s.page.Execute(&buf, view{Title: "Unseal", Data: problem}); err != nil {
		s.log.Error("render unseal page", "err", err)
		http.Error(w, "sealed", http.StatusServiceUnavailable)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	w.Write(buf.Bytes())
}

func (s *Sealed) sealed(w http.ResponseWriter, r *http.Request) {
	switch {
	case r.URL.Path == "/healthz":
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		w.WriteHeader(http.StatusServiceUnavailable)
		w.Write([]byte("sealed\n"))
	case r.URL.Path == "/unseal" && r.Method == http.MethodPost:
		s.tryUnseal(w, r)
	case r.URL.Path == "/unseal" && (r.Method == http.MethodGet || r.Method == http.MethodHead):
		s.render(w, http.StatusServiceUnavailable, "")
	case isAPI(r):
		writeProblem(w, r, http.StatusServiceUnavailable, "the workspace is sealed: an administrator unseals it at /unseal")
	default:
		http.Redirect(w, r, "/unseal", http.StatusSeeOther)
	}
}

// limited reports whether addr (or everyone) has used up its tries, and
// forgets failures older than the window.
func (s *Sealed) limited(addr string, now time.Time) bool {
	total := 0
	for a, ts := range s.failures {
		kept := ts[:0]
		for _, t := range ts {
			if now.Sub(t) < unsealWindow {
				kept = append(kept, t)
			}
		}
		if len(kept) == 0 {
			delete(s.failures, a)
			continue
		}
		s.failures[a] = kept
		total += len(kept)
	}
	return len(s.failures[addr]) >= unsealTries || total >= unsealTries*4
}

func (s *Sealed) tryUnseal(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, 64<<10)
	if err := r.ParseForm(); err != nil {
		s.render(w, http.StatusBadRequest, "The form could not be read.")
		return
	}
	addr := clientAddr(r)
	s.mu.Lock()
	defer s.mu.Unlock() // one attempt at a time: the KDF is memory-hard
	if s.next != nil {
		http.Redirect(w, r, "/login", http.StatusSeeOther)
		return
	}
	now := s.now()
	if s.limited(addr, now) {
		s.render(w, http.StatusTooManyRequests, "Too many wrong passphrases. Try again in a quarter of an hour.")
		return
	}
	next, err := s.unseal(r.Context(), secret.NewString(r.PostForm.Get("passphrase")))
	if errors.Is(err, ErrBadPassphrase) {
		s.failures[addr] = append(s.failures[addr], now)
		s.render(w, http.StatusUnauthorized, "Wrong passphrase.")
		return
	}
	if err != nil {
		s.log.Error("unseal", "err", err)
		s.render(w, http.StatusInternalServerError, "The workspace could not be opened; see the server's log.")
		return
	}
	s.next = next
	s.log.Info("workspace unsealed", "from", addr)
	http.Redirect(w, r, "/login", http.StatusSeeOther)
}
