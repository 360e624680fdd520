package auth

import (
	"context"
	"errors"
	"testing"
	"time"
)

// TestLookupCache: within LookupTTL a token or session is checked without
// asking the store again; a change through the Service takes effect on the
// next request; a change made in the store behind its back (another
// process) within LookupTTL.
func TestLookupCache(t *testing.T) {
	ctx := context.Background()
	s, m, c := newTestService(t)
	s.LookupTTL = 2 * time.Second
	s.AddUser(ctx, "ana", Analyst, 0, []byte(good))
	s.AddUser(ctx, "acme", Vendor, 3, []byte(good))
	tok, rec, _ := s.CreateToken(ctx, "acme", "", 0)
	l, _ := s.Login(ctx, req("ana", good))

	ok := func(what string, err error) {
		t.Helper()
		if err != nil {
			t.Fatalf("%s: %v", what, err)
		}
	}
	refused := func(what string, err error) {
		t.Helper()
		if !errors.Is(err, ErrUnauthenticated) {
			t.Fatalf("%s: %v, want ErrUnauthenticated", what, err)
		}
	}
	bearer := func() error { _, err := s.Bearer(ctx, tok.Reveal()); return err }
	session := func() error { _, err := s.Session(ctx, l.Session.Reveal()); return err }

	// Many requests within the TTL: one lookup each.
	m.lookups = 0
	for range 100 {
		ok("bearer", bearer())
		ok("session", session())
	}
	if m.lookups != 2 {
		t.Fatalf("%d store lookups for 200 requests within the TTL, want 2", m.lookups)
	}
	// After the TTL the store is asked again.
	c.advance(2 * time.Second)
	ok("bearer", bearer())
	ok("session", session())
	if m.lookups != 4 {
		t.Fatalf("%d store lookups after the TTL, want 4", m.lookups)
	}

	// Another process revokes the token and disables the user in the
	// store: seen once the entries are LookupTTL old, not later.
	m.RevokeToken(ctx, rec.ID, c.now())
	m.SetUserDisabled(ctx, "ana", true)
	c.advance(2*time.Second - time.Nanosecond)
	ok("bearer within the TTL of a revoke elsewhere", bearer())
	ok("session within the TTL of a disable elsewhere", session())
	c.advance(time.Nanosecond)
	refused("bearer revoked elsewhere, after the TTL", bearer())
	refused("session of a user disabled elsewhere, after the TTL", session())
	m.SetUserDisabled(ctx, "ana", false)

	// Through the Service: at once, whatever the cache holds.
	tok2, rec2, _ := s.CreateToken(ctx, "acme", "", 0)
	l2, _ := s.Login(ctx, req("ana", good))
	l3, _ := s.Login(ctx, req("ana", good))
	for _, f := range []func() error{
		func() error { _, err := s.Bearer(ctx, tok2.Reveal()); return err },
		func() error { _, err := s.Session(ctx, l2.Session.Reveal()); return err },
		func() error { _, err := s.Session(ctx, l3.Session.Reveal()); return err },
	} {
		ok("warm the cache", f())
	}
	ok("revoke", s.RevokeToken(ctx, rec2.ID))
	_, err := s.Bearer(ctx, tok2.Reveal())
	refused("bearer revoked through the service", err)
	ok("logout", s.Logout(ctx, l2.Session.Reveal()))
	_, err = s.Session(ctx, l2.Session.Reveal())
	refused("session after logout", err)
	_, err = s.Session(ctx, l3.Session.Reveal())
	ok("another session of the user after a logout", err)
	ok("password", s.SetPassword(ctx, "ana", []byte("another long password")))
	_, err = s.Session(ctx, l3.Session.Reveal())
	refused("session after a password change", err)

	tok3, _, _ := s.CreateToken(ctx, "acme", "", 0)
	_, err = s.Bearer(ctx, tok3.Reveal())
	ok("bearer", err)
	ok("disable", s.SetDisabled(ctx, "acme", true))
	_, err = s.Bearer(ctx, tok3.Reveal())
	refused("bearer of a user disabled through the service", err)

	// The cache never answers for a token it has not seen: a wrong token
	// is refused whatever is cached.
	_, err = s.Bearer(ctx, tok3.Reveal()+"x")
	refused("unknown token", err)
}

// TestLookupCacheTimeouts: the idle and absolute timeouts hold on cached
// sessions, and the last-seen write stays at most one a minute.
func TestLookupCacheTimeouts(t *testing.T) {
	ctx := context.Background()
	s, m, c := newTestService(t)
	s.LookupTTL = time.Hour // longer than the idle timeout: only the checks end it
	s.AddUser(ctx, "ana", Analyst, 0, []byte(good))
	l, _ := s.Login(ctx, req("ana", good))
	for range 10 * 60 { // a request a second for ten minutes
		if _, err := s.Session(ctx, l.Session.Reveal()); err != nil {
			t.Fatal(err)
		}
		c.advance(time.Second)
	}
	if m.touches < 9 || m.touches > 10 {
		t.Errorf("%d last-seen writes in ten minutes of use, want one a minute", m.touches)
	}
	c.advance(s.IdleTimeout)
	if _, err := s.Session(ctx, l.Session.Reveal()); !errors.Is(err, ErrUnauthenticated) {
		t.Fatalf("a cached session outlived the idle timeout: %v", err)
	}
	if len(m.sessions) != 0 {
		t.Error("the idle session was not deleted")
	}
}

// TestLookupCacheOff: LookupTTL 0 asks the store every time.
func TestLookupCacheOff(t *testing.T) {
	ctx := context.Background()
	s, m, _ := newTestService(t)
	s.LookupTTL = 0
	s.AddUser(ctx, "acme", Vendor, 3, []byte(good))
	tok, _, _ := s.CreateToken(ctx, "acme", "", 0)
	m.lookups = 0
	for range 5 {
		if _, err := s.Bearer(ctx, tok.Reveal()); err != nil {
			t.Fatal(err)
		}
	}
	if m.lookups != 5 {
		t.Fatalf("%d lookups for 5 requests without a cache", m.lookups)
	}
}

// TestLookupRefresh: when an entry is old, the request that finds it so
// asks the store; one arriving meanwhile goes on with the old entry
// instead of waiting, but not once it is twice the TTL old; a record gone
// from the store is not answered from the cache any more.
func TestLookupRefresh(t *testing.T) {
	var c lookups
	h := [32]byte{1}
	t0 := time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)
	ttl := time.Second
	fetches := 0
	fetch := func(name string) func() (lookup, error) {
		return func() (lookup, error) {
			fetches++
			return lookup{user: User{Name: name}}, nil
		}
	}
	if e, err := c.get(h, t0, ttl, fetch("v1")); err != nil || e.user.Name != "v1" {
		t.Fatalf("first lookup: %+v %v", e, err)
	}
	var during lookup
	refresh := func() (lookup, error) {
		fetches++
		// Another request meanwhile: the old entry, no second query.
		var err error
		during, err = c.get(h, t0.Add(ttl), ttl, func() (lookup, error) {
			t.Error("a request waited for the store while another refreshed")
			return lookup{}, nil
		})
		if err != nil {
			t.Error(err)
		}
		return lookup{user: User{Name: "v2"}}, nil
	}
	if e, _ := c.get(h, t0.Add(ttl), ttl, refresh); e.user.Name != "v2" || during.user.Name != "v1" {
		t.Fatalf("refresh gave %q, the request meanwhile %q; want v2 and v1", e.user.Name, during.user.Name)
	}
	if fetches != 2 {
		t.Fatalf("%d fetches, want 2", fetches)
	}
	// Refreshing but twice the TTL old: not used.
	c.mu.Lock()
	e := c.m[h]
	e.refreshing = true
	c.m[h] = e
	c.mu.Unlock()
	if e, _ := c.get(h, e.fetched.Add(2*ttl), ttl, fetch("v3")); e.user.Name != "v3" {
		t.Fatalf("an entry twice the TTL old was used: %q", e.user.Name)
	}
	// Gone from the store: dropped.
	gone := func() (lookup, error) { return lookup{}, ErrNotFound }
	if _, err := c.get(h, t0.Add(10*ttl), ttl, gone); !errors.Is(err, ErrNotFound) {
		t.Fatal(err)
	}
	if _, ok := c.m[h]; ok {
		t.Error("an entry the store no longer has is kept")
	}
}
