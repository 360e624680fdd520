package auth

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/pquerna/otp"
	"github.com/pquerna/otp/totp"

	"antidote/internal/secret"
	"antidote/internal/vault"
)

type hmacKey []byte

func (k hmacKey) Sum(b []byte) [32]byte {
	h := hmac.New(sha256.New, k)
	h.Write(b)
	var out [32]byte
	h.Sum(out[:0])
	return out
}

type clock struct{ t time.Time }

func (c *clock) now() time.Time          { return c.t }
func (c *clock) advance(d time.Duration) { c.t = c.t.Add(d) }
func pw(s string) secret.String          { return secret.NewString(s) }
func req(name, pass string) LoginRequest {
	return LoginRequest{Name: name, Password: pw(pass), Addr: "192.0.2.1"}
}
func reqFrom(name, pass, addr string) LoginRequest {
	return LoginRequest{Name: name, Password: pw(pass), Addr: addr}
}

func newTestService(t *testing.T) (*Service, *memStore, *clock) {
	t.Helper()
	m := newMemStore()
	s := NewService(m, hmacKey("test key"))
	c := &clock{t: time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)}
	s.Now = c.now
	s.Password = vault.InsecurePasswordParams()
	return s, m, c
}

const good = "correct horse battery"

func TestLoginAndSession(t *testing.T) {
	ctx := context.Background()
	s, m, c := newTestService(t)
	if _, err := s.AddUser(ctx, "Ana", Analyst, 0, []byte(good)); err != nil {
		t.Fatal(err)
	}
	l, err := s.Login(ctx, req("ana", good))
	if err != nil {
		t.Fatal(err)
	}
	if l.Identity != (Identity{Name: "ana", Role: Analyst, Authenticated: true}) {
		t.Fatalf("identity %+v", l.Identity)
	}
	for h := range m.sessions {
		if strings.Contains(h, l.Session.Reveal()) {
			t.Fatal("the session ID is stored as is")
		}
	}
	id, err := s.Session(ctx, l.Session.Reveal())
	if err != nil || id.Name != "ana" {
		t.Fatalf("session: %+v %v", id, err)
	}
	// A second login is a different session: IDs rotate at login.
	l2, err := s.Login(ctx, req("ANA", good))
	if err != nil || l2.Session.Reveal() == l.Session.Reveal() {
		t.Fatalf("second login %v", err)
	}
	// Requests within a minute do not write.
	c.advance(30 * time.Second)
	s.Session(ctx, l.Session.Reveal())
	if m.touches != 0 {
		t.Errorf("%d touches within a minute", m.touches)
	}
	// Idle timeout: used every 20 minutes, the session lives on...
	for range 3 {
		c.advance(20 * time.Minute)
		if _, err := s.Session(ctx, l.Session.Reveal()); err != nil {
			t.Fatalf("active session ended: %v", err)
		}
	}
	// ...and ends after 30 idle minutes.
	c.advance(31 * time.Minute)
	if _, err := s.Session(ctx, l.Session.Reveal()); !errors.Is(err, ErrUnauthenticated) {
		t.Fatalf("idle session: %v", err)
	}
	if _, err := s.Session(ctx, l2.Session.Reveal()); !errors.Is(err, ErrUnauthenticated) {
		t.Fatalf("the other idle session: %v", err)
	}
	if len(m.sessions) != 0 {
		t.Errorf("%d expired sessions left", len(m.sessions))
	}
	// Absolute timeout, however active.
	l3, _ := s.Login(ctx, req("ana", good))
	for i := 0; i < 12*4; i++ {
		c.advance(15 * time.Minute)
		_, err := s.Session(ctx, l3.Session.Reveal())
		if i < 12*4-1 && err != nil {
			t.Fatalf("after %d quarters: %v", i+1, err)
		}
		if i == 12*4-1 && !errors.Is(err, ErrUnauthenticated) {
			t.Fatalf("session outlived the absolute timeout: %v", err)
		}
	}
	// Logout.
	l4, _ := s.Login(ctx, req("ana", good))
	if err := s.Logout(ctx, l4.Session.Reveal()); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Session(ctx, l4.Session.Reveal()); !errors.Is(err, ErrUnauthenticated) {
		t.Fatalf("after logout: %v", err)
	}
	for _, bad := range []string{"", "x", strings.Repeat("a", 200)} {
		if _, err := s.Session(ctx, bad); !errors.Is(err, ErrUnauthenticated) {
			t.Errorf("session %q: %v", bad, err)
		}
	}
}

// TestNoEnumeration: an unknown name, a wrong password and a disabled
// account get the same error after the same password-hash work.
func TestNoEnumeration(t *testing.T) {
	ctx := context.Background()
	s, _, _ := newTestService(t)
	s.AddUser(ctx, "ana", Analyst, 0, []byte(good))
	s.AddUser(ctx, "old", Analyst, 0, []byte(good))
	s.SetDisabled(ctx, "old", true)
	calls := 0
	s.verify = func(phc string, p []byte) (bool, error) { calls++; return vault.VerifyPassword(phc, p) }
	for _, r := range []LoginRequest{req("ana", "wrong password!"), req("nobody", good), req("old", good), req("bad name!", good)} {
		calls = 0
		_, err := s.Login(ctx, r)
		if !errors.Is(err, ErrBadLogin) || err.Error() != ErrBadLogin.Error() {
			t.Errorf("%s: %v", r.Name, err)
		}
		if calls != 1 {
			t.Errorf("%s: %d password checks, want 1", r.Name, calls)
		}
	}
}

func TestLockout(t *testing.T) {
	ctx := context.Background()
	s, _, c := newTestService(t)
	s.AddUser(ctx, "ana", Analyst, 0, []byte(good))
	s.AddUser(ctx, "bob", Analyst, 0, []byte(good))
	for i := range 5 {
		if _, err := s.Login(ctx, reqFrom("ana", "wrong password!", "198.51.100.1")); !errors.Is(err, ErrBadLogin) {
			t.Fatalf("failure %d: %v", i+1, err)
		}
	}
	// Locked: even the right password, from another address.
	if _, err := s.Login(ctx, reqFrom("ana", good, "198.51.100.2")); !errors.Is(err, ErrLocked) {
		t.Fatalf("locked account: %v", err)
	}
	// An unknown name locks the same way, so the lock tells nothing.
	for range 5 {
		s.Login(ctx, req("nobody", good))
	}
	if _, err := s.Login(ctx, req("nobody", good)); !errors.Is(err, ErrLocked) {
		t.Fatalf("unknown name: %v", err)
	}
	// Other accounts are not locked.
	if _, err := s.Login(ctx, reqFrom("bob", good, "198.51.100.3")); err != nil {
		t.Fatalf("bob: %v", err)
	}
	// The lock lifts once the failures leave the window.
	c.advance(16 * time.Minute)
	if _, err := s.Login(ctx, reqFrom("ana", good, "198.51.100.2")); err != nil {
		t.Fatalf("after the window: %v", err)
	}
	// A success clears the account's count.
	for range 4 {
		s.Login(ctx, req("ana", "wrong password!"))
	}
	s.Login(ctx, req("ana", good))
	for range 4 {
		s.Login(ctx, req("ana", "wrong password!"))
	}
	if _, err := s.Login(ctx, req("ana", good)); err != nil {
		t.Fatalf("count not cleared at success: %v", err)
	}
}

func TestAddressLimit(t *testing.T) {
	ctx := context.Background()
	s, _, _ := newTestService(t)
	s.Limits.Address = 10
	s.AddUser(ctx, "ana", Analyst, 0, []byte(good))
	// Spraying many names from one address.
	for i := range 10 {
		s.Login(ctx, reqFrom("user"+string(rune('a'+i)), "password spray", "203.0.113.9"))
	}
	if _, err := s.Login(ctx, reqFrom("ana", good, "203.0.113.9")); !errors.Is(err, ErrLocked) {
		t.Fatalf("address not limited: %v", err)
	}
	if _, err := s.Login(ctx, reqFrom("ana", good, "203.0.113.10")); err != nil {
		t.Fatalf("another address: %v", err)
	}
}

func TestTOTPLogin(t *testing.T) {
	ctx := context.Background()
	s, _, c := newTestService(t)
	s.AddUser(ctx, "ana", Analyst, 0, []byte(good))
	uri, err := s.EnrollTOTP(ctx, "ana")
	if err != nil {
		t.Fatal(err)
	}
	k, err := otp.NewKeyFromURL(uri.Reveal())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Login(ctx, req("ana", good)); !errors.Is(err, ErrCodeRequired) {
		t.Fatalf("no code: %v", err)
	}
	code, _ := totp.GenerateCode(k.Secret(), c.now())
	r := req("ana", good)
	r.Code = code
	if _, err := s.Login(ctx, r); err != nil {
		t.Fatalf("with code: %v", err)
	}
	// The same code again, within its validity: refused (no replay).
	if _, err := s.Login(ctx, r); !errors.Is(err, ErrBadLogin) {
		t.Fatalf("replayed code: %v", err)
	}
	// The next step's code works; then the previous one no more.
	c.advance(30 * time.Second)
	next, _ := totp.GenerateCode(k.Secret(), c.now())
	r.Code = next
	if _, err := s.Login(ctx, r); err != nil {
		t.Fatalf("next code: %v", err)
	}
	r.Code = code
	if _, err := s.Login(ctx, r); !errors.Is(err, ErrBadLogin) {
		t.Fatalf("an older code after a newer one: %v", err)
	}
	r.Code = "000000"
	if code == "000000" || next == "000000" {
		r.Code = "111111"
	}
	if _, err := s.Login(ctx, r); !errors.Is(err, ErrBadLogin) {
		t.Fatalf("wrong code: %v", err)
	}
	// A wrong password with a code is still just a bad login.
	r = req("ana", "wrong password!")
	r.Code = code
	if _, err := s.Login(ctx, r); !errors.Is(err, ErrBadLogin) {
		t.Fatalf("wrong password: %v", err)
	}
}

func TestTokens(t *testing.T) {
	ctx := context.Background()
	s, m, c := newTestService(t)
	s.AddUser(ctx, "acme", Vendor, 3, []byte(good))
	tok, rec, err := s.CreateToken(ctx, "acme", "ci", 24*time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(tok.Reveal(), "antidote_") || rec.Expires.Sub(rec.Created) != 24*time.Hour {
		t.Fatalf("token %+v", rec)
	}
	for h := range m.tokens {
		if strings.Contains(h, tok.Reveal()) {
			t.Fatal("the token is stored as is")
		}
	}
	id, err := s.Bearer(ctx, tok.Reveal())
	if err != nil || id != (Identity{Name: "acme", Role: Vendor, Vendor: 3, Authenticated: true}) {
		t.Fatalf("bearer: %+v %v", id, err)
	}
	for _, bad := range []string{"", "antidote_", tok.Reveal() + "x", "Bearer " + tok.Reveal()} {
		if _, err := s.Bearer(ctx, bad); !errors.Is(err, ErrUnauthenticated) {
			t.Errorf("%q: %v", bad, err)
		}
	}
	c.advance(25 * time.Hour)
	if _, err := s.Bearer(ctx, tok.Reveal()); !errors.Is(err, ErrUnauthenticated) {
		t.Fatalf("expired token: %v", err)
	}
	tok2, rec2, _ := s.CreateToken(ctx, "acme", "", 0)
	if _, err := s.Bearer(ctx, tok2.Reveal()); err != nil {
		t.Fatal(err)
	}
	s.SetDisabled(ctx, "acme", true)
	if _, err := s.Bearer(ctx, tok2.Reveal()); !errors.Is(err, ErrUnauthenticated) {
		t.Fatalf("disabled user's token: %v", err)
	}
	s.SetDisabled(ctx, "acme", false)
	s.RevokeToken(ctx, rec2.ID)
	if _, err := s.Bearer(ctx, tok2.Reveal()); !errors.Is(err, ErrUnauthenticated) {
		t.Fatalf("revoked token: %v", err)
	}
}

func TestCSRF(t *testing.T) {
	s, _, _ := newTestService(t)
	a, b := s.CSRFToken("session-a"), s.CSRFToken("session-b")
	if a == b || !s.CheckCSRF("session-a", a) || s.CheckCSRF("session-a", b) || s.CheckCSRF("", s.CSRFToken("")) {
		t.Fatal("CSRF tokens do not bind to their session")
	}
}

func TestDisableEndsSessions(t *testing.T) {
	ctx := context.Background()
	s, _, _ := newTestService(t)
	s.AddUser(ctx, "ana", Analyst, 0, []byte(good))
	l, _ := s.Login(ctx, req("ana", good))
	s.SetDisabled(ctx, "ana", true)
	if _, err := s.Session(ctx, l.Session.Reveal()); !errors.Is(err, ErrUnauthenticated) {
		t.Fatalf("disabled: %v", err)
	}
	s.SetDisabled(ctx, "ana", false)
	l, _ = s.Login(ctx, req("ana", good))
	if err := s.SetPassword(ctx, "ana", []byte("another long password")); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Session(ctx, l.Session.Reveal()); !errors.Is(err, ErrUnauthenticated) {
		t.Fatalf("after a password change: %v", err)
	}
	if _, err := s.Login(ctx, req("ana", good)); !errors.Is(err, ErrBadLogin) {
		t.Fatalf("old password: %v", err)
	}
}

func TestAddUserChecks(t *testing.T) {
	ctx := context.Background()
	s, _, _ := newTestService(t)
	for _, c := range []struct {
		name   string
		role   Role
		vendor int64
		pass   string
	}{
		{"", Analyst, 0, good},
		{"a b", Analyst, 0, good},
		{"ana", "root", 0, good},
		{"acme", Vendor, 0, good},
		{"ana", Analyst, 3, good},
		{"ana", Analyst, 0, "short"},
	} {
		if _, err := s.AddUser(ctx, c.name, c.role, c.vendor, []byte(c.pass)); err == nil {
			t.Errorf("%+v accepted", c)
		}
	}
	if _, err := s.AddUser(ctx, "ana", Analyst, 0, []byte(good)); err != nil {
		t.Fatal(err)
	}
	if _, err := s.AddUser(ctx, "ANA", Admin, 0, []byte(good)); !errors.Is(err, ErrExists) {
		t.Fatalf("duplicate: %v", err)
	}
}
