package mail_test

import (
	"context"
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"net"
	"testing"

	"antidote/internal/store"
)

// gcmSealer stands in for vault's sealer in these tests.
type gcmSealer struct{ aead cipher.AEAD }

func newSealer(t testing.TB, key []byte) gcmSealer {
	b, err := aes.NewCipher(key)
	if err != nil {
		t.Fatal(err)
	}
	a, _ := cipher.NewGCM(b)
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

// openStore opens (and migrates) a SQLite workspace database at path.
func openStore(t testing.TB, path string, key []byte) *store.Store {
	t.Helper()
	ctx := context.Background()
	s, err := store.Open(ctx, path, newSealer(t, key))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	if _, err := s.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	return s
}

func testKey() []byte {
	k, _ := hex.DecodeString("000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f")
	return k
}

func netListen() (net.Listener, error) { return net.Listen("tcp", "127.0.0.1:0") }
