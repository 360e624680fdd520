package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"antidote/internal/auth"
)

// This file satisfies auth.Store: accounts, tokens, sessions and failed
// logins. Lookups of something absent wrap both ErrNotFound and
// auth.ErrNotFound.

func authNotFound(what string, id any) error {
	return fmt.Errorf("%s %v: %w", what, id, errors.Join(ErrNotFound, auth.ErrNotFound))
}

type credentials struct {
	PasswordHash string `json:"password_hash"`
	TOTPSecret   []byte `json:"totp_secret,omitempty"`
}

func nanos(t time.Time) int64 { return t.UnixNano() }

func fromNanos(n int64) time.Time { return time.Unix(0, n).UTC() }

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}

// AddUser stores a new account with its sealed credentials.
func (s *Store) AddUser(ctx context.Context, u auth.User, c auth.Credentials) (int64, error) {
	var id int64
	err := s.inTx(ctx, func(tx *Tx) error {
		var n int
		if err := tx.QueryRow(ctx, `SELECT count(*) FROM users WHERE name = ?`, u.Name).Scan(&n); err != nil {
			return fmt.Errorf("add user: %w", err)
		}
		if n > 0 {
			return fmt.Errorf("user %s: %w", u.Name, auth.ErrExists)
		}
		var err error
		id, err = tx.InsertID(ctx, `INSERT INTO users (name, role, vendor_id, disabled, totp, created_at) VALUES (?, ?, ?, ?, ?, ?)`,
			u.Name, string(u.Role), u.Vendor, b2i(u.Disabled), b2i(c.TOTPSecret != nil), fmtTime(u.Created))
		if err != nil {
			return fmt.Errorf("add user: %w", err)
		}
		return s.putCredentials(ctx, tx, id, credentials{PasswordHash: c.PasswordHash, TOTPSecret: c.TOTPSecret})
	})
	return id, err
}

func (s *Store) putCredentials(ctx context.Context, tx *Tx, id int64, c credentials) error {
	b, err := json.Marshal(c)
	if err != nil {
		return err
	}
	if _, err := tx.Exec(ctx, `UPDATE users SET credentials = ?, totp = ? WHERE id = ?`,
		s.seal(b, adRow("users", "credentials", id)), b2i(c.TOTPSecret != nil), id); err != nil {
		return fmt.Errorf("store credentials: %w", err)
	}
	return nil
}

const userCols = `id, name, role, vendor_id, disabled, totp, created_at`

func scanUser(r scanner, extra ...any) (auth.User, error) {
	var u auth.User
	var role, created string
	var disabled, totp int
	dst := append([]any{&u.ID, &u.Name, &role, &u.Vendor, &disabled, &totp, &created}, extra...)
	if err := r.Scan(dst...); err != nil {
		return u, err
	}
	u.Role, u.Disabled, u.TOTP = auth.Role(role), disabled != 0, totp != 0
	var err error
	u.Created, err = parseTime(created)
	return u, err
}

// UserByName returns an account and its credentials.
func (s *Store) UserByName(ctx context.Context, name string) (auth.User, auth.Credentials, error) {
	var sealed []byte
	u, err := scanUser(s.queryRow(ctx, `SELECT `+userCols+`, credentials FROM users WHERE name = ?`, name), &sealed)
	if errors.Is(err, sql.ErrNoRows) {
		return u, auth.Credentials{}, authNotFound("user", name)
	}
	if err != nil {
		return u, auth.Credentials{}, fmt.Errorf("read user %s: %w", name, err)
	}
	c, err := s.readCredentials(u.ID, sealed)
	return u, c, err
}

func (s *Store) readCredentials(id int64, sealed []byte) (auth.Credentials, error) {
	b, err := s.open(sealed, adRow("users", "credentials", id))
	if err != nil {
		return auth.Credentials{}, err
	}
	var c credentials
	if err := json.Unmarshal(b, &c); err != nil {
		return auth.Credentials{}, fmt.Errorf("user %d credentials: %w", id, err)
	}
	return auth.Credentials{PasswordHash: c.PasswordHash, TOTPSecret: c.TOTPSecret}, nil
}

// Users lists accounts by name.
func (s *Store) Users(ctx context.Context) ([]auth.User, error) {
	rows, err := s.query(ctx, `SELECT `+userCols+` FROM users ORDER BY name`)
	if err != nil {
		return nil, fmt.Errorf("list users: %w", err)
	}
	defer rows.Close()
	var out []auth.User
	for rows.Next() {
		u, err := scanUser(rows)
		if err != nil {
			return nil, fmt.Errorf("list users: %w", err)
		}
		out = append(out, u)
	}
	return out, rows.Err()
}

func (s *Store) updateUser(ctx context.Context, name, q string, args ...any) error {
	res, err := s.exec(ctx, q, args...)
	if err != nil {
		return fmt.Errorf("update user %s: %w", name, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return authNotFound("user", name)
	}
	return nil
}

// SetUserDisabled disables or enables an account.
func (s *Store) SetUserDisabled(ctx context.Context, name string, disabled bool) error {
	return s.updateUser(ctx, name, `UPDATE users SET disabled = ? WHERE name = ?`, b2i(disabled), name)
}

func (s *Store) updateCredentials(ctx context.Context, name string, fn func(*credentials)) error {
	return s.inTx(ctx, func(tx *Tx) error {
		var id int64
		var sealed []byte
		err := tx.QueryRow(ctx, `SELECT id, credentials FROM users WHERE name = ?`, name).Scan(&id, &sealed)
		if errors.Is(err, sql.ErrNoRows) {
			return authNotFound("user", name)
		}
		if err != nil {
			return fmt.Errorf("read user %s: %w", name, err)
		}
		c, err := s.readCredentials(id, sealed)
		if err != nil {
			return err
		}
		cc := credentials{PasswordHash: c.PasswordHash, TOTPSecret: c.TOTPSecret}
		fn(&cc)
		return s.putCredentials(ctx, tx, id, cc)
	})
}

// SetPasswordHash replaces an account's password hash.
func (s *Store) SetPasswordHash(ctx context.Context, name, hash string) error {
	return s.updateCredentials(ctx, name, func(c *credentials) { c.PasswordHash = hash })
}

// SetTOTPSecret enrols (or, with nil, removes) an account's TOTP key.
func (s *Store) SetTOTPSecret(ctx context.Context, name string, key []byte) error {
	return s.updateCredentials(ctx, name, func(c *credentials) { c.TOTPSecret = key })
}

// UseTOTPStep records the TOTP time step of a login, atomically refusing
// a step not after the last one used.
func (s *Store) UseTOTPStep(ctx context.Context, name string, step int64) (bool, error) {
	res, err := s.exec(ctx, `UPDATE users SET totp_step = ? WHERE name = ? AND totp_step < ?`, step, name, step)
	if err != nil {
		return false, fmt.Errorf("record TOTP use: %w", err)
	}
	n, err := res.RowsAffected()
	return n == 1, err
}

// AddToken stores a token's record under the keyed hash of its value.
func (s *Store) AddToken(ctx context.Context, t auth.Token, hash []byte) (int64, error) {
	var id int64
	err := s.inTx(ctx, func(tx *Tx) error {
		var err error
		id, err = tx.InsertID(ctx, `INSERT INTO auth_tokens (hash, user_id, label, created_at, expires_at) VALUES (?, ?, ?, ?, ?)`,
			hash, t.User, t.Label, fmtTime(t.Created), fmtTime(t.Expires))
		if err != nil {
			return fmt.Errorf("add token: %w", err)
		}
		return nil
	})
	return id, err
}

const tokenCols = `t.id, t.user_id, u.name, t.label, t.created_at, t.expires_at, t.revoked_at`

func scanToken(r scanner, extra ...any) (auth.Token, error) {
	var t auth.Token
	var c, e, rv string
	if err := r.Scan(append([]any{&t.ID, &t.User, &t.Name, &t.Label, &c, &e, &rv}, extra...)...); err != nil {
		return t, err
	}
	var err1, err2, err3 error
	t.Created, err1 = parseTime(c)
	t.Expires, err2 = parseTime(e)
	t.Revoked, err3 = parseTime(rv)
	return t, errors.Join(err1, err2, err3)
}

// TokenByHash returns a token and its user.
func (s *Store) TokenByHash(ctx context.Context, hash []byte) (auth.Token, auth.User, error) {
	row := s.queryRow(ctx, `SELECT `+tokenCols+`, u.role, u.vendor_id, u.disabled, u.totp, u.created_at
		FROM auth_tokens t JOIN users u ON u.id = t.user_id WHERE t.hash = ?`, hash)
	var u auth.User
	var role, created string
	var disabled, totp int
	t, err := scanToken(row, &role, &u.Vendor, &disabled, &totp, &created)
	if errors.Is(err, sql.ErrNoRows) {
		return t, u, authNotFound("token", "")
	}
	if err != nil {
		return t, u, fmt.Errorf("read token: %w", err)
	}
	u.ID, u.Name, u.Role, u.Disabled, u.TOTP = t.User, t.Name, auth.Role(role), disabled != 0, totp != 0
	u.Created, err = parseTime(created)
	return t, u, err
}

// Tokens lists every token's record, newest first.
func (s *Store) Tokens(ctx context.Context) ([]auth.Token, error) {
	rows, err := s.query(ctx, `SELECT `+tokenCols+` FROM auth_tokens t JOIN users u ON u.id = t.user_id ORDER BY t.id DESC`)
	if err != nil {
		return nil, fmt.Errorf("list tokens: %w", err)
	}
	defer rows.Close()
	var out []auth.Token
	for rows.Next() {
		t, err := scanToken(rows)
		if err != nil {
			return nil, fmt.Errorf("list tokens: %w", err)
		}
		out = append(out, t)
	}
	return out, rows.Err()
}

// RevokeToken marks a token revoked at at (the first revocation counts).
func (s *Store) RevokeToken(ctx context.Context, id int64, at time.Time) error {
	res, err := s.exec(ctx, `UPDATE auth_tokens SET revoked_at = CASE WHEN revoked_at = '' THEN ? ELSE revoked_at END WHERE id = ?`, fmtTime(at), id)
	if err != nil {
		return fmt.Errorf("revoke token %d: %w", id, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return authNotFound("token", id)
	}
	return nil
}

// AddSession stores a session under the keyed hash of its ID.
func (s *Store) AddSession(ctx context.Context, hash []byte, ss auth.Session) error {
	if _, err := s.exec(ctx, `INSERT INTO sessions (hash, user_id, created_at, last_seen, expires_at) VALUES (?, ?, ?, ?, ?)`,
		hash, ss.User, nanos(ss.Created), nanos(ss.LastSeen), nanos(ss.Expires)); err != nil {
		return fmt.Errorf("add session: %w", err)
	}
	return nil
}

// SessionByHash returns a session and its user.
func (s *Store) SessionByHash(ctx context.Context, hash []byte) (auth.Session, auth.User, error) {
	var ss auth.Session
	var c, l, e int64
	u, err := scanUser(s.queryRow(ctx, `SELECT u.id, u.name, u.role, u.vendor_id, u.disabled, u.totp, u.created_at, s.created_at, s.last_seen, s.expires_at
		FROM sessions s JOIN users u ON u.id = s.user_id WHERE s.hash = ?`, hash), &c, &l, &e)
	if errors.Is(err, sql.ErrNoRows) {
		return ss, u, authNotFound("session", "")
	}
	if err != nil {
		return ss, u, fmt.Errorf("read session: %w", err)
	}
	ss = auth.Session{User: u.ID, Created: fromNanos(c), LastSeen: fromNanos(l), Expires: fromNanos(e)}
	return ss, u, nil
}

// TouchSession records that a session was used at at.
func (s *Store) TouchSession(ctx context.Context, hash []byte, at time.Time) error {
	if _, err := s.exec(ctx, `UPDATE sessions SET last_seen = ? WHERE hash = ?`, nanos(at), hash); err != nil {
		return fmt.Errorf("touch session: %w", err)
	}
	return nil
}

// DeleteSession ends a session; an unknown one is not an error.
func (s *Store) DeleteSession(ctx context.Context, hash []byte) error {
	if _, err := s.exec(ctx, `DELETE FROM sessions WHERE hash = ?`, hash); err != nil {
		return fmt.Errorf("delete session: %w", err)
	}
	return nil
}

// DeleteUserSessions ends every session of a user.
func (s *Store) DeleteUserSessions(ctx context.Context, user int64) error {
	if _, err := s.exec(ctx, `DELETE FROM sessions WHERE user_id = ?`, user); err != nil {
		return fmt.Errorf("delete sessions: %w", err)
	}
	return nil
}

// DeleteExpiredSessions removes sessions past their absolute end or idle
// since before idleBefore, and returns how many.
func (s *Store) DeleteExpiredSessions(ctx context.Context, now, idleBefore time.Time) (int64, error) {
	res, err := s.exec(ctx, `DELETE FROM sessions WHERE expires_at <= ? OR last_seen < ?`, nanos(now), nanos(idleBefore))
	if err != nil {
		return 0, fmt.Errorf("delete expired sessions: %w", err)
	}
	return res.RowsAffected()
}

// AddLoginFailure records a failed login under key and forgets that key's
// failures older than before.
func (s *Store) AddLoginFailure(ctx context.Context, key []byte, at, before time.Time) error {
	return s.inTx(ctx, func(tx *Tx) error {
		if _, err := tx.Exec(ctx, `DELETE FROM login_failures WHERE key = ? AND at < ?`, key, nanos(before)); err != nil {
			return fmt.Errorf("record failed login: %w", err)
		}
		if _, err := tx.Exec(ctx, `INSERT INTO login_failures (key, at) VALUES (?, ?)`, key, nanos(at)); err != nil {
			return fmt.Errorf("record failed login: %w", err)
		}
		return nil
	})
}

// LoginFailures counts key's failed logins since since.
func (s *Store) LoginFailures(ctx context.Context, key []byte, since time.Time) (int, error) {
	var n int
	if err := s.queryRow(ctx, `SELECT count(*) FROM login_failures WHERE key = ? AND at >= ?`, key, nanos(since)).Scan(&n); err != nil {
		return 0, fmt.Errorf("count failed logins: %w", err)
	}
	return n, nil
}

// ClearLoginFailures forgets key's failed logins.
func (s *Store) ClearLoginFailures(ctx context.Context, key []byte) error {
	if _, err := s.exec(ctx, `DELETE FROM login_failures WHERE key = ?`, key); err != nil {
		return fmt.Errorf("clear failed logins: %w", err)
	}
	return nil
}

var _ auth.Store = (*Store)(nil)
