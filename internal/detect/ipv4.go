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

// fullWidthAlnum reports whether the rune ending at text[i] (exclusive), or
// starting at text[i] if after, is a full-width digit or Latin letter, which
// glue to an address as their ASCII forms do.
func fullWidthAlnum(text []byte, i int, after bool) bool {
	var b []byte
	if after {
		if i+2 >= len(text) {
			return false
		}
		b = text[i : i+3]
	} else {
		if i < 3 {
			return false
		}
		b = text[i-3 : i]
	}
	if b[0] != 0xEF {
		return false
	}
	switch {
	case b[1] == 0xBC:
		return b[2] >= 0x90 && b[2] <= 0x99 || b[2] >= 0xA1 && b[2] <= 0xBA // ０-９ Ａ-Ｚ
	case b[1] == 0xBD:
		return b[2] >= 0x81 && b[2] <= 0x9A // ａ-ｚ
	}
	return false
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

// digitBefore reports whether a decimal digit, ASCII or full-width, or '_'
// ends just before text[i].
func digitBefore(text []byte, i int) bool {
	if i <= 0 {
		return false
	}
	if c := text[i-1]; c < utf8.RuneSelf {
		return isDigit(c) || c == '_'
	}
	_, n := digitAt(text, max(0, i-3))
	return n == 3 && i >= 3
}

// gluedLeft4 reports whether a dotted number starting at text[p] continues
// something to its left: a word byte or full-width letter or digit
// ("v1.2.3.4"), or a separator after a digit or '_' ("1.2.3.4.5" seen from
// the "2"). A separator after a letter does not glue: "static-1.2.3.4" and
// "host.1.2.3.4" hold addresses; nor does a URL escape ("%2F1.2.3.4").
func gluedLeft4(text []byte, p int) bool {
	if p == 0 {
		return false
	}
	if isWordByte(text[p-1]) {
		// A word glues, but for a URL escape: "url=http%3A%2F%2F1.2.3.4".
		return !(p >= 3 && text[p-3] == '%' && isHex(text[p-2]) && isHex(text[p-1]))
	}
	if text[p-1] >= utf8.RuneSelf && fullWidthAlnum(text, p, false) {
		return true
	}
	if k := sepEndLen(text, p); k > 0 {
		return digitBefore(text, p-k)
	}
	return false
}

// gluedRight4 is gluedLeft4's mirror for a dotted number ending at text[e].
// A dot before a space or the end ("... from 1.2.3.4.") does not glue, nor
// does one before a letter: reverse-DNS host names such as
// "5.36.59.76.dynamic-dsl.example.net" carry the address in the clear.
func gluedRight4(text []byte, e int) bool {
	if e >= len(text) {
		return false
	}
	if isWordByte(text[e]) || text[e] == 0xEF && fullWidthAlnum(text, e, true) {
		return true
	}
	if k := sepLen(text, e); k > 0 && e+k < len(text) {
		_, n := digitAt(text, e+k)
		return n > 0 || text[e+k] == '_'
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

func (s *Scanner) ipv4At(text []byte, p int, best *cand) {
	end, a, ok := scanIPv4(text, p)
	if !ok {
		return
	}
	best.offer(cand{start: p, end: end, kind: IPv4, rank: rankIPv4, addr: netip.AddrFrom4(a)})
}
