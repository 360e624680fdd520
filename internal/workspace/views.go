package workspace

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"sync"
	"time"

	"antidote/internal/auth"
	"antidote/internal/cases"
	"antidote/internal/findings"
	"antidote/internal/kept"
	"antidote/internal/search"
	"antidote/internal/store"
)

// Case views for a server: a page of cases, a case and its timeline as the
// actor may see them. A vendor sees only the cases naming it (another's is
// not found, never forbidden, so that its existence does not leak), the
// finding as shared with vendors, its own parties in full, and the other
// vendors' names and statuses only in a case marked shared.
//
// These metadata views are not audited: one chained, synced audit write
// per page view would serialise a server. The CLI's Cases, Case and
// Timeline stay audited; content reads and every change are audited here
// as everywhere.

// CaseQuery selects a page of cases: the clocks at At, only cases with a
// party in Status (when set), Limit cases from Offset (Limit 0: all).
type CaseQuery struct {
	At     time.Time
	Status cases.Status
	Offset int
	Limit  int
}

// TimelineEvent is a case event with its party's names.
type TimelineEvent struct {
	cases.Event
	Vendor  string
	Product string
}

// snapshotTTL is how long a snapshot is trusted before the store's case
// version is compared again (changes made by another process show within
// it, plus the time of that one query under load, and at most twice it;
// changes made through this workspace drop it at once).
const snapshotTTL = time.Second

// caseViews keeps what case views are computed from between requests: a
// list of 10,000 cases must not reload and decrypt the whole disclosure
// record per request.
type caseViews struct {
	mu       sync.Mutex
	snap     *caseSnapshot
	built    uint64 // snapshots built so far: the generation of the newest
	checking bool   // a request is comparing the snapshot's version with the store's
}

type caseSnapshot struct {
	gen     uint64 // which build this is (CaseViewsVersion)
	version string
	checked time.Time
	cat     *Catalog
	pol     cases.Policy
	cases   []cases.Case
	byCase  map[int64][]cases.Event
	finding map[int64]findings.Finding
	// byVendor lists, per vendor, the positions in cases of the cases
	// naming it, so that a vendor's list costs its own cases only.
	byVendor map[int64][]int
	byID     map[int64]int
	shared   map[int64]bool
	// excerpts are the redacted excerpts of each finding's cited spans,
	// cut at a finding's first case page.
	exMu     sync.Mutex
	excerpts map[int64][]string
}

func (v *caseViews) drop() {
	v.mu.Lock()
	v.snap = nil
	v.mu.Unlock()
}

// snapshot returns the current snapshot; recheck compares the store's
// version now rather than trusting a recent check. When a snapshot is
// older than snapshotTTL, the first request to find it so compares the
// versions, and the others go on with it meanwhile (up to twice
// snapshotTTL old: package kept's rule) instead of waiting for the query.
func (ws *Workspace) snapshot(ctx context.Context, recheck bool) (*caseSnapshot, error) {
	v := &ws.views
	v.mu.Lock()
	now := ws.now()
	if sn := v.snap; sn != nil && !recheck {
		serve, claim := kept.Judge(sn.checked, now, snapshotTTL, v.checking)
		if serve {
			v.mu.Unlock()
			return sn, nil
		}
		if claim {
			v.checking = true
			v.mu.Unlock()
			version, err := ws.store.CasesVersion(ctx)
			v.mu.Lock()
			v.checking = false
			if err == nil && v.snap == sn && sn.version == version {
				sn.checked = now
				v.mu.Unlock()
				return sn, nil
			}
			// Changed (or failed): rebuild, or fail, holding the lock.
		}
	}
	defer v.mu.Unlock()
	version, err := ws.store.CasesVersion(ctx)
	if err != nil {
		return nil, err
	}
	if v.snap != nil && v.snap.version == version {
		v.snap.checked = now
		return v.snap, nil
	}
	cat, err := ws.catalog(ctx)
	if err != nil {
		return nil, err
	}
	pol, err := ws.store.Policy(ctx)
	if err != nil {
		return nil, err
	}
	cs, err := ws.store.Cases(ctx)
	if err != nil {
		return nil, err
	}
	evs, err := ws.store.CaseEvents(ctx)
	if err != nil {
		return nil, err
	}
	fs, err := ws.store.Findings(ctx)
	if err != nil {
		return nil, err
	}
	shared, err := ws.store.SharedCases(ctx)
	if err != nil {
		return nil, err
	}
	v.built++
	sn := &caseSnapshot{gen: v.built, version: version, checked: now, cat: cat, pol: pol, cases: cs, byCase: map[int64][]cases.Event{},
		finding: map[int64]findings.Finding{}, byVendor: map[int64][]int{}, byID: map[int64]int{}, shared: shared,
		excerpts: map[int64][]string{}}
	for _, ev := range evs {
		sn.byCase[ev.Case] = append(sn.byCase[ev.Case], ev)
	}
	for _, f := range fs {
		sn.finding[f.ID] = f
	}
	for i, c := range cs {
		sn.byID[c.ID] = i
		seen := map[int64]bool{}
		for _, vid := range caseVendors(c, sn.byCase[c.ID]) {
			if !seen[vid] {
				seen[vid] = true
				sn.byVendor[vid] = append(sn.byVendor[vid], i)
			}
		}
	}
	v.snap = sn
	return sn, nil
}

// CaseViewsVersion names the case views CasePage would give now: it
// changes whenever they may have (a change through this workspace at once,
// one made by another process within snapshotTTL), so that a server may
// keep what it made of a page until it does. It is not audited (it tells
// nothing of any case) but needs a role that reads cases.
func (ws *Workspace) CaseViewsVersion(ctx context.Context, a Actor) (uint64, error) {
	if err := allowAny(a, auth.CasesRead, auth.VendorCaseRead); err != nil {
		return 0, err
	}
	sn, err := ws.snapshot(ctx, false)
	if err != nil {
		return 0, err
	}
	return sn.gen, nil
}

// caseVendors lists the vendors a case names: its targets and every
// party its events added.
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

func (sn *caseSnapshot) view(c cases.Case, at time.Time) CaseView {
	f := sn.finding[c.Finding]
	v := viewCase(sn.cat, sn.pol, c, sn.byCase[c.ID], f.Exploited, at)
	v.Title, v.Summary, v.CWEs, v.CVSS = f.Title, f.Summary, f.CWEs, f.CVSS
	v.Shared = sn.shared[c.ID]
	return v
}

// projectCase is what a actor sees of a case view.
func projectCase(a Actor, c CaseView) CaseView {
	if auth.Allowed(a, auth.CasesRead) {
		return c
	}
	out := c
	out.OpenedBy, out.Error = "", ""
	out.Targets = []TargetView{}
	for _, t := range c.Targets {
		switch {
		case t.VendorID == a.Vendor:
			out.Targets = append(out.Targets, t)
		case auth.SeesVendor(a, t.VendorID, c.Shared):
			out.Targets = append(out.Targets, TargetView{VendorID: t.VendorID, Vendor: t.Vendor, ProductID: t.ProductID,
				Product: t.Product, Status: t.Status, Resolved: t.Resolved})
		}
	}
	return out
}

// CasePage returns one page of the cases the actor may see (a vendor:
// those naming it, as it sees them), filtered, with how many match in all.
func (ws *Workspace) CasePage(ctx context.Context, a Actor, q CaseQuery) ([]CaseView, int, error) {
	if err := allowAny(a, auth.CasesRead, auth.VendorCaseRead); err != nil {
		return nil, 0, err
	}
	sn, err := ws.snapshot(ctx, false)
	if err != nil {
		return nil, 0, err
	}
	// Visibility and the status filter apply before paging, so that the
	// total counts only what the actor may see.
	candidates := sn.cases
	if !auth.Allowed(a, auth.CasesRead) {
		candidates = nil
		for _, i := range sn.byVendor[a.Vendor] {
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
	page := all[min(max(q.Offset, 0), len(all)):]
	if q.Limit > 0 {
		page = page[:min(q.Limit, len(page))]
	}
	out := make([]CaseView, 0, len(page))
	for _, c := range page {
		out = append(out, projectCase(a, sn.view(c, q.At)))
	}
	return out, len(all), nil
}

// visibleCase returns a case the actor may see from the snapshot; a case
// not naming a vendor actor is not found.
func (ws *Workspace) visibleCase(ctx context.Context, a Actor, cid int64) (*caseSnapshot, cases.Case, error) {
	if err := allowAny(a, auth.CasesRead, auth.VendorCaseRead); err != nil {
		return nil, cases.Case{}, err
	}
	sn, err := ws.snapshot(ctx, false)
	if err != nil {
		return nil, cases.Case{}, err
	}
	i, ok := sn.byID[cid]
	if !ok {
		// Opened by another process within the last second, or absent:
		// compare versions now (a rebuild only if something changed, so
		// probing unknown ids costs one query each, not a reload).
		if sn, err = ws.snapshot(ctx, true); err != nil {
			return nil, cases.Case{}, err
		}
		if i, ok = sn.byID[cid]; !ok {
			return nil, cases.Case{}, &NotFoundError{What: "case " + strconv.FormatInt(cid, 10)}
		}
	}
	c := sn.cases[i]
	if !auth.CanReadCase(a, caseVendors(c, sn.byCase[cid])) {
		return nil, cases.Case{}, &NotFoundError{What: "case " + strconv.FormatInt(cid, 10)}
	}
	return sn, c, nil
}

// CaseFor returns a case with its parties' clocks at at, as the actor sees
// it, with the redacted excerpts of the spans its finding cites (part of
// the finding as shared with vendors: they show no identifier, so like the
// rest of the case view they are not audited per view).
func (ws *Workspace) CaseFor(ctx context.Context, a Actor, cid int64, at time.Time) (CaseView, error) {
	sn, c, err := ws.visibleCase(ctx, a, cid)
	if err != nil {
		return CaseView{}, err
	}
	v := projectCase(a, sn.view(c, at))
	if v.Excerpts, err = ws.caseExcerpts(ctx, sn, c.Finding); err != nil {
		return CaseView{}, err
	}
	return v, nil
}

func (ws *Workspace) caseExcerpts(ctx context.Context, sn *caseSnapshot, finding int64) ([]string, error) {
	sn.exMu.Lock()
	defer sn.exMu.Unlock()
	if ex, ok := sn.excerpts[finding]; ok {
		return ex, nil
	}
	// The snapshot's findings come from the list, without their sources.
	f, err := ws.store.Finding(ctx, finding)
	if err != nil {
		return nil, err
	}
	es, err := ws.excerpts(ctx, f)
	if err != nil {
		return nil, err
	}
	out := []string{}
	for _, e := range es {
		if e.Text != "" {
			out = append(out, e.Text)
		}
	}
	sn.excerpts[finding] = out
	return out, nil
}

// CaseEvents returns a case's timeline with its parties' names, as the
// actor sees it: a vendor gets its own events, the case's going public
// and, in a shared case, the other vendors' status changes without their
// notes or authors.
func (ws *Workspace) CaseEvents(ctx context.Context, a Actor, cid int64) ([]TimelineEvent, error) {
	sn, _, err := ws.visibleCase(ctx, a, cid)
	if err != nil {
		return nil, err
	}
	full := auth.Allowed(a, auth.CasesRead)
	shared := sn.shared[cid]
	out := []TimelineEvent{}
	for _, e := range sn.byCase[cid] {
		switch {
		case full, e.Target.Vendor == a.Vendor && e.Target.Vendor != 0, e.Kind == cases.EventPublic:
		case e.Kind == cases.EventStatus && auth.SeesVendor(a, e.Target.Vendor, shared):
			e.Note, e.Evidence, e.Actor = "", "", ""
		default:
			continue
		}
		te := TimelineEvent{Event: e}
		if e.Target.Vendor != 0 {
			te.Vendor = sn.cat.VendorName(e.Target.Vendor)
		}
		if e.Target.Product != 0 {
			te.Product = sn.cat.ProductName(e.Target.Product)
		}
		out = append(out, te)
	}
	return out, nil
}

// ShareCase lets a case's vendors see each other's names and statuses (or
// not any more).
func (ws *Workspace) ShareCase(ctx context.Context, a Actor, cid int64, shared bool) error {
	if err := allow(a, auth.CasesWrite); err != nil {
		return err
	}
	defer ws.views.drop()
	if err := ws.store.SetCaseShared(ctx, cid, shared, ws.now().UTC().Format(time.RFC3339Nano), a.Name); err != nil {
		return notFound(err, "case %d", cid)
	}
	return ws.record(ctx, a, "case.share", fmt.Sprintf("case %d", cid), auditDetail(map[string]any{"shared": shared}))
}

// ErrNotRedacted means a document has no stored redaction yet (it
// matches ErrNotFound: there is no redacted text to show).
var ErrNotRedacted = fmt.Errorf("has not been redacted yet: %w", ErrNotFound)

// RedactedText returns a document's stored redacted text; the read is
// recorded.
func (ws *Workspace) RedactedText(ctx context.Context, a Actor, doc int64) (string, error) {
	if err := allow(a, auth.DocsRead); err != nil {
		return "", err
	}
	r, err := ws.store.Redaction(ctx, doc)
	if errors.Is(err, store.ErrNotFound) {
		if _, derr := ws.store.GetDoc(ctx, doc); derr != nil {
			return "", notFound(derr, "document %d", doc)
		}
		return "", fmt.Errorf("document %d: %w", doc, ErrNotRedacted)
	}
	if err != nil {
		return "", err
	}
	return string(r.Text), ws.record(ctx, a, "docs.redacted", "doc "+strconv.FormatInt(doc, 10), nil)
}

// SearchRedacted is Search with the snippets cut from each hit's redacted
// text instead (none for a document not redacted yet): what a page may
// show without putting identifiers the query matched around on screen.
func (ws *Workspace) SearchRedacted(ctx context.Context, a Actor, r SearchRequest) (SearchResult, error) {
	res, err := ws.Search(ctx, a, r)
	if err != nil {
		return res, err
	}
	for i := range res.Hits {
		h := &res.Hits[i]
		// The terms the engine matched are the highlighted words of the
		// original snippets; the redacted snippets are cut around the same.
		terms := map[string]bool{}
		for _, sn := range h.Snippets {
			for _, hl := range sn.Highlights {
				if hl[0] >= 0 && hl[1] <= len(sn.Text) && hl[0] < hl[1] {
					search.Analyze([]byte(sn.Text[hl[0]:hl[1]]), func(t search.Token) { terms[t.Term] = true })
				}
			}
		}
		h.Snippets = nil
		red, err := ws.store.Redaction(ctx, h.Doc)
		if errors.Is(err, store.ErrNotFound) {
			continue
		}
		if err != nil {
			return res, err
		}
		h.Snippets = search.Snippets(red.Text, terms, 3, 80)
	}
	return res, nil
}
