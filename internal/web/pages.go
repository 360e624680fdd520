package web

import (
	"bytes"
	"errors"
	"fmt"
	"html/template"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"antidote/internal/auth"
	"antidote/internal/cases"
	"antidote/internal/secret"
)

var pageNames = []string{"login", "error", "cases", "case", "docs", "doc", "original", "search", "findings", "report", "release", "audit", "users", "unseal", "fragment"}

func parsePages() (map[string]*template.Template, error) {
	funcs := template.FuncMap{
		"date": func(t time.Time) string {
			if t.IsZero() {
				return ""
			}
			return t.UTC().Format("2006-01-02")
		},
		"datetime": func(t time.Time) string {
			if t.IsZero() {
				return ""
			}
			return t.UTC().Format("2006-01-02 15:04 UTC")
		},
		"deref":  func(p *int) int { return *p },
		"can":    func(id auth.Identity, a string) bool { return auth.Allowed(id, auth.Action(a)) },
		"indent": func(depth int) int { return min(depth, 12) },
		"statuses": func(id auth.Identity) []cases.Status {
			var out []cases.Status
			for _, s := range cases.Statuses() {
				if id.Role != auth.Vendor || vendorStatuses[s] {
					out = append(out, s)
				}
			}
			return out
		},
		"justifications": func() []cases.Justification {
			return []cases.Justification{cases.ComponentNotPresent, cases.VulnerableCodeNotPresent, cases.VulnerableCodeNotInExecutePath,
				cases.VulnerableCodeCannotBeControlledByAdversary, cases.InlineMitigationsAlreadyExist}
		},
	}
	out := map[string]*template.Template{}
	for _, name := range pageNames {
		t, err := template.New("layout.html").Funcs(funcs).ParseFS(assets, "templates/layout.html", "templates/"+name+".html")
		if err != nil {
			return nil, fmt.Errorf("parse page %s: %w", name, err)
		}
		out[name] = t
	}
	return out, nil
}

// view is what every page template gets.
type view struct {
	Title    string
	Identity auth.Identity
	CSRF     string
	Flash    string
	Data     any
}

func (s *Server) render(w http.ResponseWriter, r *http.Request, status int, name, title string, data any) error {
	page, err := s.execute(name, s.view(r, title, data))
	if err != nil {
		return err
	}
	return writeHTML(w, status, page)
}

// contentMark stands for kept content in the layout rendered around it.
// Nothing else on a page can read so: text in pages is escaped.
const contentMark = "<!--antidote:kept-content-->"

// renderKept writes a page whose content is kept bytes (pagecache.go): the
// layout, with the caller's name, menu and CSRF token, is rendered around
// them (once per title, caller and CSRF token: it depends on nothing else).
func (s *Server) renderKept(w http.ResponseWriter, r *http.Request, status int, title string, content []byte) error {
	v := s.view(r, title, template.HTML(contentMark))
	k := frameKey{title: v.Title, id: v.Identity, csrf: v.CSRF}
	f, ok := s.frames.get(k)
	if !ok {
		page, err := s.execute("fragment", v)
		if err != nil {
			return err
		}
		head, tail, found := bytes.Cut(page, []byte(contentMark))
		if !found {
			return errors.New("render: the layout lost its content")
		}
		f = frame{head: head, tail: tail}
		s.frames.put(k, f)
	}
	return writeHTML(w, status, f.head, content, f.tail)
}

// view is what page templates get for the caller of r.
func (s *Server) view(r *http.Request, title string, data any) view {
	v := view{Title: title, Identity: identity(r), Data: data}
	if sid := sessionID(r); sid != "" {
		v.CSRF = s.accounts.CSRFToken(sid)
	}
	return v
}

// execute renders page name.
func (s *Server) execute(name string, v view) ([]byte, error) {
	var buf bytes.Buffer
	if err := s.pages[name].Execute(&buf, v); err != nil {
		return nil, fmt.Errorf("render %s: %w", name, err)
	}
	return buf.Bytes(), nil
}

func writeHTML(w http.ResponseWriter, status int, parts ...[]byte) error {
	n := 0
	for _, p := range parts {
		n += len(p)
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Content-Length", strconv.Itoa(n))
	w.WriteHeader(status)
	for _, p := range parts {
		if _, err := w.Write(p); err != nil {
			return err
		}
	}
	return nil
}

func (s *Server) errorPage(w http.ResponseWriter, r *http.Request, status int, msg string) {
	if err := s.render(w, r, status, "error", http.StatusText(status), struct {
		Status int
		Msg    string
	}{status, msg}); err != nil {
		s.log.Error("render error page", "err", err)
	}
}

func (s *Server) home(w http.ResponseWriter, r *http.Request) error {
	http.Redirect(w, r, "/cases", http.StatusSeeOther)
	return nil
}

type loginData struct {
	Name    string
	Next    string
	Problem string
	Code    bool
}

// safeNext keeps a post-login redirect on this site.
func safeNext(next string) string {
	if !strings.HasPrefix(next, "/") || strings.HasPrefix(next, "//") || strings.HasPrefix(next, "/\\") || strings.ContainsAny(next, "\r\n") {
		return "/"
	}
	return next
}

func (s *Server) loginForm(w http.ResponseWriter, r *http.Request) error {
	return s.render(w, r, http.StatusOK, "login", "Log in", loginData{Next: safeNext(r.URL.Query().Get("next"))})
}

func (s *Server) login(w http.ResponseWriter, r *http.Request) error {
	if err := r.ParseForm(); err != nil {
		return errorf(http.StatusBadRequest, "the form could not be read")
	}
	d := loginData{Name: r.PostForm.Get("name"), Next: safeNext(r.PostForm.Get("next"))}
	l, err := s.accounts.Login(r.Context(), auth.LoginRequest{Name: d.Name, Password: secret.NewString(r.PostForm.Get("password")),
		Code: strings.TrimSpace(r.PostForm.Get("code")), Addr: clientAddr(r)})
	switch {
	case errors.Is(err, auth.ErrCodeRequired):
		d.Code, d.Problem = true, "Enter the one-time code from your authenticator app."
		return s.render(w, r, http.StatusUnauthorized, "login", "Log in", d)
	case errors.Is(err, auth.ErrBadLogin):
		d.Problem = "Wrong name, password or code."
		return s.render(w, r, http.StatusUnauthorized, "login", "Log in", d)
	case errors.Is(err, auth.ErrLocked):
		d.Problem = "Too many failed logins. Try again in a quarter of an hour."
		return s.render(w, r, http.StatusTooManyRequests, "login", "Log in", d)
	case err != nil:
		return err
	}
	// A login always starts a new session: end the one the browser had.
	if old := sessionID(r); old != "" {
		if err := s.accounts.Logout(r.Context(), old); err != nil {
			return err
		}
	}
	s.setCookie(w, l.Session.Reveal(), l.Expires)
	http.Redirect(w, r, d.Next, http.StatusSeeOther)
	return nil
}

func (s *Server) logout(w http.ResponseWriter, r *http.Request) error {
	if err := s.accounts.Logout(r.Context(), sessionID(r)); err != nil {
		return err
	}
	s.clearCookie(w)
	http.Redirect(w, r, "/login", http.StatusSeeOther)
	return nil
}

type casesData struct {
	Cases    []CaseView
	Status   string
	Statuses []cases.Status
	Pager    pager
}

// pager links the pages of a list, keeping the other query parameters.
type pager struct {
	Page, Pages, Total int
	Prev, Next         string
}

func newPager(r *http.Request, total int, p pageReq) pager {
	pages := max(1, (total+p.PerPage-1)/p.PerPage)
	pg := pager{Page: p.Page, Pages: pages, Total: total}
	link := func(n int) string {
		q := url.Values{}
		for k, v := range r.URL.Query() {
			q[k] = v
		}
		q.Set("page", strconv.Itoa(n))
		return r.URL.Path + "?" + q.Encode()
	}
	if p.Page > 1 {
		pg.Prev = link(min(p.Page-1, pages))
	}
	if p.Page < pages {
		pg.Next = link(p.Page + 1)
	}
	return pg
}

func (s *Server) casesPage(w http.ResponseWriter, r *http.Request) error {
	p, err := pageOf(r)
	if err != nil {
		return err
	}
	title := "Cases"
	if identity(r).Role == auth.Vendor {
		title = "Your cases"
	}
	// The table is kept for the caller's audience; it is rendered without
	// the caller (no name, no CSRF token), which the layout adds.
	table, err := s.keptCasePage(r, "html", func(r *http.Request) ([]byte, error) {
		status := r.URL.Query().Get("status")
		cs, total, err := s.visibleCases(r, status, p)
		if err != nil {
			return nil, err
		}
		var buf bytes.Buffer
		err = s.pages["cases"].ExecuteTemplate(&buf, "content", view{Title: title,
			Data: casesData{Cases: cs, Status: status, Statuses: cases.Statuses(), Pager: newPager(r, total, p)}})
		return buf.Bytes(), err
	})
	if err != nil {
		return err
	}
	return s.renderKept(w, r, http.StatusOK, title, table)
}

type caseData struct {
	Case     CaseView
	Timeline []TimelineEvent
	Comments []Comment
	// Mine are the targets the caller may set a status for.
	Mine       []TargetView
	CanComment bool
	Files      []File
	CanUpload  bool
	CanShare   bool
}

func (s *Server) casePage(w http.ResponseWriter, r *http.Request) error {
	c, err := s.visibleCase(r)
	if err != nil {
		return err
	}
	id := identity(r)
	tl, err := s.app.Timeline(r.Context(), id, c.ID)
	if err != nil {
		return err
	}
	cm, err := s.visibleComments(r, c)
	if err != nil {
		return err
	}
	files, err := s.visibleFiles(r, c)
	if err != nil {
		return err
	}
	d := caseData{Case: c, Timeline: timelineFor(id, c, tl), Comments: cm, CanComment: auth.CanComment(id, c.Vendors()),
		Files: files, CanUpload: auth.CanUpload(id, c.Vendors()), CanShare: auth.Allowed(id, auth.CasesWrite)}
	for _, t := range c.Targets {
		if auth.CanSetStatus(id, t.VendorID) {
			d.Mine = append(d.Mine, t)
		}
	}
	return s.render(w, r, http.StatusOK, "case", fmt.Sprintf("Case %d", c.ID), d)
}

func (s *Server) statusForm(w http.ResponseWriter, r *http.Request) error {
	c, err := s.visibleCase(r)
	if err != nil {
		return err
	}
	if err := r.ParseForm(); err != nil {
		return errorf(http.StatusBadRequest, "the form could not be read")
	}
	f := r.PostForm
	req := StatusRequest{Vendor: f.Get("vendor"), Product: f.Get("product"), Status: f.Get("status"), FixedVersion: f.Get("fixed_version"),
		ReleaseDate: f.Get("release_date"), PatchLevel: f.Get("patch_level"), Justification: f.Get("justification"), Note: f.Get("note")}
	id := identity(r)
	ch, err := s.statusChange(id, c, req)
	if err != nil {
		return err
	}
	if _, err := s.app.SetStatus(r.Context(), id, c.ID, ch); err != nil {
		return err
	}
	http.Redirect(w, r, fmt.Sprintf("/cases/%d#status", c.ID), http.StatusSeeOther)
	return nil
}

func (s *Server) sharedForm(w http.ResponseWriter, r *http.Request) error {
	c, err := s.visibleCase(r)
	if err != nil {
		return err
	}
	if err := r.ParseForm(); err != nil {
		return errorf(http.StatusBadRequest, "the form could not be read")
	}
	if err := s.app.SetShared(r.Context(), identity(r), c.ID, r.PostForm.Get("shared") == "1"); err != nil {
		return err
	}
	http.Redirect(w, r, fmt.Sprintf("/cases/%d#parties", c.ID), http.StatusSeeOther)
	return nil
}

func (s *Server) commentForm(w http.ResponseWriter, r *http.Request) error {
	c, err := s.visibleCase(r)
	if err != nil {
		return err
	}
	if err := r.ParseForm(); err != nil {
		return errorf(http.StatusBadRequest, "the form could not be read")
	}
	var thread int64
	if v := r.PostForm.Get("vendor"); v != "" {
		if thread, err = strconv.ParseInt(v, 10, 64); err != nil {
			return errorf(http.StatusBadRequest, "vendor must be a vendor id")
		}
	}
	if _, err := s.comment(r, c, CommentRequest{Text: r.PostForm.Get("text"), Vendor: thread}); err != nil {
		return err
	}
	http.Redirect(w, r, fmt.Sprintf("/cases/%d#comments", c.ID), http.StatusSeeOther)
	return nil
}
