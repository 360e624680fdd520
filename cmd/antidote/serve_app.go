package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"antidote/internal/audit"
	"antidote/internal/auth"
	"antidote/internal/cases"
	"antidote/internal/findings"
	"antidote/internal/redact"
	"antidote/internal/search"
	"antidote/internal/store"
	"antidote/internal/web"
)

// serveApp is web.App over the CLI's workspace: a bridge until the
// application core (internal/workspace) offers these use cases itself.
// Like the core, it checks the caller's role on every call (auth.Allowed)
// and records in the audit chain, under the caller's name, every read of
// content (original text, search, the report, the audit log) and every
// change. Views of case metadata (list, case, timeline, release plan) are
// not recorded: one chained, synced write per page view would serialize
// the server.
type serveApp struct {
	ws     *workspace
	headMu sync.Mutex

	snapMu sync.Mutex
	snap   *caseSnapshot
}

// caseSnapshot is everything case views are computed from, kept between
// requests: the case list of 10,000 cases must not reload and decrypt the
// whole disclosure state per request. It is rebuilt when the store's
// CasesVersion changes, checked at most once per snapshotTTL (so a change
// made by another process shows within that time), and dropped at once by
// every change made through this server.
type caseSnapshot struct {
	version string
	checked time.Time
	cat     *catalog
	pol     cases.Policy
	cases   []cases.Case
	byCase  map[int64][]cases.Event
	finding map[int64]findings.Finding
	// byVendor lists, per vendor, the positions in cases of the cases
	// naming it, so that a vendor's list costs its own cases only.
	byVendor map[int64][]int
	byID     map[int64]int // case id -> position in cases
	shared   map[int64]bool
}

const snapshotTTL = time.Second

func (a *serveApp) invalidate() {
	a.snapMu.Lock()
	a.snap = nil
	a.snapMu.Unlock()
}

func (a *serveApp) snapshot(ctx context.Context) (*caseSnapshot, error) {
	a.snapMu.Lock()
	defer a.snapMu.Unlock()
	now := time.Now()
	if a.snap != nil && now.Sub(a.snap.checked) < snapshotTTL {
		return a.snap, nil
	}
	v, err := a.ws.store.CasesVersion(ctx)
	if err != nil {
		return nil, err
	}
	if a.snap != nil && a.snap.version == v {
		a.snap.checked = now
		return a.snap, nil
	}
	b, err := a.bundle(ctx)
	if err != nil {
		return nil, err
	}
	cs, err := a.ws.store.Cases(ctx)
	if err != nil {
		return nil, err
	}
	evs, err := a.ws.store.CaseEvents(ctx)
	if err != nil {
		return nil, err
	}
	fs, err := a.ws.store.Findings(ctx)
	if err != nil {
		return nil, err
	}
	shared, err := a.ws.store.SharedCases(ctx)
	if err != nil {
		return nil, err
	}
	sn := &caseSnapshot{version: v, checked: now, cat: b.cat, pol: b.pol, cases: cs, byCase: map[int64][]cases.Event{}, finding: map[int64]findings.Finding{}, shared: shared}
	for _, ev := range evs {
		sn.byCase[ev.Case] = append(sn.byCase[ev.Case], ev)
	}
	for _, f := range fs {
		sn.finding[f.ID] = f
	}
	sn.byVendor, sn.byID = map[int64][]int{}, map[int64]int{}
	for i, c := range cs {
		sn.byID[c.ID] = i
		seen := map[int64]bool{}
		for _, v := range caseVendors(c, sn.byCase[c.ID]) {
			if !seen[v] {
				seen[v] = true
				sn.byVendor[v] = append(sn.byVendor[v], i)
			}
		}
	}
	a.snap = sn
	return sn, nil
}

func need(id auth.Identity, a auth.Action) error {
	if !auth.Allowed(id, a) {
		return fmt.Errorf("%w: %s may not %s", auth.ErrForbidden, id.Role, a)
	}
	return nil
}

// record appends to the audit chain as the web caller.
func (a *serveApp) record(ctx context.Context, id auth.Identity, action, target string, detail []byte) error {
	a.headMu.Lock()
	defer a.headMu.Unlock()
	ev, err := a.ws.audit.Record(ctx, id.Name, action, target, detail)
	if err != nil {
		return err
	}
	return a.ws.writeHead(audit.Head{Seq: ev.Seq, MAC: ev.MAC})
}

func webDoc(d store.Doc) web.Doc {
	j := toDocJSON(d)
	return web.Doc{ID: j.ID, Paths: j.Paths, SHA256: j.SHA256, MediaType: j.MediaType, Charset: j.Charset, Size: j.Size, TextSize: j.TextSize,
		Truncated: j.Truncated, Status: j.Status, Reason: j.Reason, Parent: j.Parent, Complete: j.Complete}
}

func (a *serveApp) Docs(ctx context.Context, id auth.Identity) ([]web.Doc, error) {
	if err := need(id, auth.DocsRead); err != nil {
		return nil, err
	}
	var out []web.Doc
	err := a.ws.store.ListDocs(ctx, func(d store.Doc) error {
		out = append(out, webDoc(d))
		return nil
	})
	return out, err
}

func (a *serveApp) Doc(ctx context.Context, id auth.Identity, doc int64) (web.Doc, error) {
	if err := need(id, auth.DocsRead); err != nil {
		return web.Doc{}, err
	}
	d, err := a.ws.store.GetDoc(ctx, doc)
	if err != nil {
		return web.Doc{}, err
	}
	return webDoc(d), nil
}

func (a *serveApp) RedactedText(ctx context.Context, id auth.Identity, doc int64) (string, error) {
	if err := need(id, auth.DocsRead); err != nil {
		return "", err
	}
	r, err := a.ws.store.Redaction(ctx, doc)
	if errors.Is(err, store.ErrNotFound) {
		return "", fmt.Errorf("document %d has not been redacted yet (antidote redact --all): %w", doc, store.ErrNotFound)
	}
	if err != nil {
		return "", err
	}
	return string(r.Text), nil
}

func (a *serveApp) OriginalText(ctx context.Context, id auth.Identity, doc int64) (string, error) {
	if err := need(id, auth.DocsOriginal); err != nil {
		return "", err
	}
	if _, err := a.ws.store.GetDoc(ctx, doc); err != nil {
		return "", err
	}
	// Recorded before anything is returned.
	if err := a.record(ctx, id, "docs.text", "doc "+strconv.FormatInt(doc, 10), auditDetail(map[string]any{"via": "web"})); err != nil {
		return "", err
	}
	t, err := a.ws.store.DocText(ctx, doc)
	return string(t), err
}

func (a *serveApp) Search(ctx context.Context, id auth.Identity, query string, limit int) (web.SearchResult, error) {
	var res web.SearchResult
	if err := need(id, auth.Search); err != nil {
		return res, err
	}
	q, err := search.Parse(query)
	if err != nil {
		return res, badRequest{fmt.Errorf("query: %w", err)}
	}
	if err := a.record(ctx, id, "search", "", []byte(query)); err != nil {
		return res, err
	}
	mac := a.ws.keys.MAC("index")
	candidates := map[int64]bool{}
	for _, clause := range q.Required() {
		var ids []int64
		for i, t := range clause {
			got, err := a.ws.store.Postings(ctx, mac.Sum([]byte(t)))
			if err != nil {
				return res, err
			}
			if i == 0 {
				ids = got
			} else {
				ids = intersect(ids, got)
			}
			if len(ids) == 0 {
				break
			}
		}
		for _, d := range ids {
			candidates[d] = true
		}
	}
	ids := make([]int64, 0, len(candidates))
	for d := range candidates {
		ids = append(ids, d)
	}
	sort.Slice(ids, func(i, j int) bool { return ids[i] < ids[j] })
	res.Hits = []web.Hit{}
	for _, d := range ids {
		text, err := a.ws.store.DocText(ctx, d)
		if err != nil {
			return res, err
		}
		if ok, _ := q.Match(text); !ok {
			continue
		}
		res.Total++
		if limit > 0 && len(res.Hits) >= limit {
			continue
		}
		doc, err := a.ws.store.GetDoc(ctx, d)
		if err != nil {
			return res, err
		}
		// Snippets come from the redacted text when there is one: the
		// page must not show identifiers the search matched around.
		h := web.Hit{Doc: d, Paths: toDocJSON(doc).Paths}
		if red, err := a.ws.store.Redaction(ctx, d); err == nil {
			if _, rs := q.Match(red.Text); len(rs) > 0 {
				for _, sp := range rs[:min(len(rs), 3)] {
					h.Snippets = append(h.Snippets, search.Snippet(red.Text, sp, 60))
				}
			}
		}
		res.Hits = append(res.Hits, h)
	}
	return res, nil
}

func (a *serveApp) Findings(ctx context.Context, id auth.Identity) ([]findings.Finding, error) {
	if err := need(id, auth.FindingsRead); err != nil {
		return nil, err
	}
	return a.ws.store.Findings(ctx)
}

func (a *serveApp) Finding(ctx context.Context, id auth.Identity, f int64) (findings.Finding, error) {
	if err := need(id, auth.FindingsRead); err != nil {
		return findings.Finding{}, err
	}
	return a.ws.store.Finding(ctx, f)
}

func (a *serveApp) Vendors(ctx context.Context, id auth.Identity) ([]cases.Vendor, error) {
	if err := need(id, auth.VendorsRead); err != nil {
		return nil, err
	}
	return a.ws.store.Vendors(ctx, false)
}

func webCase(v caseView, c cases.Case, f findings.Finding, tl []cases.Event, at time.Time) web.CaseView {
	out := web.CaseView{ID: v.ID, Finding: v.Finding, Title: f.Title, Summary: f.Summary, CWEs: f.CWEs, CVSS: f.CVSS,
		Opened: v.Opened, OpenedBy: v.OpenedBy, PublicAt: v.PublicAt, Evidence: v.Evidence, At: v.At, Error: v.Error, Targets: []web.TargetView{}}
	st, _ := cases.Replay(c, tl, at)
	for i, t := range v.Targets {
		tv := web.TargetView{Vendor: t.Vendor, Product: t.Product, Downstream: t.Downstream, Status: t.Status, Since: t.Since, Notified: t.Notified,
			Deadline: t.Deadline, DaysLeft: t.DaysLeft, Basis: t.Basis, Resolved: t.Resolved, FixedVersion: t.FixedVersion, ReleaseDate: t.ReleaseDate,
			PatchLevel: t.PatchLevel, Justification: t.Justification, ExpectedFix: t.ExpectedFix}
		if i < len(st.Targets) {
			tv.VendorID, tv.ProductID = st.Targets[i].Vendor, st.Targets[i].Product
		}
		out.Targets = append(out.Targets, tv)
	}
	return out
}

// caseBundle loads what case views need.
type caseBundle struct {
	cat *catalog
	pol cases.Policy
}

func (a *serveApp) bundle(ctx context.Context) (caseBundle, error) {
	cat, err := loadCatalog(ctx, a.ws.store)
	if err != nil {
		return caseBundle{}, err
	}
	pol, err := a.ws.store.Policy(ctx)
	return caseBundle{cat, pol}, err
}

func caseVendors(c cases.Case, tl []cases.Event) []int64 {
	var out []int64
	for _, t := range c.Targets {
		out = append(out, t.Vendor)
	}
	for _, e := range tl {
		if e.Target.Vendor != 0 {
			out = append(out, e.Target.Vendor)
		}
	}
	return out
}

func (a *serveApp) Cases(ctx context.Context, id auth.Identity, q web.CaseQuery) ([]web.CaseView, int, error) {
	if !auth.Allowed(id, auth.CasesRead) && !auth.Allowed(id, auth.VendorCaseRead) {
		return nil, 0, need(id, auth.CasesRead)
	}
	sn, err := a.snapshot(ctx)
	if err != nil {
		return nil, 0, err
	}
	// Visibility and the status filter apply before paging, so that the
	// total counts only what the caller may see.
	candidates := sn.cases
	if !auth.Allowed(id, auth.CasesRead) {
		candidates = nil
		for _, i := range sn.byVendor[id.Vendor] {
			candidates = append(candidates, sn.cases[i])
		}
	}
	all := candidates
	if q.Status != "" {
		all = nil
		for _, c := range candidates {
			st, _ := cases.Replay(c, sn.byCase[c.ID], q.At)
			if slices.ContainsFunc(st.Targets, func(t cases.TargetState) bool { return t.Status == q.Status }) {
				all = append(all, c)
			}
		}
	}
	page := all[min(q.Offset, len(all)):]
	if q.Limit > 0 {
		page = page[:min(q.Limit, len(page))]
	}
	out := make([]web.CaseView, 0, len(page))
	for _, c := range page {
		f := sn.finding[c.Finding]
		v := viewCase(sn.cat, sn.pol, c, sn.byCase[c.ID], f.Exploited, q.At)
		wc := webCase(v, c, f, sn.byCase[c.ID], q.At)
		wc.Shared = sn.shared[c.ID]
		out = append(out, wc)
	}
	return out, len(all), nil
}

// loadCase returns a case the caller may see; another vendor's is not found.
func (a *serveApp) loadCase(ctx context.Context, id auth.Identity, cid int64) (cases.Case, []cases.Event, error) {
	c, tl, err := a.ws.store.Case(ctx, cid)
	if err != nil {
		return c, nil, err
	}
	if !auth.CanReadCase(id, caseVendors(c, tl)) {
		return c, nil, fmt.Errorf("case %d: %w", cid, store.ErrNotFound)
	}
	return c, tl, nil
}

func (a *serveApp) Case(ctx context.Context, id auth.Identity, cid int64, at time.Time) (web.CaseView, error) {
	sn, err := a.snapshot(ctx)
	if err != nil {
		return web.CaseView{}, err
	}
	i, ok := sn.byID[cid]
	if !ok {
		// Opened by another process within the last second, or absent:
		// compare versions now (a rebuild only if something changed, so
		// probing unknown ids costs one query each, not a reload).
		a.snapMu.Lock()
		if a.snap != nil {
			a.snap.checked = time.Time{}
		}
		a.snapMu.Unlock()
		if sn, err = a.snapshot(ctx); err != nil {
			return web.CaseView{}, err
		}
		if i, ok = sn.byID[cid]; !ok {
			return web.CaseView{}, fmt.Errorf("case %d: %w", cid, store.ErrNotFound)
		}
	}
	c, tl := sn.cases[i], sn.byCase[cid]
	if !auth.CanReadCase(id, caseVendors(c, tl)) {
		return web.CaseView{}, fmt.Errorf("case %d: %w", cid, store.ErrNotFound)
	}
	f := sn.finding[c.Finding]
	wc := webCase(viewCase(sn.cat, sn.pol, c, tl, f.Exploited, at), c, f, tl, at)
	wc.Shared = sn.shared[cid]
	return wc, nil
}

func (a *serveApp) SetStatus(ctx context.Context, id auth.Identity, cid int64, ch web.StatusChange) (cases.Event, error) {
	if !auth.CanSetStatus(id, ch.Vendor) {
		return cases.Event{}, need(id, auth.CasesWrite)
	}
	if _, _, err := a.loadCase(ctx, id, cid); err != nil {
		return cases.Event{}, err
	}
	t := cases.Target{Vendor: ch.Vendor}
	if ch.Product != "" {
		b, err := a.bundle(ctx)
		if err != nil {
			return cases.Event{}, err
		}
		p, err := b.cat.product(ch.Vendor, ch.Product)
		if err != nil {
			return cases.Event{}, badRequest{err}
		}
		t.Product = p.ID
	}
	ev := cases.Event{Case: cid, At: time.Now().UTC(), Actor: id.Name, Kind: cases.EventStatus, Target: t, Status: ch.Status,
		FixedVersion: ch.FixedVersion, ReleaseDate: ch.ReleaseDate, PatchLevel: ch.PatchLevel, Justification: ch.Justification, Note: ch.Note}
	seq, err := addEvent(ctx, a.ws, ev)
	if err != nil {
		return cases.Event{}, err
	}
	ev.Seq = seq
	a.invalidate()
	return ev, a.record(ctx, id, "case.status", fmt.Sprintf("case %d", cid), auditDetail(map[string]any{"vendor": t.Vendor, "product": t.Product, "status": ch.Status, "via": "web"}))
}

func (a *serveApp) SetShared(ctx context.Context, id auth.Identity, cid int64, shared bool) error {
	if err := need(id, auth.CasesWrite); err != nil {
		return err
	}
	if err := a.ws.store.SetCaseShared(ctx, cid, shared, time.Now().UTC().Format(time.RFC3339Nano), id.Name); err != nil {
		return err
	}
	a.invalidate()
	return a.record(ctx, id, "case.share", fmt.Sprintf("case %d", cid), auditDetail(map[string]any{"shared": shared}))
}

func (a *serveApp) Comments(ctx context.Context, id auth.Identity, cid int64) ([]web.Comment, error) {
	if _, _, err := a.loadCase(ctx, id, cid); err != nil {
		return nil, err
	}
	cs, err := a.ws.store.CaseComments(ctx, cid)
	if err != nil {
		return nil, err
	}
	out := []web.Comment{}
	for _, c := range cs {
		at, _ := time.Parse(time.RFC3339Nano, c.At)
		m := web.Comment{ID: c.ID, Case: c.Case, Vendor: c.Vendor, At: at, Author: c.Author, Text: c.Text}
		if auth.Allowed(id, auth.CasesRead) || m.Vendor == id.Vendor {
			out = append(out, m)
		}
	}
	return out, nil
}

func (a *serveApp) AddComment(ctx context.Context, id auth.Identity, cid int64, m web.Comment) (web.Comment, error) {
	c, tl, err := a.loadCase(ctx, id, cid)
	if err != nil {
		return m, err
	}
	if !auth.CanComment(id, caseVendors(c, tl)) {
		return m, need(id, auth.CasesWrite)
	}
	if id.Role == auth.Vendor {
		m.Vendor = id.Vendor
	}
	m.Case, m.Author, m.At = cid, id.Name, time.Now().UTC()
	m.ID, err = a.ws.store.AddCaseComment(ctx, store.CaseComment{Case: cid, Vendor: m.Vendor, At: m.At.Format(time.RFC3339Nano), Author: m.Author, Text: m.Text})
	if err != nil {
		return m, err
	}
	return m, a.record(ctx, id, "case.comment", fmt.Sprintf("case %d", cid), auditDetail(map[string]any{"thread": m.Vendor}))
}

func (a *serveApp) Timeline(ctx context.Context, id auth.Identity, cid int64) ([]web.TimelineEvent, error) {
	_, tl, err := a.loadCase(ctx, id, cid)
	if err != nil {
		return nil, err
	}
	b, err := a.bundle(ctx)
	if err != nil {
		return nil, err
	}
	out := []web.TimelineEvent{}
	for _, e := range tl {
		te := web.TimelineEvent{Event: e}
		if e.Target.Vendor != 0 {
			te.Vendor = b.cat.vendorName(e.Target.Vendor)
		}
		if e.Target.Product != 0 {
			te.Product = b.cat.productName(e.Target.Product)
		}
		out = append(out, te)
	}
	return out, nil
}

func (a *serveApp) ReleasePlan(ctx context.Context, id auth.Identity, at time.Time) ([]cases.Decision, error) {
	if err := need(id, auth.ReleaseRead); err != nil {
		return nil, err
	}
	in, docs, err := loadGate(ctx, a.ws.store, at)
	if err != nil {
		return nil, err
	}
	g := cases.NewGate(in)
	out := make([]cases.Decision, 0, len(docs))
	for _, d := range docs {
		out = append(out, g.Decide(d))
	}
	return out, nil
}

func (a *serveApp) Approve(ctx context.Context, id auth.Identity, doc int64, at time.Time) (bool, error) {
	if err := need(id, auth.ReleaseApprove); err != nil {
		return false, err
	}
	added, err := a.ws.store.Approve(ctx, doc, id.Name, at)
	if err != nil {
		return false, err
	}
	return added, a.record(ctx, id, "release.approve", fmt.Sprintf("doc %d", doc), auditDetail(map[string]any{"new": added, "via": "web"}))
}

func (a *serveApp) Report(ctx context.Context, id auth.Identity) (redact.Report, error) {
	var rep redact.Report
	if err := need(id, auth.Report); err != nil {
		return rep, err
	}
	names := map[int64]string{}
	err := a.ws.store.ListDocs(ctx, func(d store.Doc) error {
		names[d.ID] = docName(d)
		return nil
	})
	if err != nil {
		return rep, err
	}
	err = a.ws.store.ListRedactionStats(ctx, func(d int64, b []byte) error {
		var st redact.Stats
		if err := json.Unmarshal(b, &st); err != nil {
			return fmt.Errorf("statistics of document %d are damaged: %w", d, err)
		}
		name, ok := names[d]
		if !ok {
			name = strconv.FormatInt(d, 10)
		}
		rep.Add(name, st)
		return nil
	})
	if err != nil {
		return rep, err
	}
	return rep, a.record(ctx, id, "report", "", nil)
}

func (a *serveApp) Audit(ctx context.Context, id auth.Identity) ([]web.AuditEvent, error) {
	if err := need(id, auth.AuditRead); err != nil {
		return nil, err
	}
	var out []web.AuditEvent
	err := a.ws.audit.List(ctx, func(e auditEvent) error {
		out = append(out, web.AuditEvent{Seq: e.Seq, At: e.At, Actor: e.Actor, Action: e.Action, Target: e.Target})
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, a.record(ctx, id, "audit.list", "", nil)
}

// badRequest marks an error of the caller's request (a bad query, an
// unknown product).
type badRequest struct{ err error }

func (b badRequest) Error() string { return b.err.Error() }
func (b badRequest) Unwrap() error { return b.err }

// classify maps the workspace's errors to HTTP statuses for the web.
func classify(err error) int {
	var br badRequest
	switch {
	case errors.As(err, &br):
		return 400
	case errors.Is(err, store.ErrNotFound), errors.Is(err, auth.ErrNotFound):
		return 404
	case errors.Is(err, cases.ErrBadEvent):
		return 409
	case strings.Contains(err.Error(), "is not a vendor"), strings.Contains(err.Error(), "no vendor"), strings.Contains(err.Error(), "no product"):
		return 400
	}
	return 0
}

var _ web.App = (*serveApp)(nil)

// serveAdmin is web.Admin over the account service, checking users.admin
// and recording every change, as the core will.
type serveAdmin struct {
	app      *serveApp
	accounts *auth.Service
}

func (a serveAdmin) Users(ctx context.Context, id auth.Identity) ([]auth.User, error) {
	if err := need(id, auth.UsersAdmin); err != nil {
		return nil, err
	}
	return a.accounts.Users(ctx)
}

func (a serveAdmin) Tokens(ctx context.Context, id auth.Identity) ([]auth.Token, error) {
	if err := need(id, auth.UsersAdmin); err != nil {
		return nil, err
	}
	return a.accounts.Tokens(ctx)
}

func (a serveAdmin) SetDisabled(ctx context.Context, id auth.Identity, name string, disabled bool) error {
	if err := need(id, auth.UsersAdmin); err != nil {
		return err
	}
	if err := a.accounts.SetDisabled(ctx, name, disabled); err != nil {
		return err
	}
	action := "user.enable"
	if disabled {
		action = "user.disable"
	}
	return a.app.record(ctx, id, action, "user "+strings.ToLower(name), auditDetail(map[string]any{"via": "web"}))
}

func (a serveAdmin) RevokeToken(ctx context.Context, id auth.Identity, token int64) error {
	if err := need(id, auth.UsersAdmin); err != nil {
		return err
	}
	if err := a.accounts.RevokeToken(ctx, token); err != nil {
		return err
	}
	return a.app.record(ctx, id, "token.revoke", "token "+strconv.FormatInt(token, 10), auditDetail(map[string]any{"via": "web"}))
}

var _ web.Admin = serveAdmin{}

func webFile(f store.CaseFile) web.File {
	at, _ := time.Parse(time.RFC3339Nano, f.At)
	return web.File{ID: f.ID, Case: f.Case, Vendor: f.Vendor, At: at, Author: f.Author, Name: f.Name, MediaType: f.MediaType, Size: f.Size}
}

func (a *serveApp) Files(ctx context.Context, id auth.Identity, cid int64) ([]web.File, error) {
	if _, _, err := a.loadCase(ctx, id, cid); err != nil {
		return nil, err
	}
	fs, err := a.ws.store.CaseFiles(ctx, cid)
	if err != nil {
		return nil, err
	}
	out := []web.File{}
	for _, f := range fs {
		if auth.Allowed(id, auth.CasesRead) || f.Vendor == id.Vendor {
			out = append(out, webFile(f))
		}
	}
	return out, nil
}

func (a *serveApp) File(ctx context.Context, id auth.Identity, cid, file int64) (web.File, []byte, error) {
	if _, _, err := a.loadCase(ctx, id, cid); err != nil {
		return web.File{}, nil, err
	}
	f, err := a.ws.store.CaseFileContent(ctx, cid, file)
	if err != nil {
		return web.File{}, nil, err
	}
	if !auth.Allowed(id, auth.CasesRead) && f.Vendor != id.Vendor {
		return web.File{}, nil, fmt.Errorf("file %d: %w", file, store.ErrNotFound)
	}
	if err := a.record(ctx, id, "case.file.get", fmt.Sprintf("case %d file %d", cid, file), nil); err != nil {
		return web.File{}, nil, err
	}
	return webFile(f), f.Body, nil
}

func (a *serveApp) AddFile(ctx context.Context, id auth.Identity, cid int64, f web.File, content []byte) (web.File, error) {
	c, tl, err := a.loadCase(ctx, id, cid)
	if err != nil {
		return f, err
	}
	if !auth.CanUpload(id, caseVendors(c, tl)) {
		return f, need(id, auth.CasesWrite)
	}
	if id.Role == auth.Vendor {
		f.Vendor = id.Vendor
	}
	f.Case, f.Author, f.At, f.Size = cid, id.Name, time.Now().UTC(), int64(len(content))
	f.ID, err = a.ws.store.AddCaseFile(ctx, store.CaseFile{Case: cid, Vendor: f.Vendor, At: f.At.Format(time.RFC3339Nano), Author: f.Author,
		MediaType: f.MediaType, Name: f.Name, Body: content})
	if err != nil {
		return f, err
	}
	return f, a.record(ctx, id, "case.file.add", fmt.Sprintf("case %d file %d", cid, f.ID), auditDetail(map[string]any{"thread": f.Vendor, "size": f.Size}))
}
