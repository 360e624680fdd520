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
		if j == i {
			break // a backslash that escapes no line break
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
	return k > 0 && isAlnum(l[0]) && k+2 < len(l) && l[k] == ':' && l[k+1] == ' '
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
func pathB(c byte) bool     { return isAlnum(c) || c == '/' }
func hookB(c byte) bool     { return class[c]&cB64URL != 0 || c == '/' }

// tokenShapes by first byte. Of shapes with a common prefix the longer
// prefix comes first.
var tokenShapes = [256][]tokenShape{
	'A': {
		{"AKIA", upperDigB, 16, 16, "aws-access-key"},
		{"ASIA", upperDigB, 16, 16, "aws-access-key"},
		{"ABIA", upperDigB, 16, 16, "aws-access-key"},
		{"ACCA", upperDigB, 16, 16, "aws-access-key"},
		{"AIza", b64urlB, 35, 35, "google-api-key"},
	},
	'G': {
		{"GOCSPX-", b64urlB, 28, 28, "google-client-secret"},
	},
	'd': {
		{"discord.com/api/webhooks/", hookB, 40, 200, "discord-webhook"},
		{"discordapp.com/api/webhooks/", hookB, 40, 200, "discord-webhook"},
	},
	'g': {
		{"ghp_", alnumB, 30, 251, "github-token"},
		{"gho_", alnumB, 30, 251, "github-token"},
		{"ghu_", alnumB, 30, 251, "github-token"},
		{"ghs_", alnumB, 30, 251, "github-token"},
		{"ghr_", alnumB, 30, 251, "github-token"},
		{"github_pat_", wordB, 22, 244, "github-token"},
		{"glpat-", b64urlB, 20, 250, "gitlab-token"},
	},
	'h': {
		{"hooks.slack.com/services/", pathB, 20, 250, "slack-webhook"},
		{"hf_", alnumB, 30, 40, "huggingface-token"},
	},
	'n': {
		{"npm_", alnumB, 36, 36, "npm-token"},
	},
	'p': {
		{"pypi-AgEIcHlwaS5vcmc", b64urlB, 50, 250, "pypi-token"},
	},
	'r': {
		{"rk_live_", alnumB, 16, 247, "stripe-key"},
		{"rk_test_", alnumB, 16, 247, "stripe-key"},
	},
	's': {
		{"sk_live_", alnumB, 16, 247, "stripe-key"},
		{"sk_test_", alnumB, 16, 247, "stripe-key"},
		{"sk-proj-", b64urlB, 20, 250, "openai-key"},
		{"sk-svcacct-", b64urlB, 20, 250, "openai-key"},
		{"sk-admin-", b64urlB, 20, 250, "openai-key"},
		{"sk-ant-", b64urlB, 20, 250, "anthropic-key"},
		{"sk-", alnumB, 48, 48, "openai-key"},
	},
	'w': {
		{"whsec_", alnumB, 24, 250, "stripe-key"},
	},
	'x': {
		{"xoxb-", slackB, 10, 250, "slack-token"},
		{"xoxp-", slackB, 10, 250, "slack-token"},
		{"xoxa-", slackB, 10, 250, "slack-token"},
		{"xoxr-", slackB, 10, 250, "slack-token"},
		{"xoxs-", slackB, 10, 250, "slack-token"},
		{"xapp-", slackB, 10, 250, "slack-token"},
	},
	'y': {
		{"ya29.", b64urlB, 20, 1000, "google-oauth-token"},
	},
}

// tokenSecond maps the first byte of a word to the set of second bytes
// (letters, as bits from '@') with which a token shape may start there.
var tokenSecond = func() (t [256]uint64) {
	for _, p := range []string{"AKSBCI", "GO", "SG", "bo", "di", "ghil", "hof", "np", "py", "sk", "rk", "wh", "xoa", "ya", "ey"} {
		for _, d := range p[1:] {
			t[p[0]] |= 1 << (d - '@')
		}
	}
	return t
}()

// tokenStart says, by a word's first two bytes, whether a token shape may
// start there: the scanner asks before it calls scanToken.
func tokenStart(c, d byte) bool {
	return d >= '@' && d < '@'+64 && tokenSecond[c]>>(d-'@')&1 != 0
}

// scanToken finds an API token at text[p], which must start a word.
func scanToken(text []byte, p int) (end int, label string, ok bool) {
	c := text[p]
	switch c {
	case 'e':
		if e, ok := scanJWT(text, p); ok {
			return e, "jwt", true
		}
		return 0, "", false
	case 'S':
		if e, ok := scanSendGrid(text, p); ok {
			return e, "sendgrid-key", true
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
		if n < t.min || n > t.max || wordAt(text, j) || hasPlaceholderWord(text[p:j]) {
			continue // "xoxb-your-bot-token-here" is documentation
		}
		return j, t.label, true
	}
	return 0, "", false
}

// scanSendGrid finds a SendGrid API key at text[p]: "SG.", 22 base64url
// bytes, '.', 43 base64url bytes.
func scanSendGrid(text []byte, p int) (int, bool) {
	if !bytes.HasPrefix(text[p:], []byte("SG.")) {
		return 0, false
	}
	i := p + 3
	for _, n := range [2]int{22, 43} {
		j := i
		for j < len(text) && class[text[j]]&cB64URL != 0 {
			j++
		}
		if j-i != n {
			return 0, false
		}
		i = j
		if n == 22 {
			if i >= len(text) || text[i] != '.' {
				return 0, false
			}
			i++
		}
	}
	return i, true
}

// scanTelegram finds a Telegram bot token at text[p]: the bot's id (eight
// to ten digits), ':', and 35 base64url bytes starting with "AA".
func scanTelegram(text []byte, p int) (int, bool) {
	if p+10 >= len(text) || text[p+8] != ':' && text[p+9] != ':' && text[p+10] != ':' {
		return 0, false
	}
	k := p
	for k < len(text) && k-p <= 10 && isDigit(text[k]) {
		k++
	}
	if k-p < 8 || k-p > 10 || k+3 > len(text) || text[k] != ':' || text[k+1] != 'A' || text[k+2] != 'A' {
		return 0, false
	}
	j := k + 1
	for j < len(text) && class[text[j]]&cB64URL != 0 {
		j++
	}
	if j-k-1 != 35 || wordAt(text, j) {
		return 0, false
	}
	return j, true
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

// credKeywords: an identifier ending in one of these, then a separator,
// then a value, makes the value a secret. Letters compare without regard
// to case; a '|' marks where the identifier may hold one of "_-." ("api_key",
// "api-key", "apiKey", "API.KEY"). A whole keyword must also start the
// identifier or follow one of "_-.": "db_pass" and "pass" are keywords,
// "bypass" and "compass" are not.
var credKeywords = []struct {
	kw, label, name string // name: kw without '|'
	whole           bool
}{
	{"password", "password", "password", false},
	{"passwd", "password", "passwd", false},
	{"passphrase", "password", "passphrase", false},
	{"pwd", "password", "pwd", false},
	{"pass", "password", "pass", true},
	{"pw", "password", "pw", true},
	{"api|key", "api-key", "apikey", false},
	{"token", "token", "token", false},
	{"authorization", "token", "authorization", false},
	{"secret", "secret", "secret", false},
	{"secret|key", "secret", "secretkey", false},
	{"access|key", "secret", "accesskey", false},
	{"private|key", "secret", "privatekey", false},
	{"account|key", "secret", "accountkey", false},
}

// placeholders are values that stand for a secret rather than being one.
var placeholders = map[string]bool{
	"null": true, "none": true, "nil": true, "true": true, "false": true,
	"undefined": true, "redacted": true, "hidden": true, "required": true,
	"value": true, // "token=value pairs"
}

// kwTails maps the last two letters of an identifier (lower case, 'a' to
// 'z' each) to the set of credKeywords (as bits) that end so.
var kwTails = func() (t [26 * 26]uint16) {
	for i, k := range credKeywords {
		a, b := k.kw[len(k.kw)-2], k.kw[len(k.kw)-1]
		t[int(a-'a')*26+int(b-'a')] |= 1 << i
	}
	return t
}()

// kwLast holds the last letters of the keywords, in both cases.
var kwLast = func() (t [256]bool) {
	for _, k := range credKeywords {
		c := k.kw[len(k.kw)-1]
		t[c], t[c-'a'+'A'] = true, true
	}
	return t
}()

// kwTail is the cheap half of keywordBefore: the set of keywords that the
// identifier before the separator at text[i] may end in, judging by its
// last letters. Log lines are full of "uid=0" and "time: 3"; this rejects
// them with a few byte loads, before keywordBefore walks back over the
// identifier.
func kwTail(text []byte, i int) uint16 {
	j := i
	for j > 0 && i-j < 8 && (text[j-1] == ' ' || text[j-1] == '\t') {
		j--
	}
	if j > 0 && (text[j-1] == '"' || text[j-1] == '\'') {
		j--
	}
	if j < 2 {
		return 0
	}
	a, b := lower[text[j-2]]-'a', lower[text[j-1]]-'a'
	if a >= 26 || b >= 26 {
		return 0
	}
	m := kwTails[int(a)*26+int(b)]
	switch {
	case m == kwPass: // "pass", not "class" or "address"
		if j < 4 || lower[text[j-4]] != 'p' || lower[text[j-3]] != 'a' {
			return 0
		}
	case m == kwAuth: // "authorization", not "version"
		if j < 13 || lower[text[j-13]] != 'a' || lower[text[j-5]] != 'a' || lower[text[j-3]] != 'i' {
			return 0
		}
	}
	return m
}

// The kwTails sets of the keywords that share their tail with many words.
var (
	kwPass = kwTails[int('s'-'a')*26+int('s'-'a')]
	kwAuth = kwTails[int('o'-'a')*26+int('n'-'a')]
)

// keywordAt reports whether the identifier id ends in the keyword kw (as
// credKeywords spells it).
func keywordAt(id []byte, kw string, whole bool) bool {
	j := len(id)
	for k := len(kw) - 1; k >= 0; k-- {
		if kw[k] == '|' {
			if j > 0 && (id[j-1] == '_' || id[j-1] == '-' || id[j-1] == '.') {
				j--
			}
			continue
		}
		if j == 0 || lower[id[j-1]] != kw[k] {
			return false
		}
		j--
	}
	return !whole || j == 0 || id[j-1] == '_' || id[j-1] == '-' || id[j-1] == '.'
}

// keywordBefore checks whether the separator at text[i] follows a credential
// keyword, and returns the keyword, its label, the identifier's start and
// whether the identifier was quoted.
func keywordBefore(text []byte, i int) (kw, label string, identStart int, ok bool) {
	j := i
	for j > 0 && i-j < 8 && (text[j-1] == ' ' || text[j-1] == '\t') {
		j--
	}
	if j > 0 && (text[j-1] == '"' || text[j-1] == '\'') {
		j--
	}
	m := kwTail(text, i)
	if m == 0 {
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
	for k := range credKeywords {
		if m&(1<<k) != 0 && keywordAt(id, credKeywords[k].kw, credKeywords[k].whole) {
			return credKeywords[k].name, credKeywords[k].label, j, true
		}
	}
	return "", "", 0, false
}

func isSpaceByte(c byte) bool {
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f'
}

func valueStop(c byte) bool {
	switch c {
	case ' ', '\t', '\n', '\r', '\v', '\f', '"', '\'', '`', ',', ';', '&', '<', '>', ')', ']', '}', '|':
		return true
	}
	return false
}

// sepLeftOK checks what comes before the separator at text[i] of a
// credential assignment whose identifier starts at identStart:
//
//	':' '=' ":=" "=>"     password=x, "api_key": "x", pwd := x
//	'>'                   <password>x</password>: the tag right before it
//	','                   define('DB_PASSWORD', 'x'): a quoted key opened
//	                      after '('
//	' '                   --password x: a command-line flag
func sepLeftOK(text []byte, i, identStart int) bool {
	switch text[i] {
	case ':', '=':
		return true
	case '>':
		return identStart > 0 && text[identStart-1] == '<' && class[text[i-1]]&cIdent != 0
	case ',':
		q := text[i-1]
		if q != '"' && q != '\'' || identStart < 2 || text[identStart-1] != q {
			return false
		}
		k := identStart - 1
		for k > 0 && text[k-1] == ' ' {
			k--
		}
		return k > 0 && text[k-1] == '('
	case ' ':
		if identStart+2 < i && text[identStart] == '-' && text[identStart+1] == '-' && text[identStart+2] != '-' && class[text[i-1]]&cIdent != 0 {
			return true
		}
		return proseKeyword(text[identStart:i]) && i+1 < len(text) && (text[i+1] == '"' || text[i+1] == '\'')
	}
	return false
}

// proseKeyword reports the words that, followed by a space and a quoted
// string, give a password in prose: "the password 'Summer2024!'".
func proseKeyword(id []byte) bool {
	switch len(id) {
	case 6:
		return hasPrefixFold(id, "passwd")
	case 8:
		return hasPrefixFold(id, "password")
	case 10:
		return hasPrefixFold(id, "passphrase")
	}
	return false
}

func hasPrefix(b []byte, pre string) bool { return len(b) >= len(pre) && string(b[:len(pre)]) == pre }

// sepEnd returns where the separator at text[i] of a credential assignment
// ends (see sepLeftOK), after checking what follows it: ':' not "::", '='
// not "==", a quoted value after ',', no other flag after ' '.
func sepEnd(text []byte, i, identStart int) (int, bool) {
	if !sepLeftOK(text, i, identStart) {
		return 0, false
	}
	n := len(text)
	switch text[i] {
	case ':':
		switch {
		case i+1 < n && text[i+1] == '=':
			return i + 2, true
		case i+1 < n && text[i+1] == ':':
			return 0, false
		}
	case '=':
		if i > 0 && (text[i-1] == ':' || text[i-1] == '=' || text[i-1] == '!') {
			return 0, false
		}
		switch {
		case i+1 < n && text[i+1] == '>':
			return i + 2, true
		case i+1 < n && text[i+1] == '=':
			return 0, false
		}
	case ',', ' ':
		e := i + 1
		for e < n && text[e] == ' ' {
			e++
		}
		if e >= n || text[i] == ',' && text[e] != '"' && text[e] != '\'' || text[i] == ' ' && text[e] == '-' {
			return 0, false
		}
	}
	return i + 1, true
}

// authSchemes are the HTTP authentication schemes whose credentials follow
// the scheme name in an Authorization header.
var authSchemes = []string{"bearer", "basic", "token", "bot", "jwt", "apikey", "negotiate", "ntlm"}

// authScheme returns the length of an authentication scheme name and the
// white space after it at text[k], or 0.
func authScheme(text []byte, k int) int {
	for _, sc := range authSchemes {
		e := k + len(sc)
		if e < len(text) && (text[e] == ' ' || text[e] == '\t') && bytes.EqualFold(text[k:e], []byte(sc)) {
			for e < len(text) && (text[e] == ' ' || text[e] == '\t') {
				e++
			}
			return e - k
		}
	}
	return 0
}

// scanAssignment checks for a credential assignment whose separator starts
// at text[i] (see sepEnd) and returns the span of the value alone. A quoted
// value runs to its closing quote on the same line, or to the end of the
// line; an unquoted one to the next space, quote or one of ",;&<>)]}|"; an
// XML element's to its closing tag, which must be on the same line. An Authorization header's value follows
// the scheme name ("Bearer ..."). Values are cut at MaxLen.
func scanAssignment(text []byte, i int) (vs, ve int, label string, ok bool) {
	switch text[i] {
	case ':', '=', '>', ',', ' ':
	default:
		return 0, 0, "", false
	}
	kw, label, identStart, ok := keywordBefore(text, i)
	if !ok {
		return 0, 0, "", false
	}
	se, ok := sepEnd(text, i, identStart)
	if !ok {
		return 0, 0, "", false
	}
	k := se
	for k < len(text) && k-se < MaxLen && (text[k] == ' ' || text[k] == '\t') {
		k++
	}
	if k >= len(text) || text[k] == ' ' || text[k] == '\t' {
		return 0, 0, "", false // no value, or one too far away to belong (SafeCut counts on it)
	}
	spaced := k > se || text[i] == ' ' // a blank before the value: see proseWord
	q := text[k]
	quoted := q == '"' || q == '\'' || q == '`'
	if kw == "authorization" {
		if quoted {
			if a := authScheme(text, k+1); a > 0 {
				vs = k + 1 + a
			}
		} else {
			k += authScheme(text, k)
		}
	}
	switch {
	case text[i] == '>':
		vs = k
		ve = vs
		for ve < len(text) && ve-vs < MaxLen && text[ve] != '<' && text[ve] != '\n' && text[ve] != '\r' {
			ve++
		}
		if ve+1 >= len(text) || text[ve] != '<' || text[ve+1] != '/' {
			return 0, 0, "", false // not closed on the line: not an element
		}
		for ve > vs && (text[ve-1] == ' ' || text[ve-1] == '\t') {
			ve--
		}
	case quoted:
		if vs == 0 {
			vs = k + 1
		}
		ve = quotedEnd(text, vs, q)
	case text[i] == ':' && se == i+1 && se < len(text) && (text[se] == ' ' || text[se] == '\t'):
		// "key: value", as in YAML and config files: the value runs to
		// white space ("ldap_bind_pw: E@9I0MyT&LUy"), less a ',' or ';'
		// that ends it.
		vs = k
		ve = vs
		for ve < len(text) && ve-vs < MaxLen && !isSpaceByte(text[ve]) {
			ve++
		}
		for ve > vs && (text[ve-1] == ',' || text[ve-1] == ';') {
			ve--
		}
	default:
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
	if !quoted && text[i] != '>' && spaced && proseWord(text, vs, ve) {
		return 0, 0, "", false // "pam_unix_passwd: try repeatedly", "--pw in the client"
	}
	if q == '`' && lowerWord(text[vs:ve]) {
		return 0, 0, "", false // a command substitution: PWD=`pwd`
	}
	if kw == "authorization" && lowerWord(text[vs:ve]) || text[i] == ':' && string(text[identStart:i]) == "PASS" {
		return 0, 0, "", false // "Authorization: Basic parsing"; a test's "PASS: name"
	}
	return vs, ve, label, true
}

// quotedEnd returns where a value quoted with q that starts at text[vs]
// ends: at the closing quote, the end of the line or MaxLen bytes on,
// passing over backslash escapes.
func quotedEnd(text []byte, vs int, q byte) int {
	ve := vs
	for ve < len(text) && ve-vs < MaxLen && text[ve] != q && text[ve] != '\n' && text[ve] != '\r' {
		if text[ve] == '\\' && ve+1 < len(text) && text[ve+1] != '\n' && text[ve+1] != '\r' {
			ve++
		}
		ve++
	}
	return ve
}

// proseWord reports a value that is a word of prose, not a credential: a
// run of ASCII letters (an apostrophe may join two) that more words follow ("pam_unix_passwd: try
// repeatedly", "--passphrase with --quick-gen", "The default password
// hashing algorithm"). A credential given with a blank after its keyword
// ends its line, or holds more than letters.
func proseWord(text []byte, vs, ve int) bool {
	for k, c := range text[vs:ve] {
		if !isLetter(c) && (c != '\'' || k == 0 || vs+k+1 >= ve || !isLetter(text[vs+k+1])) {
			return false // letters, and an apostrophe between two ("don't")
		}
	}
	return ve+1 < len(text) && text[ve] == ' ' && (isLetter(text[ve+1]) || text[ve+1] == '-' && ve+2 < len(text) && text[ve+2] == '-')
}

// lowerWord reports a run of lower-case ASCII letters.
func lowerWord(v []byte) bool {
	for _, c := range v {
		if c < 'a' || c > 'z' {
			return false
		}
	}
	return len(v) > 0
}

// flagAssignment checks for a command-line flag "--password value" whose
// dashes start at text[i] and returns the span of the value.
func flagAssignment(text []byte, i int) (vs, ve int, label string, ok bool) {
	e := i + 2
	for e < len(text) && e-i < 64 && class[text[e]]&cIdent != 0 {
		e++
	}
	if e >= len(text) || text[e] != ' ' {
		return 0, 0, "", false
	}
	return scanAssignment(text, e)
}

// placeholder reports values that name or hide a secret without being one:
// "********", "${DB_PASSWORD}", "{{ .Password }}", "<password>", "null", and
// the working directory in an environment dump ("PWD=/home/...").
func placeholder(v []byte, kw string) bool {
	if kw == "pwd" && (v[0] == '/' || v[0] == '~') {
		return true
	}
	if len(bytes.Trim(v, "*")) == 0 {
		return true
	}
	switch {
	case bytes.HasPrefix(v, []byte("${")), bytes.HasPrefix(v, []byte("{{")),
		bytes.HasPrefix(v, []byte("$(")), v[0] == '<':
		return true
	case bytes.HasPrefix(v, []byte(`\f`)):
		return true // a man page's font change: "--password=\fIpassword\fR" names a placeholder
	case variableRef(v):
		return true // "pass => $pass", "$token = $p->get_token"
	case fillOnly(v):
		return true // a form's blank: "Password: [__________]"
	case !hasAlnum(v):
		return true // punctuation of code or markup: "char *\" passwd \");"
	case keywordWord(v):
		return true // the name for itself: "password=PASSWORD", "user:pass@"
	}
	if len(v) > 2 && v[0] == '(' && v[len(v)-1] == ')' {
		v = v[1 : len(v)-1] // "secret: (required)"
	}
	if len(v) <= 9 {
		var l [9]byte
		for i, c := range v {
			l[i] = lower[c]
		}
		if placeholders[string(l[:len(v)])] { // no allocation: a map index
			return true
		}
	}
	if pseudonym(v) {
		return true
	}
	return codeOrPlaceholder(v, kw)
}

// variableRef reports a value that is a variable of a script or template
// ("$pass", "$GIT_TOKEN", "$p->get_token"): '$', an identifier, and
// nothing more but a member or index after it.
func variableRef(v []byte) bool {
	if len(v) < 2 || v[0] != '$' || !(isLetter(v[1]) || v[1] == '_') {
		return false
	}
	k := 2
	for k < len(v) && (isAlnum(v[k]) || v[k] == '_') {
		k++
	}
	return k == len(v) || v[k] == '-' || v[k] == ':' || v[k] == '[' || v[k] == '.' || v[k] == '{' || v[k] == '('
}

// hasAlnum reports whether v holds an ASCII letter or digit, or any
// non-ASCII byte.
func hasAlnum(v []byte) bool {
	for _, c := range v {
		if isAlnum(c) || c >= 0x80 {
			return true
		}
	}
	return false
}

// keywordWord reports a value that is the name of a credential, in any
// case ("PASSWORD", "pass", "Secret"): a placeholder for one.
func keywordWord(v []byte) bool {
	return foldedIn(v, "password", "passwd", "pass", "pwd", "pw", "secret", "token", "key", "apikey", "api_key", "passphrase")
}

// fillOnly reports a value of only the marks a form or template fills a
// blank with: '_', '*', '.', '-' and brackets.
func fillOnly(v []byte) bool {
	for _, c := range v {
		switch c {
		case '_', '*', '.', '-', '[', ']':
		default:
			return false
		}
	}
	return true
}

// pseudonym reports a value that is one of antidote's own redaction
// tokens (SECRET-PTY34KW3YJ5F, IPv4-US-..., IPv6-PRIVATE-...): redacted
// output must pass verify, so the token that replaced a password is not
// itself a password.
func pseudonym(v []byte) bool {
	if len(v) < len("MAC-")+12 {
		return false // shorter than the shortest token: most passwords
	}
	kind, rest, ok := bytes.Cut(v, []byte("-"))
	if !ok {
		return false
	}
	switch string(kind) {
	case "IPv4", "IPv6":
		place, body, ok := bytes.Cut(rest, []byte("-"))
		if !ok || len(place) < 2 || len(place) > 13 || bytes.IndexFunc(place, func(r rune) bool { return r < 'A' || r > 'Z' }) >= 0 {
			return false
		}
		rest = body
	case "EMAIL", "MAC", "NAME", "SECRET":
	default:
		return false
	}
	if len(rest) != 12 {
		return false
	}
	for _, c := range rest {
		if (c < 'A' || c > 'Z') && (c < '2' || c > '7') {
			return false
		}
	}
	return true
}

// codeOrPlaceholder reports values that are code or placeholder words, not
// secrets: a call or an index ("strtok_r(...)", "OPENSSL_zalloc(...)",
// "os.environ['X']", "getenv(...)"; an identifier of three or more bytes
// with '_' or '.' or in lower case, then '(' or '['), placeholder words
// ("your_password", "changeme", "api-key-here"), and the sources of
// nsswitch.conf's "passwd:" line ("files systemd").
func codeOrPlaceholder(v []byte, kw string) bool {
	if k := callAt(v[:min(len(v), 64)]); k >= 3 {
		id, mark, lowerOnly := true, false, true
		for i, c := range v[:k] {
			switch {
			case c == '_' || c == '.':
				mark = true
			case c >= 'A' && c <= 'Z':
				lowerOnly = false
			case c >= 'a' && c <= 'z':
			case c >= '0' && c <= '9':
				id = id && i > 0
			default:
				id = false
			}
		}
		if id && (mark || lowerOnly) {
			return true
		}
	}
	if len(v) > 64 {
		return false // placeholders are short
	}
	if hasPlaceholderWord(v) {
		return true
	}
	if kw == "passwd" {
		switch strings.ToLower(string(v)) {
		case "files", "compat", "systemd", "ldap", "nis", "sss", "db", "winbind":
			return true
		}
	}
	return false
}

// callAt returns the offset of the first '(' or '[' in v, or -1. It is
// bytes.IndexAny for short values, without its set of bytes built per call.
func callAt(v []byte) int {
	for i, c := range v {
		if c == '(' || c == '[' {
			return i
		}
	}
	return -1
}

// hasPlaceholderWord reports whether v holds one of placeholderWords, in
// any case.
func hasPlaceholderWord(v []byte) bool {
	for i := range v {
		switch lower[v[i]] {
		case 'y', 'c', 'p', '_', '-':
			for _, w := range placeholderWords {
				if lower[v[i]] == w[0] && hasPrefixFold(v[i:], w) {
					return true
				}
			}
		}
	}
	return false
}

var placeholderWords = []string{"your_", "your-", "yourpass", "yourtoken", "yoursecret", "changeme", "placeholder", "_here", "-here"}

// urlPasswordAt finds the password in the user information of a URL whose
// "://" starts at text[i] ("https://user:pass@host/"): the authority runs
// to the first '/', '?', '#' or byte no URL holds, the user information to
// its last '@', and the password from the first ':' in it. The host must
// follow.
func urlPasswordAt(text []byte, i int) (vs, ve int, ok bool) {
	if i == 0 || !isAlnum(text[i-1]) || i+3 > len(text) || text[i+1] != '/' || text[i+2] != '/' {
		return 0, 0, false
	}
	a := i + 3
	at, colon := -1, -1
	for k := a; k < len(text) && k-a < MaxLen; k++ {
		c := text[k]
		if c == '@' {
			at = k
		} else if c == ':' {
			if colon < 0 && at < 0 {
				colon = k
			}
		} else if !userinfoByte(c) && c != '[' && c != ']' {
			break
		}
	}
	if at < 0 || colon < 0 || colon > at || at+1 >= len(text) || !(isAlnum(text[at+1]) || text[at+1] == '[') {
		return 0, 0, false
	}
	vs, ve = colon+1, at
	if ve <= vs || placeholder(text[vs:ve], "") {
		return 0, 0, false
	}
	return vs, ve, true
}
