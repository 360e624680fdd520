package vault

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"golang.org/x/crypto/argon2"
)

// PasswordParams is the argon2id cost of an account password hash. Unlike
// the workspace passphrase (one unlock), passwords are checked at every
// login of every user, so the default is OWASP's floor, not Calibrate's.
type PasswordParams struct {
	Time      uint32
	MemoryKiB uint32
	Threads   uint8
}

// DefaultPasswordParams is argon2id with 19 MiB, two passes, one lane
// (OWASP Password Storage Cheat Sheet, 2023).
func DefaultPasswordParams() PasswordParams {
	return PasswordParams{Time: 2, MemoryKiB: 19 << 10, Threads: 1}
}

// InsecurePasswordParams costs almost nothing; for tests only.
func InsecurePasswordParams() PasswordParams {
	return PasswordParams{Time: 1, MemoryKiB: 64, Threads: 1}
}

const (
	passwordSaltLen = 16
	passwordHashLen = 32
	// Stored hashes are parsed with these bounds, so a damaged or hostile
	// row cannot make a login allocate gigabytes.
	maxPasswordMemoryKiB = 1 << 20 // 1 GiB
	maxPasswordTime      = 100
)

// ErrPasswordHash reports a stored password hash that is not a PHC string
// this package can check.
var ErrPasswordHash = errors.New("vault: malformed password hash")

var b64 = base64.RawStdEncoding

// HashPassword returns the PHC string of password under p with a fresh salt:
// $argon2id$v=19$m=MEM,t=TIME,p=THREADS$SALT$HASH (unpadded base64).
func HashPassword(password []byte, p PasswordParams) (string, error) {
	if p.Time == 0 || p.MemoryKiB < 8*uint32(max(p.Threads, 1)) || p.Threads == 0 ||
		p.Time > maxPasswordTime || p.MemoryKiB > maxPasswordMemoryKiB {
		return "", fmt.Errorf("vault: password hash parameters out of range (t=%d, m=%d KiB, p=%d)", p.Time, p.MemoryKiB, p.Threads)
	}
	salt := make([]byte, passwordSaltLen)
	if _, err := rand.Read(salt); err != nil {
		return "", fmt.Errorf("vault: read random salt: %w", err)
	}
	sum := argon2.IDKey(password, salt, p.Time, p.MemoryKiB, p.Threads, passwordHashLen)
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s", argon2.Version, p.MemoryKiB, p.Time, p.Threads,
		b64.EncodeToString(salt), b64.EncodeToString(sum)), nil
}

// VerifyPassword reports whether password matches the PHC string phc, in
// time that does not depend on where the two hashes differ. A malformed phc
// is an error wrapping ErrPasswordHash, never a match.
func VerifyPassword(phc string, password []byte) (bool, error) {
	p, salt, want, err := parsePHC(phc)
	if err != nil {
		return false, err
	}
	got := argon2.IDKey(password, salt, p.Time, p.MemoryKiB, p.Threads, uint32(len(want)))
	return subtle.ConstantTimeCompare(got, want) == 1, nil
}

// PasswordParamsOf returns the parameters phc was hashed with, so that a
// caller can rehash at login when its policy has grown.
func PasswordParamsOf(phc string) (PasswordParams, error) {
	p, _, _, err := parsePHC(phc)
	return p, err
}

func parsePHC(phc string) (PasswordParams, []byte, []byte, error) {
	var p PasswordParams
	parts := strings.Split(phc, "$")
	// "", "argon2id", "v=19", "m=..,t=..,p=..", salt, hash
	if len(parts) != 6 || parts[0] != "" || parts[1] != "argon2id" {
		return p, nil, nil, fmt.Errorf("%w: not an argon2id PHC string", ErrPasswordHash)
	}
	if parts[2] != "v="+strconv.Itoa(argon2.Version) {
		return p, nil, nil, fmt.Errorf("%w: unsupported argon2 version", ErrPasswordHash)
	}
	seen := 0
	for _, kv := range strings.Split(parts[3], ",") {
		k, v, ok := strings.Cut(kv, "=")
		if !ok {
			return p, nil, nil, fmt.Errorf("%w: bad parameter list", ErrPasswordHash)
		}
		n, err := strconv.ParseUint(v, 10, 32)
		if err != nil {
			return p, nil, nil, fmt.Errorf("%w: bad parameter %s", ErrPasswordHash, k)
		}
		switch k {
		case "m":
			p.MemoryKiB, seen = uint32(n), seen|1
		case "t":
			p.Time, seen = uint32(n), seen|2
		case "p":
			if n > 255 {
				return p, nil, nil, fmt.Errorf("%w: too many lanes", ErrPasswordHash)
			}
			p.Threads, seen = uint8(n), seen|4
		default:
			return p, nil, nil, fmt.Errorf("%w: unknown parameter %s", ErrPasswordHash, k)
		}
	}
	if seen != 7 || p.Time == 0 || p.Threads == 0 || p.Time > maxPasswordTime ||
		p.MemoryKiB > maxPasswordMemoryKiB || p.MemoryKiB < 8*uint32(p.Threads) {
		return p, nil, nil, fmt.Errorf("%w: parameters missing or out of range", ErrPasswordHash)
	}
	salt, err := b64.DecodeString(parts[4])
	if err != nil || len(salt) < 8 || len(salt) > 64 {
		return p, nil, nil, fmt.Errorf("%w: bad salt", ErrPasswordHash)
	}
	sum, err := b64.DecodeString(parts[5])
	if err != nil || len(sum) < 16 || len(sum) > 64 {
		return p, nil, nil, fmt.Errorf("%w: bad hash", ErrPasswordHash)
	}
	return p, salt, sum, nil
}
