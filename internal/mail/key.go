package mail

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

// WorkspaceKey is the workspace's OpenPGP key: it signs notices and
// publications and decrypts vendor replies. Private is the armored secret
// key (unprotected: the caller stores it sealed); Public is its armored
// public key, safe to publish.
type WorkspaceKey struct {
	Fingerprint string
	Private     []byte
	Public      []byte
}

// keyConfig generates v4 Ed25519/X25519 keys, which GnuPG 2.2 and every
// current mail client read, and signs with SHA-256.
func keyConfig(now time.Time) *packet.Config {
	return &packet.Config{
		Algorithm:   packet.PubKeyAlgoEdDSA,
		Curve:       packet.Curve25519,
		DefaultHash: crypto.SHA256,
		Time:        func() time.Time { return now },
	}
}

// GenerateKey creates the workspace's OpenPGP key for the identity
// name <email>, created at now.
func GenerateKey(name, email string, now time.Time) (WorkspaceKey, error) {
	if strings.ContainsAny(name+email, "()<>\x00\r\n") {
		return WorkspaceKey{}, errors.New("workspace key identity: name and address must not contain ( ) < > or line breaks")
	}
	e, err := openpgp.NewEntity(name, "", email, keyConfig(now))
	if err != nil {
		return WorkspaceKey{}, fmt.Errorf("generate workspace key: %w", err)
	}
	var priv, pub bytes.Buffer
	w, err := armor.Encode(&priv, openpgp.PrivateKeyType, nil)
	if err != nil {
		return WorkspaceKey{}, err
	}
	if err := e.SerializePrivate(w, keyConfig(now)); err != nil {
		return WorkspaceKey{}, fmt.Errorf("serialize workspace key: %w", err)
	}
	w.Close()
	w, err = armor.Encode(&pub, openpgp.PublicKeyType, nil)
	if err != nil {
		return WorkspaceKey{}, err
	}
	if err := e.Serialize(w); err != nil {
		return WorkspaceKey{}, fmt.Errorf("serialize workspace public key: %w", err)
	}
	w.Close()
	return WorkspaceKey{Fingerprint: fingerprint(e), Private: priv.Bytes(), Public: pub.Bytes()}, nil
}

func fingerprint(e *openpgp.Entity) string {
	return strings.ToUpper(hex.EncodeToString(e.PrimaryKey.Fingerprint))
}

// ReadPrivateKey parses the workspace's armored secret key.
func ReadPrivateKey(armored []byte) (*openpgp.Entity, error) {
	el, err := openpgp.ReadArmoredKeyRing(bytes.NewReader(armored))
	if err != nil || len(el) != 1 || el[0].PrivateKey == nil {
		return nil, errors.New("workspace OpenPGP key: not one armored secret key")
	}
	if el[0].PrivateKey.Encrypted {
		return nil, errors.New("workspace OpenPGP key: the secret key is passphrase-protected; antidote keeps it sealed instead")
	}
	return el[0], nil
}

// ReadPublicKeys parses armored public keys (a vendor's keys as stored in
// cases.Key.Armored), skipping none: a key that does not parse is an error.
func ReadPublicKeys(armored ...string) (openpgp.EntityList, error) {
	var out openpgp.EntityList
	for i, a := range armored {
		el, err := openpgp.ReadArmoredKeyRing(strings.NewReader(a))
		if err != nil {
			return nil, fmt.Errorf("OpenPGP key %d: not an armored public key", i+1)
		}
		out = append(out, el...)
	}
	return out, nil
}
