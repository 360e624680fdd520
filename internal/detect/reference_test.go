package detect

// A slow reference detector: the rules of the package doc written the
// obvious way, with regexp and net/netip, trying every start offset. It is
// the oracle for FuzzScanVsReference and shares no scanning code with the
// fast scanner.

import (
	"bytes"
	"net"
	"net/netip"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

type refCand struct {
	start, end int
	kind       Kind
	rank       int
	value      string
	label      string
	kept       string
}

func refWord(b byte) bool {
	return 'a' <= b && b <= 'z' || 'A' <= b && b <= 'Z' || '0' <= b && b <= '9' || b == '_'
}
func refWordAt(t []byte, i int) bool { return i >= 0 && i < len(t) && refWord(t[i]) }
func refHex(b byte) bool             { return strings.IndexByte("0123456789abcdefABCDEF", b) >= 0 }

const refSepRE = `(?:\.|\[\.\]|\(\.\)|\{\.\}|\[[dD][oO][tT]\]|\([dD][oO][tT]\)|&#46;|．)`

var (
	refV4        = regexp.MustCompile(`^([0-9０-９]+)` + refSepRE + `([0-9０-９]+)` + refSepRE + `([0-9０-９]+)` + refSepRE + `([0-9０-９]+)`)
	refSepHead   = regexp.MustCompile(`^` + refSepRE)
	refSepTail   = regexp.MustCompile(refSepRE + `$`)
	refV6Chars   = regexp.MustCompile(`^[0-9A-Fa-f:.]+$`)
	refMACc      = regexp.MustCompile(`^([0-9A-Fa-f]{1,2})(?::([0-9A-Fa-f]{1,2})){5}`)
	refMACd      = regexp.MustCompile(`^[0-9A-Fa-f]{2}(?:-[0-9A-Fa-f]{2}){5}`)
	refMACq      = regexp.MustCompile(`^[0-9A-Fa-f]{4}\.[0-9A-Fa-f]{4}\.[0-9A-Fa-f]{4}`)
	refTLD       = regexp.MustCompile(`^(?:[xX][nN]--[A-Za-z0-9-]+|\p{L}[\p{L}\p{M}]+)$`)
	refRetina    = regexp.MustCompile(`^[0-9]+[xX]$`)
	refPEM       = regexp.MustCompile(`^-----BEGIN ([A-Z0-9 ]{0,64})-----`)
	refPEMEnd    = regexp.MustCompile(`^-----END [A-Z0-9 ]{0,64}(?:-----)?`)
	refB64Line   = regexp.MustCompile(`^[A-Za-z0-9+/=]*$`)
	refArmour    = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9-]*: .`)
	refJWTPrefix = regexp.MustCompile(`^eyJ[A-Za-z0-9_-]*(?:\.eyJ[A-Za-z0-9_-]*(?:\.[A-Za-z0-9_-]*)?)?$`)
	refJWT       = regexp.MustCompile(`^eyJ[A-Za-z0-9_-]{7,}\.eyJ[A-Za-z0-9_-]{7,}\.[A-Za-z0-9_-]*`)
	refIdent     = regexp.MustCompile(`(?:^|[^A-Za-z0-9_.\-/\\])([A-Za-z0-9_.\-]+)(["']?)([ \t]{0,8})$`)
	refAuthSch   = regexp.MustCompile(`^(?i:bearer|basic|token|bot|jwt|apikey|negotiate|ntlm)[ \t]+`)
	refXMLValue  = regexp.MustCompile(`^[^<\n\r]*`)
	refAuthority = regexp.MustCompile(`^[A-Za-z0-9\-._~%!$&'()*+,;=:@\[\]]*`)
	refQuoted    = map[byte]*regexp.Regexp{
		'"':  regexp.MustCompile(`^"((?:[^"\\\r\n]|\\[^\r\n]|\\)*)`),
		'\'': regexp.MustCompile(`^'((?:[^'\\\r\n]|\\[^\r\n]|\\)*)`),
		'`':  regexp.MustCompile("^`((?:[^`\\\\\\r\\n]|\\\\[^\\r\\n]|\\\\)*)"),
	}
	refUnquoted = regexp.MustCompile("^[^ \\t\\n\\r\\v\\f\"'`,;&<>)\\]}|]+")
)

// asciiFold spells letters as [xX] classes: (?i) would also fold the
// Kelvin sign into k and the long s into s, which no keyword holds.
func asciiFold(s string) string {
	var b strings.Builder
	for _, r := range s {
		if 'a' <= r && r <= 'z' {
			b.WriteString("[" + string(r) + string(r-'a'+'A') + "]")
		} else if r == '-' {
			b.WriteString(`\-`)
		} else {
			b.WriteRune(r)
		}
	}
	return b.String()
}

type refTok struct {
	re    *regexp.Regexp
	label string
	body  string // the class that must not follow
}

var refTokens = []refTok{
	{regexp.MustCompile(`^(?:AKIA|ASIA|ABIA|ACCA)[A-Z0-9]{16}`), "aws-access-key", `[A-Za-z0-9_]`},
	{regexp.MustCompile(`^AIza[A-Za-z0-9_-]{35}`), "google-api-key", `[A-Za-z0-9_-]`},
	{regexp.MustCompile(`^gh[pousr]_[A-Za-z0-9]{30,251}`), "github-token", `[A-Za-z0-9_]`},
	{regexp.MustCompile(`^github_pat_[A-Za-z0-9_]{22,244}`), "github-token", `[A-Za-z0-9_]`},
	{regexp.MustCompile(`^xox[bpars]-[A-Za-z0-9-]{10,250}`), "slack-token", `[A-Za-z0-9_-]`},
	{regexp.MustCompile(`^[sr]k_(?:live|test)_[A-Za-z0-9]{16,247}`), "stripe-key", `[A-Za-z0-9_]`},
	{regexp.MustCompile(`^whsec_[A-Za-z0-9]{24,250}`), "stripe-key", `[A-Za-z0-9_]`},
	{regexp.MustCompile(`^GOCSPX-[A-Za-z0-9_-]{28}`), "google-client-secret", `[A-Za-z0-9_-]`},
	{regexp.MustCompile(`^ya29\.[A-Za-z0-9_-]{20,1000}`), "google-oauth-token", `[A-Za-z0-9_-]`},
	{regexp.MustCompile(`^discord(?:app)?\.com/api/webhooks/[A-Za-z0-9_/-]{40,200}`), "discord-webhook", `[A-Za-z0-9_/-]`},
	{regexp.MustCompile(`^glpat-[A-Za-z0-9_-]{20,250}`), "gitlab-token", `[A-Za-z0-9_-]`},
	{regexp.MustCompile(`^hooks\.slack\.com/services/[A-Za-z0-9/]{20,250}`), "slack-webhook", `[A-Za-z0-9_/]`},
	{regexp.MustCompile(`^hf_[A-Za-z0-9]{30,40}`), "huggingface-token", `[A-Za-z0-9_]`},
	{regexp.MustCompile(`^npm_[A-Za-z0-9]{36}`), "npm-token", `[A-Za-z0-9_]`},
	{regexp.MustCompile(`^pypi-AgEIcHlwaS5vcmc[A-Za-z0-9_-]{50,250}`), "pypi-token", `[A-Za-z0-9_-]`},
	{regexp.MustCompile(`^sk-(?:proj|svcacct|admin)-[A-Za-z0-9_-]{20,250}`), "openai-key", `[A-Za-z0-9_-]`},
	{regexp.MustCompile(`^sk-ant-[A-Za-z0-9_-]{20,250}`), "anthropic-key", `[A-Za-z0-9_-]`},
	{regexp.MustCompile(`^sk-[A-Za-z0-9]{48}`), "openai-key", `[A-Za-z0-9_]`},
	{regexp.MustCompile(`^xapp-[A-Za-z0-9-]{10,250}`), "slack-token", `[A-Za-z0-9_-]`},
	{regexp.MustCompile(`^SG\.[A-Za-z0-9_-]{22}\.[A-Za-z0-9_-]{43}`), "sendgrid-key", `[A-Za-z0-9_-]`},
	{regexp.MustCompile(`^[0-9]{8,10}:AA[A-Za-z0-9_-]{33}`), "telegram-token", `[A-Za-z0-9_-]`},
}

// refDigit is an ASCII or full-width decimal digit.
func refDigit(r rune) bool { return r >= '0' && r <= '9' || r >= '０' && r <= '９' }

var (
	refEscEnd    = regexp.MustCompile(`(?:%[0-9A-Fa-f]{2}|\\f[A-Za-z0-9]|(?:\\|\\\*|\\f)\([!-~]{2}|\\\*[A-Za-z0-9])$`)
	refEscName   = regexp.MustCompile(`(?:%[0-9A-Fa-f]{2}|\\f[A-Za-z0-9]|(?:\\|\\\*|\\f)\([!-~]{2}|\\\*[A-Za-z0-9])`)
	refLabelRun  = regexp.MustCompile(`[A-Za-z0-9-]{0,63}$`)
	refLabelHead = regexp.MustCompile(`^[A-Za-z0-9-]{0,63}`)
	refLetter    = regexp.MustCompile(`[A-Za-z]`)
	refDashed4   = regexp.MustCompile(`^([0-9]+)-([0-9]+)-([0-9]+)-([0-9]+)`)
	// A number before a dashed address: digits not at the end of a word
	// of letters ("ec2-54-12-34-56" holds one).
	refNumberBefore = regexp.MustCompile(`(?:^|[^0-9A-Za-z])[0-9]+$`)
	refInAddr       = regexp.MustCompile(`^\.(?i:in-addr\.arpa)`)
	refHostAfter    = regexp.MustCompile(`^\.[A-Za-z]`)

	refVerBefore = []*regexp.Regexp{
		regexp.MustCompile(`(?:^|[^A-Za-z0-9])[vV]$`),
		regexp.MustCompile(`(?:^|[^A-Za-z0-9:.])[0-9]{1,3}:$`),
		regexp.MustCompile(`(?:>=|<=|>>|<<) {0,2}$`),
	}
	// A version keyword, separators and up to two connecting words right
	// before the number, one pattern for each count of words.
	refVerKeyword = func() (out []*regexp.Regexp) {
		const sep, conn = `[ \t:="'()]`, `(?i:to|is|was|now|be|will|bump|bumped|update|updated|upgrade|upgraded|before|above|below)`
		for n := 0; n <= 2; n++ {
			tail := sep + `*$`
			if n > 0 {
				tail = strings.Repeat(sep+`+`+conn, n) + sep + `+$`
			}
			out = append(out, regexp.MustCompile(`(?:^|[^A-Za-z])((?i:versions?|policy))`+tail),
				regexp.MustCompile(`(?:^|[^A-Za-z_-])((?i:ver))`+tail))
		}
		return out
	}()
	refVerAfter  = regexp.MustCompile(`^-[0-9]+[A-Za-z0-9+~]*\)`)
	refVerSuffix = regexp.MustCompile(`^[+~][A-Za-z0-9]`)
	refEqOp      = regexp.MustCompile(`([A-Za-z0-9_.-]*) {0,2}(?:==|~=|!=) {0,2}$`)
	refPkgName   = regexp.MustCompile(`(?:^|[^A-Za-z0-9.-])([A-Za-z][A-Za-z0-9-]{0,62})-$`)
	refHostWords = strings.Fields("ip ipv4 host static dynamic dyn dsl adsl pool client customer cust node vm srv server mail smtp gw gateway router addr nat ppp dhcp cpe ec2 from to src dst peer remote local")
	refChangelog = regexp.MustCompile(`^\) [ -]*[A-Za-z][A-Za-z -]*;`)
)

// refEscapeAt: a markup or URL escape ends at t[e].
func refEscapeAt(t []byte, e int) bool { return refEscEnd.Match(t[:e]) }

// refEscapeNameLen: the length of the name of an escape whose introducer
// ends at t[j] ("%", "\", "\(", "\*(", "\f(", "\*").
func refEscapeNameLen(t []byte, j int) int {
	for _, intro := range []int{1, 2, 3} {
		if j < intro {
			continue
		}
		if m := refEscName.FindIndex(t[j-intro:]); m != nil && m[0] == 0 {
			if name := m[1] - intro; name == 1 || name == 2 {
				// the introducer must be all of the escape but its name
				if intro == 1 && (t[j-1] == '%' || t[j-1] == '\\' && name == 2) ||
					intro == 2 && t[j-1] == '(' && t[j-2] == '\\' ||
					intro == 2 && t[j-1] == '*' && t[j-2] == '\\' && name == 1 ||
					intro == 3 && t[j-1] == '(' && (t[j-2] == '*' || t[j-2] == 'f') && t[j-3] == '\\' {
					return name
				}
			}
		}
	}
	return 0
}

func refGluedLeft4(t []byte, s int) bool {
	if s == 0 || refEscapeAt(t, s) {
		return false
	}
	if r, _ := utf8.DecodeLastRune(t[:s]); refDigit(r) {
		return true
	}
	if m := refSepTail.FindIndex(t[:s]); m != nil && m[0] > 0 {
		r, _ := utf8.DecodeLastRune(t[:m[0]])
		return refDigit(r)
	}
	return false
}

func refGluedRight4(t []byte, e int) bool {
	if e >= len(t) {
		return false
	}
	if r, _ := utf8.DecodeRune(t[e:]); refDigit(r) {
		return true
	}
	if m := refSepHead.FindIndex(t[e:]); m != nil && e+m[1] < len(t) {
		r, _ := utf8.DecodeRune(t[e+m[1]:])
		return refDigit(r)
	}
	return false
}

// refLabelLeft: where the host name label before an address at t[s]
// starts, see labelLeft.
func refLabelLeft(t []byte, s int) int {
	j := s - len(refLabelRun.Find(t[:s]))
	if k := refEscapeNameLen(t, j); k > 0 && j+k <= s {
		j += k
	}
	if j > 0 && (refGluedLeft4(t, j) && !refEscapeAt(t, j)) {
		return s
	}
	if refLetter.Match(t[j:s]) {
		return j
	}
	return s
}

func refLabelRight(t []byte, e int) int {
	j := e + len(refLabelHead.Find(t[e:]))
	if refGluedRight4(t, j) {
		for j > e && !refLetter.Match(t[j-1:j]) {
			j--
		}
	}
	if refLetter.Match(t[e:j]) {
		return j
	}
	return e
}

// refASCIIDigits maps full-width digits to ASCII.
func refASCIIDigits(s string) string {
	return strings.Map(func(r rune) rune {
		if r >= '０' && r <= '９' {
			return r - '０' + '0'
		}
		return r
	}, s)
}

// refDotted4 reads a dotted quad at t[s], with its glue rules.
func refDotted4(t []byte, s int) (end int, oct [4]byte, ok bool) {
	m := refV4.FindSubmatchIndex(t[s:])
	if m == nil || refGluedLeft4(t, s) || refGluedRight4(t, s+m[1]) {
		return 0, oct, false
	}
	for k := 0; k < 4; k++ {
		d := refASCIIDigits(string(t[s+m[2+2*k] : s+m[3+2*k]]))
		v, _ := strconv.Atoi(d)
		if len(d) > 3 || v > 255 {
			return 0, oct, false
		}
		oct[k] = byte(v)
	}
	return s + m[1], oct, true
}

func refIPv4(t []byte, out []refCand) []refCand {
	for s := range t {
		inEsc := s > 0 && t[s-1] == '%' && s+1 < len(t) && refHex(t[s]) && refHex(t[s+1])
		// The second digit of an escape: "%A00.0.0.00" is U+00A0 and 0.0.0.00.
		inEsc2 := s > 1 && t[s-2] == '%' && refHex(t[s-1]) && refHex(t[s])
		if e, oct, ok := refDotted4(t, s); ok {
			if _, _, ok2 := refDotted4(t, s+2); inEsc && ok2 {
				continue
			}
			if _, _, ok2 := refDotted4(t, s+1); inEsc2 && ok2 {
				continue
			}
			st, en, kept := s, e, ""
			if refInAddr.Match(t[e:]) {
				oct[0], oct[1], oct[2], oct[3] = oct[3], oct[2], oct[1], oct[0]
			} else {
				for _, re := range refVerBefore {
					if re.Match(t[:s]) {
						kept = "version"
					}
				}
				// "==", "~=", "!=" compare versions, or addresses when the
				// word before names one.
				if m := refEqOp.FindSubmatch(t[:s]); m != nil {
					w := strings.ToLower(string(m[1]))
					w = w[max(0, len(w)-32):]
					field := false
					for _, f := range strings.Fields("ip addr src dst host peer client server remote") {
						field = field || strings.Contains(w, f)
					}
					if !field {
						kept = "version"
					}
				}
				for _, re := range refVerKeyword {
					if m := re.FindSubmatchIndex(t[:s]); m != nil && m[2] >= s-32 {
						kept = "version"
					}
				}
				// A changelog header's ';' lies within maxDistributions
				// bytes after its ") ".
				cl := refChangelog.FindIndex(t[e:])
				inURL := s > 0 && strings.IndexByte("=?&/", t[s-1]) >= 0
				if refVerAfter.Match(t[e:]) || !inURL && refVerSuffix.Match(t[e:]) || s > 0 && t[s-1] == '(' && cl != nil && cl[1]-1 < 2+maxDistributions {
					kept = "version"
				}
				// A package name and '-' before it, no domain after.
				if m := refPkgName.FindSubmatch(t[:s]); m != nil && !refHostAfter.Match(t[e:]) {
					parts := strings.Split(string(m[1]), "-")
					last := parts[len(parts)-1]
					letters := len(regexp.MustCompile(`[A-Za-z]`).FindAllString(last, -1))
					if letters >= 2 && !slices.Contains(refHostWords, strings.ToLower(last)) {
						kept = "version"
					}
				}
			}
			if kept == "" {
				st, en = refLabelLeft(t, s), refLabelRight(t, e)
			}
			out = append(out, refCand{start: st, end: en, kind: IPv4, rank: rankIPv4, value: netip.AddrFrom4(oct).String(), kept: kept})
		}
		if m := refDashed4.FindSubmatchIndex(t[s:]); m != nil {
			if s > 0 && (refWord(t[s-1]) && t[s-1] >= '0' && t[s-1] <= '9' || t[s-1] == '-' && refNumberBefore.Match(t[:s-1])) {
				continue
			}
			e := s + m[1]
			if e < len(t) && (t[e] >= '0' && t[e] <= '9' || t[e] == '-' && e+1 < len(t) && t[e+1] >= '0' && t[e+1] <= '9') {
				continue
			}
			var oct [4]byte
			ok := true
			for k := 0; k < 4; k++ {
				d := string(t[s+m[2+2*k] : s+m[3+2*k]])
				v, _ := strconv.Atoi(d)
				ok = ok && len(d) <= 3 && v <= 255
				oct[k] = byte(v)
			}
			st, en := refLabelLeft(t, s), refLabelRight(t, e)
			if !ok || st == s && en == e && !refHostAfter.Match(t[e:]) {
				continue
			}
			out = append(out, refCand{start: st, end: en, kind: IPv4, rank: rankIPv4, value: netip.AddrFrom4(oct).String()})
		}
	}
	return out
}

func refIPv6(t []byte, out []refCand) []refCand {
	for s := range t {
		if s > 0 {
			b := t[s-1]
			switch {
			case refWord(b):
				continue
			case b == ':':
				literal := refV6Literal.Match(t[:s]) && !refWordAt(t, s-6)
				if !literal && (t[s] == ':' || s >= 2 && (refHex(t[s-2]) || t[s-2] == ':')) {
					continue
				}
			case b == '.':
				if refWordAt(t, s-2) {
					continue
				}
			}
		}
		best := -1
		var addr netip.Addr
		for e := s + 2; e <= len(t) && e <= s+maxV6Text; e++ {
			str := string(t[s:e])
			if !refV6Chars.MatchString(str) {
				break
			}
			if !strings.Contains(str, ":") {
				continue
			}
			if a, err := netip.ParseAddr(str); err == nil && a.Is6() && a.Zone() == "" {
				best, addr = e, a
			}
		}
		if best < 0 {
			continue
		}
		str := string(t[s:best])
		if refV6Glued(t[best:], str) {
			continue
		}
		var parts []string
		for _, p := range strings.Split(str, ":") {
			if p != "" {
				parts = append(parts, p)
			}
		}
		groups, maxLen, allTwo := 0, 0, true
		for _, p := range parts {
			if strings.Contains(p, ".") {
				groups += 2
				allTwo = false
			} else {
				groups++
				allTwo = allTwo && len(p) == 2
			}
			maxLen = max(maxLen, len(p))
		}
		plausible := true
		if strings.Contains(str, "::") {
			if !strings.ContainsAny(str, "0123456789") || groups == 0 || groups == 1 && str != "::1" && maxLen < 3 {
				plausible = false
			}
		} else if groups == 8 && allTwo {
			plausible = false
		}
		if !plausible && !refV6Marked(t, s, best) {
			continue
		}
		out = append(out, refCand{s, best, IPv6, rankIPv6, addr.String(), "", ""})
	}
	return out
}

var (
	refDashed6Run    = regexp.MustCompile(`^[0-9A-Fa-f]+(?:--?[0-9A-Fa-f]+)*`)
	refHexGroupLeft  = regexp.MustCompile(`(?:^|[^A-Za-z0-9_])[0-9A-Fa-f]{1,4}-$`)
	refV6LiteralName = regexp.MustCompile(`^[A-Za-z0-9-]{0,62}(?i:\.ipv6-literal\.net)`)
	refNibbles       = regexp.MustCompile(`^(?:[0-9A-Fa-f]\.){31}[0-9A-Fa-f]\.(?i:ip6\.arpa)`)
)

var (
	refURLHostRun = regexp.MustCompile(`^(0[xX][0-9A-Fa-f]*|[0-9]+)((?:\.(?:0[xX][0-9A-Fa-f]*|[0-9]+))*)`)
	refURLHostEnd = regexp.MustCompile(`^(?:$|[/:?#"'>)\]\s])`)
)

// refURLHosts finds URL hosts written as inet_aton numbers: one to four
// parts, each decimal, octal (leading 0) or hex (0x), not four decimal
// parts, not one decimal number under 2^24.
func refURLHosts(t []byte, out []refCand) []refCand {
	for k := 0; k+3 <= len(t); k++ {
		if string(t[k:k+3]) != "://" {
			continue
		}
		h := k + 3
		if j := bytes.IndexFunc(t[h:], func(r rune) bool { return r == '@' || r == '/' || r == '?' || r == '#' || unicode.IsSpace(r) }); j >= 0 && j < 256 && t[h+j] == '@' {
			h += j + 1
		}
		m := refURLHostRun.FindSubmatch(t[h:])
		if m == nil || !refURLHostEnd.Match(t[h+len(m[0]):]) {
			continue
		}
		parts := append([]string{string(m[1])}, strings.Split(string(m[2]), ".")[1:]...)
		if len(parts) > 4 {
			continue
		}
		vals := make([]uint64, len(parts))
		plain, ok := true, true
		for i, p := range parts {
			var err error
			switch {
			case strings.HasPrefix(strings.ToLower(p), "0x"):
				plain = false
				ok = ok && len(p) > 2 && len(p) <= 10
				vals[i], err = strconv.ParseUint(p[2:], 16, 64)
			case len(p) > 1 && p[0] == '0':
				plain = false
				ok = ok && len(p) <= 12
				vals[i], err = strconv.ParseUint(p[1:], 8, 64)
			default:
				ok = ok && len(p) <= 12
				vals[i], err = strconv.ParseUint(p, 10, 64)
			}
			ok = ok && err == nil
		}
		if !ok || plain && (len(parts) == 4 || len(parts) == 1 && vals[0] < 1<<24) {
			continue
		}
		var v uint64
		for i, x := range vals {
			if i < len(vals)-1 {
				ok = ok && x <= 255
				v |= x << (24 - 8*i)
			} else {
				ok = ok && x < 1<<(32-8*(len(vals)-1))
				v |= x
			}
		}
		if !ok {
			continue
		}
		a := netip.AddrFrom4([4]byte{byte(v >> 24), byte(v >> 16), byte(v >> 8), byte(v)})
		out = append(out, refCand{start: h, end: h + len(m[0]), kind: IPv4, rank: rankIPv4, value: a.String()})
	}
	return out
}

// refHostV6 finds IPv6 addresses in host names: dashes for colons in a
// host name label, or a PTR name's 32 reversed nibbles before ip6.arpa.
func refHostV6(t []byte, out []refCand) []refCand {
	for s := range t {
		if s > 0 && refWord(t[s-1]) {
			continue
		}
		if m := refNibbles.Find(t[s:]); m != nil && !(s >= 2 && t[s-1] == '.' && refHex(t[s-2])) {
			var ip [16]byte
			for k := 0; k < 32; k++ {
				v, _ := strconv.ParseUint(string(t[s+2*k]), 16, 8)
				if k%2 == 0 {
					ip[15-k/2] |= byte(v)
				} else {
					ip[15-k/2] |= byte(v) << 4
				}
			}
			out = append(out, refCand{start: s, end: s + 63, kind: IPv6, rank: rankIPv6, value: netip.AddrFrom16(ip).String()})
		}
		run := refDashed6Run.Find(t[s:])
		if run == nil || refHexGroupLeft.Match(t[:s]) {
			continue
		}
		e := s + len(run)
		if strings.HasPrefix(string(t[e:]), "--") {
			continue
		}
		str := string(run)
		groups := strings.FieldsFunc(str, func(r rune) bool { return r == '-' })
		dbl := strings.Count(str, "--")
		literal := refV6LiteralName.Match(t[e:])
		ok := dbl <= 1 && (dbl == 1 && (len(groups) >= 3 || len(groups) == 2 && literal) && strings.ContainsAny(str, "0123456789") || dbl == 0 && len(groups) == 8)
		for _, g := range groups {
			ok = ok && len(g) <= 4
		}
		if !ok {
			continue
		}
		a, err := netip.ParseAddr(strings.ReplaceAll(str, "-", ":"))
		if err != nil || !a.Is6() {
			continue
		}
		st, en := refLabelLeft(t, s), refLabelRight(t, e)
		if st == s && en == e && !refHostAfter.Match(t[e:]) {
			continue
		}
		out = append(out, refCand{start: st, end: en, kind: IPv6, rank: rankIPv6, value: a.String()})
	}
	return out
}

var (
	refV6Literal  = regexp.MustCompile(`(?i)ipv6:$`)
	refV6MoreRun  = regexp.MustCompile(`^:(?::|[0-9A-Fa-f]{1,4}(?:[^A-Za-z0-9_]|$))`)
	refV6Port     = regexp.MustCompile(`^:([0-9]{2,5})`)
	refV6WordNext = regexp.MustCompile(`^(?:[A-Za-z0-9_]|\.[A-Za-z0-9_])`)
	refV6Prefix   = regexp.MustCompile(`^/([0-9]{1,3})(?:[^A-Za-z0-9_.]|\.[^A-Za-z0-9_]|\.?$)`)
)

// refV6Glued: what follows an address glues to it if it is a word, a dotted
// name, or more groups, but for a port after a form that takes no more
// groups.
func refV6Glued(rest []byte, addr string) bool {
	if refV6WordNext.Match(rest) {
		return true
	}
	if strings.HasSuffix(addr, "::") && len(rest) > 0 && rest[0] == '/' {
		return !(len(rest) > 1 && rest[1] >= '0' && rest[1] <= '9')
	}
	if !refV6MoreRun.Match(rest) {
		return false
	}
	if strings.Contains(addr, "::") && !strings.Contains(addr, ".") {
		return true
	}
	m := refV6Port.FindSubmatch(rest)
	if m == nil {
		return true
	}
	if v, _ := strconv.Atoi(string(m[1])); v > 65535 {
		return true
	}
	after := rest[len(m[0]):]
	return refV6WordNext.Match(after) || refV6MoreRun.Match(after)
}

// refV6Marked: a prefix length or brackets that do not index something.
func refV6Marked(t []byte, s, e int) bool {
	if m := refV6Prefix.FindSubmatch(t[e:]); m != nil {
		v, _ := strconv.Atoi(string(m[1]))
		return v <= 128
	}
	if strings.HasPrefix(string(t[e:]), "/") {
		return false
	}
	return s > 0 && t[s-1] == '[' && e < len(t) && t[e] == ']' &&
		(s < 2 || !refWord(t[s-2]) && t[s-2] != ']' && t[s-2] != ')')
}

var refIptables = regexp.MustCompile(`^MAC=(?:[0-9A-Fa-f]{2}:){13}[0-9A-Fa-f]{2}`)

func refMAC(t []byte, out []refCand) []refCand {
	// The MAC field of a netfilter log line holds two addresses.
	ipt := map[int]bool{}
	for s := range t {
		if m := refIptables.FindIndex(t[s:]); m != nil {
			e := s + m[1]
			if e < len(t) && (refWord(t[e]) || (t[e] == ':' || t[e] == '-') && e+1 < len(t) && refHex(t[e+1]) || t[e] == '.' && refWordAt(t, e+1)) {
				continue
			}
			ipt[s+4], ipt[s+22] = true, true
		}
	}
	for s := range t {
		if ipt[s] {
			m := refMACc.FindIndex(t[s:])
			hex := strings.ToLower(strings.ReplaceAll(string(t[s:s+m[1]]), ":", ""))
			var groups []string
			for i := 0; i < 12; i += 2 {
				groups = append(groups, hex[i:i+2])
			}
			out = append(out, refCand{s, s + m[1], MAC, rankMAC, strings.Join(groups, ":"), "", ""})
			continue
		}
		if s > 0 && !refEscapeAt(t, s) {
			b := t[s-1]
			if refWord(b) || (b == ':' || b == '-') && s >= 2 && refHex(t[s-2]) || b == '.' && refWordAt(t, s-2) {
				continue
			}
		}
		var e int
		if m := refMACc.FindIndex(t[s:]); m != nil {
			e = s + m[1]
		} else if m := refMACd.FindIndex(t[s:]); m != nil {
			e = s + m[1]
		} else if m := refMACq.FindIndex(t[s:]); m != nil {
			e = s + m[1]
		} else {
			continue
		}
		if e < len(t) {
			b := t[e]
			if refWord(b) || (b == ':' || b == '-') && e+1 < len(t) && refHex(t[e+1]) || b == '.' && refWordAt(t, e+1) {
				continue
			}
		}
		hex := strings.Map(func(r rune) rune {
			if r == ':' || r == '-' || r == '.' {
				return -1
			}
			return unicode.ToLower(r)
		}, string(t[s:e]))
		var groups []string
		if strings.Contains(string(t[s:e]), ":") {
			for _, g := range strings.Split(strings.ToLower(string(t[s:e])), ":") {
				groups = append(groups, strings.Repeat("0", 2-len(g))+g)
			}
		} else {
			for i := 0; i < 12; i += 2 {
				groups = append(groups, hex[i:i+2])
			}
		}
		out = append(out, refCand{s, e, MAC, rankMAC, strings.Join(groups, ":"), "", ""})
	}
	return out
}

var (
	refAtBracket = regexp.MustCompile(`^ ?(?:\[@\]|\(@\)|\[[aA][tT]\]|\([aA][tT]\)) ?`)
	refAtOther   = regexp.MustCompile(`^(?:@|%40|&#64;|&#[xX]40;)`)
	refLocalRun  = regexp.MustCompile(`[A-Za-z0-9_%+'\-\p{L}\p{N}\p{M}]+(?:\.+[A-Za-z0-9_%+'\-\p{L}\p{N}\p{M}]+)*$`)
	refPct40     = regexp.MustCompile(`%40`)
	refPctAny    = regexp.MustCompile(`%[0-9A-Fa-f]{2}`)
	refURLUser   = regexp.MustCompile(`://[A-Za-z0-9\-._~%!$&'()*+,;=:]*:$`)
	refLabel     = regexp.MustCompile(`^[A-Za-z0-9\-\p{L}\p{N}\p{M}]+`)
	refEmailDot  = regexp.MustCompile(`^(?: ?(?:\[\.\]|\(\.\)|\{\.\}|\[[dD][oO][tT]\]|\([dD][oO][tT]\)) ?|\.|&#46;|．)`)
)

func refEmail(t []byte, out []refCand) []refCand {
	for p := range t {
		var as, ae int
		if m := refAtBracket.FindIndex(t[p:]); m != nil {
			as, ae = p, p+m[1]
		} else if m := refAtOther.FindIndex(t[p:]); m != nil {
			if t[p] == '@' && p > 0 && p+1 < len(t) && (t[p-1] == '[' && t[p+1] == ']' || t[p-1] == '(' && t[p+1] == ')') {
				continue // read as "[@]"
			}
			as, ae = p, p+m[1]
		} else {
			continue
		}
		m := refLocalRun.FindIndex(t[:as])
		if m == nil {
			continue
		}
		s := m[0]
		cut := refPct40
		if t[as] == '%' {
			cut = refPctAny
		}
		if all := cut.FindAllIndex(t[s:as], -1); len(all) > 0 {
			s += all[len(all)-1][1]
		}
		for s < as && strings.IndexByte("'-+%.", t[s]) >= 0 {
			s++
		}
		if s == as || as-s > 64 || t[as-1] == '.' || refURLUser.Match(t[:s]) {
			continue
		}
		// Domain labels.
		end, i, val := -1, ae, ""
		var dom []string
		for k := 0; ; k++ {
			l := string(refLabel.Find(t[i:]))
			stop := strings.HasSuffix(l, "-")
			l = strings.TrimRight(l, "-")
			if l == "" {
				break
			}
			if k == 0 && refRetina.MatchString(l) {
				end = -2
				break
			}
			if len(l) > 63 || l[0] == '-' || i+len(l)-ae > 253 {
				break
			}
			dom = append(dom, l)
			if k > 0 && refTLD.MatchString(l) && !fileExts[strings.ToLower(l)] {
				end = i + len(l)
				val = strings.ToLower(string(t[s:as]) + "@" + strings.Join(dom, "."))
			}
			i += len(l)
			if stop {
				break
			}
			d := refEmailDot.FindIndex(t[i:])
			if d == nil || refLabel.Find(t[i+d[1]:]) == nil {
				break
			}
			i += d[1]
		}
		if end < 0 {
			continue
		}
		out = append(out, refCand{s, end, Email, rankEmail, val, "", ""})
	}
	return out
}

func refSpace(r rune) bool { return unicode.IsSpace(r) }
func refWordRune(r rune) bool {
	return r == '_' || unicode.IsLetter(r) || unicode.IsNumber(r) || unicode.IsMark(r)
}

// refIdeograph: a rune that is a word of its own.
func refIdeograph(r rune) bool {
	return unicode.In(r, unicode.Han, unicode.Hiragana, unicode.Katakana)
}

// refIgnorable and refAccent: the characters a name matches across.
func refIgnorable(r rune) bool {
	switch r {
	case '\u00ad', '\u200b', '\u200c', '\u200d', '\u2060', '\ufeff':
		return true
	}
	return false
}
func refAccent(r rune) bool { return unicode.In(r, unicode.Mn) && r >= '\u0300' && r <= '\u036f' }

// refFold: curly apostrophes are ASCII ones; an accented Latin or Greek
// letter is its base letter; then the smallest rune of its simple case
// folding orbit, in lower case if ASCII.
func refFold(r rune) rune {
	if r == '\u2018' || r == '\u2019' {
		return '\''
	}
	if unicode.In(r, unicode.Lu, unicode.Ll, unicode.Nd) && r >= 0xFF10 && r <= 0xFF5A {
		return unicode.ToLower(r - 0xFEE0) // full-width
	}
	if r >= 0xC0 && r < 0x250 || r >= 0x370 && r < 0x400 || r >= 0x1E00 && r < 0x2000 {
		if d := []rune(norm.NFD.String(string(r))); len(d) > 1 && unicode.IsLetter(d[0]) && !strings.ContainsFunc(string(d[1:]), func(x rune) bool { return !refAccent(x) }) {
			r = d[0]
		}
	}
	m := r
	for f := unicode.SimpleFold(r); f != r; f = unicode.SimpleFold(f) {
		m = min(m, f)
	}
	return unicode.ToLower(m)
}

// refSpell: the Latin letters without a decomposition, as their languages
// transliterate them.
func refSpell(r rune) string {
	switch r {
	case 'ø':
		return "o"
	case 'ł':
		return "l"
	case 'ß':
		return "ss"
	case 'æ':
		return "ae"
	case 'œ':
		return "oe"
	case 'đ', 'ð':
		return "d"
	case 'þ':
		return "th"
	case 'ı':
		return "i"
	case 'ħ':
		return "h"
	case 'ŧ':
		return "t"
	}
	return string(r)
}

type refNameTok struct {
	kind       tokKind
	start, end int
	key        string // word: folded letters; other: folded rune
	n          int    // white space: runes and tags
	hyph       bool   // a hyphen between words, read as white space
}

var refTag = regexp.MustCompile(`^</?[A-Za-z][\x20-\x3b\x3d\x3f-\x7e]{0,61}>`)

func refHyphenJoins(t []byte, i, size int) bool {
	p, _ := utf8.DecodeLastRune(t[:i])
	q, _ := utf8.DecodeRune(t[i+size:])
	return refWordRune(p) && refWordRune(q)
}

// refTokenize splits text into words, white space runs and single other
// runes. A word runs over word runes, and over ignorable characters that a
// word rune follows; its key leaves accents and ignorable characters out,
// up to maxSkip after each letter (more put U+10FFFF in the key).
func refTokenize(t []byte) []refNameTok { return refTokenizeN(t, -1) }

// refTokenizeN is refTokenize that stops after limit tokens (no limit if
// negative).
func refTokenizeN(t []byte, limit int) []refNameTok {
	var out []refNameTok
	for i := 0; i < len(t) && len(out) != limit; {
		r, size := utf8.DecodeRune(t[i:])
		switch {
		case refIdeograph(r):
			out = append(out, refNameTok{tkWord, i, i + size, string(refFold(r)), 0, false})
			i += size
		case refWordRune(r):
			j, skip := i, 0
			var key []rune
			for j < len(t) {
				r, size := utf8.DecodeRune(t[j:])
				if refIgnorable(r) {
					k := j
					for k < len(t) {
						x, s := utf8.DecodeRune(t[k:])
						if !refIgnorable(x) {
							break
						}
						k += s
					}
					if x, _ := utf8.DecodeRune(t[k:]); k >= len(t) || !refWordRune(x) || refIdeograph(x) {
						break
					}
				} else if !refWordRune(r) || refIdeograph(r) {
					break
				}
				if refIgnorable(r) || refAccent(r) {
					if skip++; skip > maxSkip {
						key = append(key, 0x10FFFF)
					}
				} else {
					skip = 0
					key = append(key, []rune(refSpell(refFold(r)))...)
				}
				j += size
			}
			out = append(out, refNameTok{tkWord, i, j, string(key), 0, false})
			i = j
		case refSpace(r) || refTag.Match(t[i:]):
			j, n := i, 0
			for j < len(t) {
				if m := refTag.Find(t[j:]); m != nil {
					j, n = j+len(m), n+1
					continue
				}
				x, s := utf8.DecodeRune(t[j:])
				if !refSpace(x) {
					break
				}
				j, n = j+s, n+1
			}
			if j-i > 64 {
				n = maxGap + 1
			}
			out = append(out, refNameTok{tkSpace, i, j, " ", n, false})
			i = j
		case strings.ContainsRune("-\u2010\u2011", r) && i > 0 && i+size < len(t) && refHyphenJoins(t, i, size):
			out = append(out, refNameTok{tkSpace, i, i + size, " ", 1, true})
			i += size
		default:
			out = append(out, refNameTok{tkPunct, i, i + size, string(refFold(r)), 0, false})
			i += size
		}
	}
	return out
}

// refNameToks is a listed name as tokens, without leading or trailing
// tokens that are not words.
func refNameToks(name string) []refNameTok {
	toks := refTokenize([]byte(name))
	for len(toks) > 0 && toks[0].kind != tkWord {
		toks = toks[1:]
	}
	for len(toks) > 0 && toks[len(toks)-1].kind != tkWord {
		toks = toks[:len(toks)-1]
	}
	return toks
}

// refNames: a name starts at any word rune that does not continue a word
// (ideographs always do start one), even inside what reads as a tag; the
// text is read as tokens from there.
func refNames(names []string, t []byte, out []refCand) []refCand {
	type pattern struct {
		toks  []refNameTok
		text  string // the spelling the tokens come from
		value string
		exact bool
		idx   int
	}
	var wants []pattern
	limit := 0
	for _, raw := range names {
		value, spellings, exact := refNameEntry(raw)
		for _, sp := range spellings {
			w := refNameToks(sp)
			wants = append(wants, pattern{w, sp, value, exact, len(wants)})
			limit = max(limit, len(w)+1)
		}
	}
	for p := 0; p < len(t); {
		r, size := utf8.DecodeRune(t[p:])
		if !refWordRune(r) || !refIdeograph(r) && refPrevWord(t, p) {
			p += size
			continue
		}
		toks := refTokenizeN(t[p:], limit)
		hyphBefore := false
		if h, hs := utf8.DecodeLastRune(t[:p]); p > 0 && strings.ContainsRune("-\u2010\u2011", h) && p-hs > 0 && refHyphenJoins(t, p-hs, hs) {
			hyphBefore = true
		}
		for _, pat := range wants {
			want := pat.toks
			k := 0
			for k < len(want) && k < len(toks) {
				w, g := want[k], toks[k]
				if w.kind != g.kind || w.kind != tkSpace && w.key != g.key || w.kind == tkSpace && g.n > maxGap {
					break
				}
				if pat.exact && w.kind == tkWord {
					lw, _ := utf8.DecodeRuneInString(pat.text[w.start:])
					tw, _ := utf8.DecodeRune(t[p+g.start:])
					if unicode.IsUpper(lw) && !unicode.IsUpper(tw) {
						break
					}
				}
				k++
			}
			if k == len(want) && !hyphBefore && !(k < len(toks) && toks[k].hyph) {
				out = append(out, refCand{p + toks[0].start, p + toks[k-1].end, Name, rankName*1000 + pat.idx, pat.value, "", ""})
			}
		}
		p += size
	}
	return out
}

// refNameEntry reads a list entry "Name | options" into the value and the
// spellings to look for.
func refNameEntry(raw string) (value string, spellings []string, exact bool) {
	parts := strings.SplitN(raw, "|", 2)
	value = strings.TrimFunc(parts[0], unicode.IsSpace)
	spellings = []string{value}
	if len(parts) == 1 {
		return
	}
	opt := map[string]bool{}
	for _, f := range regexp.MustCompile(`[^,\s]+`).FindAllString(parts[1], -1) {
		opt[strings.ToLower(f)] = true
	}
	words := regexp.MustCompile(`\S+`).FindAllString(value, -1)
	if n := len(words); n >= 2 {
		first, last := words[:n-1], words[n-1]
		inits := make([]string, len(first))
		for i, w := range first {
			inits[i] = strings.ToUpper(string([]rune(w)[0])) + "."
		}
		if opt["last-first"] {
			spellings = append(spellings, last+", "+strings.Join(first, " "))
		}
		if opt["initials"] {
			spellings = append(spellings, strings.Join(inits, " ")+" "+last)
			if len(inits) > 1 {
				spellings = append(spellings, inits[0]+" "+last)
			}
			if opt["last-first"] {
				spellings = append(spellings, last+", "+strings.Join(inits, " "))
			}
		}
		if opt["given"] {
			spellings = append(spellings, first[0])
		}
	}
	return value, spellings, opt["case"]
}

// refPrevWord: the rune before t[i], passing over ignorable characters, is
// a word rune that is no ideograph.
func refPrevWord(t []byte, i int) bool {
	for i > 0 {
		r, size := utf8.DecodeLastRune(t[:i])
		if !refIgnorable(r) {
			return refWordRune(r) && !refIdeograph(r)
		}
		i -= size
	}
	return false
}

func refPEMBlocks(t []byte, out []refCand) []refCand {
	for s := range t {
		m := refPEM.FindSubmatch(t[s:])
		if m == nil {
			continue
		}
		label := string(m[1])
		if !strings.HasSuffix(label, "PRIVATE KEY") && !strings.HasSuffix(label, "PRIVATE KEY BLOCK") {
			continue
		}
		h := s + len(m[0])
		var end int
		if k := strings.Index(string(t[h:min(len(t), h+maxPEM)]), "-----END "); k >= 0 {
			end = h + k + len(refPEMEnd.Find(t[h+k:]))
		} else {
			// Truncated: base64 and armour lines, split at CR, LF, \n, \r.
			body := string(t[h:min(len(t), h+maxPEM)])
			end = h
			off := h
			for len(body) > 0 {
				switch {
				case body[0] == '\n' || body[0] == '\r':
					body, off = body[1:], off+1
					continue
				case strings.HasPrefix(body, `\n`) || strings.HasPrefix(body, `\r`):
					body, off = body[2:], off+2
					continue
				}
				k := strings.IndexAny(body, "\n\r\\")
				if k < 0 {
					k = len(body)
				}
				if k == 0 {
					break // a lone backslash
				}
				line := body[:k]
				if !refB64Line.MatchString(line) && !refArmour.MatchString(line) {
					break
				}
				body, off = body[k:], off+k
				end = off
			}
		}
		out = append(out, refCand{s, end, Secret, rankPEM, string(t[s:end]), "private-key", ""})
	}
	return out
}

var refTelegramBot = regexp.MustCompile(`^bot([0-9]{8,10}:AA[A-Za-z0-9_-]{33})`)

func refTokenCands(t []byte, out []refCand) []refCand {
	for s := range t {
		// A Telegram bot token right after "bot", as in API URLs.
		if m := refTelegramBot.FindSubmatchIndex(t[s:]); m != nil && !refWordAt(t, s-1) && !refWordAt(t, s+m[1]) && (s+m[1] >= len(t) || t[s+m[1]] != '-') {
			out = append(out, refCand{s + m[2], s + m[3], Secret, rankToken, string(t[s+m[2] : s+m[3]]), "telegram-token", ""})
		}
		if s > 0 && refWord(t[s-1]) {
			continue
		}
		for _, tk := range refTokens {
			m := tk.re.FindIndex(t[s:])
			if m == nil {
				continue
			}
			e := s + m[1]
			if e < len(t) && regexp.MustCompile(tk.body).Match(t[e:e+1]) || refPlaceholderWord.MatchString(strings.ToLower(string(t[s:e]))) {
				continue
			}
			out = append(out, refCand{s, e, Secret, rankToken, string(t[s:e]), tk.label, ""})
		}
		// A token filling MaxLen+1 bytes is cut at MaxLen.
		if w := t[s:min(len(t), s+MaxLen+1)]; len(w) == MaxLen+1 && refJWTPrefix.Match(w) {
			parts := strings.Split(string(w), ".")
			if (len(parts) < 2 || len(parts[0]) >= 10) && (len(parts) < 3 || len(parts[1]) >= 10) {
				out = append(out, refCand{s, s + MaxLen, Secret, rankToken, string(t[s : s+MaxLen]), "jwt", ""})
				continue
			}
		}
		if m := refJWT.FindIndex(t[s:]); m != nil && m[1] <= MaxLen {
			e := s + m[1]
			if e < len(t) && (t[e] == '.' || t[e] == '=') {
				continue
			}
			out = append(out, refCand{s, e, Secret, rankToken, string(t[s:e]), "jwt", ""})
		}
	}
	return out
}

// refKeywords are credKeywords as regexps over an identifier.
var refKeywords = func() (out []struct {
	re        *regexp.Regexp
	kw, label string
}) {
	for _, k := range []struct {
		kw, label string
		whole     bool
	}{
		{"password", "password", false}, {"passwd", "password", false}, {"passphrase", "password", false},
		{"pwd", "password", false}, {"pass", "password", true}, {"pw", "password", true}, {"api|key", "api-key", false},
		{"token", "token", false}, {"authorization", "token", false}, {"secret", "secret", false},
		{"secret|key", "secret", false}, {"access|key", "secret", false}, {"private|key", "secret", false},
		{"account|key", "secret", false},
	} {
		pat := asciiFold(strings.ReplaceAll(k.kw, "|", "")) + "$"
		if i := strings.IndexByte(k.kw, '|'); i >= 0 {
			pat = asciiFold(k.kw[:i]) + `[_.\-]?` + asciiFold(k.kw[i+1:]) + "$"
		}
		if k.whole {
			pat = `(?:^|[_.\-])` + pat
		}
		out = append(out, struct {
			re        *regexp.Regexp
			kw, label string
		}{regexp.MustCompile(pat), strings.ReplaceAll(k.kw, "|", ""), k.label})
	}
	return out
}()

func refPlaceholder(v, kw string) bool {
	if strings.Trim(v, "*") == "" || kw == "pwd" && (v[0] == '/' || v[0] == '~') ||
		strings.HasPrefix(v, "${") || strings.HasPrefix(v, "{{") || strings.HasPrefix(v, "$(") || v[0] == '<' ||
		strings.HasPrefix(v, `\f`) || refVarRef.MatchString(v) || strings.Trim(v, "_*.-[]") == "" ||
		strings.IndexFunc(v, func(r rune) bool { return r >= utf8.RuneSelf || r < utf8.RuneSelf && refWord(byte(r)) && r != '_' }) < 0 {
		return true
	}
	switch strings.ToLower(v) {
	case "password", "passwd", "pass", "pwd", "pw", "secret", "token", "key", "apikey", "api_key", "passphrase":
		return true
	}
	if len(v) > 2 && v[0] == '(' && v[len(v)-1] == ')' {
		v = v[1 : len(v)-1]
	}
	switch strings.ToLower(v) {
	case "null", "none", "nil", "true", "false", "undefined", "redacted", "hidden", "required", "value":
		return true
	}
	if m := refCallOrIndex.FindStringSubmatch(v); m != nil && (strings.ContainsAny(m[1], "_.") || strings.ToLower(m[1]) == m[1]) {
		return true
	}
	l := strings.ToLower(v)
	if len(v) <= 64 && refPlaceholderWord.MatchString(l) {
		return true
	}
	return kw == "passwd" && refNSSwitch.MatchString(l)
}

var (
	refVarRef          = regexp.MustCompile(`^\$[A-Za-z_][A-Za-z0-9_]*(?:$|[-:\[.{(])`)
	refCallOrIndex     = regexp.MustCompile(`^([A-Za-z_.][A-Za-z0-9_.]{2,62})[(\[]`)
	refPlaceholderWord = regexp.MustCompile(`your_|your-|yourpass|yourtoken|yoursecret|changeme|placeholder|_here|-here`)
	refNSSwitch        = regexp.MustCompile(`^(?:files|compat|systemd|ldap|nis|sss|db|winbind)$`)
)

func refAssign(t []byte, out []refCand) []refCand {
	for i := range t {
		var sepEnd int
		rest := string(t[i:])
		switch {
		case strings.HasPrefix(rest, "::"), strings.HasPrefix(rest, "=="):
			continue
		case strings.HasPrefix(rest, ":="), strings.HasPrefix(rest, "=>"):
			sepEnd = i + 2
		case strings.HasPrefix(rest, "="):
			if i > 0 && strings.IndexByte(":=!", t[i-1]) >= 0 {
				continue
			}
			sepEnd = i + 1
		case strings.HasPrefix(rest, ":"), strings.HasPrefix(rest, ">"), strings.HasPrefix(rest, ","), strings.HasPrefix(rest, " "):
			sepEnd = i + 1
		default:
			continue
		}
		m := refIdent.FindSubmatchIndex(t[:i])
		if m == nil {
			continue
		}
		id, quote, spaces := string(t[m[2]:m[3]]), string(t[m[4]:m[5]]), m[7]-m[6]
		identStart := m[2]
		var kw, label string
		for _, k := range refKeywords {
			if k.re.MatchString(id) {
				kw, label = k.kw, k.label
				break
			}
		}
		if kw == "" {
			continue
		}
		after := strings.TrimLeft(rest[1:], " ")
		switch t[i] {
		case '>':
			if quote != "" || spaces > 0 || identStart == 0 || t[identStart-1] != '<' {
				continue
			}
		case ',':
			open := strings.TrimRight(string(t[:identStart]), "")
			if quote == "" || spaces > 0 || !strings.HasSuffix(open, quote) ||
				!strings.HasSuffix(strings.TrimRight(open[:len(open)-1], " "), "(") ||
				after == "" || after[0] != '"' && after[0] != '\'' {
				continue
			}
		case ' ':
			flag := quote == "" && spaces == 0 && len(id) >= 3 && strings.HasPrefix(id, "--") && id[2] != '-' && after != "" && after[0] != '-'
			prose := quote == "" && spaces == 0 && i+1 < len(t) && (t[i+1] == '"' || t[i+1] == '\'') &&
				regexp.MustCompile(`^(?i:password|passwd|passphrase)$`).MatchString(id)
			if !flag && !prose {
				continue
			}
		}
		k := sepEnd
		for k < len(t) && (t[k] == ' ' || t[k] == '\t') {
			k++
		}
		if k >= len(t) {
			continue
		}
		vs, ve := -1, -1
		re := refQuoted[t[k]]
		if kw == "authorization" {
			if re != nil {
				if a := refAuthSch.Find(t[k+1:]); a != nil {
					vs = k + 1 + len(a)
				}
			} else {
				k += len(refAuthSch.Find(t[k:]))
			}
		}
		switch {
		case t[i] == '>':
			v := refXMLValue.Find(t[k:min(len(t), k+MaxLen)])
			if !strings.HasPrefix(string(t[k+len(v):]), "</") {
				continue
			}
			vs, ve = k, k+len(strings.TrimRight(string(v), " \t"))
		case re != nil:
			mm := re.FindSubmatchIndex(t[k:])
			if vs < 0 {
				vs = k + mm[2]
			}
			ve = k + mm[3]
		case t[i] == ':' && sepEnd == i+1 && sepEnd < len(t) && (t[sepEnd] == ' ' || t[sepEnd] == '\t'):
			v := regexp.MustCompile(`^[^ \t\n\r\v\f]*`).Find(t[k:])
			v = v[:min(len(v), MaxLen)]
			vs, ve = k, k+len(strings.TrimRight(string(v), ",;"))
		default:
			vs, ve = k, k+len(refUnquoted.Find(t[k:]))
		}
		ve = min(ve, vs+MaxLen)
		if ve <= vs || refPlaceholder(string(t[vs:ve]), kw) {
			continue
		}
		v := string(t[vs:ve])
		valueAt := sepEnd
		for valueAt < len(t) && (t[valueAt] == ' ' || t[valueAt] == '\t') {
			valueAt++
		}
		spaced := valueAt > sepEnd || t[i] == ' '
		quotedAt := t[valueAt] == '"' || t[valueAt] == '\'' || t[valueAt] == '`'
		if !quotedAt && t[i] != '>' && spaced && refProse(t, vs, ve) ||
			t[valueAt] == '`' && refLowerWord.MatchString(v) ||
			kw == "authorization" && refLowerWord.MatchString(v) ||
			t[i] == ':' && string(t[identStart:i]) == "PASS" {
			continue
		}
		out = append(out, refCand{vs, ve, Secret, rankAssign, v, label, ""})
	}
	return out
}

var (
	refLowerWord = regexp.MustCompile(`^[a-z]+$`)
	refProseNext = regexp.MustCompile(`^ (?:[A-Za-z]|--)`)
)

// refProse: a value of ASCII letters only that more words or a flag
// follow.
func refProse(t []byte, vs, ve int) bool {
	return regexp.MustCompile(`^[A-Za-z]+(?:'[A-Za-z]+)*$`).Match(t[vs:ve]) && refProseNext.Match(t[ve:])
}

// refURLPasswords: the password in "scheme://user:password@host".
func refURLPasswords(t []byte, out []refCand) []refCand {
	for i := 1; i+3 <= len(t); i++ {
		if string(t[i:i+3]) != "://" || !refWord(t[i-1]) || t[i-1] == '_' {
			continue
		}
		a := i + 3
		auth := string(refAuthority.Find(t[a:]))
		auth = auth[:min(len(auth), MaxLen)]
		first, last := strings.IndexByte(auth, '@'), strings.LastIndexByte(auth, '@')
		if first < 0 {
			continue
		}
		colon := strings.IndexByte(auth[:first], ':')
		if colon < 0 || a+last+1 >= len(t) || !refWord(t[a+last+1]) && t[a+last+1] != '[' || t[a+last+1] == '_' {
			continue
		}
		v := auth[colon+1 : last]
		if v == "" || refPlaceholder(v, "") {
			continue
		}
		out = append(out, refCand{a + colon + 1, a + last, Secret, rankAssign, v, "password", ""})
	}
	return out
}

// refMySQL: "-p" glued to its value after a mysql* or mariadb* command on
// the same line, no further than 512 bytes back.
func refMySQL(t []byte, out []refCand) []refCand {
	for i := 1; i+2 < len(t); i++ {
		if t[i] != '-' || t[i+1] != 'p' || t[i-1] != ' ' && t[i-1] != '\t' || t[i+2] <= ' ' || t[i+2] == '-' {
			continue
		}
		line := string(t[:i])
		ls := strings.LastIndex(line, "\n") + 1
		ok := false
		for k := ls; k < i; k++ {
			if k < i-512 || k > ls && !strings.ContainsRune(refCmdBoundary, rune(t[k-1])) {
				continue
			}
			rest := line[k:]
			if !strings.HasPrefix(rest, "mysql") && !strings.HasPrefix(rest, "mariadb") {
				continue
			}
			w := strings.TrimLeft(rest, "abcdefghijklmnopqrstuvwxyz-")
			if w != "" && (w[0] == ' ' || w[0] == '\t') {
				ok = true
			}
		}
		if !ok {
			continue
		}
		vs, ve := i+2, 0
		if re := refQuoted[t[vs]]; re != nil && t[vs] != '`' {
			m := regexp.MustCompile(`^` + string(t[vs]) + `([^` + string(t[vs]) + `\n\r]*)`).FindSubmatchIndex(t[vs:])
			vs, ve = vs+m[2], vs+m[3]
		} else {
			ve = vs + len(refUnquoted.Find(t[vs:]))
		}
		ve = min(ve, vs+MaxLen)
		if ve <= vs || refPlaceholder(string(t[vs:ve]), "password") {
			continue
		}
		out = append(out, refCand{vs, ve, Secret, rankAssign, string(t[vs:ve]), "password", ""})
	}
	return out
}

// refCmdBoundary: the bytes after which a command name may start.
const refCmdBoundary = " \t/`(\"';|&"

// refRuns: the line holding t[i] runs cmd (its name after the line start
// or a refCmdBoundary byte, then a blank) no further than 512 bytes back.
func refRuns(t []byte, i int, cmd string) bool {
	line := string(t[:i])
	ls := strings.LastIndex(line, "\n") + 1
	for k := max(ls, i-512); k < i; k++ {
		if k > ls && !strings.ContainsRune(refCmdBoundary, rune(t[k-1])) {
			continue
		}
		if strings.HasPrefix(line[k:], cmd+" ") || strings.HasPrefix(line[k:], cmd+"\t") {
			return true
		}
	}
	return false
}

var (
	refScriptVar  = regexp.MustCompile(`^\$[A-Za-z0-9_]+$`)
	refScriptWord = regexp.MustCompile(`^(?:` + asciiFold("pw|pass|passwd|secret|password") + `)$`)
	refOptQuoted  = map[byte]*regexp.Regexp{
		'"':  regexp.MustCompile(`^"([^"\n\r]*)`),
		'\'': regexp.MustCompile(`^'([^'\n\r]*)`),
	}
)

// refOptValue: an option's value at t[p], quoted (to the closing quote or
// the line's end) or not, cut at MaxLen.
func refOptValue(t []byte, p int) (vs, ve int) {
	if re := refOptQuoted[t[p]]; re != nil {
		m := re.FindSubmatchIndex(t[p:])
		vs, ve = p+m[2], p+m[3]
	} else {
		vs, ve = p, p+len(refUnquoted.Find(t[p:]))
	}
	return vs, min(ve, vs+MaxLen)
}

// refScriptPassword: a value these rules take, not a placeholder, a shell
// variable or the word for a password.
func refScriptPassword(v string) bool {
	return v != "" && !refPlaceholder(v, "password") && !refScriptVar.MatchString(v) && !refScriptWord.MatchString(v)
}

var refSSHPassOpt = regexp.MustCompile(`^[ \t]-p(?:[ \t]{1,8})?()[^\x00-\x20-]`)

// refSSHPass: sshpass's "-p", its value glued or one to eight blanks on.
func refSSHPass(t []byte, out []refCand) []refCand {
	for i := 1; i < len(t); i++ {
		m := refSSHPassOpt.FindSubmatchIndex(t[i-1:])
		if m == nil || !refRuns(t, i, "sshpass") {
			continue
		}
		vs, ve := refOptValue(t, i-1+m[2])
		if v := string(t[vs:ve]); refScriptPassword(v) {
			out = append(out, refCand{vs, ve, Secret, rankAssign, v, "password", ""})
		}
	}
	return out
}

var refCurlOpt = regexp.MustCompile(`^[ \t](?:-u(?:[ \t]{1,8})?|--user[ \t]{1,8})()[^\x00-\x20-]`)

// refCurl: curl's "-u user:pass" or "--user user:pass", the password
// after the first ':'.
func refCurl(t []byte, out []refCand) []refCand {
	for i := 1; i < len(t); i++ {
		m := refCurlOpt.FindSubmatchIndex(t[i-1:])
		if m == nil || !refRuns(t, i, "curl") {
			continue
		}
		cs, ce := refOptValue(t, i-1+m[2])
		user, pass, ok := strings.Cut(string(t[cs:ce]), ":")
		if ok && refScriptPassword(pass) {
			vs := cs + len(user) + 1
			out = append(out, refCand{vs, ce, Secret, rankAssign, pass, "password", ""})
		}
	}
	return out
}

var refIdentified = regexp.MustCompile(`(?:^|[^A-Za-z0-9_])` + asciiFold("identified") + `[ \t]{1,8}(?:` + asciiFold("with") +
	`[ \t]{1,8}[A-Za-z0-9_]{1,64}[ \t]{1,8})?` + asciiFold("by") + ` {1,8}$`)

// refIdentifiedBy: the quoted string after SQL's IDENTIFIED BY or
// IDENTIFIED WITH plugin BY.
func refIdentifiedBy(t []byte, out []refCand) []refCand {
	for q := range t {
		if t[q] != '"' && t[q] != '\'' || !refIdentified.Match(t[:q]) && !refPasswordFunc.Match(t[:q]) {
			continue
		}
		m := refQuoted[t[q]].FindSubmatchIndex(t[q:])
		vs, ve := q+m[2], q+m[3]
		ve = min(ve, vs+MaxLen)
		if v := string(t[vs:ve]); refScriptPassword(v) {
			out = append(out, refCand{vs, ve, Secret, rankAssign, v, "password", ""})
		}
	}
	return out
}

// refPasswordFunc: SQL's PASSWORD( before a quote.
var refPasswordFunc = regexp.MustCompile(`(?:^|[^A-Za-z0-9_])(?i:password)\($`)

var (
	refNetrcHead = regexp.MustCompile(`^(?:machine[ \t]{1,8}[^\x00-\x20]+|default)`)
	refNetrcPair = regexp.MustCompile(`^[ \t]{1,8}([^\x00-\x20]+)[ \t]{1,8}[^\x00-\x20]+`)
)

// refNetrc: a .netrc entry on one line ("machine H login U password P",
// "default ..."), its first word at the line's start or after a blank or
// quote; the first password pair, its keyword within 512 bytes.
func refNetrc(t []byte, out []refCand) []refCand {
	for k := range t {
		if k > 0 && !strings.ContainsRune("\n \t\"'", rune(t[k-1])) {
			continue
		}
		h := refNetrcHead.FindIndex(t[k:])
		if h == nil {
			continue
		}
		p := k + h[1]
		for {
			m := refNetrcPair.FindSubmatchIndex(t[p:])
			if m == nil || p+m[2]-k > 512 {
				break
			}
			kw := string(t[p+m[2] : p+m[3]])
			if kw == "password" {
				vs := p + m[3]
				vs += len(regexp.MustCompile(`^[ \t]*`).Find(t[vs:]))
				v := refUnquoted.Find(t[vs:])
				v = v[:min(len(v), MaxLen)]
				if refScriptPassword(string(v)) && !refProse(t, vs, vs+len(v)) {
					out = append(out, refCand{vs, vs + len(v), Secret, rankAssign, string(v), "password", ""})
				}
				break
			}
			if kw != "login" && kw != "account" && kw != "port" {
				break
			}
			p += m[1]
		}
	}
	return out
}

// refScan is the reference: every candidate of every enabled kind, then the
// earliest, longest, most specific of overlapping candidates.
func refScan(opts Options, text []byte) []Match {
	on := map[Kind]bool{}
	for k := IPv4; k <= Secret; k++ {
		on[k] = opts.Kinds == nil
	}
	for _, k := range opts.Kinds {
		on[k] = true
	}
	var c []refCand
	if on[IPv4] {
		c = refURLHosts(text, c) // first: on the same span it wins
		c = refIPv4(text, c)
	}
	if on[IPv6] {
		c = refIPv6(text, c)
	}
	if on[IPv6] {
		c = refHostV6(text, c)
	}
	if on[MAC] {
		c = refMAC(text, c)
	}
	if on[Email] {
		c = refEmail(text, c)
	}
	if on[Name] {
		c = refNames(opts.Names, text, c)
	}
	if on[Secret] {
		c = refPEMBlocks(text, c)
		c = refTokenCands(text, c)
		c = refAssign(text, c)
		c = refURLPasswords(text, c)
		c = refMySQL(text, c)
		c = refSSHPass(text, c)
		c = refCurl(text, c)
		c = refIdentifiedBy(text, c)
		c = refNetrc(text, c)
	}
	sort.SliceStable(c, func(i, j int) bool {
		if c[i].start != c[j].start {
			return c[i].start < c[j].start
		}
		if c[i].end != c[j].end {
			return c[i].end > c[j].end
		}
		return c[i].rank < c[j].rank
	})
	var out []Match
	last := 0
	for _, x := range c {
		if x.start < last {
			continue
		}
		m := Match{Start: x.start, End: x.end, Kind: x.kind, Value: x.value, Label: x.label, Kept: x.kept}
		if x.kind == IPv4 || x.kind == IPv6 {
			m.Addr = netip.MustParseAddr(x.value)
			m.Scope = ScopeOf(m.Addr)
		}
		if x.kind == MAC {
			hw, err := net.ParseMAC(x.value)
			if err != nil || len(hw) != 6 {
				panic("reference MAC " + x.value)
			}
			m.MAC = [6]byte(hw)
		}
		out = append(out, m)
		last = x.end
	}
	return out
}
