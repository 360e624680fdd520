package vault

import (
	"bytes"
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"antidote/internal/secret"
)

var (
	pass1 = secret.NewString("correct horse battery staple")
	pass2 = secret.NewString("a new passphrase for the desk")
)

func newTestKeyFile(t *testing.T, shares, threshold int) (*KeyFile, *Keys, []secret.String) {
	t.Helper()
	kf, keys, printed, err := NewKeyFile(pass1, InsecureKDF(), shares, threshold)
	if err != nil {
		t.Fatal(err)
	}
	return kf, keys, printed
}

// reload round-trips kf through Marshal and UnmarshalKeyFile, as the CLI does
// between runs.
func reload(t *testing.T, kf *KeyFile) *KeyFile {
	t.Helper()
	data, err := kf.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	back, err := UnmarshalKeyFile(data)
	if err != nil {
		t.Fatal(err)
	}
	return back
}

func TestKeyFileUnlock(t *testing.T) {
	kf, keys, printed := newTestKeyFile(t, 0, 0)
	if printed != nil {
		t.Fatal("shares printed without being asked for")
	}
	kf = reload(t, kf)
	got, err := kf.Unlock(pass1)
	if err != nil {
		t.Fatal(err)
	}
	if got.ID() != keys.ID() || kf.KeyID() != keys.ID() {
		t.Fatal("unlocked a different key")
	}
	// Data sealed before reload opens after.
	ct := keys.Sealer("blob").Seal([]byte("x"), nil)
	if _, err := got.Sealer("blob").Open(ct, nil); err != nil {
		t.Fatal(err)
	}
	if err := kf.Check(got); err != nil {
		t.Fatal(err)
	}
}

func TestKeyFileWrongPassphrase(t *testing.T) {
	kf, _, _ := newTestKeyFile(t, 0, 0)
	for _, p := range []string{"", "correct horse battery stapl", "Correct horse battery staple", "correct horse battery staple "} {
		_, err := kf.Unlock(secret.NewString(p))
		if !errors.Is(err, ErrBadPassphrase) {
			t.Fatalf("Unlock(%q) error = %v, want ErrBadPassphrase", p, err)
		}
		if p != "" && strings.Contains(err.Error(), p) {
			t.Fatal("error quotes the passphrase")
		}
	}
}

func TestKeyFileNoPlaintextKey(t *testing.T) {
	kf, keys, printed := newTestKeyFile(t, 3, 2)
	data, err := kf.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	master := keys.master.Reveal()
	exp := keys.Export().Reveal()
	for _, enc := range [][]byte{master, []byte(jsonBase64(master)), []byte(jsonBase64(exp))} {
		if bytes.Contains(data, enc) {
			t.Fatal("key file contains the master key")
		}
	}
	for _, s := range printed {
		if bytes.Contains(data, []byte(s.Reveal()[len(sharePrefix)+2:])) {
			t.Fatal("key file contains a share")
		}
	}
	if bytes.Contains(data, []byte(pass1.Reveal())) {
		t.Fatal("key file contains the passphrase")
	}
}

func jsonBase64(b []byte) string {
	out, _ := json.Marshal(b)
	return strings.Trim(string(out), `"`)
}

func TestNewKeyFileArguments(t *testing.T) {
	cases := []struct {
		name              string
		pass              secret.String
		kdf               KDFParams
		shares, threshold int
		ok                bool
	}{
		{"no shares", pass1, InsecureKDF(), 0, 0, true},
		{"2 of 3", pass1, InsecureKDF(), 3, 2, true},
		{"255 of 255", pass1, InsecureKDF(), 255, 255, true},
		{"empty passphrase", secret.NewString(""), InsecureKDF(), 0, 0, false},
		{"invalid KDF", pass1, KDFParams{Algorithm: "argon2id"}, 0, 0, false},
		{"threshold 1 would make every share the key", pass1, InsecureKDF(), 3, 1, false},
		{"threshold above shares", pass1, InsecureKDF(), 2, 3, false},
		{"too many shares", pass1, InsecureKDF(), 256, 2, false},
		{"negative shares", pass1, InsecureKDF(), -1, 2, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			kf, keys, printed, err := NewKeyFile(c.pass, c.kdf, c.shares, c.threshold)
			if c.ok != (err == nil) {
				t.Fatalf("error = %v, want ok=%v", err, c.ok)
			}
			if !c.ok {
				if !strings.HasPrefix(err.Error(), "vault: ") {
					t.Errorf("error %q lacks the package prefix", err)
				}
				return
			}
			if kf == nil || keys == nil || len(printed) != max(c.shares, 0) {
				t.Fatalf("got %d shares, want %d", len(printed), c.shares)
			}
			if n, k := kf.Shares(); n != c.shares || k != c.threshold {
				t.Fatalf("Shares() = %d, %d", n, k)
			}
		})
	}
}

// TestNegativeSharesRejected pins that only shares == 0 means "none".
func TestNegativeSharesRejected(t *testing.T) {
	if _, _, _, err := NewKeyFile(pass1, InsecureKDF(), -1, 0); err == nil {
		t.Fatal("negative share count accepted")
	}
}

func TestRewrap(t *testing.T) {
	kf, keys, _ := newTestKeyFile(t, 3, 2)
	oldSalt := kf.KDF().Salt
	ct := keys.Sealer("blob").Seal([]byte("leak"), nil)
	if err := kf.Rewrap(keys, pass2, InsecureKDF()); err != nil {
		t.Fatal(err)
	}
	if bytes.Equal(kf.KDF().Salt, oldSalt) {
		t.Fatal("Rewrap kept the old salt")
	}
	kf = reload(t, kf)
	if _, err := kf.Unlock(pass1); !errors.Is(err, ErrBadPassphrase) {
		t.Fatalf("old passphrase after Rewrap: %v", err)
	}
	got, err := kf.Unlock(pass2)
	if err != nil {
		t.Fatal(err)
	}
	if pt, err := got.Sealer("blob").Open(ct, nil); err != nil || string(pt) != "leak" {
		t.Fatal("data sealed before Rewrap no longer opens")
	}
	// Rewrap refuses keys of another workspace and an empty passphrase.
	_, other, _ := newTestKeyFile(t, 0, 0)
	if err := kf.Rewrap(other, pass1, InsecureKDF()); !errors.Is(err, ErrWrongKey) {
		t.Fatalf("Rewrap with foreign keys: %v", err)
	}
	if err := kf.Rewrap(got, secret.NewString(""), InsecureKDF()); err == nil {
		t.Fatal("Rewrap accepted an empty passphrase")
	}
	if err := kf.Rewrap(got, pass1, KDFParams{}); err == nil {
		t.Fatal("Rewrap accepted invalid KDF parameters")
	}
	// The failed attempts left the file as it was.
	if _, err := kf.Unlock(pass2); err != nil {
		t.Fatal(err)
	}
}

func TestRecoverThenRewrap(t *testing.T) {
	kf, keys, printed := newTestKeyFile(t, 5, 3)
	kf = reload(t, kf)
	// Any 3 of 5, in any order.
	for _, idx := range [][]int{{0, 1, 2}, {4, 2, 0}, {1, 3, 4}, {0, 1, 2, 3, 4}} {
		var in []secret.String
		for _, i := range idx {
			in = append(in, printed[i])
		}
		got, err := kf.Recover(in)
		if err != nil {
			t.Fatalf("shares %v: %v", idx, err)
		}
		if got.ID() != keys.ID() {
			t.Fatalf("shares %v gave another key", idx)
		}
	}
	// The custodians recover, then set a new passphrase.
	got, err := kf.Recover([]secret.String{printed[3], printed[1], printed[4]})
	if err != nil {
		t.Fatal(err)
	}
	if err := kf.Rewrap(got, pass2, InsecureKDF()); err != nil {
		t.Fatal(err)
	}
	kf = reload(t, kf)
	if _, err := kf.Unlock(pass2); err != nil {
		t.Fatal(err)
	}
	// Shares survive a passphrase change.
	if _, err := kf.Recover(printed[:3]); err != nil {
		t.Fatal(err)
	}
}

func TestRecoverRejects(t *testing.T) {
	kf, _, printed := newTestKeyFile(t, 5, 3)
	_, _, foreign := newTestKeyFile(t, 5, 3)
	_, _, otherThreshold := newTestKeyFile(t, 5, 2)
	noShares, _, _ := newTestKeyFile(t, 0, 0)

	typo := []byte(printed[1].Reveal())
	typo[len(typo)-3] = flipBase32(typo[len(typo)-3])
	// Same x as printed[0] but different contents: splice printed[2]'s body
	// under printed[0]'s number, fixing nothing else; the check catches it.
	renamed := sharePrefix + "1" + printed[2].Reveal()[len(sharePrefix)+1:]

	cases := []struct {
		name   string
		kf     *KeyFile
		shares []secret.String
		want   string // substring of the error
	}{
		{"too few shares", kf, printed[:2], "2 distinct shares given, 3 needed"},
		{"one share three times", kf, []secret.String{printed[0], printed[0], printed[0]}, "1 distinct shares given, 3 needed"},
		{"no shares", kf, nil, "0 distinct shares given"},
		{"a mistyped share is named by position", kf, []secret.String{printed[0], secret.NewString(string(typo)), printed[2]}, "share 2 of 3 given"},
		{"a share from another workspace", kf, []secret.String{printed[0], printed[1], foreign[2]}, "share 3 of 3 given (number 3) belongs to another workspace"},
		{"a share with another threshold", kf, []secret.String{otherThreshold[0], printed[1], printed[2]}, "belongs to another workspace"},
		{"not a share at all", kf, []secret.String{printed[0], secret.NewString("hello"), printed[2]}, "share 2 of 3 given"},
		{"share renamed to another number", kf, []secret.String{printed[0], secret.NewString(renamed), printed[3]}, "share 2 of 3 given"},
		{"key file without recovery", noShares, printed[:3], "without recovery shares"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := c.kf.Recover(c.shares)
			if !errors.Is(err, ErrBadShares) || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("Recover error = %v, want ErrBadShares mentioning %q", err, c.want)
			}
			for _, s := range c.shares {
				if body, ok := strings.CutPrefix(s.Reveal(), sharePrefix); ok && strings.Contains(err.Error(), body[2:]) {
					t.Fatal("error quotes a share")
				}
			}
		})
	}
}

// TestRecoverDetectsWrongCombination forges shares that pass every format
// check (right set, threshold, checksum) but carry a wrong y, as an altered
// printout would: the key id catches it.
func TestRecoverDetectsWrongCombination(t *testing.T) {
	kf, _, printed := newTestKeyFile(t, 3, 2)
	s, err := parseShare(printed[1])
	if err != nil {
		t.Fatal(err)
	}
	s.point[5] ^= 1
	forged := formatShare(s)
	_, err = kf.Recover([]secret.String{printed[0], forged})
	if !errors.Is(err, ErrBadShares) || !strings.Contains(err.Error(), "do not reconstruct") {
		t.Fatalf("Recover error = %v", err)
	}
	// The same share with different contents is reported as a conflict.
	_, err = kf.Recover([]secret.String{printed[1], forged, printed[0]})
	if !errors.Is(err, ErrBadShares) || !strings.Contains(err.Error(), "shares 1 and 2 of 3 given are both number 2") {
		t.Fatalf("Recover error = %v", err)
	}
}

func TestUnmarshalKeyFileRejects(t *testing.T) {
	kf, _, _ := newTestKeyFile(t, 3, 2)
	good, err := kf.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	edit := func(f func(m map[string]any)) []byte {
		var m map[string]any
		if err := json.Unmarshal(good, &m); err != nil {
			t.Fatal(err)
		}
		f(m)
		out, _ := json.Marshal(m)
		return out
	}
	kdf := func(m map[string]any) map[string]any { return m["kdf"].(map[string]any) }
	rec := func(m map[string]any) map[string]any { return m["recovery"].(map[string]any) }
	cases := []struct {
		name string
		data []byte
		want string
	}{
		{"not JSON", []byte("-----BEGIN AGE ENCRYPTED FILE-----"), "not valid JSON"},
		{"empty", nil, "not valid JSON"},
		{"JSON without version", []byte(`{"hello": 1}`), "no version field"},
		{"newer version", edit(func(m map[string]any) { m["version"] = 2 }), "version 2"},
		{"version of the wrong type", edit(func(m map[string]any) { m["version"] = "1" }), "wrong type"},
		{"other KDF", edit(func(m map[string]any) { kdf(m)["algorithm"] = "pbkdf2" }), "not supported"},
		{"KDF time zero", edit(func(m map[string]any) { kdf(m)["time"] = 0 }), "time"},
		{"KDF memory absurd", edit(func(m map[string]any) { kdf(m)["memory_kib"] = 1 << 31 }), "memory"},
		{"salt missing", edit(func(m map[string]any) { delete(kdf(m), "salt") }), "salt"},
		{"key id not hex", edit(func(m map[string]any) { m["key_id"] = "zz" }), "key_id"},
		{"wrapped key truncated", edit(func(m map[string]any) { m["wrapped_key"] = "AAAA" }), "wrapped_key"},
		{"wrapped key not base64", edit(func(m map[string]any) { m["wrapped_key"] = "!!" }), "wrong type"},
		{"recovery threshold 1", edit(func(m map[string]any) { rec(m)["threshold"] = 1 }), "threshold 1"},
		{"recovery set id short", edit(func(m map[string]any) { rec(m)["set_id"] = "ab" }), "set_id"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := UnmarshalKeyFile(c.data)
			if err == nil || !strings.Contains(err.Error(), c.want) || !strings.HasPrefix(err.Error(), "vault: ") {
				t.Fatalf("UnmarshalKeyFile error = %v, want one mentioning %q", err, c.want)
			}
		})
	}
	if _, err := UnmarshalKeyFile(edit(func(m map[string]any) { m["version"] = 2 })); !errors.Is(err, ErrUnsupportedVersion) {
		t.Fatalf("newer version: %v, want ErrUnsupportedVersion", err)
	}
}

// TestKeyFileTampering changes stored fields that parse fine; unlocking must
// then fail rather than yield a wrong key.
func TestKeyFileTampering(t *testing.T) {
	kf, _, _ := newTestKeyFile(t, 0, 0)
	other, _, _ := newTestKeyFile(t, 0, 0)
	cases := []struct {
		name string
		edit func(k *KeyFile)
		want error
	}{
		{"salt changed", func(k *KeyFile) { k.kdf.Salt[0] ^= 1 }, ErrBadPassphrase},
		{"time changed", func(k *KeyFile) { k.kdf.Time++ }, ErrBadPassphrase},
		{"wrapped key bit flipped", func(k *KeyFile) { k.wrapped[30] ^= 1 }, ErrBadPassphrase},
		{"key id swapped for another workspace's", func(k *KeyFile) { k.keyID = other.keyID }, ErrBadPassphrase},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			k := reload(t, kf)
			c.edit(k)
			if _, err := k.Unlock(pass1); !errors.Is(err, c.want) {
				t.Fatalf("Unlock error = %v, want %v", err, c.want)
			}
		})
	}
	var zero KeyFile
	if _, err := zero.Unlock(pass1); err == nil {
		t.Fatal("zero KeyFile unlocked")
	}
}

func TestMarshalIsStable(t *testing.T) {
	kf, _, _ := newTestKeyFile(t, 4, 3)
	a, _ := kf.Marshal()
	b, _ := reload(t, kf).Marshal()
	if !bytes.Equal(a, b) {
		t.Fatalf("Marshal changed across a reload:\n%s\n%s", a, b)
	}
	for _, field := range []string{`"version": 1`, `"key_id"`, `"kdf"`, `"argon2id"`, `"wrapped_key"`, `"recovery"`, `"threshold": 3`} {
		if !bytes.Contains(a, []byte(field)) {
			t.Errorf("key file lacks %s:\n%s", field, a)
		}
	}
}
