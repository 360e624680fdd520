package detect

import "bytes"

// Passwords that scripts, SQL dumps and .netrc files give by position
// rather than after a keyword and a separator: the value of a MySQL or
// MariaDB client's "-p", of sshpass's "-p", the password half of curl's
// "-u user:pass", the quoted string after SQL's IDENTIFIED BY, and the
// word after "password" on a .netrc line. A "-p" or "-u" means a password
// only to some commands, so those rules look back along the line for the
// command.

// cmdLookback is how far before its option a command may start.
const cmdLookback = 512

// cmdSpan bounds how far a password of these rules may end after the
// word its rule looks back to (a command, IDENTIFIED, machine or
// default): SafeCut does not cut inside it.
const cmdSpan = cmdLookback + 64 + MaxLen

// Commands whose options carry a password, as bits.
const (
	cmdMySQL   = 1 << iota // mysql*, mariadb*: "-pVALUE"
	cmdSSHPass             // sshpass: "-p VALUE"
	cmdCurl                // curl: "-u user:VALUE", "--user user:VALUE"
)

func blank(c byte) bool { return c == ' ' || c == '\t' }

// cmdBoundary holds the bytes after which a command name may start: white
// space, a path, a command substitution or quote, a shell separator.
func cmdBoundary(c byte) bool {
	switch c {
	case ' ', '\t', '/', '`', '(', '"', '\'', ';', '|', '&':
		return true
	}
	return false
}

// commandsBefore returns the commands that the line holding text[i] runs
// within cmdLookback bytes before i: a name at the line's start or after a
// cmdBoundary byte, then white space. A mysql or mariadb name may go on in
// lower-case letters and dashes first ("mysqldump", "mariadb-dump").
func commandsBefore(text []byte, i int) (cmds uint8) {
	from := max(0, i-cmdLookback)
	ls := -1 // the line's start, if it is in reach
	if nl := bytes.LastIndexByte(text[from:i], '\n'); nl >= 0 {
		from += nl + 1
		ls = from
	} else if from == 0 {
		ls = 0
	}
	for k := from; k < i; k++ {
		if k != ls && !cmdBoundary(text[k-1]) {
			continue
		}
		var bit uint8
		e := k
		switch text[k] {
		case 'm':
			switch {
			case hasPrefix(text[k:i], "mysql"):
				e, bit = k+5, cmdMySQL
			case hasPrefix(text[k:i], "mariadb"):
				e, bit = k+7, cmdMySQL
			}
			for bit != 0 && e < i && (text[e] >= 'a' && text[e] <= 'z' || text[e] == '-') {
				e++
			}
		case 's':
			if hasPrefix(text[k:i], "sshpass") {
				e, bit = k+7, cmdSSHPass
			}
		case 'c':
			if hasPrefix(text[k:i], "curl") {
				e, bit = k+4, cmdCurl
			}
		}
		if bit != 0 && e < i && blank(text[e]) {
			cmds |= bit
		}
	}
	return cmds
}

// skipBlanks returns the offset after one to eight spaces or tabs at
// text[p], or -1 if there are none or more.
func skipBlanks(text []byte, p int) int {
	k := p
	for k < len(text) && k-p < 8 && blank(text[k]) {
		k++
	}
	if k == p || k < len(text) && blank(text[k]) {
		return -1
	}
	return k
}

// optionValue returns the span of a command-line option's value at
// text[p]: a quoted one to its closing quote or the end of the line, an
// unquoted one to valueStop. Either is cut at MaxLen.
func optionValue(text []byte, p int) (vs, ve int) {
	n := len(text)
	vs = p
	if q := text[p]; q == '"' || q == '\'' {
		vs++
		ve = vs
		for ve < n && ve-vs < MaxLen && text[ve] != q && text[ve] != '\n' && text[ve] != '\r' {
			ve++
		}
		return vs, ve
	}
	ve = vs
	for ve < n && ve-vs < MaxLen && !valueStop(text[ve]) {
		ve++
	}
	return vs, ve
}

// scriptPlaceholder reports values that a script or its documentation puts
// where a password goes without being one: a shell variable ("$SSHPASS",
// "$1"; "${X}" and "$(cat f)" are placeholders everywhere) and the word
// for a password itself ("curl -u user:password").
func scriptPlaceholder(v []byte) bool {
	if v[0] == '$' && len(v) > 1 {
		for _, c := range v[1:] {
			if !isWordByte(c) {
				return false
			}
		}
		return true
	}
	switch len(v) {
	case 2, 4, 6, 8:
		for _, w := range [...]string{"pw", "pass", "passwd", "secret", "password"} {
			if len(w) == len(v) && hasPrefixFold(v, w) {
				return true
			}
		}
	}
	return false
}

// dashPPassword finds the password of a "-p" option whose '-' is at
// text[i], after white space: glued to it after a mysql* or mariadb*
// command ("mysql -u root -pSummer2024!"), glued or after one to eight
// blanks after sshpass ("sshpass -p 'x' ssh host"). The value is quoted or
// runs to valueStop, and does not start with '-'.
func dashPPassword(text []byte, i int) (vs, ve int, ok bool) {
	n := len(text)
	if i == 0 || i+2 >= n || text[i+1] != 'p' || !blank(text[i-1]) || text[i+2] == '-' {
		return 0, 0, false
	}
	glued := text[i+2] > ' '
	if !glued && !blank(text[i+2]) {
		return 0, 0, false
	}
	cmds := commandsBefore(text, i)
	if glued && cmds&(cmdMySQL|cmdSSHPass) == 0 || !glued && cmds&cmdSSHPass == 0 {
		return 0, 0, false
	}
	p := i + 2
	if !glued {
		if p = skipBlanks(text, p); p < 0 || p >= n || text[p] <= ' ' || text[p] == '-' {
			return 0, 0, false
		}
	}
	vs, ve = optionValue(text, p)
	if ve <= vs || placeholder(text[vs:ve], "password") {
		return 0, 0, false
	}
	if glued && cmds&cmdMySQL != 0 || cmds&cmdSSHPass != 0 && !scriptPlaceholder(text[vs:ve]) {
		return vs, ve, true
	}
	return 0, 0, false
}

// curlPassword finds the password in curl's "-u user:pass" or "--user
// user:pass" whose '-' is at text[i], after white space, on a line that
// runs curl: "-u" glued to its value or one to eight blanks before it,
// "--user" the blanks only. The value, quoted or not (as optionValue
// reads it), must hold a ':'; the password is what follows the first, and
// must not be empty (curl then asks for one).
func curlPassword(text []byte, i int) (vs, ve int, ok bool) {
	n := len(text)
	if i == 0 || i+2 >= n || !blank(text[i-1]) {
		return 0, 0, false
	}
	p := i + 2
	switch {
	case text[i+1] == 'u':
	case text[i+1] == '-' && i+6 < n && hasPrefix(text[i+2:], "user") && blank(text[i+6]):
		p = i + 6
	default:
		return 0, 0, false
	}
	if blank(text[p]) {
		if p = skipBlanks(text, p); p < 0 || p >= n {
			return 0, 0, false
		}
	}
	if text[p] <= ' ' || text[p] == '-' || commandsBefore(text, i)&cmdCurl == 0 {
		return 0, 0, false
	}
	cs, ce := optionValue(text, p)
	colon := bytes.IndexByte(text[cs:ce], ':')
	if colon < 0 {
		return 0, 0, false
	}
	vs, ve = cs+colon+1, ce
	if ve <= vs || placeholder(text[vs:ve], "password") || scriptPlaceholder(text[vs:ve]) {
		return 0, 0, false
	}
	return vs, ve, true
}

func sqlIdentByte(c byte) bool { return isWordByte(c) }

// blanksBefore returns the offset of one to eight spaces or tabs that end
// at text[k], or -1 if there are none or more.
func blanksBefore(text []byte, k int) int {
	m := k
	for m > 0 && k-m < 8 && blank(text[m-1]) {
		m--
	}
	if m == k || m > 0 && blank(text[m-1]) {
		return -1
	}
	return m
}

// identifiedValue finds the password of MySQL's and MariaDB's IDENTIFIED
// BY (CREATE USER, GRANT, ALTER USER) whose opening quote is at text[q]:
// "IDENTIFIED BY 'x'" or "IDENTIFIED WITH plugin BY 'x'", in any case, one
// to eight blanks between the words (spaces only before the quote), the
// plugin's name at most 64 bytes. The value is read as scanAssignment
// reads a quoted one. "IDENTIFIED BY PASSWORD '*hash'" is the prose rule's.
func identifiedValue(text []byte, q int) (vs, ve int, ok bool) {
	j := q
	for j > 0 && q-j < 8 && text[j-1] == ' ' {
		j--
	}
	if j == q || j < 3 || lower[text[j-1]] != 'y' || lower[text[j-2]] != 'b' || !blank(text[j-3]) {
		return 0, 0, false
	}
	k := blanksBefore(text, j-2)
	if k < 0 {
		return 0, 0, false
	}
	if !identifiedBefore(text, k) {
		// IDENTIFIED WITH plugin BY
		w := k
		for w > 0 && k-w < 64 && sqlIdentByte(text[w-1]) {
			w--
		}
		if w == k || w > 0 && sqlIdentByte(text[w-1]) {
			return 0, 0, false
		}
		if k = blanksBefore(text, w); k < 4 || !hasPrefixFold(text[k-4:], "with") {
			return 0, 0, false
		}
		if k = blanksBefore(text, k-4); k < 0 || !identifiedBefore(text, k) {
			return 0, 0, false
		}
	}
	return sqlQuotedPassword(text, q)
}

// passwordFunc finds the password given to SQL's PASSWORD() function, as
// old MySQL dumps set one ("SET PASSWORD FOR 'u'@'h' = PASSWORD('x')"): the
// quote at text[q] follows "PASSWORD(", in any case, and the value is read
// as identifiedValue reads its own.
func passwordFunc(text []byte, q int) (vs, ve int, ok bool) {
	if q < 1 || text[q-1] != '(' || !passwordFuncBefore(text, q-1) {
		return 0, 0, false
	}
	return sqlQuotedPassword(text, q)
}

// sqlQuotedPassword reads the password quoted at text[q] after IDENTIFIED
// BY or PASSWORD(, as scanAssignment reads a quoted value.
func sqlQuotedPassword(text []byte, q int) (vs, ve int, ok bool) {
	vs = q + 1
	ve = quotedEnd(text, vs, text[q])
	if ve <= vs || placeholder(text[vs:ve], "password") || scriptPlaceholder(text[vs:ve]) {
		return 0, 0, false
	}
	return vs, ve, true
}

// passwordFuncBefore reports whether the word PASSWORD, in any case, ends
// at text[k] (a '('), starting the text or after a byte that is not a word
// byte.
func passwordFuncBefore(text []byte, k int) bool {
	return k >= 8 && hasPrefixFold(text[k-8:k], "password") && (k == 8 || class[text[k-9]]&cWord == 0)
}

// identifiedBefore reports whether the word IDENTIFIED, in any case, ends
// at text[k], starting the text or after a byte that is not a word byte.
func identifiedBefore(text []byte, k int) bool {
	const w = "identified"
	s := k - len(w)
	return s >= 0 && hasPrefixFold(text[s:], w) && (s == 0 || !sqlIdentByte(text[s-1]))
}

// netrcSecond adds the first two bytes of netrcWord's words to
// tokenSecond's, so that the fast loop's word gate lets them through.
var netrcSecond = [256]uint64{'m': 1 << ('a' - '@'), 'd': 1 << ('e' - '@')}

// netrcWord reports the words that start a .netrc entry.
func netrcWord(w []byte) bool {
	return len(w) == 7 && (string(w) == "machine" || string(w) == "default")
}

// netrcToken returns the end of the .netrc token at text[p]: bytes other
// than white space and control characters.
func netrcToken(text []byte, p int) int {
	for p < len(text) && text[p] > ' ' {
		p++
	}
	return p
}

// netrcPassword finds the password of a .netrc entry on one line whose
// first word, "machine" or "default", is at text[k], at the start of a
// line or after a blank or quote (`echo "machine ..." >> ~/.netrc`):
// "machine HOST" or "default", then pairs of a keyword (login, password,
// account, port) and a token, one to eight blanks between all. The first
// password pair gives the value, its keyword within cmdLookback bytes of
// k; the value runs to valueStop. Prose ("the machine login and password
// fields") breaks the pairs.
func netrcPassword(text []byte, k int) (vs, ve int, ok bool) {
	n := len(text)
	if k > 0 && text[k-1] != '\n' && !blank(text[k-1]) && text[k-1] != '"' && text[k-1] != '\'' || k+7 > n || !netrcWord(text[k:k+7]) {
		return 0, 0, false
	}
	p := k + 7
	if text[k] == 'm' {
		if p = skipBlanks(text, p); p < 0 || p >= n || text[p] <= ' ' {
			return 0, 0, false
		}
		p = netrcToken(text, p)
	}
	for {
		q := skipBlanks(text, p)
		if q < 0 || q-k > cmdLookback {
			return 0, 0, false
		}
		e := netrcToken(text, q)
		pw := false
		switch string(text[q:e]) {
		case "password":
			pw = true
		case "login", "account", "port":
		default:
			return 0, 0, false
		}
		r := skipBlanks(text, e)
		if r < 0 || r >= n || text[r] <= ' ' {
			return 0, 0, false
		}
		if pw {
			vs, ve = r, r
			for ve < n && ve-vs < MaxLen && !valueStop(text[ve]) {
				ve++
			}
			if ve <= vs || placeholder(text[vs:ve], "password") || scriptPlaceholder(text[vs:ve]) || proseWord(text, vs, ve) {
				return 0, 0, false // proseWord: "The default password hashing algorithm"
			}
			return vs, ve, true
		}
		p = netrcToken(text, r)
	}
}

// tailCommand adds to far the passwords of these rules whose triggers lie
// inside the match [st, e) and whose values start at or after e
// (`pw="machine h" login u password x`): the main loop skips the inside
// of a match.
func tailCommand(text []byte, st, e int, far []cand) []cand {
	take := func(vs, ve int) {
		if vs >= e {
			far = addFar(far, secretCand(vs, ve, rankAssign, "password"))
		}
	}
	for k := st; k < e; k++ {
		switch text[k] {
		case '-':
			if vs, ve, ok := dashPPassword(text, k); ok {
				take(vs, ve)
			}
			if vs, ve, ok := curlPassword(text, k); ok {
				take(vs, ve)
			}
		case 'm', 'd':
			if vs, ve, ok := netrcPassword(text, k); ok {
				take(vs, ve)
			}
		case '"', '\'':
			if k == e-1 {
				if vs, ve, ok := identifiedValue(text, k); ok {
					take(vs, ve)
				}
			}
		}
	}
	return far
}

// cmdContext reports whether a word that these rules look back to starts
// at text[j], judged loosely: SafeCut keeps cuts out of what may follow it.
func cmdContext(text []byte, j int) bool {
	t := text[j:]
	switch text[j] {
	case 'm':
		return hasPrefix(t, "mysql") || hasPrefix(t, "mariadb") || hasPrefix(t, "machine")
	case 's':
		return hasPrefix(t, "sshpass")
	case 'c':
		return hasPrefix(t, "curl")
	case 'd':
		return hasPrefix(t, "default")
	case 'i', 'I':
		return hasPrefixFold(t, "identified")
	case 'p', 'P':
		return hasPrefixFold(t, "password(")
	}
	return false
}
