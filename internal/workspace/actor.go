package workspace

import (
	"fmt"
	"strings"
)

// Role is what an actor may do.
type Role string

// The roles. The CLI's single analyst acts as RoleAdmin.
const (
	RoleAdmin    Role = "admin"
	RoleAnalyst  Role = "analyst"
	RoleReviewer Role = "reviewer"
	RoleVendor   Role = "vendor"
)

// Actor is who performs a use case: recorded in the audit log and checked
// against the operation's permission.
type Actor struct {
	Name string
	Role Role
	// Vendor is the vendor a RoleVendor actor speaks for.
	Vendor int64
	// Authenticated is true when the name was proven (an account's login or
	// token); the CLI's --as is not.
	Authenticated bool
}

// action names a permission; the table below says which roles have it.
type action string

const (
	actRead     action = "read"     // documents, search, findings, cases, report
	actOriginal action = "original" // unredacted content: text, originals, reveal
	actWrite    action = "write"    // ingest, redact, findings, vendors, cases, policy
	actApprove  action = "approve"  // release approvals
	actAdmin    action = "admin"    // audit log, keys, migrations
)

// permissions is the table of what each role may do.
func permissions(r Role) []action {
	switch r {
	case RoleAdmin:
		return []action{actRead, actOriginal, actWrite, actApprove, actAdmin}
	case RoleAnalyst:
		return []action{actRead, actOriginal, actWrite}
	case RoleReviewer:
		return []action{actRead, actOriginal, actApprove}
	}
	return nil
}

// allow checks the actor's role in one place, for every front end.
func allow(a Actor, act action) error {
	if strings.TrimSpace(a.Name) == "" {
		return fmt.Errorf("%w: no acting user", ErrForbidden)
	}
	for _, p := range permissions(a.Role) {
		if p == act {
			return nil
		}
	}
	return fmt.Errorf("%w: %s may not %s", ErrForbidden, a.Role, act)
}
