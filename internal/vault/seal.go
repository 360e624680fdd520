package vault

import (
	"crypto/cipher"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"fmt"
	"hash"
	"log/slog"
	"sync"

	"antidote/internal/secret"
	"golang.org/x/crypto/chacha20poly1305"
)

// sealVersion is the first byte of every Seal output.
const sealVersion = 1

// SealOverhead is how many bytes Seal adds to a plaintext: a version byte, a
// 24-byte nonce and a 16-byte tag.
const SealOverhead = 1 + chacha20poly1305.NonceSizeX + chacha20poly1305.Overhead

// Sealer encrypts and authenticates values under one purpose key with
// XChaCha20-Poly1305. Its 24-byte nonces are random, which is safe for any
// number of messages a workspace will ever seal. Obtain one from Keys.Sealer;
// the zero value is unusable. It is safe for concurrent use.
type Sealer struct {
	key  []byte // kept for deriving per-stream keys
	aead cipher.AEAD
}

func newSealer(key []byte) *Sealer {
	aead, err := chacha20poly1305.NewX(key)
	if err != nil {
		panic("vault: new sealer: " + err.Error()) // key length is fixed
	}
	return &Sealer{key: key, aead: aead}
}

// Seal encrypts plaintext. ad (associated data) is not stored but must be
// given again to Open: pass what identifies the value's place, such as a table
// and row id, so a ciphertext copied to another place fails to open.
//
// The output is version (1) || nonce (24) || ciphertext+tag.
func (s *Sealer) Seal(plaintext, ad []byte) []byte {
	var nonce [chacha20poly1305.NonceSizeX]byte
	rand.Read(nonce[:])
	return s.seal(nonce[:], plaintext, ad)
}

// seal is Seal with a given nonce, so tests can build fixed ciphertexts.
func (s *Sealer) seal(nonce, plaintext, ad []byte) []byte {
	out := make([]byte, 1, len(plaintext)+SealOverhead)
	out[0] = sealVersion
	out = append(out, nonce...)
	return s.aead.Seal(out, nonce, plaintext, sealAD(ad))
}

// Open decrypts what Seal produced with the same ad. Any change to the
// ciphertext, or a different ad, purpose or key, yields ErrTampered.
func (s *Sealer) Open(ciphertext, ad []byte) ([]byte, error) {
	if len(ciphertext) < SealOverhead {
		return nil, fmt.Errorf("vault: open sealed value of %d bytes: too short: %w", len(ciphertext), ErrTampered)
	}
	if ciphertext[0] != sealVersion {
		return nil, fmt.Errorf("vault: open sealed value: format %d: %w", ciphertext[0], ErrUnsupportedVersion)
	}
	nonce := ciphertext[1 : 1+chacha20poly1305.NonceSizeX]
	pt, err := s.aead.Open(nil, nonce, ciphertext[1+chacha20poly1305.NonceSizeX:], sealAD(ad))
	if err != nil {
		return nil, fmt.Errorf("vault: open sealed value: %w", ErrTampered)
	}
	return pt, nil
}

// sealAD binds the format version into the authenticated data, so a future
// format cannot be confused with this one.
func sealAD(ad []byte) []byte {
	out := make([]byte, 0, 1+len(ad))
	return append(append(out, sealVersion), ad...)
}

// SealString seals a secret string; see Seal.
func (s *Sealer) SealString(v secret.String, ad []byte) []byte {
	return s.Seal([]byte(v.Reveal()), ad)
}

// OpenString opens what SealString produced; see Open.
func (s *Sealer) OpenString(ciphertext, ad []byte) (secret.String, error) {
	pt, err := s.Open(ciphertext, ad)
	if err != nil {
		return secret.String{}, err
	}
	return secret.NewString(string(pt)), nil
}

func (Sealer) String() string             { return redacted }
func (Sealer) GoString() string           { return redacted }
func (Sealer) Format(f fmt.State, _ rune) { f.Write([]byte(redacted)) }
func (Sealer) LogValue() slog.Value       { return slog.StringValue(redacted) }

// MAC is a deterministic keyed hash (HMAC-SHA256) under one purpose key: equal
// inputs give equal sums, so it serves as a dedup key or an index term, while
// without the workspace key nobody can compute or test a guess. Obtain one from
// Keys.MAC. It is safe for concurrent use.
type MAC struct {
	key []byte
	// pool reuses keyed HMAC states: building one costs two SHA-256 blocks
	// and several allocations, and ingest sums a term for every index entry.
	pool *sync.Pool
}

// Sum returns HMAC-SHA256(key, data).
func (m *MAC) Sum(data []byte) [32]byte {
	if m.pool == nil {
		h := hmac.New(sha256.New, m.key)
		h.Write(data)
		var out [32]byte
		h.Sum(out[:0])
		return out
	}
	h, ok := m.pool.Get().(hash.Hash)
	if !ok {
		h = hmac.New(sha256.New, m.key)
	}
	h.Reset()
	h.Write(data)
	var out [32]byte
	h.Sum(out[:0])
	m.pool.Put(h)
	return out
}

func (MAC) String() string             { return redacted }
func (MAC) GoString() string           { return redacted }
func (MAC) Format(f fmt.State, _ rune) { f.Write([]byte(redacted)) }
func (MAC) LogValue() slog.Value       { return slog.StringValue(redacted) }
