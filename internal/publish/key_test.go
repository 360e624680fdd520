package publish

import (
	"bytes"
	"strings"
	"testing"

	"github.com/ProtonMail/go-crypto/openpgp"
)

func verifySig(t testing.TB, out Output, p string) error {
	t.Helper()
	var key []byte
	for name, b := range out.Files {
		if strings.HasPrefix(name, ".well-known/csaf/openpgp/") && strings.HasSuffix(name, ".asc") {
			key = b
		}
	}
	kr, err := openpgp.ReadArmoredKeyRing(bytes.NewReader(key))
	if err != nil {
		return err
	}
	_, err = openpgp.CheckArmoredDetachedSignature(kr, bytes.NewReader(out.Files[p]), bytes.NewReader(out.Files[p+".asc"]), nil)
	return err
}

func TestSigningKeyRoundTrip(t *testing.T) {
	k, err := NewSigningKey("Example Newsroom", "security@example.org", day("2017-01-01"))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.HasPrefix(k.Private, []byte("-----BEGIN PGP PRIVATE KEY BLOCK-----")) || bytes.Contains(k.Public, []byte("PRIVATE")) {
		t.Fatalf("armoring is wrong")
	}
	s, err := ParseSigningKey(k.Private)
	if err != nil {
		t.Fatal(err)
	}
	if s.Fingerprint() != k.Fingerprint || len(k.Fingerprint) != 40 {
		t.Errorf("fingerprint %s vs %s", s.Fingerprint(), k.Fingerprint)
	}
	a, _ := s.Sign([]byte("advisory"), day("2017-12-01"))
	b, _ := s.Sign([]byte("advisory"), day("2017-12-01"))
	if !bytes.Equal(a, b) {
		t.Errorf("two signatures of the same data at the same time differ")
	}
	if _, err := ParseSigningKey(k.Public); err == nil {
		t.Errorf("a public key parsed as a signing key")
	}
	if _, err := ParseSigningKey([]byte("garbage")); err == nil || strings.Contains(err.Error(), "garbage") {
		t.Errorf("bad key: %v", err)
	}
	if _, err := NewSigningKey("", "", day("2017-01-01")); err == nil {
		t.Errorf("a key without a name was made")
	}
}

// FuzzParseSigningKey: any input gives a signer or an error, never a
// panic, and errors never echo the input.
func FuzzParseSigningKey(f *testing.F) {
	k, err := NewSigningKey("Example Newsroom", "security@example.org", day("2017-01-01"))
	if err != nil {
		f.Fatal(err)
	}
	f.Add(k.Private)
	f.Add(k.Public)
	f.Add(k.Private[:len(k.Private)/2])
	f.Add([]byte("-----BEGIN PGP PRIVATE KEY BLOCK-----\n\nxyz\n-----END PGP PRIVATE KEY BLOCK-----\n"))
	f.Fuzz(func(t *testing.T, b []byte) {
		s, err := ParseSigningKey(b)
		if err != nil {
			if len(b) > 8 && strings.Contains(err.Error(), string(b)) {
				t.Errorf("error echoes the input")
			}
			return
		}
		if _, err := s.Sign([]byte("x"), day("2017-12-01")); err != nil && s.Fingerprint() == "" {
			t.Errorf("parsed key has no fingerprint")
		}
	})
}
