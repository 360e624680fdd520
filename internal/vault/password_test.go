package vault

import (
	"errors"
	"strings"
	"testing"

	"golang.org/x/crypto/argon2"
)

func TestPasswordRoundTrip(t *testing.T) {
	p := InsecurePasswordParams()
	h, err := HashPassword([]byte("correct horse"), p)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(h, "$argon2id$v=19$m=64,t=1,p=1$") {
		t.Fatalf("not a PHC string: %s", h)
	}
	if ok, err := VerifyPassword(h, []byte("correct horse")); err != nil || !ok {
		t.Fatalf("right password refused: %v %v", ok, err)
	}
	if ok, err := VerifyPassword(h, []byte("correct horsf")); err != nil || ok {
		t.Fatalf("wrong password accepted: %v %v", ok, err)
	}
	h2, _ := HashPassword([]byte("correct horse"), p)
	if h == h2 {
		t.Fatal("two hashes of one password are equal: the salt is not fresh")
	}
	if got, err := PasswordParamsOf(h); err != nil || got != p {
		t.Fatalf("params %+v %v", got, err)
	}
}

// TestPasswordKnownAnswer checks the encoding against argon2id computed
// independently from the same salt, so the format is the one other PHC
// readers (libsodium, argon2-cffi) understand: unpadded standard base64.
func TestPasswordKnownAnswer(t *testing.T) {
	salt := []byte("saltsaltsaltsalt")
	sum := argon2.IDKey([]byte("password"), salt, 2, 64, 1, 32)
	phc := "$argon2id$v=19$m=64,t=2,p=1$" + b64.EncodeToString(salt) + "$" + b64.EncodeToString(sum)
	if ok, err := VerifyPassword(phc, []byte("password")); err != nil || !ok {
		t.Fatalf("known hash refused: %v %v", ok, err)
	}
	if f := strings.Split(phc, "$"); strings.Contains(f[4]+f[5], "=") {
		t.Fatalf("padding in %s", phc)
	}
}

func TestPasswordMalformed(t *testing.T) {
	good, _ := HashPassword([]byte("x"), InsecurePasswordParams())
	parts := strings.Split(good, "$")
	for name, phc := range map[string]string{
		"empty":        "",
		"bcrypt":       "$2b$10$abcdefghijklmnopqrstuv",
		"argon2i":      strings.Replace(good, "argon2id", "argon2i", 1),
		"old version":  strings.Replace(good, "v=19", "v=16", 1),
		"huge memory":  "$argon2id$v=19$m=4294967295,t=1,p=1$" + parts[4] + "$" + parts[5],
		"zero time":    "$argon2id$v=19$m=64,t=0,p=1$" + parts[4] + "$" + parts[5],
		"missing lane": "$argon2id$v=19$m=64,t=1$" + parts[4] + "$" + parts[5],
		"bad salt":     "$argon2id$v=19$m=64,t=1,p=1$!!$" + parts[5],
		"short hash":   "$argon2id$v=19$m=64,t=1,p=1$" + parts[4] + "$AAAA",
		"extra field":  good + "$x",
	} {
		ok, err := VerifyPassword(phc, []byte("x"))
		if ok || !errors.Is(err, ErrPasswordHash) {
			t.Errorf("%s: got %v, %v; want ErrPasswordHash", name, ok, err)
		}
	}
	if _, err := HashPassword([]byte("x"), PasswordParams{}); err == nil {
		t.Error("zero parameters accepted")
	}
}

// FuzzParsePHC checks that no stored string crashes the parser or gets
// past the bounds (parsing, not hashing: a valid string may cost 1 GiB).
func FuzzParsePHC(f *testing.F) {
	good, _ := HashPassword([]byte("x"), InsecurePasswordParams())
	f.Add(good)
	f.Add("$argon2id$v=19$m=64,t=1,p=1$$")
	f.Add("$argon2id$v=19$m=64,t=1,p=1,p=2$c2FsdHNhbHQ$AAAAAAAAAAAAAAAAAAAAAA")
	f.Fuzz(func(t *testing.T, phc string) {
		p, salt, sum, err := parsePHC(phc)
		if err != nil {
			if !errors.Is(err, ErrPasswordHash) {
				t.Fatalf("error not wrapping ErrPasswordHash: %v", err)
			}
			return
		}
		if p.Time == 0 || p.Time > maxPasswordTime || p.MemoryKiB > maxPasswordMemoryKiB || p.Threads == 0 || len(salt) < 8 || len(sum) < 16 {
			t.Fatalf("accepted out of range: %+v", p)
		}
	})
}
