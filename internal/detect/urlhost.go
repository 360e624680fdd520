package detect

import "net/netip"

// numericURLHost finds a URL host written as a number rather than a dotted
// quad, as exploit and phishing URLs hide an address: one 32-bit number
// ("http://3232235777/"), hex ("http://0x08080808/"), or fewer than four
// parts or hex or octal parts as inet_aton reads them ("http://8.526344/",
// "http://0x8.0x8.0x8.0x8/", "http://0177.1/"). h is where the host may
// start, after "://"; a user name and '@' before it are passed over. The
// host must end the authority: '/', ':', '?', '#', a blank, a quote or '>'
// after it, or the end of the text. Four decimal parts are left to the
// dotted-quad detector, and a lone decimal number must be 2^24 or more
// ("http://1/" is none).
func numericURLHost(text []byte, h int) (start, end int, a netip.Addr, ok bool) {
	// userinfo
	for j := h; j < len(text) && j-h < 256; j++ {
		c := text[j]
		if c == '@' {
			h = j + 1
			break
		}
		if c == '/' || c == '?' || c == '#' || isSpaceByte(c) {
			break
		}
	}
	var parts [4]uint64
	np, i, plain := 0, h, true
	for {
		if np == 4 {
			return 0, 0, a, false
		}
		v, k, hexOrOctal, good := inetPart(text, i)
		if !good {
			return 0, 0, a, false
		}
		parts[np] = v
		np++
		plain = plain && !hexOrOctal
		i = k
		if i+1 < len(text) && text[i] == '.' && isDigit(text[i+1]) {
			i++
			continue
		}
		break
	}
	if i < len(text) && !hostEnd(text[i]) {
		return 0, 0, a, false
	}
	if plain && (np == 4 || np == 1 && parts[0] < 1<<24) {
		return 0, 0, a, false
	}
	var v uint64
	for k := 0; k < np-1; k++ {
		if parts[k] > 255 {
			return 0, 0, a, false
		}
		v |= parts[k] << (24 - 8*k)
	}
	last := parts[np-1]
	if last >= 1<<(32-8*(np-1)) {
		return 0, 0, a, false
	}
	v |= last
	return h, i, netip.AddrFrom4([4]byte{byte(v >> 24), byte(v >> 16), byte(v >> 8), byte(v)}), true
}

// inetPart reads one part of an inet_aton address at text[i]: "0x" and one
// to eight hex digits, or up to twelve decimal digits, octal after a '0'.
func inetPart(text []byte, i int) (v uint64, end int, hexOrOctal, ok bool) {
	n := len(text)
	if i >= n || !isDigit(text[i]) {
		return 0, i, false, false
	}
	if text[i] == '0' && i+1 < n && (text[i+1] == 'x' || text[i+1] == 'X') {
		j := i + 2
		for j < n && j-i-2 < 9 && isHex(text[j]) {
			v = v<<4 | uint64(hexVal(text[j]))
			j++
		}
		if j == i+2 || j-i-2 > 8 {
			return 0, j, true, false
		}
		return v, j, true, true
	}
	j := i
	for j < n && j-i < 13 && isDigit(text[j]) {
		j++
	}
	if j-i > 12 {
		return 0, j, false, false // "037777777777" is the longest that fits
	}
	if text[i] == '0' && j-i > 1 {
		for _, c := range text[i+1 : j] {
			if c > '7' {
				return 0, j, true, false
			}
			v = v<<3 | uint64(c-'0')
		}
		return v, j, true, true
	}
	for _, c := range text[i:j] {
		v = v*10 + uint64(c-'0')
	}
	return v, j, false, true
}

// hostEnd reports the bytes that may end a URL's host.
func hostEnd(c byte) bool {
	switch c {
	case '/', ':', '?', '#', '"', '\'', '>', ')', ']':
		return true
	}
	return isSpaceByte(c)
}
