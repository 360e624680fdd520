package detect

// Reasons a match is kept: found and reported, but not an identifier to
// redact. Match.Kept holds the name.
const (
	keptNone uint8 = iota
	keptVersion
)

var keptNames = [...]string{"", "version"}

// versionContext reports whether the dotted quad text[s:e] reads as a
// version number rather than an address, by what surrounds it:
//
//	v1.2.3.4                      a 'v' before it
//	erlang (1:24.3.4.5+dfsg-1)    a Debian epoch ("1:") before it
//	1.2.3.4+dfsg, 1.2.3.4~rc1     a '+' or '~' suffix after it
//	(1.2.3.4-1), (1.2.3.4-2ubuntu1)  a package revision and ')' after it
//	Standards-Version: 3.9.3.0    "version", "policy" or the word "ver" in
//	Bump policy to 3.6.1.1        the 32 bytes of words before it
//	zlib1g (>= 1.2.3.4)           a version comparison before it
//	pkg (1.2.3.4) unstable;       a Debian changelog header
//	zlib-1.2.8.1, shadow-4.0.4.1-owl.diff  a package name and '-' before
//	                              it, no domain after (see packageVersion)
//
// Anything else, including "Chrome/120.0.0.0", stays an address.
func versionContext(text []byte, s, e int) bool {
	n := len(text)
	// 'v'
	if s >= 1 && lower[text[s-1]] == 'v' && (s == 1 || !isAlnum(text[s-2])) {
		return true
	}
	// epoch
	if s >= 2 && text[s-1] == ':' {
		j := s - 1
		for j > 0 && s-1-j < 4 && isDigit(text[j-1]) {
			j--
		}
		if d := s - 1 - j; d >= 1 && d <= 3 && (j == 0 || !isAlnum(text[j-1]) && text[j-1] != ':' && text[j-1] != '.') {
			return true
		}
	}
	// suffix
	if e+1 < n {
		switch text[e] {
		case '+', '~':
			if isAlnum(text[e+1]) {
				return true
			}
		case '-':
			j := e + 1
			for j < n && isDigit(text[j]) {
				j++
			}
			if j > e+1 {
				for j < n && (isAlnum(text[j]) || text[j] == '+' || text[j] == '~') {
					j++
				}
				if j < n && text[j] == ')' {
					return true
				}
			}
		}
	}
	if keywordWindow(text, s) || packageVersion(text, s, e) {
		return true
	}
	// comparison
	j := s
	for j > 0 && s-j < 2 && text[j-1] == ' ' {
		j--
	}
	if j >= 2 {
		switch string(text[j-2 : j]) {
		case ">=", "<=", ">>", "<<", "==", "~=", "!=":
			return true
		}
	}
	// changelog header
	if s >= 1 && text[s-1] == '(' && e+2 < n && text[e] == ')' && text[e+1] == ' ' {
		letter := false
		for k := e + 2; k < n && k < e+2+maxDistributions; k++ {
			c := text[k]
			switch {
			case isLetter(c):
				letter = true
			case c == ' ' || c == '-':
			case c == ';':
				return letter
			default:
				return false
			}
		}
	}
	return false
}

// packageVersion reports whether the dotted quad text[s:e] follows a
// package name and a dash, as source trees, tarballs and patches are named
// ("zlib-1.2.8.1", "gettext-0.19.8.1", "shadow-4.0.4.1-owl-pam.diff"): a
// label of letters, digits and '-' that starts with a letter after a
// boundary, whose last part has two letters and is not a word host names
// put before an address ("ip-", "static-"), and no domain after the
// number ("static-059.45.101.203.example.net" is a host name).
func packageVersion(text []byte, s, e int) bool {
	if s < 3 || text[s-1] != '-' || hostAfter(text, e) {
		return false
	}
	j := s - 1
	for j > 0 && s-1-j < maxLabel && isLabelByte(text[j-1]) {
		j--
	}
	if j > 0 && (isLabelByte(text[j-1]) || text[j-1] == '.') || !isLetter(text[j]) {
		return false
	}
	k := s - 1
	for k > j && text[k-1] != '-' {
		k--
	}
	part, letters := text[k:s-1], 0
	for _, c := range part {
		if isLetter(c) {
			letters++
		}
	}
	return letters >= 2 && !hostPrefix(part)
}

// hostPrefixes are the words host names put before an address.
var hostPrefixes = []string{"ip", "ipv4", "host", "static", "dynamic", "dyn", "dsl", "adsl", "pool", "client", "customer", "cust", "node", "vm", "srv", "server", "mail", "smtp", "gw", "gateway", "router", "addr", "nat", "ppp", "dhcp", "cpe", "ec2", "from", "to", "src", "dst", "peer", "remote", "local"}

func hostPrefix(w []byte) bool {
	for _, p := range hostPrefixes {
		if len(w) == len(p) && hasPrefixFold(w, p) {
			return true
		}
	}
	return false
}

// keywordWindow reports whether "version", "policy" or the word "ver"
// stands in the 32 bytes of words before s.
func keywordWindow(text []byte, s int) bool {
	for j := s; j > 0 && s-j < 32; j-- {
		k := j - 1
		w := verWindow[text[k]]
		if w == 0 {
			break
		}
		if w == 1 {
			continue
		}
		switch lower[text[k]] {
		case 'v':
			if hasPrefixFold(text[k:s], "version") ||
				hasPrefixFold(text[k:s], "ver") && (k == 0 || !isLetter(text[k-1]) && text[k-1] != '_' && text[k-1] != '-') && (k+3 == s || !isLetter(text[k+3])) {
				return true
			}
		case 'p':
			if hasPrefixFold(text[k:s], "policy") {
				return true
			}
		}
	}
	return false
}

// maxDistributions bounds how far versionContext reads after a changelog
// header's ") " for the ';' that ends its distributions ("stable-security
// testing;"), so that what it decides depends on a bounded neighbourhood
// that a streaming cut can respect (see versionOpen).
const maxDistributions = 64

// versionOpen reports whether cutting a stream at cut (just after a space
// or tab) could change a versionContext decision: whether a dotted quad at
// or after cut could read the words, comparison or space before cut as its
// version context, or one before cut could read a changelog header's
// distributions after it. It errs on the side of not cutting: a rejected
// cut costs only a later one.
func versionOpen(text []byte, cut int) bool {
	// keyword: a number at or after cut sees the same window of words
	// before cut, within its 32 bytes.
	if keywordWindow(text, cut) {
		return true
	}
	// comparison: an operator and spaces just before cut
	j := cut
	for j > 0 && cut-j < 2 && (text[j-1] == ' ' || text[j-1] == '\t') {
		j--
	}
	if j >= 1 && (text[j-1] == '=' || text[j-1] == '>' || text[j-1] == '<') {
		return true
	}
	// changelog header: ") " after a digit, then distribution words up to cut
	for k := cut; k > 0 && cut-k < maxDistributions+2; k-- {
		c := text[k-1]
		if c == ')' {
			return k >= 2 && isDigit(text[k-2])
		}
		if !isLetter(c) && c != ' ' && c != '-' {
			break
		}
	}
	return false
}

// verWindow is isVersionWindow as a table: 1 for a window byte, 2 for one
// that may start a keyword ('v', 'p' in either case).
var verWindow = func() (t [256]uint8) {
	for c := 0; c < 256; c++ {
		if isVersionWindow(byte(c)) {
			t[c] = 1
			if l := lower[c]; l == 'v' || l == 'p' {
				t[c] = 2
			}
		}
	}
	return t
}()

// isVersionWindow reports the bytes of the words that may stand between
// "version" and its number ("Standards-Version): updated to 3.9.3.0").
func isVersionWindow(c byte) bool {
	return isLetter(c) || c == ' ' || c == '\t' || c == ':' || c == '=' || c == '"' || c == '\'' || c == '(' || c == ')' || c == '-' || c == '_'
}

// hasPrefixFold reports whether the ASCII-case-folded b starts with pre.
func hasPrefixFold(b []byte, pre string) bool {
	if len(b) < len(pre) {
		return false
	}
	for k := 0; k < len(pre); k++ {
		if lower[b[k]] != pre[k] {
			return false
		}
	}
	return true
}
