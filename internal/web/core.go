package web

import (
	"context"
	"errors"
	"strconv"
	"time"

	"antidote/internal/auth"
	"antidote/internal/cases"
	"antidote/internal/findings"
	"antidote/internal/redact"
	"antidote/internal/workspace"
)

// Core is App and Admin over the application core: each method is one
// call of a *workspace.Workspace use case, which checks the caller's role
// and records the audit event; Core only translates the core's values to
// the web's.
type Core struct{ ws *workspace.Workspace }

// NewCore serves ws.
func NewCore(ws *workspace.Workspace) *Core { return &Core{ws: ws} }

var (
	_ App   = (*Core)(nil)
	_ Admin = (*Core)(nil)
)

func docOf(d workspace.DocInfo) Doc {
	return Doc{ID: d.ID, Paths: d.Paths, SHA256: d.SHA256, MediaType: d.MediaType, Charset: d.Charset, Size: d.Size, TextSize: d.TextSize,
		Truncated: d.Truncated, Status: d.Status, Reason: d.Reason, Parent: d.Parent, Complete: d.Complete}
}

func (c *Core) Docs(ctx context.Context, id auth.Identity) ([]Doc, error) {
	out := []Doc{}
	err := c.ws.ListDocs(ctx, id, func(d workspace.DocInfo) error {
		out = append(out, docOf(d))
		return nil
	})
	return out, err
}

func (c *Core) Doc(ctx context.Context, id auth.Identity, doc int64) (Doc, error) {
	d, err := c.ws.Doc(ctx, id, doc)
	return docOf(d), err
}

func (c *Core) RedactedText(ctx context.Context, id auth.Identity, doc int64) (string, error) {
	return c.ws.RedactedText(ctx, id, doc)
}

func (c *Core) OriginalText(ctx context.Context, id auth.Identity, doc int64) (string, error) {
	_, text, err := c.ws.DocText(ctx, id, doc)
	return string(text), err
}

func (c *Core) Search(ctx context.Context, id auth.Identity, query string, limit int) (SearchResult, error) {
	if limit <= 0 || limit > workspace.MaxSearchLimit {
		limit = workspace.MaxSearchLimit
	}
	r, err := c.ws.SearchRedacted(ctx, id, workspace.SearchRequest{Query: query, Limit: limit})
	out := SearchResult{Hits: []Hit{}, Total: r.Total}
	for _, h := range r.Hits {
		hit := Hit{Doc: h.Doc, Paths: h.Paths, Snippets: []string{}}
		for _, sn := range h.Snippets {
			hit.Snippets = append(hit.Snippets, sn.Text)
		}
		out.Hits = append(out.Hits, hit)
	}
	return out, err
}

func (c *Core) Findings(ctx context.Context, id auth.Identity) ([]findings.Finding, error) {
	return c.ws.Findings(ctx, id)
}

func (c *Core) Finding(ctx context.Context, id auth.Identity, f int64) (findings.Finding, error) {
	return c.ws.Finding(ctx, id, f)
}

func (c *Core) Vendors(ctx context.Context, id auth.Identity) ([]cases.Vendor, error) {
	cat, err := c.ws.Catalog(ctx, id)
	if err != nil {
		return nil, err
	}
	return cat.Vendors, nil
}

func caseOf(v workspace.CaseView) CaseView {
	out := CaseView{ID: v.ID, Finding: v.Finding, Title: v.Title, Summary: v.Summary, CWEs: v.CWEs, CVSS: v.CVSS,
		Excerpts: v.Excerpts, Opened: v.Opened, OpenedBy: v.OpenedBy, PublicAt: v.PublicAt, Evidence: v.Evidence, Shared: v.Shared, At: v.At,
		Error: v.Error, Targets: []TargetView{}}
	for _, t := range v.Targets {
		out.Targets = append(out.Targets, TargetView{VendorID: t.VendorID, Vendor: t.Vendor, ProductID: t.ProductID, Product: t.Product,
			Downstream: t.Downstream, Status: t.Status, Since: t.Since, Notified: t.Notified, Deadline: t.Deadline, DaysLeft: t.DaysLeft,
			Basis: t.Basis, Resolved: t.Resolved, FixedVersion: t.FixedVersion, ReleaseDate: t.ReleaseDate, PatchLevel: t.PatchLevel,
			Justification: t.Justification, ExpectedFix: t.ExpectedFix})
	}
	return out
}

func (c *Core) Cases(ctx context.Context, id auth.Identity, q CaseQuery) ([]CaseView, int, error) {
	vs, n, err := c.ws.CasePage(ctx, id, workspace.CaseQuery{At: q.At, Status: q.Status, Offset: q.Offset, Limit: q.Limit})
	if err != nil {
		return nil, 0, err
	}
	out := make([]CaseView, 0, len(vs))
	for _, v := range vs {
		out = append(out, caseOf(v))
	}
	return out, n, nil
}

func (c *Core) CasesVersion(ctx context.Context, id auth.Identity) (uint64, error) {
	return c.ws.CaseViewsVersion(ctx, id)
}

func (c *Core) Case(ctx context.Context, id auth.Identity, cs int64, at time.Time) (CaseView, error) {
	v, err := c.ws.CaseFor(ctx, id, cs, at)
	return caseOf(v), err
}

func (c *Core) SetStatus(ctx context.Context, id auth.Identity, cs int64, ch StatusChange) (cases.Event, error) {
	ref := strconv.FormatInt(ch.Vendor, 10)
	if ch.Product != "" {
		ref += ":" + ch.Product
	}
	evs, _, err := c.ws.SetStatus(ctx, id, ref, cases.Event{Case: cs, At: time.Now().UTC(), Status: ch.Status, FixedVersion: ch.FixedVersion,
		ReleaseDate: ch.ReleaseDate, PatchLevel: ch.PatchLevel, Justification: ch.Justification, Note: ch.Note})
	if err != nil || len(evs) == 0 {
		return cases.Event{}, err
	}
	return evs[len(evs)-1], nil
}

func (c *Core) SetShared(ctx context.Context, id auth.Identity, cs int64, shared bool) error {
	return c.ws.ShareCase(ctx, id, cs, shared)
}

func (c *Core) Comments(ctx context.Context, id auth.Identity, cs int64) ([]Comment, error) {
	ms, err := c.ws.Comments(ctx, id, cs)
	out := []Comment{}
	for _, m := range ms {
		out = append(out, Comment(m))
	}
	return out, err
}

func (c *Core) AddComment(ctx context.Context, id auth.Identity, cs int64, m Comment) (Comment, error) {
	got, err := c.ws.AddComment(ctx, id, cs, workspace.Comment(m))
	return Comment(got), err
}

func (c *Core) Timeline(ctx context.Context, id auth.Identity, cs int64) ([]TimelineEvent, error) {
	evs, err := c.ws.CaseEvents(ctx, id, cs)
	out := []TimelineEvent{}
	for _, e := range evs {
		out = append(out, TimelineEvent{Event: e.Event, Vendor: e.Vendor, Product: e.Product})
	}
	return out, err
}

func fileOf(f workspace.File) File {
	return File{ID: f.ID, Case: f.Case, Vendor: f.Vendor, At: f.At, Author: f.Author, Name: f.Name, MediaType: f.MediaType, Size: f.Size}
}

func (c *Core) Files(ctx context.Context, id auth.Identity, cs int64) ([]File, error) {
	fs, err := c.ws.Files(ctx, id, cs)
	out := []File{}
	for _, f := range fs {
		out = append(out, fileOf(f))
	}
	return out, err
}

func (c *Core) File(ctx context.Context, id auth.Identity, cs, file int64) (File, []byte, error) {
	f, body, err := c.ws.File(ctx, id, cs, file)
	return fileOf(f), body, err
}

func (c *Core) AddFile(ctx context.Context, id auth.Identity, cs int64, f File, content []byte) (File, error) {
	got, err := c.ws.AddFile(ctx, id, cs, workspace.File{Vendor: f.Vendor, Name: f.Name, MediaType: f.MediaType}, content)
	return fileOf(got), err
}

func (c *Core) ReleasePlan(ctx context.Context, id auth.Identity, at time.Time) ([]cases.Decision, error) {
	out := []cases.Decision{}
	_, err := c.ws.ReleasePlan(ctx, id, at, func(d cases.Decision) error {
		out = append(out, d)
		return nil
	})
	return out, err
}

func (c *Core) Approve(ctx context.Context, id auth.Identity, doc int64, at time.Time) (bool, error) {
	return c.ws.Approve(ctx, id, doc, at)
}

func (c *Core) Report(ctx context.Context, id auth.Identity) (redact.Report, error) {
	return c.ws.Report(ctx, id)
}

func (c *Core) Audit(ctx context.Context, id auth.Identity) ([]AuditEvent, error) {
	out := []AuditEvent{}
	err := c.ws.AuditList(ctx, id, func(e workspace.AuditEvent) error {
		out = append(out, AuditEvent{Seq: e.Seq, At: e.At, Actor: e.Actor, Action: e.Action, Target: e.Target})
		return nil
	})
	return out, err
}

func (c *Core) Users(ctx context.Context, id auth.Identity) ([]auth.User, error) {
	return c.ws.Users(ctx, id)
}

func (c *Core) Tokens(ctx context.Context, id auth.Identity) ([]auth.Token, error) {
	return c.ws.Tokens(ctx, id)
}

func (c *Core) SetDisabled(ctx context.Context, id auth.Identity, name string, disabled bool) error {
	return c.ws.SetUserDisabled(ctx, id, name, disabled)
}

func (c *Core) RevokeToken(ctx context.Context, id auth.Identity, token int64) error {
	return c.ws.RevokeToken(ctx, id, token)
}

// ClassifyCore maps the core's errors to HTTP statuses (Config.Classify):
// a missing record is 404, a refused transition 409, a request the caller
// got wrong 400.
func ClassifyCore(err error) int {
	var (
		inv *workspace.InvalidError
		uv  *workspace.UnknownVendorError
		up  *workspace.UnknownProductError
		nn  *workspace.NotNotifiedError
		na  *workspace.NotAcceptedError
	)
	switch {
	case errors.Is(err, workspace.ErrNotFound):
		return 404
	case errors.Is(err, cases.ErrBadEvent), errors.As(err, &nn), errors.As(err, &na):
		return 409
	case errors.As(err, &inv), errors.As(err, &uv), errors.As(err, &up), errors.Is(err, workspace.ErrBadQuery):
		return 400
	}
	return 0
}
