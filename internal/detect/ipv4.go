package detect

import "net/netip"

// sepLen returns the length of the octet separator at text[i:]: "." or one
// of the defanged forms threat reports use ("[.]", "(.)", "{.}", "[dot]",
// "(dot)"), or the HTML character reference "&#46;"; 0 if there is none.
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
	case ']', ')', '}', ';':
		if i >= 3 && sepLen(text, i-3) == 3 {
			return 3
		}
		if i >= 5 && sepLen(text, i-5) == 5 {
			return 5
		}
	}
	return 0
}

// gluedLeft4 reports whether a dotted number starting at text[p] continues
// something to its left: a word byte ("v1.2.3.4"), or a separator after a
// digit or '_' ("1.2.3.4.5" seen from the "2"). A separator after a letter
// does not glue: "static-1.2.3.4" and "host.1.2.3.4" hold addresses.
func gluedLeft4(text []byte, p int) bool {
	if p == 0 {
		return false
	}
	if isWordByte(text[p-1]) {
		return true
	}
	if k := sepEndLen(text, p); k > 0 && p-k-1 >= 0 {
		c := text[p-k-1]
		return isDigit(c) || c == '_'
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
	if isWordByte(text[e]) {
		return true
	}
	if k := sepLen(text, e); k > 0 && e+k < len(text) {
		c := text[e+k]
		return isDigit(c) || c == '_'
	}
	return false
}

// scanIPv4 looks for a dotted-quad IPv4 address starting at text[p]. Octets
// are one to three decimal digits up to 255; a leading zero is read as
// decimal ("010" is 10). Separators may be defanged.
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
		for i < len(text) && isDigit(text[i]) {
			if d == 3 {
				return 0, a, false
			}
			v = v*10 + int(text[i]-'0')
			d++
			i++
		}
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
