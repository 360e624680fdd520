package store_test

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

	"antidote/internal/auth"
	"antidote/internal/secret"
	"antidote/internal/store"
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

// TestAuthConformance runs the account service over each backend: what
// auth's own tests check on a map, here on SQL.
func TestAuthConformance(t *testing.T) {
	forEachBackend(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		now := time.Date(2026, 3, 1, 9, 0, 0, 123456789, time.UTC)
		svc := auth.NewService(s, hmacKey("k"))
		svc.Now = func() time.Time { return now }
		svc.Password = vault.InsecurePasswordParams()
		const pass = "correct horse battery"

		ana, err := svc.AddUser(ctx, "Ana", auth.Analyst, 0, []byte(pass))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := svc.AddUser(ctx, "acme", auth.Vendor, 42, []byte(pass)); err != nil {
			t.Fatal(err)
		}
		if _, err := svc.AddUser(ctx, "ana", auth.Admin, 0, []byte(pass)); !errors.Is(err, auth.ErrExists) {
			t.Fatalf("duplicate name: %v", err)
		}
		users, err := svc.Users(ctx)
		if err != nil || len(users) != 2 || users[0].Name != "acme" || users[0].Vendor != 42 || users[0].Role != auth.Vendor ||
			users[1].ID != ana.ID || !users[1].Created.Equal(ana.Created) {
			t.Fatalf("users %+v %v", users, err)
		}
		u, c, err := s.UserByName(ctx, "ana")
		if err != nil || u.ID != ana.ID || !strings.HasPrefix(c.PasswordHash, "$argon2id$") || c.TOTPSecret != nil {
			t.Fatalf("user %+v %v", u, err)
		}
		if _, _, err := s.UserByName(ctx, "nobody"); !errors.Is(err, auth.ErrNotFound) || !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("unknown user: %v", err)
		}
		// The password hash is sealed: not in the database as is.
		var n int
		if err := s.DB().QueryRowContext(ctx, `SELECT count(*) FROM users WHERE credentials IS NULL`).Scan(&n); err != nil || n != 0 {
			t.Fatalf("%d users without credentials: %v", n, err)
		}
		raw := dumpColumn(t, s, "SELECT credentials FROM users")
		if strings.Contains(raw, "argon2id") || strings.Contains(raw, c.PasswordHash[len(c.PasswordHash)-20:]) {
			t.Fatal("password hash stored in clear")
		}

		// Login, session, touch, logout.
		l, err := svc.Login(ctx, auth.LoginRequest{Name: "ana", Password: secret.NewString(pass), Addr: "192.0.2.1"})
		if err != nil {
			t.Fatal(err)
		}
		if strings.Contains(dumpColumn(t, s, "SELECT hash FROM sessions"), l.Session.Reveal()) {
			t.Fatal("session ID stored as is")
		}
		now = now.Add(2 * time.Minute)
		id, err := svc.Session(ctx, l.Session.Reveal())
		if err != nil || id.Name != "ana" || id.Role != auth.Analyst {
			t.Fatalf("session %+v %v", id, err)
		}
		hash := hmacKey("k").Sum([]byte("antidote/auth/session\x00" + l.Session.Reveal()))
		ss, su, err := s.SessionByHash(ctx, hash[:])
		if err != nil || su.ID != ana.ID || !ss.LastSeen.Equal(now) || !ss.Expires.Equal(ss.Created.Add(12*time.Hour)) {
			t.Fatalf("stored session %+v %v (now %v)", ss, err, now)
		}
		if err := svc.Logout(ctx, l.Session.Reveal()); err != nil {
			t.Fatal(err)
		}
		if _, err := svc.Session(ctx, l.Session.Reveal()); !errors.Is(err, auth.ErrUnauthenticated) {
			t.Fatalf("after logout: %v", err)
		}

		// Lockout through the SQL failure counts, which survive across
		// service instances (several server processes on PostgreSQL).
		for range 5 {
			svc.Login(ctx, auth.LoginRequest{Name: "ana", Password: secret.NewString("wrong password"), Addr: "192.0.2.1"})
		}
		svc2 := auth.NewService(s, hmacKey("k"))
		svc2.Now, svc2.Password = svc.Now, svc.Password
		if _, err := svc2.Login(ctx, auth.LoginRequest{Name: "ana", Password: secret.NewString(pass), Addr: "192.0.2.9"}); !errors.Is(err, auth.ErrLocked) {
			t.Fatalf("locked: %v", err)
		}
		now = now.Add(16 * time.Minute)
		if _, err := svc2.Login(ctx, auth.LoginRequest{Name: "ana", Password: secret.NewString(pass), Addr: "192.0.2.9"}); err != nil {
			t.Fatalf("after the window: %v", err)
		}
		var left int
		s.DB().QueryRowContext(ctx, `SELECT count(*) FROM login_failures`).Scan(&left)
		if left != 5 { // the address's five remain; the account's were cleared
			t.Errorf("%d failure rows, want 5", left)
		}

		// TOTP enrolment is stored sealed and makes logins ask for a code.
		uri, err := svc.EnrollTOTP(ctx, "ana")
		if err != nil {
			t.Fatal(err)
		}
		if u, c, _ := s.UserByName(ctx, "ana"); !u.TOTP || len(c.TOTPSecret) != 20 {
			t.Fatalf("TOTP not stored: %+v", u)
		}
		if _, err := svc.Login(ctx, auth.LoginRequest{Name: "ana", Password: secret.NewString(pass), Addr: "192.0.2.1"}); !errors.Is(err, auth.ErrCodeRequired) {
			t.Fatalf("TOTP login: %v", err)
		}
		key, err := otp.NewKeyFromURL(uri.Reveal())
		if err != nil {
			t.Fatal(err)
		}
		code, _ := totp.GenerateCode(key.Secret(), now)
		withCode := auth.LoginRequest{Name: "ana", Password: secret.NewString(pass), Code: code, Addr: "192.0.2.1"}
		if _, err := svc.Login(ctx, withCode); err != nil {
			t.Fatalf("login with the code: %v", err)
		}
		if _, err := svc.Login(ctx, withCode); !errors.Is(err, auth.ErrBadLogin) {
			t.Fatalf("the same code twice: %v", err)
		}

		// Tokens.
		tok, rec, err := svc.CreateToken(ctx, "acme", "ci", 30*24*time.Hour)
		if err != nil {
			t.Fatal(err)
		}
		if strings.Contains(dumpColumn(t, s, "SELECT hash FROM auth_tokens"), tok.Reveal()) {
			t.Fatal("token stored as is")
		}
		id, err = svc.Bearer(ctx, tok.Reveal())
		if err != nil || id != (auth.Identity{Name: "acme", Role: auth.Vendor, Vendor: 42, Authenticated: true}) {
			t.Fatalf("bearer %+v %v", id, err)
		}
		toks, err := svc.Tokens(ctx)
		if err != nil || len(toks) != 1 || toks[0].ID != rec.ID || toks[0].Name != "acme" || toks[0].Label != "ci" || !toks[0].Expires.Equal(rec.Expires) {
			t.Fatalf("tokens %+v %v", toks, err)
		}
		if err := svc.RevokeToken(ctx, rec.ID); err != nil {
			t.Fatal(err)
		}
		if _, err := svc.Bearer(ctx, tok.Reveal()); !errors.Is(err, auth.ErrUnauthenticated) {
			t.Fatalf("revoked: %v", err)
		}
		if err := svc.RevokeToken(ctx, 999); !errors.Is(err, auth.ErrNotFound) {
			t.Fatalf("unknown token: %v", err)
		}

		// Disabling ends sessions.
		svc.SetDisabled(ctx, "acme", false)
		l2, err := svc.Login(ctx, auth.LoginRequest{Name: "acme", Password: secret.NewString(pass), Addr: "192.0.2.2"})
		if err != nil {
			t.Fatal(err)
		}
		if err := svc.SetDisabled(ctx, "acme", true); err != nil {
			t.Fatal(err)
		}
		if _, err := svc.Session(ctx, l2.Session.Reveal()); !errors.Is(err, auth.ErrUnauthenticated) {
			t.Fatalf("disabled: %v", err)
		}
		if err := s.SetUserDisabled(ctx, "nobody", true); !errors.Is(err, auth.ErrNotFound) {
			t.Fatalf("disable unknown: %v", err)
		}

		// Expired sessions are swept.
		svc.SetDisabled(ctx, "acme", false)
		svc.Login(ctx, auth.LoginRequest{Name: "acme", Password: secret.NewString(pass), Addr: "192.0.2.2"})
		gone, err := s.DeleteExpiredSessions(ctx, now.Add(13*time.Hour), now.Add(13*time.Hour-30*time.Minute))
		if err != nil || gone != 3 { // ana's two (password, then TOTP) and acme's last
			t.Fatalf("swept %d: %v", gone, err)
		}
	})
}

// dumpColumn returns every value of a query's single column as one string.
func dumpColumn(t *testing.T, s *store.Store, q string) string {
	t.Helper()
	rows, err := s.DB().Query(q)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var b strings.Builder
	for rows.Next() {
		var v []byte
		if err := rows.Scan(&v); err != nil {
			t.Fatal(err)
		}
		b.Write(v)
		b.WriteByte(0)
	}
	return b.String()
}
