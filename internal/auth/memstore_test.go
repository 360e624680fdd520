package auth

import (
	"context"
	"fmt"
	"sync"
	"time"
)

// memStore is an in-memory Store for the service's tests; package store's
// tests run the same contract on SQLite and PostgreSQL.
type memStore struct {
	mu       sync.Mutex
	users    []User
	creds    map[string]Credentials
	tokens   map[string]Token
	sessions map[string]Session
	failures map[string][]time.Time
	touches  int
	lookups  int // TokenByHash and SessionByHash calls
	steps    map[string]int64
}

func newMemStore() *memStore {
	return &memStore{creds: map[string]Credentials{}, tokens: map[string]Token{}, sessions: map[string]Session{}, failures: map[string][]time.Time{}}
}

func (m *memStore) AddUser(_ context.Context, u User, c Credentials) (int64, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, x := range m.users {
		if x.Name == u.Name {
			return 0, fmt.Errorf("user %s: %w", u.Name, ErrExists)
		}
	}
	u.ID = int64(len(m.users) + 1)
	m.users = append(m.users, u)
	m.creds[u.Name] = c
	return u.ID, nil
}

func (m *memStore) find(name string) (*User, error) {
	for i := range m.users {
		if m.users[i].Name == name {
			return &m.users[i], nil
		}
	}
	return nil, fmt.Errorf("user %s: %w", name, ErrNotFound)
}

func (m *memStore) UserByName(_ context.Context, name string) (User, Credentials, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	u, err := m.find(name)
	if err != nil {
		return User{}, Credentials{}, err
	}
	return *u, m.creds[name], nil
}

func (m *memStore) Users(context.Context) ([]User, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return append([]User(nil), m.users...), nil
}

func (m *memStore) SetUserDisabled(_ context.Context, name string, d bool) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	u, err := m.find(name)
	if err == nil {
		u.Disabled = d
	}
	return err
}

func (m *memStore) SetPasswordHash(_ context.Context, name, h string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	c := m.creds[name]
	c.PasswordHash = h
	m.creds[name] = c
	return nil
}

func (m *memStore) SetTOTPSecret(_ context.Context, name string, key []byte) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	u, err := m.find(name)
	if err != nil {
		return err
	}
	u.TOTP = key != nil
	c := m.creds[name]
	c.TOTPSecret = key
	m.creds[name] = c
	return nil
}

func (m *memStore) UseTOTPStep(_ context.Context, name string, step int64) (bool, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.steps == nil {
		m.steps = map[string]int64{}
	}
	if last, ok := m.steps[name]; ok && step <= last {
		return false, nil
	}
	m.steps[name] = step
	return true, nil
}

func (m *memStore) AddToken(_ context.Context, t Token, h []byte) (int64, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	t.ID = int64(len(m.tokens) + 1)
	m.tokens[string(h)] = t
	return t.ID, nil
}

func (m *memStore) TokenByHash(_ context.Context, h []byte) (Token, User, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.lookups++
	t, ok := m.tokens[string(h)]
	if !ok {
		return Token{}, User{}, ErrNotFound
	}
	return t, m.users[t.User-1], nil
}

func (m *memStore) Tokens(context.Context) ([]Token, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	var out []Token
	for _, t := range m.tokens {
		out = append(out, t)
	}
	return out, nil
}

func (m *memStore) RevokeToken(_ context.Context, id int64, at time.Time) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	for h, t := range m.tokens {
		if t.ID == id {
			t.Revoked = at
			m.tokens[h] = t
			return nil
		}
	}
	return ErrNotFound
}

func (m *memStore) AddSession(_ context.Context, h []byte, s Session) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.sessions[string(h)] = s
	return nil
}

func (m *memStore) SessionByHash(_ context.Context, h []byte) (Session, User, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.lookups++
	s, ok := m.sessions[string(h)]
	if !ok {
		return Session{}, User{}, ErrNotFound
	}
	return s, m.users[s.User-1], nil
}

func (m *memStore) TouchSession(_ context.Context, h []byte, at time.Time) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	s := m.sessions[string(h)]
	s.LastSeen = at
	m.sessions[string(h)] = s
	m.touches++
	return nil
}

func (m *memStore) DeleteSession(_ context.Context, h []byte) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	delete(m.sessions, string(h))
	return nil
}

func (m *memStore) DeleteUserSessions(_ context.Context, user int64) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	for h, s := range m.sessions {
		if s.User == user {
			delete(m.sessions, h)
		}
	}
	return nil
}

func (m *memStore) AddLoginFailure(_ context.Context, key []byte, at, before time.Time) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	var keep []time.Time
	for _, t := range m.failures[string(key)] {
		if !t.Before(before) {
			keep = append(keep, t)
		}
	}
	m.failures[string(key)] = append(keep, at)
	return nil
}

func (m *memStore) LoginFailures(_ context.Context, key []byte, since time.Time) (int, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	n := 0
	for _, t := range m.failures[string(key)] {
		if !t.Before(since) {
			n++
		}
	}
	return n, nil
}

func (m *memStore) ClearLoginFailures(_ context.Context, key []byte) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	delete(m.failures, string(key))
	return nil
}
