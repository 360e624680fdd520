package workspace

import (
	"fmt"

	"antidote/internal/auth"
)

// Actor is who performs a use case: the web's account or the CLI's
// operator (auth.Operator). It is recorded in the audit log and checked
// against auth's permission table, the only one: the web and the core ask
// the same question of the same data.
type Actor = auth.Identity

// Role is what an actor may do (auth's roles).
type Role = auth.Role

// The roles. The CLI's single analyst acts as RoleAdmin (auth.Operator).
const (
	RoleAdmin    = auth.Admin
	RoleAnalyst  = auth.Analyst
	RoleReviewer = auth.Reviewer
	RoleVendor   = auth.Vendor
)

// allow checks the actor against auth's table, in one place for every
// front end. The vendor.* actions also need an object check (see
// vendorCase); allow alone only says the role has them at all.
func allow(a Actor, act auth.Action) error {
	if a.Name == "" {
		return fmt.Errorf("%w: no acting user", ErrForbidden)
	}
	if !auth.Allowed(a, act) {
		return fmt.Errorf("%w: %s may not %s", ErrForbidden, a.Role, act)
	}
	return nil
}

// allowAny passes when the actor may do one of acts (a case reader or a
// vendor reading its own cases).
func allowAny(a Actor, acts ...auth.Action) error {
	for _, act := range acts {
		if auth.Allowed(a, act) {
			return nil
		}
	}
	return allow(a, acts[0])
}
