package web

import (
	"bytes"
	"context"
	"embed"
	"encoding/json"
	"errors"
	"html/template"
	"io"
	"io/fs"
	"log/slog"
	"net"
	"net/http"
	"slices"
	"strings"
	"time"

	"antidote/internal/auth"
)

//go:embed templates static
var assets embed.FS

// Config is what a server is made of.
type Config struct {
	App      App
	Accounts Accounts
	Admin    Admin // account administration pages; nil leaves them out
	Logger   *slog.Logger
	// TLS says the server is reached over HTTPS: cookies are Secure (and
	// __Host- prefixed) and responses carry HSTS.
	TLS bool
	// Classify maps the core's errors to HTTP statuses (404 for a missing
	// record, 400 for a bad request, 409 for a refused transition); 0
	// leaves the error a 500. auth's sentinels are mapped without it.
	Classify func(error) int
	Now      func() time.Time
	// MaxBody is the largest request body read (default 1 MiB).
	MaxBody int64
}

// Server serves antidote over HTTP.
type Server struct {
	app      App
	accounts Accounts
	admin    Admin
	log      *slog.Logger
	tls      bool
	classify func(error) int
	now      func() time.Time
	maxBody  int64
	pages    map[string]*template.Template
	kept     pageCache // case list pages (pagecache.go)
	frames   frames    // the layout around them, per caller
	mux      *http.ServeMux
	routes   []route
	handler  http.Handler
}

// New builds a server; its routes are registered once, here.
func New(c Config) (*Server, error) {
	s := &Server{app: c.App, accounts: c.Accounts, admin: c.Admin, log: c.Logger, tls: c.TLS, classify: c.Classify, now: c.Now, maxBody: c.MaxBody}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	if s.now == nil {
		s.now = time.Now
	}
	if s.maxBody <= 0 {
		s.maxBody = 1 << 20
	}
	var err error
	if s.pages, err = parsePages(); err != nil {
		return nil, err
	}
	s.mux = http.NewServeMux()
	s.routes = s.routeTable()
	for _, rt := range s.routes {
		s.mux.Handle(rt.Method+" "+rt.Pattern, s.serve(rt))
	}
	static, _ := fs.Sub(assets, "static")
	s.mux.Handle("GET /static/", http.StripPrefix("/static/", staticFiles(http.FileServerFS(static))))
	s.mux.HandleFunc("/", s.notFound)
	s.handler = s.secure(s.mux)
	return s, nil
}

// ServeHTTP serves a request.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.handler.ServeHTTP(w, r) }

// notFound answers what no route matched: 405 when the path exists under
// another method, else 404.
func (s *Server) notFound(w http.ResponseWriter, r *http.Request) {
	var allow []string
	for _, m := range []string{http.MethodGet, http.MethodPost} {
		probe := r.Clone(r.Context())
		probe.Method = m
		if _, pattern := s.mux.Handler(probe); pattern != "/" && pattern != "" {
			allow = append(allow, m)
		}
	}
	if len(allow) > 0 && !slices.Contains(allow, r.Method) {
		w.Header().Set("Allow", strings.Join(allow, ", "))
		if isAPI(r) {
			writeProblem(w, r, http.StatusMethodNotAllowed, "use "+strings.Join(allow, " or "))
			return
		}
		s.errorPage(w, r, http.StatusMethodNotAllowed, "This page does not take that method.")
		return
	}
	if isAPI(r) {
		writeProblem(w, r, http.StatusNotFound, "no such resource")
		return
	}
	s.errorPage(w, r, http.StatusNotFound, "There is no such page.")
}

func isAPI(r *http.Request) bool { return strings.HasPrefix(r.URL.Path, "/api/") }

// handler is a route's code: it returns an error instead of writing one.
type handler func(w http.ResponseWriter, r *http.Request) error

type ctxKey int

const (
	identityKey ctxKey = iota
	sessionKey
)

// identity is the caller of r (the zero Identity when nobody logged in).
func identity(r *http.Request) auth.Identity {
	id, _ := r.Context().Value(identityKey).(auth.Identity)
	return id
}

// sessionID is the cookie session of r, "" for a bearer token or nobody.
func sessionID(r *http.Request) string {
	sid, _ := r.Context().Value(sessionKey).(string)
	return sid
}

// serve is the one boundary: it authenticates, checks the route's
// permission and CSRF, runs the handler and maps its error.
func (s *Server) serve(rt route) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		limit := s.maxBody
		if rt.MaxBody > limit {
			limit = rt.MaxBody
		}
		r.Body = http.MaxBytesReader(w, r.Body, limit)
		err := s.authenticate(w, r, rt)
		if err == nil {
			err = rt.handle(w, r)
		}
		if err == nil {
			return
		}
		status, msg := s.status(err)
		if status >= 500 {
			s.log.ErrorContext(r.Context(), "request failed", "method", r.Method, "route", rt.Pattern, "status", status, "err", err)
		}
		if rt.API {
			writeProblem(w, r, status, msg)
			return
		}
		if status == http.StatusUnauthorized {
			http.Redirect(w, r, "/login?next="+urlQueryEscape(r.URL.RequestURI()), http.StatusSeeOther)
			return
		}
		s.errorPage(w, r, status, msg)
	})
}

// authenticate finds the caller (bearer token on the API, else the
// session cookie), puts it in r's context, and enforces the route's
// permission and, for a cookie on an unsafe method, the CSRF token.
func (s *Server) authenticate(w http.ResponseWriter, r *http.Request, rt route) error {
	var id auth.Identity
	var sid string
	if h := r.Header.Get("Authorization"); rt.API && h != "" {
		tok, ok := strings.CutPrefix(h, "Bearer ")
		if !ok {
			return errorf(http.StatusUnauthorized, "the Authorization header takes a bearer token")
		}
		var err error
		if id, err = s.accounts.Bearer(r.Context(), strings.TrimSpace(tok)); err != nil {
			return err
		}
	} else if c, err := r.Cookie(s.cookieName()); err == nil && c.Value != "" {
		id, err = s.accounts.Session(r.Context(), c.Value)
		switch {
		case err == nil:
			sid = c.Value
		case isUnauthenticated(err):
			s.clearCookie(w)
			id = auth.Identity{}
		default:
			return err
		}
	}
	ctx := context.WithValue(r.Context(), identityKey, id)
	ctx = context.WithValue(ctx, sessionKey, sid)
	*r = *r.WithContext(ctx)
	if rt.Allow == nil { // public
		return nil
	}
	if !id.Valid() {
		return errUnauthorized
	}
	if sid != "" && !safeMethod(r.Method) {
		tok := r.Header.Get("X-CSRF-Token")
		if tok == "" && !rt.API {
			tok = r.PostFormValue("csrf")
		}
		if !s.accounts.CheckCSRF(sid, tok) {
			return errCSRF
		}
	}
	if !rt.Allow(id) {
		return errForbidden
	}
	return nil
}

func isUnauthenticated(err error) bool { return errors.Is(err, auth.ErrUnauthenticated) }

func safeMethod(m string) bool {
	return m == http.MethodGet || m == http.MethodHead || m == http.MethodOptions
}

func (s *Server) cookieName() string {
	if s.tls {
		return "__Host-antidote_session"
	}
	return "antidote_session"
}

func (s *Server) setCookie(w http.ResponseWriter, value string, expires time.Time) {
	http.SetCookie(w, &http.Cookie{Name: s.cookieName(), Value: value, Path: "/", Expires: expires,
		HttpOnly: true, Secure: s.tls, SameSite: http.SameSiteStrictMode})
}

func (s *Server) clearCookie(w http.ResponseWriter) {
	http.SetCookie(w, &http.Cookie{Name: s.cookieName(), Value: "", Path: "/", MaxAge: -1,
		HttpOnly: true, Secure: s.tls, SameSite: http.SameSiteStrictMode})
}

// clientAddr is the address the login limits count: the connection's
// peer (a reverse proxy's headers are not trusted).
func clientAddr(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

func writeJSON(w http.ResponseWriter, status int, v any) error {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	return newEncoder(w).Encode(v)
}

// encodeJSON is what writeJSON writes of v.
func encodeJSON(v any) ([]byte, error) {
	var buf bytes.Buffer
	err := newEncoder(&buf).Encode(v)
	return buf.Bytes(), err
}

func newEncoder(w io.Writer) *json.Encoder {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc
}
