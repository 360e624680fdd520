package cases

import (
	"bytes"
	"encoding/hex"
	"errors"
	"fmt"
	"net/mail"
	"net/url"
	"sort"
	"strings"
	"time"

	"github.com/ProtonMail/go-crypto/openpgp"
)

// Vendor is an organisation that receives reports: the maker of a product
// or a downstream maker that ships someone else's.
type Vendor struct {
	ID          int64     `json:"id"`
	Name        string    `json:"name"`
	Contacts    []Contact `json:"contacts,omitempty"`
	Keys        []Key     `json:"keys,omitempty"`
	SecurityTxt string    `json:"security_txt,omitempty"`
	Created     time.Time `json:"created"`
}

// Contact is a way to reach a vendor's security team. Notes are sensitive
// (who said what, private numbers) and are stored sealed.
type Contact struct {
	Name  string `json:"name,omitempty"`
	Email string `json:"email"`
	Notes string `json:"notes,omitempty"`
}

// Validate checks a vendor's fields and normalises them in place.
func (v *Vendor) Validate() error {
	v.Name = strings.TrimSpace(v.Name)
	if v.Name == "" {
		return errors.New("vendor needs a name")
	}
	if len(v.Name) > 100 || strings.ContainsAny(v.Name, "\n\r\t") {
		return errors.New("vendor name must be one line of at most 100 bytes")
	}
	for i := range v.Contacts {
		c := &v.Contacts[i]
		a, err := mail.ParseAddress(strings.TrimSpace(c.Email))
		if err != nil {
			return fmt.Errorf("contact %d: not a valid e-mail address (use name@example.com)", i+1)
		}
		c.Email = a.Address
		if c.Name == "" {
			c.Name = a.Name
		}
	}
	if v.SecurityTxt != "" {
		u, err := url.Parse(v.SecurityTxt)
		if err != nil || u.Scheme != "https" || u.Host == "" {
			return errors.New("security.txt location must be an https:// URL (RFC 9116: https://example.com/.well-known/security.txt)")
		}
	}
	return nil
}

// Key is a vendor's OpenPGP public key, to encrypt reports to it.
type Key struct {
	Fingerprint string    `json:"fingerprint"`
	UserIDs     []string  `json:"user_ids,omitempty"`
	Created     time.Time `json:"created"`
	Armored     string    `json:"armored"`
}

// ParseKey reads one ASCII-armored OpenPGP public key and checks that it
// can encrypt a report at now: not a private key, not revoked, not
// expired, with a usable encryption key.
func ParseKey(armored []byte, now time.Time) (Key, error) {
	if n := bytes.Count(armored, []byte("-----BEGIN PGP ")); n > 1 {
		return Key{}, fmt.Errorf("the input holds %d armored blocks: add keys one at a time", n)
	}
	el, err := openpgp.ReadArmoredKeyRing(bytes.NewReader(armored))
	if err != nil {
		return Key{}, errors.New("not an ASCII-armored OpenPGP public key (export it with 'gpg --armor --export FINGERPRINT')")
	}
	if len(el) != 1 {
		return Key{}, fmt.Errorf("the armored block holds %d keys: add them one at a time", len(el))
	}
	e := el[0]
	if e.PrivateKey != nil {
		return Key{}, errors.New("this is a private key: give only the vendor's public key, and treat the private one as compromised")
	}
	if e.Revoked(now) {
		return Key{}, errors.New("this OpenPGP key has been revoked: ask the vendor for its current key")
	}
	if _, ok := e.EncryptionKey(now); !ok {
		return Key{}, errors.New("this OpenPGP key has no valid encryption key (expired or signing-only): ask the vendor for its current key")
	}
	k := Key{
		Fingerprint: strings.ToUpper(hex.EncodeToString(e.PrimaryKey.Fingerprint)),
		Created:     e.PrimaryKey.CreationTime.UTC(),
		Armored:     string(armored),
	}
	for name := range e.Identities {
		k.UserIDs = append(k.UserIDs, name)
	}
	sort.Strings(k.UserIDs)
	return k, nil
}
