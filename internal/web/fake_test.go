package web

import (
	"context"
	"strings"
	"sync"
	"time"

	"antidote/internal/auth"
	"antidote/internal/cases"
	"antidote/internal/findings"
	"antidote/internal/redact"
	"antidote/internal/secret"
)

// fakeApp is a core that enforces nothing: every check the tests see is
// the web's and auth's. Vendor 1 is Apple, 2 is Google. Case 1 names Apple,
// case 2 Google, case 3 both (not shared), case 4 both (shared).
type fakeApp struct {
	mu       sync.Mutex
	calls    []string
	comments []Comment
	statuses []StatusChange
	files    []File
	contents [][]byte
	// version is CasesVersion; retitled overrides case titles (a change
	// of the case views, which bumps version).
	version  uint64
	retitled map[int64]string
	// duringCases, when set, runs inside Cases (another request arriving
	// while a page is made).
	duringCases func()
}

func (f *fakeApp) CasesVersion(ctx context.Context, id auth.Identity) (uint64, error) {
	f.call("CasesVersion")
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.version, nil
}

// retitle changes a case's finding title, as a change through the core
// would, with a new CasesVersion.
func (f *fakeApp) retitle(cs int64, title string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.retitled == nil {
		f.retitled = map[int64]string{}
	}
	f.retitled[cs] = title
	f.version++
}

func (f *fakeApp) fakeCase(id int64) (CaseView, bool) {
	c, ok := fakeCase(id)
	f.mu.Lock()
	defer f.mu.Unlock()
	if t, found := f.retitled[id]; found {
		c.Title = t
	}
	return c, ok
}

func newFakeApp() *fakeApp {
	return &fakeApp{comments: []Comment{
		{ID: 1, Case: 3, Vendor: 0, Author: "ana", Text: "internal: Apple is slow"},
		{ID: 2, Case: 3, Vendor: 1, Author: "ana", Text: "to Apple: details attached"},
		{ID: 3, Case: 3, Vendor: 2, Author: "ana", Text: "to Google: details attached"},
	}, files: []File{
		{ID: 1, Case: 1, Vendor: 1, Author: "apple", Name: "notes.txt", MediaType: "text/plain", Size: 5},
		{ID: 2, Case: 3, Vendor: 2, Author: "google", Name: "google.txt", MediaType: "text/plain", Size: 6},
	}, contents: [][]byte{[]byte("apple"), []byte("google")}}
}

func (f *fakeApp) call(name string) {
	f.mu.Lock()
	f.calls = append(f.calls, name)
	f.mu.Unlock()
}

func (f *fakeApp) called(name string) bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, c := range f.calls {
		if c == name {
			return true
		}
	}
	return false
}

var t0 = time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)

func days(n int) *int { return &n }

func fakeCase(id int64) (CaseView, bool) {
	apple := TargetView{VendorID: 1, Vendor: "Apple", Status: cases.Notified, Notified: t0, Deadline: t0.AddDate(0, 0, 90), DaysLeft: days(80), Basis: "90 days"}
	applePhone := TargetView{VendorID: 1, Vendor: "Apple", ProductID: 11, Product: "iPhone", Status: cases.Investigating, Since: t0.AddDate(0, 0, 2)}
	google := TargetView{VendorID: 2, Vendor: "Google", Status: cases.FixInProgress, Notified: t0, Deadline: t0.AddDate(0, 0, 90), DaysLeft: days(80),
		ExpectedFix: t0.AddDate(0, 0, 60), Basis: "90 days"}
	c := CaseView{ID: id, Finding: id, Title: "Finding " + string(rune('0'+id)), Summary: "a summary", CWEs: []string{"CWE-787"},
		Excerpts: []string{"seen from IPv4-US-PQOWZIJAMBDH"}, Opened: t0, OpenedBy: "ana", At: t0.AddDate(0, 0, 10)}
	switch id {
	case 1:
		c.Targets = []TargetView{apple, applePhone}
	case 2:
		c.Targets = []TargetView{google}
	case 3:
		c.Targets = []TargetView{apple, google}
	case 4:
		c.Targets, c.Shared = []TargetView{apple, google}, true
	default:
		return CaseView{}, false
	}
	return c, true
}

func (f *fakeApp) Docs(ctx context.Context, id auth.Identity) ([]Doc, error) {
	f.call("Docs")
	one := int64(1)
	return []Doc{
		{ID: 2, Paths: []string{"leak.zip/inner.tar/b.txt"}, MediaType: "text/plain", Status: "ok", Parent: &one},
		{ID: 1, Paths: []string{"leak.zip"}, MediaType: "application/zip", Status: "ok", Complete: true},
		{ID: 3, Paths: []string{"notes.txt"}, MediaType: "text/plain", Status: "ok"},
	}, nil
}

func (f *fakeApp) Doc(ctx context.Context, id auth.Identity, doc int64) (Doc, error) {
	f.call("Doc")
	if doc != 1 {
		return Doc{}, auth.ErrNotFound
	}
	return Doc{ID: 1, Paths: []string{"leak.zip/a.txt"}}, nil
}

func (f *fakeApp) RedactedText(ctx context.Context, id auth.Identity, doc int64) (string, error) {
	f.call("RedactedText")
	return "from IPv4-US-PQOWZIJAMBDH", nil
}

func (f *fakeApp) OriginalText(ctx context.Context, id auth.Identity, doc int64) (string, error) {
	f.call("OriginalText")
	return "from 8.8.8.8", nil
}

func (f *fakeApp) Search(ctx context.Context, id auth.Identity, q string, limit int) (SearchResult, error) {
	f.call("Search")
	return SearchResult{Hits: []Hit{{Doc: 1, Paths: []string{"a.txt"}, Snippets: []string{"..." + q + "..."}}}, Total: 1}, nil
}

func (f *fakeApp) Findings(ctx context.Context, id auth.Identity) ([]findings.Finding, error) {
	f.call("Findings")
	return []findings.Finding{{ID: 1, Title: "Finding 1", State: findings.Accepted}}, nil
}

func (f *fakeApp) Finding(ctx context.Context, id auth.Identity, n int64) (findings.Finding, error) {
	f.call("Finding")
	return findings.Finding{ID: n, Title: "Finding", State: findings.Accepted}, nil
}

func (f *fakeApp) Vendors(ctx context.Context, id auth.Identity) ([]cases.Vendor, error) {
	f.call("Vendors")
	return []cases.Vendor{{ID: 1, Name: "Apple"}, {ID: 2, Name: "Google"}}, nil
}

// Cases pages and filters by status, as the core does, but returns every
// vendor's cases to everyone: the web must drop what the caller may not see.
func (f *fakeApp) Cases(ctx context.Context, id auth.Identity, q CaseQuery) ([]CaseView, int, error) {
	f.call("Cases")
	if during := f.duringCases; during != nil {
		f.duringCases = nil
		during()
	}
	var out []CaseView
	for i := int64(1); i <= 4; i++ {
		c, _ := f.fakeCase(i)
		if q.Status == "" || hasStatus(c, q.Status) {
			out = append(out, c)
		}
	}
	total := len(out)
	out = out[min(q.Offset, len(out)):]
	if q.Limit > 0 {
		out = out[:min(q.Limit, len(out))]
	}
	return out, total, nil
}

func (f *fakeApp) Case(ctx context.Context, id auth.Identity, n int64, at time.Time) (CaseView, error) {
	f.call("Case")
	c, ok := f.fakeCase(n)
	if !ok {
		return c, auth.ErrNotFound
	}
	return c, nil
}

func (f *fakeApp) SetStatus(ctx context.Context, id auth.Identity, n int64, ch StatusChange) (cases.Event, error) {
	f.call("SetStatus")
	f.mu.Lock()
	f.statuses = append(f.statuses, ch)
	f.mu.Unlock()
	return cases.Event{Seq: 9, Case: n, At: t0, Actor: id.Name, Kind: cases.EventStatus, Target: cases.Target{Vendor: ch.Vendor}, Status: ch.Status}, nil
}

func (f *fakeApp) Comments(ctx context.Context, id auth.Identity, n int64) ([]Comment, error) {
	f.call("Comments")
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []Comment
	for _, c := range f.comments {
		if c.Case == n {
			out = append(out, c)
		}
	}
	return out, nil
}

func (f *fakeApp) AddComment(ctx context.Context, id auth.Identity, n int64, c Comment) (Comment, error) {
	f.call("AddComment")
	f.mu.Lock()
	defer f.mu.Unlock()
	c.ID = int64(len(f.comments) + 1)
	f.comments = append(f.comments, c)
	return c, nil
}

func (f *fakeApp) Timeline(ctx context.Context, id auth.Identity, n int64) ([]TimelineEvent, error) {
	f.call("Timeline")
	return []TimelineEvent{
		{Event: cases.Event{Seq: 1, Case: n, At: t0, Actor: "ana", Kind: cases.EventStatus, Target: cases.Target{Vendor: 1}, Status: cases.Notified, Note: "sent to Apple PSIRT"}, Vendor: "Apple"},
		{Event: cases.Event{Seq: 2, Case: n, At: t0, Actor: "ana", Kind: cases.EventStatus, Target: cases.Target{Vendor: 2}, Status: cases.Notified, Note: "sent to Google VRP"}, Vendor: "Google"},
		{Event: cases.Event{Seq: 3, Case: n, At: t0, Actor: "ana", Kind: cases.EventNote, Note: "internal remark"}},
	}, nil
}

func (f *fakeApp) ReleasePlan(ctx context.Context, id auth.Identity, at time.Time) ([]cases.Decision, error) {
	f.call("ReleasePlan")
	return []cases.Decision{{Doc: 1, Releasable: false, BlockedBy: []cases.Reason{{Kind: cases.ReasonApprovals, Detail: "0 of 2"}}}}, nil
}

func (f *fakeApp) Approve(ctx context.Context, id auth.Identity, doc int64, at time.Time) (bool, error) {
	f.call("Approve")
	return true, nil
}

func (f *fakeApp) Report(ctx context.Context, id auth.Identity) (redact.Report, error) {
	f.call("Report")
	var rep redact.Report
	rep.Add("1 leak.zip/a.txt", redact.Stats{Found: 7, Redacted: 7, Types: map[string]redact.TypeCount{"ipv4": {Found: 5, Redacted: 5}, "email": {Found: 2, Redacted: 2}},
		Countries: map[string]int64{"US": 4, "DE": 1}})
	return rep, nil
}

func (f *fakeApp) Audit(ctx context.Context, id auth.Identity) ([]AuditEvent, error) {
	f.call("Audit")
	return []AuditEvent{{Seq: 1, At: t0, Actor: "ana", Action: "docs.text", Target: "doc 1"}}, nil
}

// fakeAccounts knows one bearer token and one session per test identity:
// "tok-NAME" and "sess-NAME"; a session's CSRF token is "csrf-" + its ID.
type fakeAccounts struct {
	ids     map[string]auth.Identity
	logouts []string
}

func newFakeAccounts(ids ...auth.Identity) *fakeAccounts {
	a := &fakeAccounts{ids: map[string]auth.Identity{}}
	for _, id := range ids {
		a.ids[id.Name] = id
	}
	return a
}

func (a *fakeAccounts) Login(ctx context.Context, r auth.LoginRequest) (auth.Login, error) {
	id, ok := a.ids[r.Name]
	if !ok || r.Password.Reveal() != "password of "+r.Name {
		return auth.Login{}, auth.ErrBadLogin
	}
	return auth.Login{Session: secret.NewString("sess-" + r.Name + "-new"), Identity: id, Expires: t0.Add(time.Hour)}, nil
}

func (a *fakeAccounts) Session(ctx context.Context, sid string) (auth.Identity, error) {
	name, ok := strings.CutPrefix(sid, "sess-")
	name = strings.TrimSuffix(name, "-new")
	if id, found := a.ids[name]; ok && found {
		return id, nil
	}
	return auth.Identity{}, auth.ErrUnauthenticated
}

func (a *fakeAccounts) Logout(ctx context.Context, sid string) error {
	a.logouts = append(a.logouts, sid)
	return nil
}

func (a *fakeAccounts) Bearer(ctx context.Context, tok string) (auth.Identity, error) {
	if name, ok := strings.CutPrefix(tok, "tok-"); ok {
		if id, found := a.ids[name]; found {
			return id, nil
		}
	}
	return auth.Identity{}, auth.ErrUnauthenticated
}

func (a *fakeAccounts) CSRFToken(sid string) string    { return "csrf-" + sid }
func (a *fakeAccounts) CheckCSRF(sid, tok string) bool { return sid != "" && tok == "csrf-"+sid }

// fakeAdmin enforces nothing either.
type fakeAdmin struct {
	mu       sync.Mutex
	disabled map[string]bool
	revoked  []int64
}

func (a *fakeAdmin) Users(ctx context.Context, id auth.Identity) ([]auth.User, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	return []auth.User{{ID: 1, Name: "ana", Role: auth.Analyst, Disabled: a.disabled["ana"]}, {ID: 2, Name: "apple", Role: auth.Vendor, Vendor: 1, TOTP: true}}, nil
}

func (a *fakeAdmin) Tokens(ctx context.Context, id auth.Identity) ([]auth.Token, error) {
	return []auth.Token{{ID: 1, User: 2, Name: "apple", Label: "ci", Created: t0}}, nil
}

func (a *fakeAdmin) SetDisabled(ctx context.Context, id auth.Identity, name string, d bool) error {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.disabled == nil {
		a.disabled = map[string]bool{}
	}
	a.disabled[name] = d
	return nil
}

func (a *fakeAdmin) RevokeToken(ctx context.Context, id auth.Identity, t int64) error {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.revoked = append(a.revoked, t)
	return nil
}

func (f *fakeApp) Files(ctx context.Context, id auth.Identity, n int64) ([]File, error) {
	f.call("Files")
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []File
	for _, x := range f.files {
		if x.Case == n {
			out = append(out, x)
		}
	}
	return out, nil
}

func (f *fakeApp) File(ctx context.Context, id auth.Identity, n, file int64) (File, []byte, error) {
	f.call("File")
	f.mu.Lock()
	defer f.mu.Unlock()
	for i, x := range f.files {
		if x.ID == file && x.Case == n {
			return x, f.contents[i], nil
		}
	}
	return File{}, nil, auth.ErrNotFound
}

func (f *fakeApp) AddFile(ctx context.Context, id auth.Identity, n int64, x File, content []byte) (File, error) {
	f.call("AddFile")
	f.mu.Lock()
	defer f.mu.Unlock()
	x.ID = int64(len(f.files) + 1)
	f.files = append(f.files, x)
	f.contents = append(f.contents, content)
	return x, nil
}

func (f *fakeApp) SetShared(ctx context.Context, id auth.Identity, n int64, shared bool) error {
	f.call("SetShared")
	return nil
}
