package workspace

import (
	"context"
	"strconv"
	"strings"
	"time"

	"antidote/internal/auth"
	"antidote/internal/secret"
)

// Accounts are the web's users, with their sessions and bearer tokens:
// what the web's login, session and bearer checks call. Administration of
// accounts goes through the methods below, which check users.admin and
// record every change.
func (ws *Workspace) Accounts() *auth.Service { return ws.accounts }

// SweepSessions deletes sessions past their idle or absolute timeout.
func (ws *Workspace) SweepSessions(ctx context.Context, now time.Time) (int64, error) {
	return ws.store.DeleteExpiredSessions(ctx, now, now.Add(-ws.accounts.IdleTimeout))
}

// AddUser creates an account; a vendor account speaks for vendorRef (a
// vendor's name or id), the others for no vendor.
func (ws *Workspace) AddUser(ctx context.Context, a Actor, name string, role auth.Role, vendorRef string, password secret.String) (auth.User, error) {
	if err := allow(a, auth.UsersAdmin); err != nil {
		return auth.User{}, err
	}
	var vid int64
	if vendorRef != "" {
		cat, err := ws.catalog(ctx)
		if err != nil {
			return auth.User{}, err
		}
		v, err := cat.Vendor(vendorRef)
		if err != nil {
			return auth.User{}, err
		}
		vid = v.ID
	}
	u, err := ws.accounts.AddUser(ctx, name, role, vid, []byte(password.Reveal()))
	if err != nil {
		return u, err
	}
	return u, ws.record(ctx, a, "user.add", "user "+u.Name, auditDetail(map[string]any{"role": u.Role, "vendor": u.Vendor}))
}

// Users lists the accounts.
func (ws *Workspace) Users(ctx context.Context, a Actor) ([]auth.User, error) {
	if err := allow(a, auth.UsersAdmin); err != nil {
		return nil, err
	}
	us, err := ws.accounts.Users(ctx)
	if err != nil {
		return nil, err
	}
	return us, ws.record(ctx, a, "user.list", "", nil)
}

// SetUserDisabled disables an account (its sessions end) or enables it.
func (ws *Workspace) SetUserDisabled(ctx context.Context, a Actor, name string, disabled bool) error {
	if err := allow(a, auth.UsersAdmin); err != nil {
		return err
	}
	if err := ws.accounts.SetDisabled(ctx, name, disabled); err != nil {
		return err
	}
	action := "user.enable"
	if disabled {
		action = "user.disable"
	}
	return ws.record(ctx, a, action, "user "+strings.ToLower(name), nil)
}

// SetUserPassword replaces an account's password; its sessions end.
func (ws *Workspace) SetUserPassword(ctx context.Context, a Actor, name string, password secret.String) error {
	if err := allow(a, auth.UsersAdmin); err != nil {
		return err
	}
	if err := ws.accounts.SetPassword(ctx, name, []byte(password.Reveal())); err != nil {
		return err
	}
	return ws.record(ctx, a, "user.password", "user "+strings.ToLower(name), nil)
}

// EnrollTOTP gives an account a new TOTP key and returns its otpauth URI
// (shown once).
func (ws *Workspace) EnrollTOTP(ctx context.Context, a Actor, name string) (secret.String, error) {
	if err := allow(a, auth.UsersAdmin); err != nil {
		return secret.String{}, err
	}
	uri, err := ws.accounts.EnrollTOTP(ctx, name)
	if err != nil {
		return uri, err
	}
	return uri, ws.record(ctx, a, "user.totp", "user "+strings.ToLower(name), nil)
}

// CreateToken makes a bearer token for an account (returned once; only
// its keyed hash is stored). ttl 0: no expiry.
func (ws *Workspace) CreateToken(ctx context.Context, a Actor, name, label string, ttl time.Duration) (secret.String, auth.Token, error) {
	if err := allow(a, auth.UsersAdmin); err != nil {
		return secret.String{}, auth.Token{}, err
	}
	tok, rec, err := ws.accounts.CreateToken(ctx, name, label, ttl)
	if err != nil {
		return tok, rec, err
	}
	return tok, rec, ws.record(ctx, a, "token.create", "token "+strconv.FormatInt(rec.ID, 10), auditDetail(map[string]any{"user": rec.Name, "expires": rec.Expires}))
}

// Tokens lists the bearer tokens (without their values).
func (ws *Workspace) Tokens(ctx context.Context, a Actor) ([]auth.Token, error) {
	if err := allow(a, auth.UsersAdmin); err != nil {
		return nil, err
	}
	ts, err := ws.accounts.Tokens(ctx)
	if err != nil {
		return nil, err
	}
	return ts, ws.record(ctx, a, "token.list", "", nil)
}

// RevokeToken ends a bearer token.
func (ws *Workspace) RevokeToken(ctx context.Context, a Actor, id int64) error {
	if err := allow(a, auth.UsersAdmin); err != nil {
		return err
	}
	if err := ws.accounts.RevokeToken(ctx, id); err != nil {
		return err
	}
	return ws.record(ctx, a, "token.revoke", "token "+strconv.FormatInt(id, 10), nil)
}
