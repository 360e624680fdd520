package extract

import (
	"archive/zip"
	"bytes"
	"errors"
	"fmt"
	"io"
	"strings"
	"testing"

	"antidote/internal/secret"
)

func TestEncryptedZip(t *testing.T) {
	right := secret.NewString("open sesame")
	wrong := secret.NewString("letmein")
	for _, fixture := range []string{"zipcrypto.zip", "aes256.zip", "aes128-stored.zip"} {
		tests := []struct {
			name      string // test case
			passwords []secret.String
			err       error // on secret.txt
		}{
			// No password: each encrypted member says so.
			{"none", nil, ErrEncrypted},
			// A wrong password: wrong password, which is also encrypted.
			{"wrong", []secret.String{wrong}, ErrWrongPassword},
			// A wrong one, then the right one.
			{"wrong then right", []secret.String{wrong, right}, nil},
		}
		for _, tc := range tests {
			t.Run(fixture+"/"+tc.name, func(t *testing.T) {
				r := walkBytes(t, fixture, readFixture(t, fixture), Options{Passwords: tc.passwords})
				member := r.find(t, fixture+"!/secret.txt")
				if root := r.find(t, fixture); root.err != nil {
					t.Errorf("archive error %v: members carry their own", root.err)
				}
				if fixture == "zipcrypto.zip" {
					// The plain member is read whatever the password.
					checkDocs(t, r, []want{{path: fixture + "!/plain.txt", contains: []string{"plain zip text"}}})
				}
				if tc.err == nil {
					checkDocs(t, r, []want{{path: fixture + "!/secret.txt", contains: []string{"secret zip text"}}})
					if fixture != "aes128-stored.zip" {
						checkDocs(t, r, []want{{path: fixture + "!/long.txt", contains: []string{"antidote architecture"}}})
					}
					return
				}
				if !errors.Is(member.err, tc.err) || !errors.Is(member.err, ErrEncrypted) || member.text != "" || member.content != nil {
					t.Errorf("secret.txt: error %v text %q, want %v and %v", member.err, member.text, tc.err, ErrEncrypted)
				}
				if msg := fmt.Sprint(member.err); strings.Contains(msg, "sesame") || strings.Contains(msg, "letmein") {
					t.Errorf("error %q carries a password", msg)
				}
			})
		}
	}
}

// TestZipCryptoCheckByte uses a wrong password that passes ZipCrypto's
// one-byte check, as one in 256 do: the member must fail as a wrong
// password, with no garbage text.
func TestZipCryptoCheckByte(t *testing.T) {
	data := readFixture(t, "zipcrypto.zip")
	z, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		t.Fatal(err)
	}
	f := z.File[0] // secret.txt
	off, _ := f.DataOffset()
	var lucky string
	for i := range 100000 {
		pw := fmt.Sprintf("guess%d", i)
		if _, err := openZipCrypto(io.NewSectionReader(bytes.NewReader(data), off, int64(f.CompressedSize64)), f, pw); err == nil {
			lucky = pw
			break
		}
	}
	if lucky == "" {
		t.Fatal("no password passed the check byte")
	}
	r := walkBytes(t, "z.zip", data, Options{Passwords: []secret.String{secret.NewString(lucky)}})
	m := r.find(t, "z.zip!/secret.txt")
	if !errors.Is(m.err, ErrWrongPassword) || m.text != "" || m.content != nil {
		t.Errorf("secret.txt: error %v, text %q", m.err, m.text)
	}
}
