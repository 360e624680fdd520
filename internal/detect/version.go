package detect

import "strings"

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
//	1.2.3.4+dfsg, 1.2.3.4~rc1     a '+' or '~' suffix after it, not in a URL
//	(1.2.3.4-1), (1.2.3.4-2ubuntu1)  a package revision and ')' after it
//	Standards-Version: 3.9.3.0    "version", "policy" or the word "ver"
//	Bump policy to 3.6.1.1        before it (see keywordWindow)
//	zlib1g (>= 1.2.3.4)           a version comparison before it, not
//	                              of an address field ("ip.src == ")
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
			// Not in a URL's query or path, where '+' is a space:
			// "?q=8.8.8.8+whois".
			if isAlnum(text[e+1]) && (s == 0 || !urlBefore[text[s-1]]) {
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
		case ">=", "<=", ">>", "<<":
			return true
		case "==", "~=", "!=":
			return !addressField(text, j-2)
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

// urlBefore holds the bytes before a number in a URL's query or path.
var urlBefore = [256]bool{'=': true, '?': true, '&': true, '/': true}

// addressField reports whether the word before the operator at text[o]
// names an address, as filters and code compare them ("ip.addr==8.8.8.8",
// "ip.src != 10.0.0.1", "client_ip == ..."), rather than a package
// ("requests==1.2.3.4"): within its last 32 bytes it holds "ip", "addr",
// "src", "dst", "host", "peer", "client", "server" or "remote".
func addressField(text []byte, o int) bool {
	j := o
	for j > 0 && o-j < 2 && text[j-1] == ' ' {
		j--
	}
	k := j
	for k > 0 && j-k < 32 && (isAlnum(text[k-1]) || text[k-1] == '_' || text[k-1] == '.' || text[k-1] == '-') {
		k--
	}
	for i := k; i < j; i++ {
		for _, f := range addressFields {
			if hasPrefixFold(text[i:j], f) {
				return true
			}
		}
	}
	return false
}

var addressFields = strings.Fields("ip addr src dst host peer client server remote")

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

func hostPrefix(w []byte) bool { return foldedIn(w, hostPrefixes...) }

// keywordWindow reports whether a version keyword introduces a number at
// s: "version" or "versions" (also at the end of a word:
// "Standards-Version"), "policy" or the word "ver", then separators
// (blanks, ':', '=', quotes, parentheses) and at most two connecting words
// (versionConnector: "to", "bump", "will be", ...), all in the 32 bytes
// before s: "Version: 3.9.3.0", "Standards-Version: updated to 3.9.3.0",
// "Bump policy to 3.6.1.1", "versions before 1.7.9.5". Any
// other word between them breaks it, as in sshd's "Protocol major versions
// differ for 5.6.7.8" or "policy allow from 8.8.8.8": there the number is
// an address.
func keywordWindow(text []byte, s int) bool {
	lo := max(0, s-32)
	j := s
	for words := 0; ; words++ {
		k := j
		for j > lo && isVerSep(text[j-1]) {
			j--
		}
		if versionKeywordEnds(text, lo, j) {
			return true
		}
		if words == 2 || k == j {
			return false // a connecting word needs a separator after it
		}
		k = j
		for k > lo && isLetter(text[k-1]) {
			k--
		}
		if k == j || k == lo || !isVerSep(text[k-1]) || !versionConnector(text[k:j]) {
			return false
		}
		j = k
	}
}

// isVerSep reports the bytes that may stand between a version keyword,
// its connecting words and the number.
func isVerSep(c byte) bool {
	return c == ' ' || c == '\t' || c == ':' || c == '=' || c == '"' || c == '\'' || c == '(' || c == ')'
}

// versionKeywordEnds reports whether "version(s)", "policy" or the word "ver"
// ends at text[j] and starts at or after lo.
func versionKeywordEnds(text []byte, lo, j int) bool {
	if j <= lo {
		return false
	}
	var kw string
	switch lower[text[j-1]] {
	case 'n':
		kw = "version"
	case 's':
		kw = "versions"
	case 'y':
		kw = "policy"
	case 'r':
		kw = "ver"
	default:
		return false
	}
	k := j - len(kw)
	if k < lo || !hasPrefixFold(text[k:j], kw) || k > 0 && isLetter(text[k-1]) {
		return false
	}
	return kw != "ver" || k == 0 || text[k-1] != '_' && text[k-1] != '-'
}

// versionConnector reports the words that may stand between a version
// keyword and its number.
func versionConnector(w []byte) bool {
	if len(w) < 2 || len(w) > 8 {
		return false
	}
	// By first letter, since this runs before most addresses. Not "from"
	// or "for": "version ... from 10.1.2.3" is as likely an address.
	switch lower[w[0]] {
	case 't':
		return foldedIn(w, "to")
	case 'i':
		return foldedIn(w, "is")
	case 'w':
		return foldedIn(w, "was", "will")
	case 'n':
		return foldedIn(w, "now")
	case 'b':
		return foldedIn(w, "be", "bump", "bumped", "before", "below")
	case 'u':
		return foldedIn(w, "update", "updated", "upgrade", "upgraded")
	case 'a':
		return foldedIn(w, "above")
	}
	return false
}

// foldedIn reports whether w is one of the words, ignoring ASCII case.
func foldedIn(w []byte, words ...string) bool {
	for _, x := range words {
		if len(w) == len(x) && hasPrefixFold(w, x) {
			return true
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
	// keyword: a number at or after cut may read a keyword, separators
	// and connecting words that end at cut.
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
