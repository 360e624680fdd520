package detect

import (
	"bytes"
	"strings"
)

// maxPEM bounds how far a private-key block may run from its BEGIN line to
// its END line. A 16384-bit RSA key in PEM is about 12 KiB.
const maxPEM = 64 << 10

var (
	pemBegin = []byte("-----BEGIN ")
	pemEnd   = []byte("-----END ")
	pemDash  = []byte("-----")
)

// pemHeader checks for a private-key BEGIN line at text[p] and returns the
// offset just after its closing dashes.
func pemHeader(text []byte, p int) (int, bool) {
	if !bytes.HasPrefix(text[p:], pemBegin) {
		return 0, false
	}
	i := p + len(pemBegin)
	j := i
	for j < len(text) && j-i < 64 && (isUpperDigit(text[j]) || text[j] == ' ') {
		j++
	}
	label := text[i:j]
	if !bytes.HasPrefix(text[j:], pemDash) {
		return 0, false
	}
	if !bytes.HasSuffix(label, []byte("PRIVATE KEY")) && !bytes.HasSuffix(label, []byte("PRIVATE KEY BLOCK")) {
		return 0, false
	}
	return j + len(pemDash), true
}

// pemCache finds the END line of the block whose BEGIN line ends at h and
// returns the offset after it, or -1 if there is none within maxPEM. It
// remembers where the next "-----END " is, so that a text full of
// BEGIN lines without END lines costs linear time. Offsets h passed to
// endOf must not decrease.
type pemCache struct {
	known bool
	from  int // searched from here
	next  int // offset of the next END marker at or after from, or -1
}

func (c *pemCache) endOf(text []byte, h int) int {
	if !c.known || c.next >= 0 && c.next < h {
		c.known, c.from = true, h
		c.next = -1
		if k := bytes.Index(text[h:], pemEnd); k >= 0 {
			c.next = h + k
		}
	}
	if c.next < 0 || c.next+len(pemEnd) > h+maxPEM {
		return -1
	}
	e := c.next + len(pemEnd)
	j := e
	for j < len(text) && j-e < 64 && (isUpperDigit(text[j]) || text[j] == ' ') {
		j++
	}
	if bytes.HasPrefix(text[j:], pemDash) {
		return j + len(pemDash)
	}
	return j
}

// pemBodyEnd is the end of a block without an END line (a truncated key):
// the lines after the BEGIN line that are base64, armour headers
// ("Proc-Type: 4,ENCRYPTED", "Version: ...") or empty. Lines may also be
// separated by the two-byte escapes \n and \r, as in JSON.
func pemBodyEnd(text []byte, h int) int {
	limit := min(len(text), h+maxPEM)
	last, i := h, h
	for i < limit {
		// Line separators.
		switch {
		case text[i] == '\n' || text[i] == '\r':
			i++
			continue
		case text[i] == '\\' && i+1 < limit && (text[i+1] == 'n' || text[i+1] == 'r'):
			i += 2
			continue
		}
		j := i
		for j < limit && text[j] != '\n' && text[j] != '\r' && text[j] != '\\' {
			j++
		}
		if !pemBodyLine(text[i:j]) {
			break
		}
		last, i = j, j
	}
	return last
}

func pemBodyLine(l []byte) bool {
	b64 := true
	for _, c := range l {
		if class[c]&cB64 == 0 {
			b64 = false
			break
		}
	}
	if b64 {
		return true
	}
	// Armour header: Name: value.
	k := 0
	for k < len(l) && (isAlnum(l[k]) || l[k] == '-') {
		k++
	}
	return k > 0 && isAlnum(l[0]) && k+1 < len(l) && l[k] == ':' && l[k+1] == ' '
}

// scanPEM finds a private-key block starting at text[p]: PKCS#1, PKCS#8,
// SEC1, OpenSSH and PGP private-key armour. The whole block is the span.
func scanPEM(text []byte, p int, c *pemCache) (int, bool) {
	h, ok := pemHeader(text, p)
	if !ok {
		return 0, false
	}
	if e := c.endOf(text, h); e >= 0 {
		return e, true
	}
	return pemBodyEnd(text, h), true
}

// A token shape: a fixed prefix, then a run of body bytes whose length must
// lie in [min, max]. Runs longer than max are rejected as glued text.
type tokenShape struct {
	prefix   string
	body     func(byte) bool
	min, max int
	label    string
}

func alnumB(c byte) bool    { return isAlnum(c) }
func upperDigB(c byte) bool { return isUpperDigit(c) }
func wordB(c byte) bool     { return isWordByte(c) }
func b64urlB(c byte) bool   { return class[c]&cB64URL != 0 }
func slackB(c byte) bool    { return isAlnum(c) || c == '-' }

// tokenShapes by first byte.
var tokenShapes = [256][]tokenShape{
	'A': {
		{"AKIA", upperDigB, 16, 16, "aws-access-key"},
		{"ASIA", upperDigB, 16, 16, "aws-access-key"},
		{"ABIA", upperDigB, 16, 16, "aws-access-key"},
		{"ACCA", upperDigB, 16, 16, "aws-access-key"},
		{"AIza", b64urlB, 35, 35, "google-api-key"},
	},
	'g': {
		{"ghp_", alnumB, 30, 251, "github-token"},
		{"gho_", alnumB, 30, 251, "github-token"},
		{"ghu_", alnumB, 30, 251, "github-token"},
		{"ghs_", alnumB, 30, 251, "github-token"},
		{"ghr_", alnumB, 30, 251, "github-token"},
		{"github_pat_", wordB, 22, 244, "github-token"},
	},
	'x': {
		{"xoxb-", slackB, 10, 250, "slack-token"},
		{"xoxp-", slackB, 10, 250, "slack-token"},
		{"xoxa-", slackB, 10, 250, "slack-token"},
		{"xoxr-", slackB, 10, 250, "slack-token"},
		{"xoxs-", slackB, 10, 250, "slack-token"},
	},
	's': {
		{"sk_live_", alnumB, 16, 247, "stripe-key"},
		{"sk_test_", alnumB, 16, 247, "stripe-key"},
	},
	'r': {
		{"rk_live_", alnumB, 16, 247, "stripe-key"},
		{"rk_test_", alnumB, 16, 247, "stripe-key"},
	},
}

// scanToken finds an API token at text[p], which must start a word.
func scanToken(text []byte, p int) (end int, label string, ok bool) {
	c := text[p]
	if c == 'e' {
		if e, ok := scanJWT(text, p); ok {
			return e, "jwt", true
		}
		return 0, "", false
	}
	for _, t := range tokenShapes[c] {
		if !bytes.HasPrefix(text[p:], []byte(t.prefix)) {
			continue
		}
		i := p + len(t.prefix)
		j := i
		for j < len(text) && j-i <= t.max && t.body(text[j]) {
			j++
		}
		n := j - i
		if n < t.min || n > t.max || wordAt(text, j) {
			continue
		}
		return j, t.label, true
	}
	return 0, "", false
}

// scanJWT finds a JSON Web Token at text[p]: base64url header and payload
// that both open with `{"` (eyJ), each at least ten bytes, and a signature
// that may be empty. Tokens longer than MaxLen are cut at MaxLen.
func scanJWT(text []byte, p int) (int, bool) {
	// Look no further than MaxLen+1 bytes: a token that fills them all is
	// cut at MaxLen.
	text = text[:min(len(text), p+MaxLen+1)]
	full := len(text) == p+MaxLen+1
	i := p
	for part := 0; part < 3; part++ {
		if part > 0 {
			if i >= len(text) || text[i] != '.' {
				return 0, false
			}
			i++
		}
		if part < 2 && !bytes.HasPrefix(text[i:], []byte("eyJ")) {
			return 0, false
		}
		j := i
		for j < len(text) && class[text[j]]&cB64URL != 0 {
			j++
		}
		if full && j == len(text) {
			return p + MaxLen, true
		}
		if part < 2 && j-i < 10 {
			return 0, false
		}
		i = j
	}
	if i < len(text) && (text[i] == '.' || text[i] == '=') {
		return 0, false
	}
	return i, true
}

// Credential keywords: an identifier ending in one of these, then '=', ':',
// ":=" or "=>", then a value, makes the value a secret.
var credKeywords = []struct{ kw, label string }{
	{"password", "password"},
	{"passwd", "password"},
	{"passphrase", "password"},
	{"pwd", "password"},
	{"api_key", "api-key"},
	{"api-key", "api-key"},
	{"apikey", "api-key"},
	{"access_token", "token"},
	{"auth_token", "token"},
	{"refresh_token", "token"},
	{"secret", "secret"},
	{"secret_key", "secret"},
	{"access_key", "secret"},
	{"private_key", "secret"},
}

// placeholders are values that stand for a secret rather than being one.
var placeholders = map[string]bool{
	"null": true, "none": true, "nil": true, "true": true, "false": true,
	"undefined": true, "redacted": true, "hidden": true, "required": true,
}

// kwTail is the cheap half of keywordBefore: whether the identifier before
// the separator at text[i] ends in the last two letters of a keyword. Log
// lines are full of "uid=0" and "time: 3"; this rejects them with a few
// byte loads, before keywordBefore walks back over the identifier.
func kwTail(text []byte, i int) bool {
	j := i
	for j > 0 && i-j < 8 && (text[j-1] == ' ' || text[j-1] == '\t') {
		j--
	}
	if j > 0 && (text[j-1] == '"' || text[j-1] == '\'') {
		j--
	}
	if j < 2 {
		return false
	}
	// password, passwd, pwd; passphrase; *key; *token; secret.
	switch uint16(lower[text[j-2]])<<8 | uint16(lower[text[j-1]]) {
	case 'r'<<8 | 'd', 'w'<<8 | 'd', 's'<<8 | 'e', 'e'<<8 | 'y', 'e'<<8 | 'n', 'e'<<8 | 't':
		return true
	}
	return false
}

// keywordBefore checks whether the separator at text[i] follows a credential
// keyword, and returns the keyword's label and the identifier's start.
func keywordBefore(text []byte, i int) (kw, label string, identStart int, ok bool) {
	j := i
	for j > 0 && i-j < 8 && (text[j-1] == ' ' || text[j-1] == '\t') {
		j--
	}
	if j > 0 && (text[j-1] == '"' || text[j-1] == '\'') {
		j--
	}
	if !kwTail(text, i) {
		return "", "", 0, false
	}
	e := j
	for j > 0 && class[text[j-1]]&cIdent != 0 {
		j--
	}
	if j == e || j > 0 && (text[j-1] == '/' || text[j-1] == '\\') {
		return "", "", 0, false
	}
	id := text[j:e]
	for _, k := range credKeywords {
		if len(id) >= len(k.kw) && bytes.EqualFold(id[len(id)-len(k.kw):], []byte(k.kw)) {
			return k.kw, k.label, j, true
		}
	}
	return "", "", 0, false
}

func valueStop(c byte) bool {
	switch c {
	case ' ', '\t', '\n', '\r', '\v', '\f', '"', '\'', '`', ',', ';', '&', '<', '>', ')', ']', '}', '|':
		return true
	}
	return false
}

// scanAssignment checks for a credential assignment whose separator starts
// at text[i] ("password=...", `"api_key": "..."`, "pwd := ...") and returns
// the span of the value alone. A quoted value runs to its closing quote on
// the same line, or to the end of the line; an unquoted one to the next
// space, quote or one of ",;&<>)]}|". Values are cut at MaxLen.
func scanAssignment(text []byte, i int) (vs, ve int, label string, ok bool) {
	var sepEnd int
	switch text[i] {
	case ':':
		switch {
		case i+1 < len(text) && text[i+1] == '=':
			sepEnd = i + 2
		case i+1 < len(text) && text[i+1] == ':':
			return 0, 0, "", false
		default:
			sepEnd = i + 1
		}
	case '=':
		if i > 0 && (text[i-1] == ':' || text[i-1] == '=' || text[i-1] == '!') {
			return 0, 0, "", false
		}
		switch {
		case i+1 < len(text) && text[i+1] == '>':
			sepEnd = i + 2
		case i+1 < len(text) && text[i+1] == '=':
			return 0, 0, "", false
		default:
			sepEnd = i + 1
		}
	default:
		return 0, 0, "", false
	}
	kw, label, _, ok := keywordBefore(text, i)
	if !ok {
		return 0, 0, "", false
	}
	k := sepEnd
	for k < len(text) && (text[k] == ' ' || text[k] == '\t') {
		k++
	}
	if k >= len(text) {
		return 0, 0, "", false
	}
	if q := text[k]; q == '"' || q == '\'' || q == '`' {
		vs = k + 1
		ve = vs
		for ve < len(text) && ve-vs < MaxLen && text[ve] != q && text[ve] != '\n' && text[ve] != '\r' {
			if text[ve] == '\\' && ve+1 < len(text) && text[ve+1] != '\n' && text[ve+1] != '\r' {
				ve++
			}
			ve++
		}
	} else {
		vs = k
		ve = vs
		for ve < len(text) && ve-vs < MaxLen && !valueStop(text[ve]) {
			ve++
		}
	}
	ve = min(ve, vs+MaxLen)
	if ve <= vs || placeholder(text[vs:ve], kw) {
		return 0, 0, "", false
	}
	return vs, ve, label, true
}

// placeholder reports values that name or hide a secret without being one:
// "********", "${DB_PASSWORD}", "{{ .Password }}", "<password>", "null", and
// the working directory in an environment dump ("PWD=/home/...").
func placeholder(v []byte, kw string) bool {
	if kw == "pwd" && (v[0] == '/' || v[0] == '~') {
		return true
	}
	if strings.Trim(string(v), "*") == "" {
		return true
	}
	switch {
	case bytes.HasPrefix(v, []byte("${")), bytes.HasPrefix(v, []byte("{{")),
		bytes.HasPrefix(v, []byte("$(")), v[0] == '<':
		return true
	}
	if len(v) <= 9 && placeholders[strings.ToLower(string(v))] {
		return true
	}
	return false
}
