package vault

import (
	"bytes"
	"errors"
	"testing"

	"antidote/internal/secret"
)

func TestExportRoundTrip(t *testing.T) {
	k := testKeys(t)
	exp := k.Export()
	got, err := KeysFromExport(exp)
	if err != nil {
		t.Fatal(err)
	}
	if got.ID() != k.ID() {
		t.Fatal("exported keys have another id")
	}
	// KeysFromExport copies: wiping the export leaves the keys intact.
	exp.Wipe()
	if got.ID() != k.ID() {
		t.Fatal("wiping the export changed the imported keys")
	}
}

func TestKeysFromExportRejects(t *testing.T) {
	good := testKeys(t).Export().Reveal()
	flipped := bytes.Clone(good)
	flipped[5] ^= 1
	cases := []struct {
		name string
		in   []byte
		want error // nil: any error
	}{
		{"empty", nil, nil},
		{"one byte short", good[:len(good)-1], nil},
		{"a bit flipped in the key", flipped, nil},
		{"unknown version", append([]byte{9}, good[1:]...), ErrUnsupportedVersion},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := KeysFromExport(secret.NewBytes(c.in))
			if err == nil || (c.want != nil && !errors.Is(err, c.want)) {
				t.Fatalf("KeysFromExport error = %v, want %v", err, c.want)
			}
		})
	}
}

func TestWipe(t *testing.T) {
	k := testKeys(t)
	s := k.Sealer("blob")
	k.Wipe()
	// Sealers derived before the wipe keep working.
	if _, err := s.Open(s.Seal([]byte("x"), nil), nil); err != nil {
		t.Fatal(err)
	}
	defer func() {
		if recover() == nil {
			t.Fatal("deriving from wiped keys did not panic")
		}
	}()
	k.Sealer("blob")
}

func TestKeyIDStable(t *testing.T) {
	a, b := testKeys(t).ID(), testKeys(t).ID()
	if a != b || len(a) != 2*keyIDLen {
		t.Fatalf("ids %q %q", a, b)
	}
	if newKeys(bytes.Repeat([]byte{1}, 32)).ID() == a {
		t.Fatal("two keys share an id")
	}
}
