package web

import (
	"context"
	"time"

	"antidote/internal/auth"
	"antidote/internal/cases"
	"antidote/internal/findings"
	"antidote/internal/redact"
)

// App is what the web front end needs of the application core. Every
// method takes the acting identity; the core checks its role and records
// the audit event (reads of original text, every change). The web checks
// the role as well before calling, so a core that forgot would still not
// leak through HTTP, and it projects what a vendor sees (visible.go).
type App interface {
	Docs(ctx context.Context, id auth.Identity) ([]Doc, error)
	Doc(ctx context.Context, id auth.Identity, doc int64) (Doc, error)
	RedactedText(ctx context.Context, id auth.Identity, doc int64) (string, error)
	OriginalText(ctx context.Context, id auth.Identity, doc int64) (string, error)
	Search(ctx context.Context, id auth.Identity, query string, limit int) (SearchResult, error)
	Findings(ctx context.Context, id auth.Identity) ([]findings.Finding, error)
	Finding(ctx context.Context, id auth.Identity, finding int64) (findings.Finding, error)
	Vendors(ctx context.Context, id auth.Identity) ([]cases.Vendor, error)
	// Cases returns one page of the cases the caller may see (a vendor:
	// those naming it), filtered, with the number of all that match.
	Cases(ctx context.Context, id auth.Identity, q CaseQuery) ([]CaseView, int, error)
	// CasesVersion names what Cases gives now: it changes whenever
	// Cases's answers may have (but for the clocks, which move with
	// time), so that the web may keep a page it encoded until then.
	CasesVersion(ctx context.Context, id auth.Identity) (uint64, error)
	Case(ctx context.Context, id auth.Identity, cs int64, at time.Time) (CaseView, error)
	SetStatus(ctx context.Context, id auth.Identity, cs int64, ch StatusChange) (cases.Event, error)
	// SetShared lets a case's vendors see each other's names and statuses.
	SetShared(ctx context.Context, id auth.Identity, cs int64, shared bool) error
	Comments(ctx context.Context, id auth.Identity, cs int64) ([]Comment, error)
	AddComment(ctx context.Context, id auth.Identity, cs int64, c Comment) (Comment, error)
	Timeline(ctx context.Context, id auth.Identity, cs int64) ([]TimelineEvent, error)
	// Files lists a case's attachments (without content); File returns one
	// with its content; AddFile stores one sealed.
	Files(ctx context.Context, id auth.Identity, cs int64) ([]File, error)
	File(ctx context.Context, id auth.Identity, cs, file int64) (File, []byte, error)
	AddFile(ctx context.Context, id auth.Identity, cs int64, f File, content []byte) (File, error)
	ReleasePlan(ctx context.Context, id auth.Identity, at time.Time) ([]cases.Decision, error)
	Approve(ctx context.Context, id auth.Identity, doc int64, at time.Time) (bool, error)
	Report(ctx context.Context, id auth.Identity) (redact.Report, error)
	Audit(ctx context.Context, id auth.Identity) ([]AuditEvent, error)
}

// Admin is account administration for the admin pages. The core checks
// users.admin and records every change; the web checks it too.
type Admin interface {
	Users(ctx context.Context, id auth.Identity) ([]auth.User, error)
	Tokens(ctx context.Context, id auth.Identity) ([]auth.Token, error)
	SetDisabled(ctx context.Context, id auth.Identity, name string, disabled bool) error
	RevokeToken(ctx context.Context, id auth.Identity, token int64) error
}

// Accounts proves who is calling; *auth.Service satisfies it.
type Accounts interface {
	Login(ctx context.Context, r auth.LoginRequest) (auth.Login, error)
	Session(ctx context.Context, session string) (auth.Identity, error)
	Logout(ctx context.Context, session string) error
	Bearer(ctx context.Context, token string) (auth.Identity, error)
	CSRFToken(session string) string
	CheckCSRF(session, token string) bool
}

// Doc is a document's metadata and provenance (the fields of docs list).
type Doc struct {
	ID        int64    `json:"id"`
	Paths     []string `json:"paths"`
	SHA256    string   `json:"sha256"`
	MediaType string   `json:"media_type"`
	Charset   string   `json:"charset,omitempty"`
	Size      int64    `json:"size"`
	TextSize  int64    `json:"text_size"`
	Truncated bool     `json:"truncated,omitempty"`
	Status    string   `json:"status"`
	Reason    string   `json:"reason,omitempty"`
	Parent    *int64   `json:"parent"`
	Complete  bool     `json:"complete"`
}

// SearchResult is a page of hits and how many documents match in all.
type SearchResult struct {
	Hits  []Hit `json:"hits"`
	Total int   `json:"total"`
}

// Hit is one matching document with snippets of its redacted text.
type Hit struct {
	Doc      int64    `json:"doc"`
	Paths    []string `json:"paths"`
	Snippets []string `json:"snippets"`
}

// CaseView is a case with every party's clock at some moment, and the
// finding as it is shared with vendors.
type CaseView struct {
	ID       int64            `json:"id"`
	Finding  int64            `json:"finding"`
	Title    string           `json:"finding_title,omitempty"`
	Summary  string           `json:"summary,omitempty"`
	CWEs     []string         `json:"cwes,omitempty"`
	CVSS     []findings.Score `json:"cvss,omitempty"`
	Excerpts []string         `json:"excerpts,omitempty"` // redacted text of the cited spans
	Opened   time.Time        `json:"opened"`
	OpenedBy string           `json:"opened_by,omitempty"`
	PublicAt time.Time        `json:"public_at,omitzero"`
	Evidence string           `json:"public_evidence,omitempty"`
	Shared   bool             `json:"shared,omitempty"` // its vendors see each other's names and statuses
	At       time.Time        `json:"at"`
	Targets  []TargetView     `json:"targets"`
	Error    string           `json:"error,omitempty"`
}

// CaseQuery selects a page of cases: the clocks at At, only cases with a
// party in Status (when set), Limit cases from Offset (Limit 0: all).
type CaseQuery struct {
	At     time.Time
	Status cases.Status
	Offset int
	Limit  int
}

// Vendors lists the vendor ids the case names.
func (c CaseView) Vendors() []int64 {
	var out []int64
	for _, t := range c.Targets {
		out = append(out, t.VendorID)
	}
	return out
}

// TargetView is one party of a case: a vendor, or one of its products.
type TargetView struct {
	VendorID      int64               `json:"vendor_id"`
	Vendor        string              `json:"vendor"`
	ProductID     int64               `json:"product_id,omitempty"`
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

// StatusChange is a new status for one vendor's target in a case (the
// body of POST /api/v1/cases/{id}/status, with the vendor resolved).
type StatusChange struct {
	Vendor        int64               `json:"vendor"`
	Product       string              `json:"product,omitempty"`
	Status        cases.Status        `json:"status"`
	FixedVersion  string              `json:"fixed_version,omitempty"`
	ReleaseDate   time.Time           `json:"release_date,omitzero"`
	PatchLevel    string              `json:"patch_level,omitempty"`
	Justification cases.Justification `json:"justification,omitempty"`
	Note          string              `json:"note,omitempty"`
}

// Comment is one message of a case's thread. Vendor is the vendor's
// thread it belongs to (a vendor sees only its own); 0 is the analysts'
// internal thread.
type Comment struct {
	ID     int64     `json:"id"`
	Case   int64     `json:"case"`
	Vendor int64     `json:"vendor,omitempty"`
	At     time.Time `json:"at"`
	Author string    `json:"author"`
	Text   string    `json:"text"`
}

// File is a file attached to a case, in a vendor's thread like comments.
type File struct {
	ID        int64     `json:"id"`
	Case      int64     `json:"case"`
	Vendor    int64     `json:"vendor,omitempty"`
	At        time.Time `json:"at"`
	Author    string    `json:"author"`
	Name      string    `json:"name"`
	MediaType string    `json:"media_type"`
	Size      int64     `json:"size"`
}

// TimelineEvent is a case event with its party's names.
type TimelineEvent struct {
	cases.Event
	Vendor  string `json:"vendor,omitempty"`
	Product string `json:"product,omitempty"`
}

// AuditEvent is one audited action, without its (sealed) detail.
type AuditEvent struct {
	Seq    int64     `json:"seq"`
	At     time.Time `json:"at"`
	Actor  string    `json:"actor"`
	Action string    `json:"action"`
	Target string    `json:"target,omitempty"`
}
