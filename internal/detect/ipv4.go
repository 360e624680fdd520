package detect

import (
	"net/netip"
	"unicode/utf8"
)

// Full-width forms (U+FF0E FULLWIDTH FULL STOP, U+FF10 to U+FF19 FULLWIDTH
// DIGIT ZERO to NINE) are three bytes in UTF-8: EF BC 8E, EF BC 90 to 99.
// Input methods produce them in CJK text, and browsers read them as ASCII
// in host names, so "１９２．１６８．１．１" is 192.168.1.1.

// digitAt returns the value and length of the decimal digit at text[i],
// ASCII or full-width; length 0 if there is none.
func digitAt(text []byte, i int) (v, n int) {
	if i >= len(text) {
		return 0, 0
	}
	if c := text[i]; c < utf8.RuneSelf {
		if isDigit(c) {
			return int(c - '0'), 1
		}
		return 0, 0
	}
	if i+2 < len(text) && text[i] == 0xEF && text[i+1] == 0xBC && text[i+2] >= 0x90 && text[i+2] <= 0x99 {
		return int(text[i+2] - 0x90), 3
	}
	return 0, 0
}

// sepLen returns the length of the octet separator at text[i:]: "." or one
// of the defanged forms threat reports use ("[.]", "(.)", "{.}", "[dot]",
// "(dot)"), the HTML character reference "&#46;" or the full-width full
// stop; 0 if there is none.
func sepLen(text []byte, i int) int {
	if i >= len(text) {
		return 0
	}
	switch text[i] {
	case '.':
		return 1
	case '[', '(', '{':
		closeB := byte(']')
		if text[i] == '(' {
			closeB = ')'
		} else if text[i] == '{' {
			closeB = '}'
		}
		if i+2 < len(text) && text[i+1] == '.' && text[i+2] == closeB {
			return 3
		}
		if text[i] != '{' && i+4 < len(text) && lower[text[i+1]] == 'd' && lower[text[i+2]] == 'o' && lower[text[i+3]] == 't' && text[i+4] == closeB {
			return 5
		}
	case '&':
		if i+4 < len(text) && text[i+1] == '#' && text[i+2] == '4' && text[i+3] == '6' && text[i+4] == ';' {
			return 5
		}
	case 0xEF:
		if i+2 < len(text) && text[i+1] == 0xBC && text[i+2] == 0x8E {
			return 3
		}
	}
	return 0
}

// sepEndLen returns the length of a separator that ends just before text[i]
// (the mirror of sepLen), 0 if none.
func sepEndLen(text []byte, i int) int {
	if i <= 0 {
		return 0
	}
	switch text[i-1] {
	case '.':
		return 1
	case ']', ')', '}', ';', 0x8E:
		if i >= 3 && sepLen(text, i-3) == 3 {
			return 3
		}
		if i >= 5 && sepLen(text, i-5) == 5 {
			return 5
		}
	}
	return 0
}

// digitBefore reports whether a decimal digit, ASCII or full-width, ends
// just before text[i].
func digitBefore(text []byte, i int) bool {
	if i <= 0 {
		return false
	}
	if c := text[i-1]; c < utf8.RuneSelf {
		return isDigit(c)
	}
	_, n := digitAt(text, max(0, i-3))
	return n == 3 && i >= 3
}

// isLabelByte reports an ASCII byte of a host name label: letter, digit or
// '-'.
func isLabelByte(b byte) bool { return class[b]&cLabel != 0 && b < utf8.RuneSelf }

func isLetter(b byte) bool { return lower[b] >= 'a' && lower[b] <= 'z' }

// escapeNameLen returns the length of the name of a markup or URL escape
// whose introducer ends just before text[p], 0 if there is none: "%2F"
// (the "2F"), troff's font and string escapes "\fB", "\f(CW", "\*(Aq",
// "\(aq" and "\*R". Addresses and MACs start after an escape as after a
// space: "\fB8.8.8.8\fR", "\*(Aq127.0.0.1\*(Aq", "%208.8.8.8".
func escapeNameLen(text []byte, p int) int {
	if p <= 0 || p >= len(text) {
		return 0
	}
	switch text[p-1] {
	case '%':
		if p+1 < len(text) && isHex(text[p]) && isHex(text[p+1]) {
			return 2
		}
	case '\\':
		if text[p] == 'f' && p+1 < len(text) && isAlnum(text[p+1]) {
			return 2
		}
	case '(':
		if p+1 < len(text) && p >= 2 && text[p-2] == '\\' || p >= 3 && (text[p-2] == '*' || text[p-2] == 'f') && text[p-3] == '\\' {
			if p+1 < len(text) && text[p] > ' ' && text[p] < utf8.RuneSelf && text[p+1] > ' ' && text[p+1] < utf8.RuneSelf {
				return 2
			}
		}
	case '*':
		if p >= 2 && text[p-2] == '\\' && isAlnum(text[p]) {
			return 1
		}
	}
	return 0
}

// escapeEndsAt reports whether a markup or URL escape (see escapeNameLen)
// ends just before text[e]: its name is the one or two bytes before e.
func escapeEndsAt(text []byte, e int) bool {
	return e >= 2 && escapeNameLen(text, e-2) == 2 || e >= 1 && escapeNameLen(text, e-1) == 1
}

// inURLEscape reports whether text[p] is the first hex digit of a "%XX"
// URL escape.
func inURLEscape(text []byte, p int) bool {
	return p > 0 && text[p-1] == '%' && p+1 < len(text) && isHex(text[p]) && isHex(text[p+1])
}

// gluedLeft4 reports whether a dotted number starting at text[p] continues
// a number to its left: a digit ("11.2.3.4" seen from the second "1") or a
// separator after a digit ("1.2.3.4.5" seen from the "2"). Letters and '_'
// do not glue ("srcIP8.8.8.8", "_8.8.8.8_", "host129.206.196.21.example.com"
// hold addresses), nor does a markup or URL escape ("\fB8.8.8.8",
// "%208.8.8.8").
func gluedLeft4(text []byte, p int) bool {
	if p == 0 {
		return false
	}
	switch c := text[p-1]; {
	case isDigit(c):
		return !escapeEndsAt(text, p)
	case c < utf8.RuneSelf && c != '.' && c != ']' && c != ')' && c != '}' && c != ';':
		return false // no digit and no end of a separator
	}
	glued := digitBefore(text, p)
	if k := sepEndLen(text, p); !glued && k > 0 {
		glued = digitBefore(text, p-k)
	}
	return glued && !escapeEndsAt(text, p)
}

// gluedRight4 is gluedLeft4's mirror for a dotted number ending at text[e]:
// a digit, or a separator before a digit, glues.
func gluedRight4(text []byte, e int) bool {
	if e >= len(text) {
		return false
	}
	switch c := text[e]; {
	case isDigit(c):
		return true
	case c == '.', c == '[', c == '(', c == '{', c == '&':
	case c == 0xEF:
		if _, n := digitAt(text, e); n > 0 {
			return true
		}
	default:
		return false
	}
	if k := sepLen(text, e); k > 0 && e+k < len(text) {
		_, n := digitAt(text, e+k)
		return n > 0
	}
	return false
}

// scanIPv4 looks for a dotted-quad IPv4 address starting at text[p]. Octets
// are one to three decimal digits up to 255, ASCII or full-width; a leading
// zero is read as decimal ("010" is 10). Separators may be defanged.
func scanIPv4(text []byte, p int) (end int, a [4]byte, ok bool) {
	if gluedLeft4(text, p) {
		return 0, a, false
	}
	i := p
	for k := 0; k < 4; k++ {
		if k > 0 {
			s := sepLen(text, i)
			if s == 0 {
				return 0, a, false
			}
			i += s
		}
		v, d := 0, 0
		for i < len(text) {
			c := text[i]
			switch {
			case isDigit(c):
				v = v*10 + int(c-'0')
				i++
			case c == 0xEF && i+2 < len(text) && text[i+1] == 0xBC && text[i+2] >= 0x90 && text[i+2] <= 0x99:
				v = v*10 + int(text[i+2]-0x90)
				i += 3
			default:
				goto octet
			}
			if d++; d > 3 {
				return 0, a, false
			}
		}
	octet:
		if d == 0 || v > 255 {
			return 0, a, false
		}
		a[k] = byte(v)
	}
	if gluedRight4(text, i) {
		return 0, a, false
	}
	return i, a, true
}

// scanDashed4 looks for an address written with dashes, as host names
// carry them ("ip-216-69-169-168", "customer-187-141-143-180-sta"): four
// ASCII octets and three single '-', not continuing a number on either
// side ("1-2-3-4-5" is none). Digits that end a word of letters are that
// word's, not a number before the address: Amazon's "ec2-54-12-34-56"
// holds 54.12.34.56.
func scanDashed4(text []byte, p int) (end int, a [4]byte, ok bool) {
	if p > 0 && (isDigit(text[p-1]) || text[p-1] == '-' && p >= 2 && isDigit(text[p-2]) && !endsLetterWord(text, p-1)) {
		return 0, a, false
	}
	i := p
	for k := 0; k < 4; k++ {
		if k > 0 {
			if i >= len(text) || text[i] != '-' {
				return 0, a, false
			}
			i++
		}
		v, d := 0, 0
		for i < len(text) && isDigit(text[i]) {
			v = v*10 + int(text[i]-'0')
			i++
			if d++; d > 3 {
				return 0, a, false
			}
		}
		if d == 0 || v > 255 {
			return 0, a, false
		}
		a[k] = byte(v)
	}
	if i < len(text) && (isDigit(text[i]) || text[i] == '-' && i+1 < len(text) && isDigit(text[i+1])) {
		return 0, a, false
	}
	return i, a, true
}

// endsLetterWord reports whether the digits that end text[:e] follow a
// letter ("ec2", "vm12").
func endsLetterWord(text []byte, e int) bool {
	j := e
	for j > 0 && e-j < maxLabel && isDigit(text[j-1]) {
		j--
	}
	return j > 0 && isLetter(text[j-1])
}

// maxLabel bounds how far a match extends over the rest of a host name
// label, as DNS bounds a label.
const maxLabel = 63

// labelLeft returns where the host name label around an address starting
// at text[s] starts: the run of letters, digits and '-' before s, after
// any escape that introduces it, when the run holds a letter; s otherwise.
// A run that follows a dotted number ("1.2.3.4-to-5.6.7.8") belongs to
// that number, not to this address.
func labelLeft(text []byte, s int) int {
	j := s
	for j > 0 && s-j < maxLabel && isLabelByte(text[j-1]) {
		j--
	}
	if k := escapeNameLen(text, j); k > 0 && j+k <= s {
		j += k
	}
	if gluedLeft4(text, j) {
		return s // the run belongs to the dotted number before it
	}
	for k := j; k < s; k++ {
		if isLetter(text[k]) {
			return j
		}
	}
	return s
}

// labelRight is labelLeft's mirror for an address ending at text[e]. A run
// followed by a dotted number ends at its last letter.
func labelRight(text []byte, e int) int {
	j := e
	for j < len(text) && j-e < maxLabel && isLabelByte(text[j]) {
		j++
	}
	if j < len(text) && gluedRight4(text, j) {
		for j > e && !isLetter(text[j-1]) {
			j--
		}
	}
	for k := e; k < j; k++ {
		if isLetter(text[k]) {
			return j
		}
	}
	return e
}

// hostAfter reports whether a host name continues after text[e]: a dot and
// a letter.
func hostAfter(text []byte, e int) bool {
	return e+1 < len(text) && text[e] == '.' && isLetter(text[e+1])
}

// inAddrArpa reports whether ".in-addr.arpa" follows text[e]: the address
// before it is written backwards.
func inAddrArpa(text []byte, e int) bool {
	const suf = ".in-addr.arpa"
	if len(text)-e < len(suf) {
		return false
	}
	for k := 0; k < len(suf); k++ {
		if lower[text[e+k]] != suf[k] {
			return false
		}
	}
	return true
}

func (s *Scanner) ipv4At(text []byte, p int, best *cand) {
	if inURLEscape(text, p) {
		// "%208.8.8.8" is a space and 8.8.8.8.
		if _, _, ok := scanIPv4(text, p+2); ok {
			return
		}
	}
	end, a, ok := scanIPv4(text, p)
	if !ok {
		return
	}
	c := cand{start: p, end: end, kind: IPv4, rank: rankIPv4}
	if inAddrArpa(text, end) {
		a[0], a[1], a[2], a[3] = a[3], a[2], a[1], a[0]
	} else if versionContext(text, p, end) {
		c.kept = keptVersion
	}
	c.addr = netip.AddrFrom4(a)
	if c.kept == 0 {
		if p > 0 && isLabelByte(text[p-1]) {
			c.start = labelLeft(text, p)
		}
		if end < len(text) && isLabelByte(text[end]) {
			c.end = labelRight(text, end)
		}
	}
	best.offer(c)
}

func (s *Scanner) dashed4At(text []byte, p int, best *cand) {
	end, a, ok := scanDashed4(text, p)
	if !ok {
		return
	}
	st, e := labelLeft(text, p), labelRight(text, end)
	if st == p && e == end && !hostAfter(text, end) {
		return // "1-2-3-4" alone is not a host name
	}
	best.offer(cand{start: st, end: e, kind: IPv4, rank: rankIPv4, addr: netip.AddrFrom4(a)})
}

// innerIPv4 finds an address glued to the letters of the word at text[p]
// ("srcIP8.8.8.8", "host129.206.196.21.example.com", "ip216-69-169-168"):
// one whose first octet ends the word.
func (s *Scanner) innerIPv4(text []byte, p int, best *cand) {
	e := p
	for e < len(text) && isWordByte(text[e]) {
		e++
	}
	s.innerIPv4End(text, p, e, best)
}

// innerIPv4End is innerIPv4 for the word text[p:e].
func (s *Scanner) innerIPv4End(text []byte, p, e int, best *cand) {
	if e >= len(text) || e == p || !isDigit(text[e-1]) {
		return
	}
	d := e - 1
	for d > p && isDigit(text[d-1]) {
		d--
	}
	if d == p || e-d > 3 {
		return
	}
	if text[e] == '-' {
		s.dashed4At(text, d, best)
	} else if sepLen(text, e) > 0 {
		s.ipv4At(text, d, best)
	}
}
