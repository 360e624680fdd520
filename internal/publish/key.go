package publish

import (
	"bytes"
	"crypto"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/ProtonMail/go-crypto/openpgp"
	"github.com/ProtonMail/go-crypto/openpgp/armor"
	"github.com/ProtonMail/go-crypto/openpgp/packet"
)

// SigningKey is a newly generated OpenPGP key: the armored private key for
// the caller to seal (it is not protected by a passphrase: keep it sealed)
// and the armored public key to publish.
type SigningKey struct {
	Private     []byte // ASCII-armored private key block
	Public      []byte // ASCII-armored public key block
	Fingerprint string // upper-case hex, 40 digits
}

// NewSigningKey generates an Ed25519 OpenPGP key (with an X25519
// encryption subkey, so that mail can reuse it) for the publisher named
// name with the contact address email ("" for none), created at now.
// Ed25519 signatures are deterministic, so a release signed again at the
// same time is byte-identical.
func NewSigningKey(name, email string, now time.Time) (SigningKey, error) {
	name = strings.TrimSpace(name)
	if name == "" {
		return SigningKey{}, errors.New("a signing key needs the publisher's name")
	}
	if strings.ContainsAny(name, "()<>\n\r") || strings.ContainsAny(email, "()<> \n\r") {
		return SigningKey{}, errors.New("the publisher's name and contact address must not contain (, ), <, > or line breaks")
	}
	cfg := &packet.Config{
		Algorithm:   packet.PubKeyAlgoEdDSA,
		DefaultHash: crypto.SHA512,
		Time:        func() time.Time { return now.UTC() },
	}
	e, err := openpgp.NewEntity(name, "", email, cfg)
	if err != nil {
		return SigningKey{}, fmt.Errorf("generate signing key: %w", err)
	}
	var priv, pub bytes.Buffer
	w, err := armor.Encode(&priv, openpgp.PrivateKeyType, nil)
	if err != nil {
		return SigningKey{}, err
	}
	if err := e.SerializePrivate(w, cfg); err != nil {
		return SigningKey{}, fmt.Errorf("serialize signing key: %w", err)
	}
	if err := w.Close(); err != nil {
		return SigningKey{}, err
	}
	s := &Signer{entity: e}
	p, err := s.PublicKey()
	if err != nil {
		return SigningKey{}, err
	}
	pub.Write(p)
	return SigningKey{Private: priv.Bytes(), Public: pub.Bytes(), Fingerprint: s.Fingerprint()}, nil
}

// Signer makes detached OpenPGP signatures with a publisher's key. It is
// safe for concurrent use once parsed.
type Signer struct {
	entity *openpgp.Entity
}

// ParseSigningKey reads an armored private key made by NewSigningKey.
// Errors never include the key material.
func ParseSigningKey(armored []byte) (*Signer, error) {
	el, err := openpgp.ReadArmoredKeyRing(bytes.NewReader(armored))
	if err != nil {
		return nil, errors.New("signing key is not an ASCII-armored OpenPGP private key")
	}
	if len(el) != 1 {
		return nil, fmt.Errorf("signing key block holds %d keys, want 1", len(el))
	}
	e := el[0]
	if e.PrivateKey == nil {
		return nil, errors.New("signing key block holds only a public key")
	}
	if e.PrivateKey.Encrypted {
		return nil, errors.New("signing key is protected by a passphrase: antidote keeps it sealed instead")
	}
	return &Signer{entity: e}, nil
}

// Entity returns the underlying OpenPGP entity, for packages (mail) that
// sign or decrypt with the same key.
func (s *Signer) Entity() *openpgp.Entity { return s.entity }

// Fingerprint returns the primary key's fingerprint in upper-case hex.
func (s *Signer) Fingerprint() string {
	return strings.ToUpper(hex.EncodeToString(s.entity.PrimaryKey.Fingerprint))
}

// PublicKey returns the armored public key (no private material).
func (s *Signer) PublicKey() ([]byte, error) {
	var b bytes.Buffer
	w, err := armor.Encode(&b, openpgp.PublicKeyType, nil)
	if err != nil {
		return nil, err
	}
	if err := s.entity.Serialize(w); err != nil {
		return nil, fmt.Errorf("serialize public key: %w", err)
	}
	if err := w.Close(); err != nil {
		return nil, err
	}
	b.WriteByte('\n')
	return b.Bytes(), nil
}

// Sign returns an armored detached signature of data made at time at, or
// at the key's creation if at is earlier (a release may be published "as
// of" a past moment; a signature cannot predate its key). The same key,
// data and time give the same bytes.
func (s *Signer) Sign(data []byte, at time.Time) ([]byte, error) {
	if created := s.entity.PrimaryKey.CreationTime; at.Before(created) {
		at = created
	}
	no := false
	cfg := &packet.Config{
		DefaultHash:                           crypto.SHA512,
		Time:                                  func() time.Time { return at.UTC() },
		NonDeterministicSignaturesViaNotation: &no,
	}
	var b bytes.Buffer
	if err := openpgp.ArmoredDetachSign(&b, s.entity, bytes.NewReader(data), cfg); err != nil {
		return nil, fmt.Errorf("sign: %w", err)
	}
	b.WriteByte('\n')
	return b.Bytes(), nil
}
