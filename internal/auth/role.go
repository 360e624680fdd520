package auth

import (
	"fmt"
	"slices"
)

// Role is what kind of account a user has.
type Role string

// Roles.
const (
	Admin    Role = "admin"    // everything, including users, tokens and the audit log
	Analyst  Role = "analyst"  // documents, search, report, reveal, findings, vendors, cases, policy; not approvals
	Reviewer Role = "reviewer" // what an analyst may read, and release approvals
	Vendor   Role = "vendor"   // only the cases that name its vendor
)

// Roles lists every role.
func Roles() []Role { return []Role{Admin, Analyst, Reviewer, Vendor} }

// ParseRole checks a role name.
func ParseRole(s string) (Role, error) {
	r := Role(s)
	if slices.Contains(Roles(), r) {
		return r, nil
	}
	return "", fmt.Errorf("unknown role %q (admin, analyst, reviewer or vendor)", clip(s))
}

// Action names a use case of the core, as the permission table knows it.
type Action string

// Actions. The vendor.* actions are a vendor's own: they always come with
// an object check (VendorMay) against the case or product's vendor.
const (
	DocsRead       Action = "docs.read"       // document list, metadata, redacted text
	DocsOriginal   Action = "docs.original"   // original extracted text (audited)
	Search         Action = "search"          // full-text search with snippets
	Report         Action = "report"          // the redaction report
	Reveal         Action = "reveal"          // a pseudonym back to its value (audited)
	FindingsRead   Action = "findings.read"   // findings in full
	FindingsWrite  Action = "findings.write"  // add, edit, accept, merge findings
	VendorsRead    Action = "vendors.read"    // vendors and products
	VendorsWrite   Action = "vendors.write"   // add and edit vendors and products
	CasesRead      Action = "cases.read"      // every case in full
	CasesWrite     Action = "cases.write"     // open cases, any status, notes and comments
	PolicyWrite    Action = "policy.write"    // embargo policy
	ReleaseRead    Action = "release.read"    // the release plan
	ReleaseApprove Action = "release.approve" // sign off a document for publication
	UsersAdmin     Action = "users.admin"     // accounts and tokens of others
	AuditRead      Action = "audit.read"      // the audit log
	DocsWrite      Action = "docs.write"      // ingest, redact and verify documents
	Publish        Action = "publish"         // write the release
	Settings       Action = "settings"        // workspace settings: mail server, publisher identity and key

	VendorCaseRead    Action = "vendor.case.read"    // own cases, as shared with vendors
	VendorCaseStatus  Action = "vendor.case.status"  // own products' statuses
	VendorCaseComment Action = "vendor.case.comment" // comment on own cases
	VendorCaseUpload  Action = "vendor.case.upload"  // upload files to own cases (stored sealed)
)

// Actions lists every action, in the order of the table above.
func Actions() []Action {
	return []Action{DocsRead, DocsOriginal, Search, Report, Reveal, FindingsRead, FindingsWrite,
		VendorsRead, VendorsWrite, CasesRead, CasesWrite, PolicyWrite, ReleaseRead, ReleaseApprove,
		UsersAdmin, AuditRead, DocsWrite, Publish, Settings, VendorCaseRead, VendorCaseStatus, VendorCaseComment, VendorCaseUpload}
}

// reads is what an analyst may read; reviewers get exactly this and approvals.
var reads = []Action{DocsRead, DocsOriginal, Search, Report, Reveal, FindingsRead, VendorsRead, CasesRead, ReleaseRead}

// permissions is the role table of the issue "antidote serve", as data.
// Admin is not listed: an admin may do everything.
var permissions = map[Role][]Action{
	Analyst:  append(slices.Clone(reads), FindingsWrite, VendorsWrite, CasesWrite, PolicyWrite, DocsWrite, Publish),
	Reviewer: append(slices.Clone(reads), ReleaseApprove),
	Vendor:   {VendorCaseRead, VendorCaseStatus, VendorCaseComment, VendorCaseUpload},
}

// Identity is who acts: the core takes one on every call and records its
// Name in the audit chain. The zero Identity is nobody and may do nothing.
type Identity struct {
	Name          string `json:"name"`
	Role          Role   `json:"role"`
	Vendor        int64  `json:"vendor,omitempty"` // the vendor a vendor account speaks for
	Authenticated bool   `json:"-"`
}

// Operator is the identity of whoever holds the workspace's key at a
// terminal (the CLI's --as or $ANTIDOTE_USER): unlocking is already every
// power, so the operator acts as an admin under the name given.
func Operator(name string) Identity {
	return Identity{Name: name, Role: Admin, Authenticated: true}
}

// Valid reports whether id can act at all: authenticated, named, with a
// known role, and a vendor account bound to a vendor.
func (id Identity) Valid() bool {
	if !id.Authenticated || id.Name == "" {
		return false
	}
	switch id.Role {
	case Admin, Analyst, Reviewer:
		return true
	case Vendor:
		return id.Vendor > 0
	}
	return false
}

// Allowed reports whether id may perform a in general. For the vendor.*
// actions the caller must also check the object with VendorMay.
func Allowed(id Identity, a Action) bool {
	if !id.Valid() {
		return false
	}
	if id.Role == Admin {
		return slices.Contains(Actions(), a)
	}
	return slices.Contains(permissions[id.Role], a)
}

// CanReadCase reports whether id may see a case whose targets are the
// given vendors: everyone who reads cases, and a vendor named in it. The
// caller answers "not found" (never "forbidden") when this is false for a
// vendor, so that a case's existence does not leak.
func CanReadCase(id Identity, vendors []int64) bool {
	if Allowed(id, CasesRead) {
		return true
	}
	return Allowed(id, VendorCaseRead) && slices.Contains(vendors, id.Vendor)
}

// CanSetStatus reports whether id may set the status of vendor's target in
// a case: case writers for any vendor, a vendor for itself only.
func CanSetStatus(id Identity, vendor int64) bool {
	if Allowed(id, CasesWrite) {
		return true
	}
	return Allowed(id, VendorCaseStatus) && vendor == id.Vendor
}

// CanComment reports whether id may comment on a case naming vendors.
func CanComment(id Identity, vendors []int64) bool {
	if Allowed(id, CasesWrite) {
		return true
	}
	return Allowed(id, VendorCaseComment) && slices.Contains(vendors, id.Vendor)
}

// CanUpload reports whether id may attach a file to a case naming vendors.
func CanUpload(id Identity, vendors []int64) bool {
	if Allowed(id, CasesWrite) {
		return true
	}
	return Allowed(id, VendorCaseUpload) && slices.Contains(vendors, id.Vendor)
}

// SeesVendor reports whether id may see vendor's part of a case (its name,
// products and statuses): readers of all cases always, a vendor its own,
// and another's only when the case is marked shared among its vendors.
func SeesVendor(id Identity, vendor int64, shared bool) bool {
	if Allowed(id, CasesRead) {
		return true
	}
	return Allowed(id, VendorCaseRead) && (vendor == id.Vendor || shared)
}

func clip(s string) string {
	if len(s) > 40 {
		return s[:40] + "..."
	}
	return s
}
