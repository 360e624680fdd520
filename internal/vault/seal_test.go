package vault

import (
	"bytes"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"testing"

	"antidote/internal/secret"
)

func TestSealRoundTrip(t *testing.T) {
	s := testKeys(t).Sealer("blob")
	for _, size := range []int{0, 1, 100, 64 << 10} {
		pt := bytes.Repeat([]byte{'a'}, size)
		ct := s.Seal(pt, []byte("row 1"))
		if len(ct) != size+SealOverhead {
			t.Fatalf("sealed %d bytes into %d, want %d", size, len(ct), size+SealOverhead)
		}
		got, err := s.Open(ct, []byte("row 1"))
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, pt) {
			t.Fatalf("round trip of %d bytes changed the plaintext", size)
		}
	}
	// Random nonces: sealing twice gives different ciphertexts.
	a, b := s.Seal([]byte("x"), nil), s.Seal([]byte("x"), nil)
	if bytes.Equal(a, b) {
		t.Fatal("two seals of the same plaintext are identical")
	}
}

func TestOpenRejects(t *testing.T) {
	keys := testKeys(t)
	s := keys.Sealer("blob")
	ad := []byte("documents/17")
	ct := s.Seal([]byte("the source's name"), ad)
	flip := func(i int) []byte {
		c := bytes.Clone(ct)
		c[i] ^= 1
		return c
	}
	cases := []struct {
		name   string
		sealer *Sealer
		ct, ad []byte
		want   error
	}{
		{"wrong ad: ciphertext moved to another row", s, ct, []byte("documents/18"), ErrTampered},
		{"missing ad", s, ct, nil, ErrTampered},
		{"other purpose key", keys.Sealer("meta"), ct, ad, ErrTampered},
		{"other workspace key", newKeys(bytes.Repeat([]byte{1}, 32)).Sealer("blob"), ct, ad, ErrTampered},
		{"nonce bit flipped", s, flip(1), ad, ErrTampered},
		{"ciphertext bit flipped", s, flip(SealOverhead - 16), ad, ErrTampered},
		{"tag bit flipped", s, flip(len(ct) - 1), ad, ErrTampered},
		{"truncated by one byte", s, ct[:len(ct)-1], ad, ErrTampered},
		{"shorter than the overhead", s, ct[:SealOverhead-1], ad, ErrTampered},
		{"empty", s, nil, ad, ErrTampered},
		{"unknown version", s, append([]byte{2}, ct[1:]...), ad, ErrUnsupportedVersion},
		{"trailing byte", s, append(bytes.Clone(ct), 0), ad, ErrTampered},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			pt, err := c.sealer.Open(c.ct, c.ad)
			if !errors.Is(err, c.want) {
				t.Fatalf("Open error = %v, want %v", err, c.want)
			}
			if pt != nil {
				t.Fatal("Open returned plaintext with an error")
			}
			if strings.Contains(err.Error(), "source") {
				t.Fatal("error quotes the plaintext")
			}
		})
	}
	// Every single-byte change is caught.
	for i := range ct {
		if _, err := s.Open(flip(i), ad); err == nil {
			t.Fatalf("flipping byte %d went unnoticed", i)
		}
	}
}

func TestSealString(t *testing.T) {
	s := testKeys(t).Sealer("meta")
	ct := s.SealString(secret.NewString("J. Doe <jdoe@example.org>"), []byte("a"))
	got, err := s.OpenString(ct, []byte("a"))
	if err != nil || got.Reveal() != "J. Doe <jdoe@example.org>" {
		t.Fatalf("OpenString = %v, %v", got, err)
	}
	if _, err := s.OpenString(ct, []byte("b")); !errors.Is(err, ErrTampered) {
		t.Fatalf("OpenString with wrong ad: %v", err)
	}
}

func TestPurposesAreIndependent(t *testing.T) {
	k := testKeys(t)
	keysOf := map[string][]byte{
		"sealer blob":  k.Sealer("blob").key,
		"sealer meta":  k.Sealer("meta").key,
		"sealer empty": k.Sealer("").key,
		"sealer dedup": k.Sealer("dedup").key,
		"mac dedup":    k.MAC("dedup").key,
		"mac blob":     k.MAC("blob").key,
		"mac index":    k.MAC("index").key,
	}
	seen := map[string]string{}
	for name, key := range keysOf {
		if len(key) != 32 {
			t.Fatalf("%s: key of %d bytes", name, len(key))
		}
		if other, dup := seen[string(key)]; dup {
			t.Fatalf("%s and %s share a key", name, other)
		}
		seen[string(key)] = name
	}
	// Derivation is deterministic: the same purpose gives the same key.
	if !bytes.Equal(k.Sealer("blob").key, keysOf["sealer blob"]) {
		t.Fatal("deriving the same purpose twice gave different keys")
	}
}

func TestMAC(t *testing.T) {
	k := testKeys(t)
	m := k.MAC("dedup")
	a, b := m.Sum([]byte("file")), m.Sum([]byte("file"))
	if a != b {
		t.Fatal("MAC is not deterministic")
	}
	if m.Sum([]byte("file2")) == a {
		t.Fatal("different inputs gave equal MACs")
	}
	if k.MAC("index").Sum([]byte("file")) == a {
		t.Fatal("different purposes gave equal MACs")
	}
	if newKeys(bytes.Repeat([]byte{1}, 32)).MAC("dedup").Sum([]byte("file")) == a {
		t.Fatal("different workspaces gave equal MACs")
	}
}

// TestRedaction checks that no way of printing key-bearing values shows key
// bytes.
func TestRedaction(t *testing.T) {
	k := testKeys(t)
	values := map[string]any{
		"*Keys": k, "Keys": *k, "*Sealer": k.Sealer("x"), "Sealer": *k.Sealer("x"),
		"*MAC": k.MAC("x"), "MAC": *k.MAC("x"), "export": k.Export(),
		"in a struct": struct{ K *Keys }{k},
	}
	for name, v := range values {
		for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%x", "%q"} {
			out := fmt.Sprintf(verb, v)
			if strings.Contains(out, "66") || strings.Contains(out, "42") || strings.Contains(out, "BBBB") || !strings.Contains(out, redacted) {
				t.Errorf("%s printed with %s shows key material: %s", name, verb, out)
			}
		}
	}
	var buf bytes.Buffer
	noTime := func(_ []string, a slog.Attr) slog.Attr {
		if a.Key == slog.TimeKey {
			return slog.Attr{}
		}
		return a
	}
	slog.New(slog.NewJSONHandler(&buf, &slog.HandlerOptions{ReplaceAttr: noTime})).Info("x", "keys", k, "sealer", k.Sealer("x"), "mac", k.MAC("x"))
	if strings.Contains(buf.String(), "66") || strings.Count(buf.String(), redacted) != 3 {
		t.Errorf("slog shows key material: %s", buf.String())
	}
}
