package vault

import (
	"bytes"
	"crypto/sha256"
	"encoding/base32"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"antidote/internal/secret"
)

// A recovery share is printed for a person to keep on paper or in a password
// manager:
//
//	antidote-share-3-xxxxx-xxxxx-…
//
// The number repeats the share's x so a pile of printouts can be told apart.
// The rest is lowercase base32 of
//
//	version (1) || set id (4) || threshold (1) || x (1) || y (32) || checksum (4)
//
// where the checksum is the first 4 bytes of SHA-256 over the domain string
// and the preceding bytes, catching a mistyped character. The set id ties the
// share to one key file's split, so shares of another workspace are named as
// such rather than silently giving a wrong key.

const (
	sharePrefix     = "antidote-share-"
	shareVersion    = 1
	shareSetIDLen   = 4
	shareSumLen     = 4
	shareSumDomain  = "antidote/vault/v1/share"
	sharePayloadLen = 1 + shareSetIDLen + 1 + 1 + masterKeyLen
	shareLen        = sharePayloadLen + shareSumLen
	shareGroup      = 5
)

var shareEncoding = base32.NewEncoding("abcdefghijklmnopqrstuvwxyz234567").WithPadding(base32.NoPadding)

// share is one parsed recovery share.
type share struct {
	setID     [shareSetIDLen]byte
	threshold int
	point     []byte // x || y, the form package shamir uses
}

func shareChecksum(payload []byte) []byte {
	h := sha256.New()
	h.Write([]byte(shareSumDomain))
	h.Write(payload)
	return h.Sum(nil)[:shareSumLen]
}

// formatShare renders s for printing.
func formatShare(s share) secret.String {
	raw := make([]byte, 0, shareLen)
	raw = append(raw, shareVersion)
	raw = append(raw, s.setID[:]...)
	raw = append(raw, byte(s.threshold))
	raw = append(raw, s.point...)
	raw = append(raw, shareChecksum(raw)...)
	enc := shareEncoding.EncodeToString(raw)
	clear(raw)

	var b strings.Builder
	b.WriteString(sharePrefix)
	b.WriteString(strconv.Itoa(int(s.point[0])))
	for i := 0; i < len(enc); i += shareGroup {
		b.WriteByte('-')
		b.WriteString(enc[i:min(i+shareGroup, len(enc))])
	}
	return secret.NewString(b.String())
}

var (
	errShareFormat = errors.New("not an antidote recovery share (it should start with " + sharePrefix + ")")
	errShareTypo   = errors.New("checksum mismatch: a character is mistyped or missing")
)

// parseShare reads a share typed back by a person: case, spaces and the
// grouping dashes do not matter. Errors never quote the input.
func parseShare(text secret.String) (share, error) {
	t := strings.ToLower(strings.TrimSpace(text.Reveal()))
	rest, ok := strings.CutPrefix(t, sharePrefix)
	if !ok {
		return share{}, errShareFormat
	}
	num, body, ok := strings.Cut(rest, "-")
	if !ok {
		return share{}, errShareFormat
	}
	x, err := strconv.Atoi(strings.TrimSpace(num))
	if err != nil || x < 1 || x > 255 {
		return share{}, errors.New("the share number after " + sharePrefix + " is not between 1 and 255")
	}
	body = strings.Map(func(r rune) rune {
		switch r {
		case '-', ' ', '\t', '\n', '\r':
			return -1
		}
		return r
	}, body)
	if shareEncoding.DecodedLen(len(body)) != shareLen {
		return share{}, fmt.Errorf("%w (wrong length)", errShareTypo)
	}
	raw, err := shareEncoding.DecodeString(body)
	if err != nil || len(raw) != shareLen {
		return share{}, fmt.Errorf("%w (a character is not valid in a share)", errShareTypo)
	}
	defer clear(raw)
	// The last character carries an unused bit the decoder ignores; insist on
	// the printed form so every typo is reported.
	if shareEncoding.EncodeToString(raw) != body {
		return share{}, errShareTypo
	}
	if !bytes.Equal(shareChecksum(raw[:sharePayloadLen]), raw[sharePayloadLen:]) {
		return share{}, errShareTypo
	}
	if raw[0] != shareVersion {
		return share{}, fmt.Errorf("share format %d: %w", raw[0], ErrUnsupportedVersion)
	}
	var s share
	copy(s.setID[:], raw[1:1+shareSetIDLen])
	s.threshold = int(raw[1+shareSetIDLen])
	s.point = bytes.Clone(raw[2+shareSetIDLen : sharePayloadLen])
	if int(s.point[0]) != x {
		return share{}, fmt.Errorf("the number in the share's name (%d) does not match its contents (%d); was it retyped with another share's name?", x, s.point[0])
	}
	return s, nil
}
