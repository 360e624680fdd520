package workspace

import (
	"context"
	"fmt"
	"time"

	"antidote/internal/auth"
	"antidote/internal/cases"
	"antidote/internal/findings"
	"antidote/internal/store"
)

// OpenCase opens a case to coordinate an accepted finding with the vendors
// named ("VENDOR" or "VENDOR:PRODUCT"); a product's downstream makers join.
func (ws *Workspace) OpenCase(ctx context.Context, a Actor, fid int64, vendors []string, at time.Time) (cases.Case, *Catalog, error) {
	var c cases.Case
	if err := allow(a, auth.CasesWrite); err != nil {
		return c, nil, err
	}
	f, err := ws.store.Finding(ctx, fid)
	if err != nil {
		return c, nil, notFound(err, "finding %d", fid)
	}
	if f.State != findings.Accepted {
		return c, nil, invalid(&NotAcceptedError{Finding: fid, State: f.State})
	}
	cat, err := ws.catalog(ctx)
	if err != nil {
		return c, nil, err
	}
	c = cases.Case{Finding: fid, Opened: at, OpenedBy: a.Name}
	seen := map[cases.Target]bool{}
	addTarget := func(t cases.Target) {
		if !seen[t] {
			seen[t] = true
			c.Targets = append(c.Targets, t)
		}
	}
	for _, ref := range vendors {
		t, err := cat.Target(ref)
		if err != nil {
			return c, cat, err
		}
		// A vendor named alone stands for its products the finding lists,
		// so that each gets its own status (fixed in iOS 10.3.1, not
		// affected in macOS); without such a product, the vendor itself.
		targets := []cases.Target{t}
		if t.Product == 0 {
			if ps := findingProducts(cat, f, t.Vendor); len(ps) > 0 {
				targets = ps
			}
		}
		for _, t := range targets {
			addTarget(t)
			if p, ok := cat.prodByID[t.Product]; ok && p.Vendor == t.Vendor {
				for _, m := range p.Downstream {
					addTarget(cases.Target{Vendor: m, Product: p.ID})
				}
			}
		}
	}
	opened := cases.Event{At: at, Actor: a.Name, Kind: cases.EventNote, Note: "case opened"}
	id, err := ws.store.OpenCase(ctx, c, []cases.Event{opened})
	if err != nil {
		return c, cat, err
	}
	c.ID = id
	return c, cat, ws.record(ctx, a, "case.open", fmt.Sprintf("case %d", id), auditDetail(map[string]any{"finding": fid, "targets": len(c.Targets)}))
}

// NotAcceptedError means a finding must be accepted before it is
// coordinated.
type NotAcceptedError struct {
	Finding int64
	State   findings.State
}

func (e *NotAcceptedError) Error() string {
	return fmt.Sprintf("finding %d is %s: only an accepted finding is coordinated", e.Finding, e.State)
}

// findingProducts are the catalog's products of vendor that the finding
// lists as affected.
func findingProducts(cat *Catalog, f findings.Finding, vendor int64) []cases.Target {
	var out []cases.Target
	for _, af := range f.Affected {
		v, err := cat.Vendor(af.Vendor)
		if err != nil || v.ID != vendor {
			continue
		}
		if p, err := cat.Product(vendor, af.Product); err == nil {
			out = append(out, cases.Target{Vendor: vendor, Product: p.ID})
		}
	}
	return out
}

// addEvent appends e to its case after checking it against the timeline
// inside the store's transaction.
func (ws *Workspace) addEvent(ctx context.Context, e cases.Event) (int64, error) {
	defer ws.views.drop()
	return ws.store.AddCaseEvent(ctx, e, func(c cases.Case, tl []cases.Event) error {
		st, err := cases.Replay(c, tl, time.Time{})
		if err != nil {
			return err
		}
		if err := st.Apply(e); err != nil {
			return invalid(err)
		}
		return nil
	})
}

// Notify records that the vendors named were notified at at (all parties
// not yet notified when none is named); embargo clocks start there. With
// mail settings, each party's notice is composed for every security
// contact of its vendor (encrypted to the vendor's OpenPGP keys, signed
// with the workspace key) and queued in the outbox in the same transaction
// as its event; vendors that get no mail, or unencrypted mail, are named in
// the warnings.
func (ws *Workspace) Notify(ctx context.Context, a Actor, cid int64, vendors []string, at time.Time, note string) (Notification, *Catalog, error) {
	var res Notification
	if err := allow(a, auth.CasesWrite); err != nil {
		return res, nil, err
	}
	cat, err := ws.catalog(ctx)
	if err != nil {
		return res, nil, err
	}
	c, tl, err := ws.store.Case(ctx, cid)
	if err != nil {
		return res, cat, notFound(err, "case %d", cid)
	}
	var targets []cases.Target
	for _, ref := range vendors {
		t, err := cat.Target(ref)
		if err != nil {
			return res, cat, err
		}
		targets = append(targets, t)
	}
	if len(targets) == 0 {
		st, err := cases.Replay(c, tl, time.Time{})
		if err != nil {
			return res, cat, err
		}
		for _, ts := range st.Targets {
			if ts.Status == cases.NotNotified {
				targets = append(targets, ts.Target)
			}
		}
		if len(targets) == 0 {
			return res, cat, invalid(fmt.Errorf("every party of case %d has been notified; name one with --vendor to record a reminder", cid))
		}
	}
	// A vendor's contacts get one notice per case, however many of its
	// products the case lists (the outbox would drop the others anyway).
	mailed := map[int64]bool{}
	for _, t := range targets {
		var items []store.OutboxItem
		if !mailed[t.Vendor] {
			mailed[t.Vendor] = true
			var warn *MailWarning
			if items, warn, err = ws.noticeMail(ctx, a, cat, c, tl, t, at); err != nil {
				return res, cat, fmt.Errorf("notify %s: compose the notice: %w", cat.TargetName(t), err)
			}
			if warn != nil {
				res.Warnings = append(res.Warnings, *warn)
			}
		}
		ev := cases.Event{Case: cid, At: at, Actor: a.Name, Kind: cases.EventStatus, Target: t, Status: cases.Notified, Note: note}
		seq, queued, err := ws.addEventWithMail(ctx, ev, items)
		if err != nil {
			return res, cat, fmt.Errorf("notify %s: %w", cat.TargetName(t), err)
		}
		ev.Seq = seq
		res.Events = append(res.Events, ev)
		if queued > 0 {
			res.Mail = append(res.Mail, NoticeQueued{Target: t, Messages: queued, Encrypted: items[0].Message.Encrypted})
		}
		if err := ws.record(ctx, a, "case.notify", fmt.Sprintf("case %d", cid), auditDetail(map[string]any{"vendor": t.Vendor, "product": t.Product, "at": at, "mail": queued})); err != nil {
			return res, cat, err
		}
	}
	return res, cat, nil
}

// NotNotifiedError means a status was given for a party the case has not
// notified (or does not list).
type NotNotifiedError struct {
	Case   int64
	Target string
}

func (e *NotNotifiedError) Error() string {
	return fmt.Sprintf("%s has not been notified in case %d", e.Target, e.Case)
}

// SetStatus records a party's status. vendorRef is "VENDOR" or
// "VENDOR:PRODUCT"; a vendor named alone in a case that lists its products
// one by one sets the status of each of them. ev carries the status and its
// details; it returns the events recorded.
//
// A vendor sets only its own parties' statuses, in a case naming it (any
// other case is not found), and only the statuses a vendor reports.
func (ws *Workspace) SetStatus(ctx context.Context, a Actor, vendorRef string, ev cases.Event) ([]cases.Event, *Catalog, error) {
	if err := allowAny(a, auth.CasesWrite, auth.VendorCaseStatus); err != nil {
		return nil, nil, err
	}
	cat, err := ws.catalog(ctx)
	if err != nil {
		return nil, nil, err
	}
	t, err := cat.Target(vendorRef)
	if err != nil {
		return nil, cat, err
	}
	if !auth.Allowed(a, auth.CasesWrite) {
		if _, err := ws.caseVendorsOf(ctx, a, ev.Case); err != nil {
			return nil, cat, err
		}
		if !auth.CanSetStatus(a, t.Vendor) {
			return nil, cat, fmt.Errorf("%w: a vendor sets its own statuses only", ErrForbidden)
		}
		if !vendorStatus(ev.Status) {
			return nil, cat, invalid(fmt.Errorf("a vendor does not report the status %q", ev.Status))
		}
	}
	c, tl, err := ws.store.Case(ctx, ev.Case)
	if err != nil {
		return nil, cat, notFound(err, "case %d", ev.Case)
	}
	st, err := cases.Replay(c, tl, time.Time{})
	if err != nil {
		return nil, cat, err
	}
	targets := []cases.Target{t}
	if _, ok := st.Target(t); !ok {
		var ps []cases.Target
		if t.Product == 0 {
			for _, ts := range st.Targets {
				if ts.Vendor == t.Vendor {
					ps = append(ps, ts.Target)
				}
			}
		}
		if len(ps) == 0 && ev.Status != cases.Notified {
			return nil, cat, &NotNotifiedError{Case: ev.Case, Target: cat.TargetName(t)}
		}
		if len(ps) > 0 {
			targets = ps
		}
	}
	var done []cases.Event
	for _, t := range targets {
		e := ev
		e.Target, e.Actor, e.Kind = t, a.Name, cases.EventStatus
		seq, err := ws.addEvent(ctx, e)
		if err != nil {
			return done, cat, err
		}
		e.Seq = seq
		done = append(done, e)
		if err := ws.record(ctx, a, "case.status", fmt.Sprintf("case %d", e.Case), auditDetail(map[string]any{"vendor": t.Vendor, "product": t.Product, "status": e.Status})); err != nil {
			return done, cat, err
		}
	}
	return done, cat, nil
}

// vendorStatus reports whether a vendor may report status s about itself
// (not whether it was notified or unresponsive: that is the coordinators').
func vendorStatus(s cases.Status) bool {
	switch s {
	case cases.Acknowledged, cases.Investigating, cases.FixInProgress, cases.Fixed, cases.FixDeployed, cases.NotAffected, cases.Disputed:
		return true
	}
	return false
}

// MakePublic records that a case's details are already public: its embargo
// collapses at once.
func (ws *Workspace) MakePublic(ctx context.Context, a Actor, cid int64, evidence string, at time.Time) (cases.Event, error) {
	ev := cases.Event{Case: cid, At: at, Actor: a.Name, Kind: cases.EventPublic, Evidence: evidence}
	if err := allow(a, auth.CasesWrite); err != nil {
		return ev, err
	}
	seq, err := ws.addEvent(ctx, ev)
	if err != nil {
		return ev, err
	}
	ev.Seq = seq
	return ev, ws.record(ctx, a, "case.public", fmt.Sprintf("case %d", cid), auditDetail(map[string]any{"at": ev.At}))
}

// CaseView is a case with the clock of every party at some moment.
type CaseView struct {
	ID       int64        `json:"id"`
	Finding  int64        `json:"finding"`
	Title    string       `json:"finding_title,omitempty"`
	Opened   time.Time    `json:"opened"`
	OpenedBy string       `json:"opened_by"`
	PublicAt time.Time    `json:"public_at,omitzero"`
	Evidence string       `json:"public_evidence,omitempty"`
	At       time.Time    `json:"at"`
	Targets  []TargetView `json:"targets"`
	Error    string       `json:"error,omitempty"`

	// The finding as shared with vendors, and whether the case's vendors
	// see each other (filled by CasePage and CaseFor, not by the CLI's
	// views, whose JSON is kept).
	Summary string           `json:"-"`
	CWEs    []string         `json:"-"`
	CVSS    []findings.Score `json:"-"`
	Shared  bool             `json:"-"`
	// Excerpts are the redacted text of the spans the finding cites
	// (CaseFor only).
	Excerpts []string `json:"-"`
}

// TargetView is one party of a case.
type TargetView struct {
	VendorID      int64               `json:"-"`
	ProductID     int64               `json:"-"`
	Vendor        string              `json:"vendor"`
	Product       string              `json:"product,omitempty"`
	Downstream    bool                `json:"downstream,omitempty"`
	Status        cases.Status        `json:"status"`
	Since         time.Time           `json:"since,omitzero"`
	Notified      time.Time           `json:"notified,omitzero"`
	Deadline      time.Time           `json:"deadline,omitzero"`
	DaysLeft      *int                `json:"days_left,omitempty"`
	Basis         string              `json:"basis,omitempty"`
	Resolved      bool                `json:"resolved"`
	FixedVersion  string              `json:"fixed_version,omitempty"`
	ReleaseDate   time.Time           `json:"release_date,omitzero"`
	PatchLevel    string              `json:"patch_level,omitempty"`
	Justification cases.Justification `json:"justification,omitempty"`
	ExpectedFix   time.Time           `json:"expected_fix,omitzero"`
}

func viewCase(cat *Catalog, pol cases.Policy, c cases.Case, tl []cases.Event, exploited bool, at time.Time) CaseView {
	v := CaseView{ID: c.ID, Finding: c.Finding, Opened: c.Opened, OpenedBy: c.OpenedBy, At: at, Targets: []TargetView{}}
	st, err := cases.Replay(c, tl, at)
	if err != nil {
		v.Error = err.Error()
	}
	v.PublicAt, v.Evidence = st.PublicAt, st.Evidence
	for _, ts := range st.Targets {
		p := cat.prodByID[ts.Product]
		tv := TargetView{VendorID: ts.Vendor, ProductID: ts.Product, Vendor: cat.VendorName(ts.Vendor), Status: ts.Status, Since: ts.Since, Notified: ts.Notified,
			FixedVersion: ts.FixedVersion, ReleaseDate: ts.ReleaseDate, PatchLevel: ts.PatchLevel, Justification: ts.Justification, ExpectedFix: ts.ExpectedFix}
		if ts.Product != 0 {
			tv.Product = cat.ProductName(ts.Product)
			tv.Downstream = p.ID != 0 && p.Vendor != ts.Vendor
		}
		tv.Resolved = st.Resolved(ts, p)
		clock := pol.Clock(ts, p.Class, exploited, st.PublicAt)
		tv.Deadline, tv.Basis = clock.Deadline, clock.Basis
		if d, ok := clock.DaysLeft(at); ok && !tv.Resolved {
			tv.DaysLeft = &d
		}
		v.Targets = append(v.Targets, tv)
	}
	return v
}

// Cases returns every case with its parties' clocks at at.
func (ws *Workspace) Cases(ctx context.Context, a Actor, at time.Time) ([]CaseView, error) {
	if err := allow(a, auth.CasesRead); err != nil {
		return nil, err
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
	infos, err := ws.store.FindingInfos(ctx)
	if err != nil {
		return nil, err
	}
	exploited := map[int64]bool{}
	for _, f := range infos {
		exploited[f.ID] = f.Exploited
	}
	byCase := map[int64][]cases.Event{}
	for _, ev := range evs {
		byCase[ev.Case] = append(byCase[ev.Case], ev)
	}
	if err := ws.record(ctx, a, "case.list", "", nil); err != nil {
		return nil, err
	}
	views := make([]CaseView, 0, len(cs))
	for _, c := range cs {
		views = append(views, viewCase(cat, pol, c, byCase[c.ID], exploited[c.Finding], at))
	}
	return views, nil
}

// Case returns one case with its finding's title and its parties' clocks
// at at.
func (ws *Workspace) Case(ctx context.Context, a Actor, cid int64, at time.Time) (CaseView, error) {
	if err := allow(a, auth.CasesRead); err != nil {
		return CaseView{}, err
	}
	c, tl, err := ws.store.Case(ctx, cid)
	if err != nil {
		return CaseView{}, notFound(err, "case %d", cid)
	}
	f, err := ws.store.Finding(ctx, c.Finding)
	if err != nil {
		return CaseView{}, err
	}
	cat, err := ws.catalog(ctx)
	if err != nil {
		return CaseView{}, err
	}
	pol, err := ws.store.Policy(ctx)
	if err != nil {
		return CaseView{}, err
	}
	if err := ws.record(ctx, a, "case.show", fmt.Sprintf("case %d", cid), nil); err != nil {
		return CaseView{}, err
	}
	v := viewCase(cat, pol, c, tl, f.Exploited, at)
	v.Title = f.Title
	return v, nil
}

// Timeline returns a case's events, oldest first.
func (ws *Workspace) Timeline(ctx context.Context, a Actor, cid int64) ([]cases.Event, *Catalog, error) {
	if err := allow(a, auth.CasesRead); err != nil {
		return nil, nil, err
	}
	_, tl, err := ws.store.Case(ctx, cid)
	if err != nil {
		return nil, nil, notFound(err, "case %d", cid)
	}
	cat, err := ws.catalog(ctx)
	if err != nil {
		return nil, nil, err
	}
	return tl, cat, ws.record(ctx, a, "case.timeline", fmt.Sprintf("case %d", cid), nil)
}
