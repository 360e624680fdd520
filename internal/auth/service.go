package auth

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"
	"unicode"

	"antidote/internal/secret"
	"antidote/internal/vault"
)

// User is an account.
type User struct {
	ID       int64     `json:"id"`
	Name     string    `json:"name"`
	Role     Role      `json:"role"`
	Vendor   int64     `json:"vendor,omitempty"`
	Disabled bool      `json:"disabled,omitempty"`
	TOTP     bool      `json:"totp"` // a second factor is enrolled
	Created  time.Time `json:"created"`
}

// Identity is the user acting.
func (u User) Identity() Identity {
	return Identity{Name: u.Name, Role: u.Role, Vendor: u.Vendor, Authenticated: true}
}

// Credentials are what a login is checked against; the store keeps both
// sealed.
type Credentials struct {
	PasswordHash string // PHC string (vault.HashPassword)
	TOTPSecret   []byte // raw RFC 6238 key; nil when not enrolled
}

// Token is a bearer token's record. Its value is shown once at creation;
// the store has only a keyed hash of it.
type Token struct {
	ID      int64     `json:"id"`
	User    int64     `json:"user"`
	Name    string    `json:"user_name"`
	Label   string    `json:"label,omitempty"`
	Created time.Time `json:"created"`
	Expires time.Time `json:"expires,omitzero"` // zero: never
	Revoked time.Time `json:"revoked,omitzero"`
}

// Session is a browser session's record, found by a keyed hash of its ID.
type Session struct {
	User     int64
	Created  time.Time
	LastSeen time.Time
	Expires  time.Time // absolute end, whatever the activity
}

// Store persists accounts. Lookups of something absent return an error
// wrapping ErrNotFound; adding a user whose name exists, ErrExists. Names
// are compared as given (Service lower-cases them). package store
// satisfies it.
type Store interface {
	AddUser(ctx context.Context, u User, c Credentials) (int64, error)
	UserByName(ctx context.Context, name string) (User, Credentials, error)
	Users(ctx context.Context) ([]User, error)
	SetUserDisabled(ctx context.Context, name string, disabled bool) error
	SetPasswordHash(ctx context.Context, name, hash string) error
	SetTOTPSecret(ctx context.Context, name string, key []byte) error
	// UseTOTPStep records that a login used TOTP time step step, and
	// reports false (recording nothing) when that step or a later one was
	// used already: each code logs in once.
	UseTOTPStep(ctx context.Context, name string, step int64) (bool, error)

	AddToken(ctx context.Context, t Token, hash []byte) (int64, error)
	TokenByHash(ctx context.Context, hash []byte) (Token, User, error)
	Tokens(ctx context.Context) ([]Token, error)
	RevokeToken(ctx context.Context, id int64, at time.Time) error

	AddSession(ctx context.Context, hash []byte, s Session) error
	SessionByHash(ctx context.Context, hash []byte) (Session, User, error)
	TouchSession(ctx context.Context, hash []byte, at time.Time) error
	DeleteSession(ctx context.Context, hash []byte) error
	DeleteUserSessions(ctx context.Context, user int64) error

	// AddLoginFailure records a failed login under key and forgets the
	// failures under key older than before.
	AddLoginFailure(ctx context.Context, key []byte, at, before time.Time) error
	LoginFailures(ctx context.Context, key []byte, since time.Time) (int, error)
	ClearLoginFailures(ctx context.Context, key []byte) error
}

// MAC is a keyed hash; the core passes vault.Keys.MAC("auth").
type MAC interface {
	Sum(data []byte) [32]byte
}

// Errors. ErrBadLogin is the one answer for an unknown name, a wrong
// password, a wrong code and a disabled account, so that a login form
// tells nothing about which accounts exist.
var (
	ErrNotFound        = errors.New("not found")
	ErrExists          = errors.New("already exists")
	ErrBadLogin        = errors.New("wrong name, password or code")
	ErrCodeRequired    = errors.New("this account needs its one-time code")
	ErrLocked          = errors.New("too many failed logins: try again later")
	ErrUnauthenticated = errors.New("not logged in or session expired")
	// ErrForbidden is the core's and the web's answer to a role that may
	// not do something (the core may use it as its own sentinel).
	ErrForbidden = errors.New("not allowed for this role")
)

// Limits are the login rate limits: more than Account failures for one
// name, or Address failures from one address, within Window lock further
// attempts until older failures leave the window.
type Limits struct {
	Account int
	Address int
	Window  time.Duration
}

// Service proves identities. Its fields are configuration with defaults
// set by NewService; change them before use.
type Service struct {
	store Store
	mac   MAC

	Now             func() time.Time
	Password        vault.PasswordParams
	IdleTimeout     time.Duration // a session unused this long ends
	AbsoluteTimeout time.Duration // a session ends this long after login regardless
	Limits          Limits
	Issuer          string // shown by authenticator apps
	// LookupTTL is how long what the store said of a bearer token or a
	// session is trusted before it is asked again (0: every request
	// asks). A revoke, disable, password change or logout through this
	// Service takes effect at once; one made by another process on the
	// same database (the CLI) within LookupTTL, plus one query under load
	// and at most twice LookupTTL (cache.go).
	LookupTTL time.Duration

	lookups lookups

	dummyOnce sync.Once
	dummy     string
	verify    func(phc string, password []byte) (bool, error) // vault.VerifyPassword; tests count calls
}

// NewService returns a service over store, hashing session IDs, tokens
// and rate-limit keys with mac.
func NewService(store Store, mac MAC) *Service {
	return &Service{
		store:           store,
		mac:             mac,
		Now:             time.Now,
		Password:        vault.DefaultPasswordParams(),
		IdleTimeout:     30 * time.Minute,
		AbsoluteTimeout: 12 * time.Hour,
		Limits:          Limits{Account: 5, Address: 50, Window: 15 * time.Minute},
		Issuer:          "antidote",
		LookupTTL:       time.Second,
		verify:          vault.VerifyPassword,
	}
}

const (
	tokenPrefix  = "antidote_"
	randomLen    = 32
	touchEvery   = time.Minute
	maxNameBytes = 64
	maxPassBytes = 1024
	minPassBytes = 12
)

// NormalizeName lower-cases an account name and checks it: 1 to 64 bytes
// of letters, digits, '.', '-', '_' and '@'.
func NormalizeName(name string) (string, error) {
	n := strings.ToLower(strings.TrimSpace(name))
	if n == "" || len(n) > maxNameBytes {
		return "", fmt.Errorf("an account name has 1 to %d bytes", maxNameBytes)
	}
	for _, r := range n {
		if !unicode.IsLetter(r) && !unicode.IsDigit(r) && !strings.ContainsRune(".-_@", r) {
			return "", fmt.Errorf("account name %q: only letters, digits, '.', '-', '_' and '@'", clip(name))
		}
	}
	return n, nil
}

func checkPassword(p []byte) error {
	if len(p) < minPassBytes {
		return fmt.Errorf("a password needs at least %d bytes", minPassBytes)
	}
	if len(p) > maxPassBytes {
		return fmt.Errorf("a password has at most %d bytes", maxPassBytes)
	}
	return nil
}

// AddUser creates an account. A vendor account needs its vendor; other
// roles take none. The core checks that the caller may (UsersAdmin).
func (s *Service) AddUser(ctx context.Context, name string, role Role, vendor int64, password []byte) (User, error) {
	n, err := NormalizeName(name)
	if err != nil {
		return User{}, err
	}
	if _, err := ParseRole(string(role)); err != nil {
		return User{}, err
	}
	if role == Vendor && vendor <= 0 {
		return User{}, errors.New("a vendor account needs its vendor")
	}
	if role != Vendor && vendor != 0 {
		return User{}, fmt.Errorf("only vendor accounts have a vendor, not %s", role)
	}
	if err := checkPassword(password); err != nil {
		return User{}, err
	}
	h, err := vault.HashPassword(password, s.Password)
	if err != nil {
		return User{}, err
	}
	u := User{Name: n, Role: role, Vendor: vendor, Created: s.Now().UTC()}
	u.ID, err = s.store.AddUser(ctx, u, Credentials{PasswordHash: h})
	if err != nil {
		return User{}, fmt.Errorf("add user %s: %w", n, err)
	}
	return u, nil
}

// Users lists the accounts.
func (s *Service) Users(ctx context.Context) ([]User, error) { return s.store.Users(ctx) }

// SetDisabled disables (or enables again) an account; disabling ends its
// sessions. Its tokens stop working while it is disabled.
func (s *Service) SetDisabled(ctx context.Context, name string, disabled bool) error {
	n, err := NormalizeName(name)
	if err != nil {
		return err
	}
	u, _, err := s.store.UserByName(ctx, n)
	if err != nil {
		return fmt.Errorf("user %s: %w", n, err)
	}
	defer s.lookups.forget()
	if err := s.store.SetUserDisabled(ctx, n, disabled); err != nil {
		return err
	}
	if disabled {
		return s.store.DeleteUserSessions(ctx, u.ID)
	}
	return nil
}

// SetPassword replaces an account's password and ends its sessions.
func (s *Service) SetPassword(ctx context.Context, name string, password []byte) error {
	n, err := NormalizeName(name)
	if err != nil {
		return err
	}
	if err := checkPassword(password); err != nil {
		return err
	}
	u, _, err := s.store.UserByName(ctx, n)
	if err != nil {
		return fmt.Errorf("user %s: %w", n, err)
	}
	h, err := vault.HashPassword(password, s.Password)
	if err != nil {
		return err
	}
	defer s.lookups.forget()
	if err := s.store.SetPasswordHash(ctx, n, h); err != nil {
		return err
	}
	return s.store.DeleteUserSessions(ctx, u.ID)
}

// EnrollTOTP gives an account a new TOTP key and returns its otpauth://
// URI (to show once, as a QR code or text). Logins then need a code.
func (s *Service) EnrollTOTP(ctx context.Context, name string) (secret.String, error) {
	n, err := NormalizeName(name)
	if err != nil {
		return secret.String{}, err
	}
	if _, _, err := s.store.UserByName(ctx, n); err != nil {
		return secret.String{}, fmt.Errorf("user %s: %w", n, err)
	}
	key := make([]byte, 20)
	if _, err := rand.Read(key); err != nil {
		return secret.String{}, err
	}
	if err := s.store.SetTOTPSecret(ctx, n, key); err != nil {
		return secret.String{}, err
	}
	return secret.NewString(TOTPURI(s.Issuer, n, key)), nil
}

// LoginRequest is one attempt: Addr is the client's address (for the
// per-address limit), Code the TOTP code when the account has one.
type LoginRequest struct {
	Name     string
	Password secret.String
	Code     string
	Addr     string
}

// Login is a successful login: a new session.
type Login struct {
	Session  secret.String // the cookie value; only its keyed hash is stored
	Identity Identity
	Expires  time.Time
}

func (s *Service) key(kind, v string) []byte {
	sum := s.keySum(kind, v)
	return sum[:]
}

func (s *Service) keySum(kind, v string) [32]byte {
	return s.mac.Sum([]byte("antidote/auth/" + kind + "\x00" + v))
}

func (s *Service) dummyHash() string {
	s.dummyOnce.Do(func() {
		s.dummy, _ = vault.HashPassword([]byte("no such account, same work"), s.Password)
	})
	return s.dummy
}

// Login checks a name, password and code, under the rate limits, and
// opens a new session (a login always gets a fresh session ID: the caller
// ends any session the browser had, see Logout). Unknown names cost the
// same password hash as known ones.
func (s *Service) Login(ctx context.Context, r LoginRequest) (Login, error) {
	now := s.Now().UTC()
	n, nerr := NormalizeName(r.Name)
	if nerr != nil {
		n = "\x00invalid"
	}
	acctKey, addrKey := s.key("login-account", n), s.key("login-address", r.Addr)
	since := now.Add(-s.Limits.Window)
	fa, err := s.store.LoginFailures(ctx, acctKey, since)
	if err != nil {
		return Login{}, err
	}
	fd, err := s.store.LoginFailures(ctx, addrKey, since)
	if err != nil {
		return Login{}, err
	}
	if fa >= s.Limits.Account || fd >= s.Limits.Address {
		return Login{}, ErrLocked
	}
	fail := func(e error) (Login, error) {
		if err := s.store.AddLoginFailure(ctx, acctKey, now, since); err != nil {
			return Login{}, err
		}
		if err := s.store.AddLoginFailure(ctx, addrKey, now, since); err != nil {
			return Login{}, err
		}
		return Login{}, e
	}
	pw := []byte(r.Password.Reveal())
	u, c, err := s.store.UserByName(ctx, n)
	if err != nil || nerr != nil || len(pw) > maxPassBytes {
		if err != nil && !errors.Is(err, ErrNotFound) {
			return Login{}, err
		}
		s.verify(s.dummyHash(), pw)
		return fail(ErrBadLogin)
	}
	ok, err := s.verify(c.PasswordHash, pw)
	if err != nil {
		return Login{}, fmt.Errorf("user %s: %w", n, err)
	}
	if !ok || u.Disabled {
		return fail(ErrBadLogin)
	}
	if c.TOTPSecret != nil {
		if r.Code == "" {
			// The password was right: asking for the code tells nothing
			// to someone who does not know it. Not counted as a failure.
			return Login{}, ErrCodeRequired
		}
		step, ok := MatchTOTP(c.TOTPSecret, r.Code, now)
		if !ok {
			return fail(ErrBadLogin)
		}
		fresh, err := s.store.UseTOTPStep(ctx, n, step)
		if err != nil {
			return Login{}, err
		}
		if !fresh {
			return fail(ErrBadLogin)
		}
	}
	if err := s.store.ClearLoginFailures(ctx, acctKey); err != nil {
		return Login{}, err
	}
	id, err := randomString()
	if err != nil {
		return Login{}, err
	}
	sess := Session{User: u.ID, Created: now, LastSeen: now, Expires: now.Add(s.AbsoluteTimeout)}
	if err := s.store.AddSession(ctx, s.key("session", id), sess); err != nil {
		return Login{}, err
	}
	return Login{Session: secret.NewString(id), Identity: u.Identity(), Expires: sess.Expires}, nil
}

// Session returns the identity of a live session and marks it used. An
// unknown, idle, expired or disabled session is ErrUnauthenticated (and
// deleted when it exists). The record is kept for LookupTTL (see
// Service.LookupTTL); the timeouts are checked on every call.
func (s *Service) Session(ctx context.Context, id string) (Identity, error) {
	if id == "" || len(id) > 100 {
		return Identity{}, ErrUnauthenticated
	}
	h := s.keySum("session", id)
	now := s.Now().UTC()
	e, err := s.lookups.get(h, now, s.LookupTTL, func() (lookup, error) {
		// Shared with concurrent requests: not cancelled with this one.
		sess, u, err := s.store.SessionByHash(context.WithoutCancel(ctx), h[:])
		return lookup{user: u, session: sess}, err
	})
	if errors.Is(err, ErrNotFound) {
		return Identity{}, ErrUnauthenticated
	}
	if err != nil {
		return Identity{}, err
	}
	sess, u := e.session, e.user
	if u.Disabled || !now.Before(sess.Expires) || now.Sub(sess.LastSeen) >= s.IdleTimeout {
		defer s.lookups.forget()
		if err := s.store.DeleteSession(ctx, h[:]); err != nil {
			return Identity{}, err
		}
		return Identity{}, ErrUnauthenticated
	}
	// One write a minute at most per session, not one per request.
	if now.Sub(sess.LastSeen) >= touchEvery {
		if err := s.store.TouchSession(ctx, h[:], now); err != nil {
			return Identity{}, err
		}
		s.lookups.touched(h, now)
	}
	return u.Identity(), nil
}

// Logout ends a session; an unknown one is not an error.
func (s *Service) Logout(ctx context.Context, id string) error {
	if id == "" || len(id) > 100 {
		return nil
	}
	defer s.lookups.forget()
	err := s.store.DeleteSession(ctx, s.key("session", id))
	if errors.Is(err, ErrNotFound) {
		return nil
	}
	return err
}

// CSRFToken is the anti-forgery token of a session: forms carry it in a
// hidden field, API calls with the cookie in the X-CSRF-Token header. It
// is derived, so nothing more is stored.
func (s *Service) CSRFToken(sessionID string) string {
	return base64.RawURLEncoding.EncodeToString(s.key("csrf", sessionID)[:24])
}

// CheckCSRF reports whether token is the session's, in constant time.
func (s *Service) CheckCSRF(sessionID, token string) bool {
	return sessionID != "" && hmac.Equal([]byte(s.CSRFToken(sessionID)), []byte(token))
}

// CreateToken makes a bearer token for an account, valid for ttl (0: until
// revoked). The value is returned once; only its keyed hash is stored.
func (s *Service) CreateToken(ctx context.Context, name, label string, ttl time.Duration) (secret.String, Token, error) {
	n, err := NormalizeName(name)
	if err != nil {
		return secret.String{}, Token{}, err
	}
	if ttl < 0 {
		return secret.String{}, Token{}, errors.New("a token's lifetime cannot be negative")
	}
	u, _, err := s.store.UserByName(ctx, n)
	if err != nil {
		return secret.String{}, Token{}, fmt.Errorf("user %s: %w", n, err)
	}
	r, err := randomString()
	if err != nil {
		return secret.String{}, Token{}, err
	}
	v := tokenPrefix + r
	now := s.Now().UTC()
	t := Token{User: u.ID, Name: u.Name, Label: label, Created: now}
	if ttl > 0 {
		t.Expires = now.Add(ttl)
	}
	t.ID, err = s.store.AddToken(ctx, t, s.key("token", v))
	if err != nil {
		return secret.String{}, Token{}, fmt.Errorf("create token: %w", err)
	}
	return secret.NewString(v), t, nil
}

// Tokens lists tokens (never their values).
func (s *Service) Tokens(ctx context.Context) ([]Token, error) { return s.store.Tokens(ctx) }

// RevokeToken ends a token now.
func (s *Service) RevokeToken(ctx context.Context, id int64) error {
	defer s.lookups.forget()
	return s.store.RevokeToken(ctx, id, s.Now().UTC())
}

// Bearer returns the identity a bearer token acts as: its user's role and
// vendor. Unknown, expired, revoked tokens and disabled users are
// ErrUnauthenticated. The record is kept for LookupTTL (see
// Service.LookupTTL); expiry is checked on every call.
func (s *Service) Bearer(ctx context.Context, token string) (Identity, error) {
	if !strings.HasPrefix(token, tokenPrefix) || len(token) > 100 {
		return Identity{}, ErrUnauthenticated
	}
	h := s.keySum("token", token)
	now := s.Now()
	e, err := s.lookups.get(h, now, s.LookupTTL, func() (lookup, error) {
		// Shared with concurrent requests: not cancelled with this one.
		t, u, err := s.store.TokenByHash(context.WithoutCancel(ctx), h[:])
		return lookup{user: u, token: t}, err
	})
	if errors.Is(err, ErrNotFound) {
		return Identity{}, ErrUnauthenticated
	}
	if err != nil {
		return Identity{}, err
	}
	t, u := e.token, e.user
	if u.Disabled || !t.Revoked.IsZero() || (!t.Expires.IsZero() && !now.Before(t.Expires)) {
		return Identity{}, ErrUnauthenticated
	}
	return u.Identity(), nil
}

func randomString() (string, error) {
	b := make([]byte, randomLen)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("read random: %w", err)
	}
	return base64.RawURLEncoding.EncodeToString(b), nil
}
