package redact

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"io"
	"strings"

	"antidote/internal/detect"
	"antidote/internal/secret"
)

// KeySize is the length of a redaction key in bytes.
const KeySize = 32

// Key is the secret that makes pseudonyms: whoever holds it can compute the
// token of a guessed value, so it is as sensitive as the mapping itself.
// It prints as [redacted].
type Key struct{ b secret.Bytes }

// NewKey copies a KeySize-byte key.
func NewKey(b []byte) (Key, error) {
	if len(b) != KeySize {
		return Key{}, fmt.Errorf("redaction key is %d bytes, want %d", len(b), KeySize)
	}
	return Key{secret.NewBytes(append([]byte(nil), b...))}, nil
}

// GenerateKey draws a fresh key from rand (crypto/rand.Reader in use).
func GenerateKey(rand io.Reader) (Key, error) {
	b := make([]byte, KeySize)
	if _, err := io.ReadFull(rand, b); err != nil {
		return Key{}, fmt.Errorf("generate redaction key: %w", err)
	}
	return Key{secret.NewBytes(b)}, nil
}

// IsZero reports whether k is the zero Key, which redacts nothing.
func (k Key) IsZero() bool { return k.b.Len() == 0 }

func (k Key) String() string { return k.b.String() }

// The key file format: lines starting with '#' are comments, and one line
// holds the key as 64 hexadecimal digits. Blank lines and surrounding space
// are ignored.
const keyFileHeader = "# antidote redaction key. Anyone holding it can link pseudonyms to guessed\n" +
	"# values: keep it as secret as the documents. Same key, same tokens.\n"

// KeyFile returns k in the key file format.
func (k Key) KeyFile() []byte {
	return []byte(keyFileHeader + hex.EncodeToString(k.b.Reveal()) + "\n")
}

// ParseKeyFile reads a key file. Its errors never quote the file.
func ParseKeyFile(b []byte) (Key, error) {
	var found string
	for line := range strings.Lines(string(b)) {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		if found != "" {
			return Key{}, errors.New("key file has more than one key line; it should hold 64 hexadecimal digits on one line")
		}
		found = line
	}
	if found == "" {
		return Key{}, errors.New("key file holds no key; create one with 'antidote redact --new-key FILE'")
	}
	raw, err := hex.DecodeString(found)
	if err != nil || len(raw) != KeySize {
		return Key{}, errors.New("key file's key line is not 64 hexadecimal digits; create one with 'antidote redact --new-key FILE'")
	}
	return Key{secret.NewBytes(raw)}, nil
}

// Token format: PREFIX-BODY where BODY is tokenLen base32 characters (5
// bits each, 60 bits of HMAC). IP tokens put the country code or the scope
// between the type and the body: IPv4-US-..., IPv6-PRIVATE-....
// detect's secret rules know this format too (detect.pseudonym: a token is
// never taken for a password, so redacted output passes verify), and
// TestCheckIgnoresTokens holds the two together: change them together.
const (
	tokenLen  = 12
	tokenBits = tokenLen * 5
	alphabet  = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"
)

var kindPrefix = [nKinds]string{
	detect.IPv4:   "IPv4",
	detect.IPv6:   "IPv6",
	detect.Email:  "EMAIL",
	detect.MAC:    "MAC",
	detect.Name:   "NAME",
	detect.Secret: "SECRET",
}

// scopeTag is what an IP token shows instead of a country for an address
// that is not public; unknownCountry stands for a public address the
// dataset does not place.
var scopeTag = [nScopes]string{
	detect.Private:       "PRIVATE",
	detect.Loopback:      "LOOPBACK",
	detect.LinkLocal:     "LINKLOCAL",
	detect.Multicast:     "MULTICAST",
	detect.Documentation: "DOCUMENTATION",
	detect.Shared:        "SHARED",
	detect.Reserved:      "RESERVED",
	detect.Unspecified:   "UNSPECIFIED",
}

const unknownCountry = "XX"

// domain separates redaction HMAC inputs from any other use of the key.
const domain = "antidote/redact/v1\x00"

// pseudonymizer computes token bodies. It is not safe for concurrent use.
type pseudonymizer struct {
	mac hash.Hash
	sum []byte
	buf []byte
}

func newPseudonymizer(k Key) *pseudonymizer {
	return &pseudonymizer{mac: hmac.New(sha256.New, k.b.Reveal()), sum: make([]byte, 0, sha256.Size)}
}

// body returns the top tokenBits bits of HMAC(key, domain, kind, value).
func (p *pseudonymizer) body(k detect.Kind, value []byte) uint64 {
	p.buf = append(p.buf[:0], domain...)
	p.buf = append(p.buf, byte(k), 0)
	p.buf = append(p.buf, value...)
	p.mac.Reset()
	p.mac.Write(p.buf)
	p.sum = p.mac.Sum(p.sum[:0])
	return binary.BigEndian.Uint64(p.sum) >> (64 - tokenBits)
}

// appendToken appends the token for a value of kind k whose body is b;
// place is the country or scope tag for IP addresses.
func appendToken(dst []byte, k detect.Kind, place string, b uint64) []byte {
	dst = append(dst, kindPrefix[k]...)
	dst = append(dst, '-')
	if k == detect.IPv4 || k == detect.IPv6 {
		dst = append(dst, place...)
		dst = append(dst, '-')
	}
	for i := tokenLen - 1; i >= 0; i-- {
		dst = append(dst, alphabet[(b>>(5*uint(i)))&31])
	}
	return dst
}

// TokenInfo is what a token says openly about its value.
type TokenInfo struct {
	Kind detect.Kind
	// Place is the country code of a public IP address, XX if unknown, or
	// the address's scope in capitals (PRIVATE, LINKLOCAL, ...). Empty for
	// other kinds.
	Place string
}

// ParseToken reports whether s is a token in the format this package
// writes, and what it shows.
func ParseToken(s string) (TokenInfo, bool) {
	k, place, ok := parseToken(s)
	if !ok {
		return TokenInfo{}, false
	}
	return TokenInfo{Kind: k, Place: place}, true
}

// parseToken works on strings and byte slices alike, so that scanning
// text for tokens does not allocate; place is the empty string unless the
// token is an IP token.
func parseToken[T string | []byte](s T) (k detect.Kind, place string, ok bool) {
	i := len(s) - tokenLen - 1
	if i < 0 || s[i] != '-' {
		return 0, "", false
	}
	for j := i + 1; j < len(s); j++ {
		if !isBase32(s[j]) {
			return 0, "", false
		}
	}
	head := s[:i]
	for k := detect.IPv4; k <= detect.Secret; k++ {
		p := kindPrefix[k]
		if len(head) < len(p) || string(head[:len(p)]) != p {
			continue
		}
		rest := head[len(p):]
		if k != detect.IPv4 && k != detect.IPv6 {
			if len(rest) == 0 {
				return k, "", true
			}
			continue
		}
		if len(rest) < 2 || rest[0] != '-' {
			continue
		}
		if t, ok := validPlace(rest[1:]); ok {
			return k, t, true
		}
	}
	return 0, "", false
}

// validPlace checks a country code or scope tag and returns it as a
// string without allocating for scope tags.
func validPlace[T string | []byte](p T) (string, bool) {
	if len(p) == 2 && p[0] >= 'A' && p[0] <= 'Z' && p[1] >= 'A' && p[1] <= 'Z' {
		return string(p), true
	}
	for _, t := range scopeTag {
		if t != "" && string(p) == t {
			return t, true
		}
	}
	return "", false
}

func isBase32(c byte) bool { return c >= 'A' && c <= 'Z' || c >= '2' && c <= '7' }

// isTokenByte reports whether c can occur in a token.
func isTokenByte(c byte) bool {
	return c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-'
}

// mayHideInToken reports whether a match of kind k can lie inside a token:
// a listed name ("Name" in NAME-...) or a credential assignment whose
// value is a token (password=IPv4-US-...). Tokens hold no '.', ':' or '@',
// so no address can.
func mayHideInToken(k detect.Kind) bool { return k == detect.Name || k == detect.Secret }

// insideToken reports whether text[start:end] lies within a token, so that
// verify does not trip on tokens and redacting already redacted text
// changes nothing.
func insideToken(text []byte, start, end int) bool {
	l, r := start, end
	for l > 0 && isTokenByte(text[l-1]) && start-l < 64 {
		l--
	}
	for r < len(text) && isTokenByte(text[r]) && r-end < 64 {
		r++
	}
	// The run may hold more than one hyphenated word; try each token-sized
	// window that covers the span.
	for i := l; i <= start; i++ {
		if i > l && text[i-1] != '-' {
			continue
		}
		for j := max(end, i+tokenLen); j <= r; j++ {
			if j < r && text[j] != '-' {
				continue
			}
			if _, _, ok := parseToken(text[i:j]); ok {
				return true
			}
		}
	}
	return false
}
