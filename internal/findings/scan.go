package findings

import "strings"

// scan finds product and vocabulary mentions, longest alias first, each
// token used by at most one mention. Product mentions carry the version
// that follows them, if any.
func (d *Dictionary) scan(text string) (prods, terms []mention) {
	toks := tokenize(text)
	var buf []byte
	for i := 0; i < len(toks); {
		t := toks[i]
		buf = appendLower(buf[:0], text[t.start:t.end])
		n := 0
		var hit alias
		for _, a := range d.first[string(buf)] {
			if d.matches(text, toks, i, a) {
				n, hit = len(a.tokens), a
				break
			}
		}
		if n == 0 {
			i++
			continue
		}
		m := mention{start: t.start, end: toks[i+n-1].end, index: hit.index}
		if hit.isTerm {
			terms = append(terms, m)
		} else {
			if r, vs, ve, ok := versionAfter(text, m.end); ok {
				m.version, m.vStart, m.vEnd = r, vs, ve
			}
			prods = append(prods, m)
		}
		i += n
		for i < len(toks) && toks[i].start < m.vEnd {
			i++ // the version's tokens are not aliases
		}
	}
	return prods, terms
}

// matches reports whether alias a occurs at token i: consecutive tokens,
// separated by at most two non-word bytes, equal in the alias's case rule.
func (d *Dictionary) matches(text string, toks []token, i int, a alias) bool {
	if i+len(a.tokens) > len(toks) {
		return false
	}
	for k, w := range a.tokens {
		t := toks[i+k]
		if k > 0 && t.start-toks[i+k-1].end > 2 {
			return false
		}
		s := text[t.start:t.end]
		if a.exact {
			if s != w {
				return false
			}
		} else if !strings.EqualFold(s, w) {
			return false
		}
	}
	return true
}

func appendLower(dst []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= 'A' && c <= 'Z' {
			c += 'a' - 'A'
		}
		dst = append(dst, c)
	}
	return dst
}

// scanCVEs finds CVE IDs on word boundaries, normalised to upper case.
func scanCVEs(text string) []mention {
	var out []mention
	for i := 0; i+13 <= len(text); i++ {
		c := text[i]
		if c != 'C' && c != 'c' {
			continue
		}
		if i > 0 && isWord(text[i-1]) {
			continue
		}
		n := cveLen(text, i)
		if n == 0 {
			continue
		}
		out = append(out, mention{start: i, end: i + n, index: -1, cve: strings.ToUpper(text[i : i+n])})
		i += n - 1
	}
	return out
}

// cveLen returns the length of the CVE ID at s[i:] ("CVE-" in any case,
// a four-digit year, "-", four to nineteen digits, then no word byte), or 0.
func cveLen(s string, i int) int {
	if len(s)-i < 13 || !strings.EqualFold(s[i:i+4], "CVE-") {
		return 0
	}
	j := i + 4
	for k := 0; k < 4; k++ {
		if s[j+k] < '0' || s[j+k] > '9' {
			return 0
		}
	}
	j += 4
	if s[j] != '-' {
		return 0
	}
	j++
	k := j
	for k < len(s) && k-j < 20 && s[k] >= '0' && s[k] <= '9' {
		k++
	}
	if n := k - j; n < 4 || n > 19 {
		return 0
	}
	if k < len(s) && isWord(s[k]) {
		return 0
	}
	return k - i
}

// versionQualifiers say how a version after a product name bounds the
// affected range.
var versionQualifiers = []struct {
	word string
	kind byte // '<' fixed in this version, '=' up to and including it
}{
	{"before ", '<'}, {"prior to ", '<'}, {"<= ", '='}, {"<=", '='},
	{"< ", '<'}, {"<", '<'}, {"up to ", '='}, {"through ", '='},
	{"versions ", 0}, {"version ", 0},
}

// versionAfter reads a version right after a product name: "iOS 10.3",
// "Chrome before 63.0.3239.84", "RouterOS v6.38", "Firefox up to 52".
func versionAfter(text string, p int) (r Range, start, end int, ok bool) {
	j := p
	for k := 0; k < 3 && j < len(text) && (text[j] == ' ' || text[j] == '\t'); k++ {
		j++
	}
	var kind byte
	for _, q := range versionQualifiers {
		if len(text)-j >= len(q.word) && strings.EqualFold(text[j:j+len(q.word)], q.word) {
			j += len(q.word)
			if q.kind != 0 {
				kind = q.kind
			}
			for _, q2 := range versionQualifiers[:8] {
				if kind == 0 && len(text)-j >= len(q2.word) && strings.EqualFold(text[j:j+len(q2.word)], q2.word) {
					j += len(q2.word)
					kind = q2.kind
				}
			}
			break
		}
	}
	if j < len(text) && (text[j] == 'v' || text[j] == 'V') && j+1 < len(text) && isDigit(text[j+1]) {
		j++
	}
	if j >= len(text) || !isDigit(text[j]) {
		return r, 0, 0, false
	}
	start = j
	k := j
	for k < len(text) && k-j < 40 && (isWord(text[k]) && text[k] < 0x80 || text[k] == '.' && k+1 < len(text) && isDigit(text[k+1])) {
		k++
	}
	if k < len(text) && isWord(text[k]) {
		return r, 0, 0, false // too long to be a version
	}
	v := text[start:k]
	end = k
	if rest := text[k:]; kind == 0 && (hasPrefixFold(rest, " and earlier") || hasPrefixFold(rest, " and below") || hasPrefixFold(rest, " and older")) {
		kind = '='
	}
	switch kind {
	case '<':
		r.Fixed = v
	case '=':
		r.LastAffected = v
	default:
		r.Introduced, r.LastAffected = v, v
	}
	return r, start, end, true
}

func isDigit(b byte) bool { return b >= '0' && b <= '9' }

func hasPrefixFold(s, p string) bool {
	return len(s) >= len(p) && strings.EqualFold(s[:len(p)], p)
}
