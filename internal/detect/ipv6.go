package detect

import (
	"bytes"
	"net/netip"
)

// parseIPv6 parses b as an IPv6 address without a zone, with exactly the
// grammar of net/netip: groups of one to four hex digits, at most one "::"
// that stands for at least one zero group, and an optional trailing dotted
// IPv4 address without leading zeros in its octets.
func parseIPv6(b []byte) (ip [16]byte, ok bool) {
	ellipsis := -1
	if len(b) >= 2 && b[0] == ':' && b[1] == ':' {
		ellipsis = 0
		b = b[2:]
		if len(b) == 0 {
			return ip, true
		}
	}
	i := 0
	for i < 16 {
		off, acc := 0, uint32(0)
		for ; off < len(b); off++ {
			c := b[off]
			switch {
			case '0' <= c && c <= '9':
				acc = acc<<4 + uint32(c-'0')
			case 'a' <= c && c <= 'f':
				acc = acc<<4 + uint32(c-'a'+10)
			case 'A' <= c && c <= 'F':
				acc = acc<<4 + uint32(c-'A'+10)
			default:
				goto done
			}
			if off > 3 {
				return ip, false
			}
		}
	done:
		if off == 0 {
			return ip, false
		}
		if off < len(b) && b[off] == '.' {
			if ellipsis < 0 && i != 12 || i+4 > 16 {
				return ip, false
			}
			if !parseDotted(b, ip[i:i+4]) {
				return ip, false
			}
			b = nil
			i += 4
			break
		}
		ip[i] = byte(acc >> 8)
		ip[i+1] = byte(acc)
		i += 2
		b = b[off:]
		if len(b) == 0 {
			break
		}
		if b[0] != ':' || len(b) == 1 {
			return ip, false
		}
		b = b[1:]
		if b[0] == ':' {
			if ellipsis >= 0 {
				return ip, false
			}
			ellipsis = i
			b = b[1:]
			if len(b) == 0 {
				break
			}
		}
	}
	if len(b) != 0 {
		return ip, false
	}
	if i < 16 {
		if ellipsis < 0 {
			return ip, false
		}
		n := 16 - i
		for j := i - 1; j >= ellipsis; j-- {
			ip[j+n] = ip[j]
		}
		clear(ip[ellipsis : ellipsis+n])
	} else if ellipsis >= 0 {
		return ip, false
	}
	return ip, true
}

// parseDotted parses an IPv4 address embedded in IPv6 text the way net/netip
// does: four decimal octets, no leading zeros.
func parseDotted(s []byte, f []byte) bool {
	val, pos, dig := 0, 0, 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case '0' <= c && c <= '9':
			if dig == 1 && val == 0 {
				return false
			}
			val = val*10 + int(c-'0')
			dig++
			if val > 255 {
				return false
			}
		case c == '.':
			if i == 0 || i == len(s)-1 || s[i-1] == '.' || pos == 3 {
				return false
			}
			f[pos] = byte(val)
			pos++
			val, dig = 0, 0
		default:
			return false
		}
	}
	if pos < 3 {
		return false
	}
	f[3] = byte(val)
	return true
}

// maxV6Text bounds the text of an IPv6 address:
// "0000:0000:0000:0000:0000:ffff:255.255.255.255" has 45 bytes.
const maxV6Text = 64

// v6LeftOK reports whether an IPv6 address may start at text[p]: not inside
// a word, a longer colon-hex run ("::" after a colon) or a dotted name.
// "addr:fe80::1" is allowed: the colon follows a non-hex letter; so is the
// SMTP address literal "[IPv6:2001:db8::1]".
func v6LeftOK(text []byte, p int) bool {
	if p == 0 {
		return true
	}
	switch b := text[p-1]; {
	case isWordByte(b):
		return false
	case b == ':':
		if p >= 5 && lower[text[p-5]] == 'i' && lower[text[p-4]] == 'p' && lower[text[p-3]] == 'v' && text[p-2] == '6' && !wordAt(text, p-6) {
			return true
		}
		if text[p] == ':' {
			return false
		}
		return p < 2 || !(isHex(text[p-2]) || text[p-2] == ':')
	case b == '.':
		return !wordAt(text, p-2)
	}
	return true
}

// v6GroupAt reports whether text[i:] starts another group of a colon-hex
// run: a second ':' or one to four hex digits that end the word.
func v6GroupAt(text []byte, i int) bool {
	if i < len(text) && text[i] == ':' {
		return true
	}
	k := 0
	for i+k < len(text) && k < 5 && isHex(text[i+k]) {
		k++
	}
	return k >= 1 && k <= 4 && !wordAt(text, i+k)
}

// v6GluedRight reports whether the address text[p:end] is glued to what
// follows: a word, a dotted name, or more groups of the colon-hex run, as
// in "1:2:3:4:5:6:7:8:9" (too many groups) or "2001:db8::1::". A colon that
// ends a message ("2001:db8::1: refused") does not glue, nor does a port
// after a form that cannot take more groups: eight groups without "::" or
// an embedded IPv4 address, then ':' and a port of two to five digits, as
// Java prints unbracketed socket addresses ("0:0:0:0:0:0:0:1:8080").
func v6GluedRight(text []byte, p, end int) bool {
	if end >= len(text) {
		return false
	}
	switch b := text[end]; {
	case isWordByte(b):
		return true
	case b == '.':
		return wordAt(text, end+1)
	case b == '/' && end-p >= 2 && text[end-1] == ':' && text[end-2] == ':':
		// A path after "::" is a colon-separated record, not an address
		// with a prefix length: "alice:x:1000:1000::/home/alice".
		return !(end+1 < len(text) && isDigit(text[end+1]))
	case b != ':' || !v6GroupAt(text, end+1):
		return false
	}
	a := text[p:end]
	if bytes.Contains(a, []byte("::")) && bytes.IndexByte(a, '.') < 0 {
		return true
	}
	v, d := 0, 0
	for end+1+d < len(text) && isDigit(text[end+1+d]) && d < 6 {
		v = v*10 + int(text[end+1+d]-'0')
		d++
	}
	if d < 2 || d > 5 || v > 65535 {
		return true
	}
	e := end + 1 + d
	if e >= len(text) {
		return false
	}
	switch b := text[e]; {
	case isWordByte(b):
		return true
	case b == '.':
		return wordAt(text, e+1)
	case b == ':':
		return v6GroupAt(text, e+1)
	}
	return false
}

// v6Marked reports whether the address text[p:end] is marked as one by
// its context, which lifts the ambiguity rules: a prefix length ("::/0",
// "1::/16") or brackets that do not index something ("[::]:80", but not
// "x[::2]").
func v6Marked(text []byte, p, end int) bool {
	if end < len(text) && text[end] == '/' {
		v, d := 0, 0
		for end+1+d < len(text) && isDigit(text[end+1+d]) && d < 4 {
			v = v*10 + int(text[end+1+d]-'0')
			d++
		}
		e := end + 1 + d
		return d >= 1 && d <= 3 && v <= 128 && !wordAt(text, e) && !(e < len(text) && text[e] == '.' && wordAt(text, e+1))
	}
	if p == 0 || text[p-1] != '[' || end >= len(text) || text[end] != ']' {
		return false
	}
	if p >= 2 {
		if b := text[p-2]; isWordByte(b) || b == ']' || b == ')' {
			return false
		}
	}
	return true
}

// scanIPv6 looks for an IPv6 address starting at text[p]: the longest prefix
// of the following run of [0-9A-Fa-f:.] that net/netip accepts, if it is not
// glued to a word on its right. Ambiguous short forms are refused:
//   - a compressed form ("::") must contain a decimal digit, so C++ scopes and
//     hex words ("dead::beef", "a::b") are not addresses;
//   - a compressed form with a single group must be "::1" or have a group of
//     three or more hex digits ("fe80::", "2001::" but not "1::" or "::2",
//     which are Python slices and Rust paths far more often than addresses);
//   - eight groups of exactly two hex digits are an EUI-64 or Fibre Channel
//     WWN, not an address.
func scanIPv6(text []byte, p int) (end int, ip [16]byte, ok bool) {
	if !v6LeftOK(text, p) {
		return 0, ip, false
	}
	r, colons, dbl, dot := p, 0, false, false
	for r < len(text) && r-p < maxV6Text {
		c := text[r]
		if c == ':' {
			colons++
			if r > p && text[r-1] == ':' {
				dbl = true
			}
		} else if c == '.' {
			dot = true
		} else if !isHex(c) {
			break
		}
		r++
	}
	// A valid address has "::", eight groups, or six and an IPv4 address.
	if !dbl && colons < 7 && !(colons == 6 && dot) {
		return 0, ip, false
	}
	end = -1
	for e := r; e >= p+2; e-- {
		last := text[e-1]
		if !isHex(last) && !(last == ':' && text[e-2] == ':') {
			continue
		}
		if a, good := parseIPv6(text[p:e]); good {
			end, ip = e, a
			break
		}
	}
	if end < 0 {
		return 0, ip, false
	}
	if v6GluedRight(text, p, end) {
		return 0, ip, false
	}
	if !v6Plausible(text[p:end]) && !v6Marked(text, p, end) {
		return 0, ip, false
	}
	return end, ip, true
}

// v6Plausible applies the ambiguity rules of scanIPv6 to the text of a valid
// address.
func v6Plausible(t []byte) bool {
	groups, digit, dbl, maxLen, two := 0, false, false, 0, true
	for i := 0; i < len(t); {
		if t[i] == ':' {
			if i+1 < len(t) && t[i+1] == ':' {
				dbl = true
				i += 2
			} else {
				i++
			}
			continue
		}
		j := i
		for j < len(t) && t[j] != ':' {
			if isDigit(t[j]) {
				digit = true
			}
			j++
		}
		n := j - i
		isV4 := false
		for _, c := range t[i:j] {
			if c == '.' {
				isV4 = true
			}
		}
		if isV4 {
			groups += 2
			two = false
		} else {
			groups++
			if n != 2 {
				two = false
			}
		}
		maxLen = max(maxLen, n)
		i = j
	}
	if dbl {
		if !digit || groups == 0 {
			return false
		}
		if groups == 1 && string(t) != "::1" && maxLen < 3 {
			return false
		}
		return true
	}
	return !(groups == 8 && two)
}

func (s *Scanner) ipv6At(text []byte, p int, best *cand) {
	end, ip, ok := scanIPv6(text, p)
	if !ok {
		return
	}
	best.offer(cand{start: p, end: end, kind: IPv6, rank: rankIPv6, addr: netip.AddrFrom16(ip)})
}
