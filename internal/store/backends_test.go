package store_test

import (
	"context"
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"antidote/internal/store"
)

// gcmSealer is a real AEAD for store tests; the workspace uses vault's.
type gcmSealer struct{ aead cipher.AEAD }

func newSealer(t testing.TB) gcmSealer {
	key := make([]byte, 32)
	rand.Read(key)
	b, err := aes.NewCipher(key)
	if err != nil {
		t.Fatal(err)
	}
	a, err := cipher.NewGCM(b)
	if err != nil {
		t.Fatal(err)
	}
	return gcmSealer{a}
}

func (g gcmSealer) Seal(pt, ad []byte) []byte {
	nonce := make([]byte, g.aead.NonceSize())
	rand.Read(nonce)
	return g.aead.Seal(nonce, nonce, pt, ad)
}

func (g gcmSealer) Open(ct, ad []byte) ([]byte, error) {
	n := g.aead.NonceSize()
	if len(ct) < n {
		return nil, errors.New("short ciphertext")
	}
	return g.aead.Open(nil, ct[:n], ct[n:], ad)
}

// postgresDSN is the server the conformance suite runs against. In CI the
// PostgreSQL run must not skip.
func postgresDSN(t testing.TB) string {
	dsn := os.Getenv("ANTIDOTE_TEST_POSTGRES")
	if dsn == "" {
		dsn = "postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable"
	}
	return dsn
}

// forEachBackend runs fn as a subtest on a fresh, migrated SQLite database
// and on a fresh schema of the test PostgreSQL server: the conformance suite.
func forEachBackend(t *testing.T, fn func(t *testing.T, s *store.Store)) {
	t.Run("sqlite", func(t *testing.T) {
		fn(t, openSQLite(t))
	})
	t.Run("postgres", func(t *testing.T) {
		fn(t, openPostgres(t))
	})
}

func openSQLite(t *testing.T) *store.Store {
	t.Helper()
	ctx := context.Background()
	s, err := store.Open(ctx, filepath.Join(t.TempDir(), "antidote.db"), newSealer(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	if _, err := s.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	return s
}

func openPostgres(t *testing.T) *store.Store {
	t.Helper()
	s, cleanup, err := store.OpenPostgresTestSchema(context.Background(), postgresDSN(t), newSealer(t))
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("PostgreSQL is required in CI: %v", err)
		}
		t.Skipf("PostgreSQL not reachable (set ANTIDOTE_TEST_POSTGRES): %v", err)
	}
	t.Cleanup(cleanup)
	if _, err := s.Migrate(context.Background()); err != nil {
		t.Fatal(err)
	}
	return s
}
