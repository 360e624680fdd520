package detect

import "net/netip"

// IPv6 addresses in host names. DNS names cannot hold a colon, so a host
// name carries an IPv6 address in one of two other forms:
//
//   - dashes for colons, as providers name their hosts and Windows writes
//     an address as a UNC name ("2a00-1450-4001-81b-0-0-0-200e.example.net",
//     "fe80--1s4.ipv6-literal.net"): eight groups of one to four hex digits,
//     or three to seven around one "--" (two in a Windows name), in a host
//     name label;
//   - nibbles, backwards, in a PTR record's name: 32 hex digits, each
//     followed by a dot, before "ip6.arpa".
//
// Both are redacted as the address they hold, like the dashed and reversed
// IPv4 forms.

// scanDashed6 reads a dashed IPv6 address starting at text[p], a hex
// digit. It does not continue a run of dashed hex groups to the left (a
// word of hex digits before a '-'), nor may one continue after it.
func scanDashed6(text []byte, p int) (end int, ip [16]byte, ok bool) {
	if p > 0 && (isHex(text[p-1]) || class[text[p-1]]&cWord != 0 || text[p-1] == '-' && hexGroupBefore(text, p-1)) {
		return 0, ip, false
	}
	var buf [8*5 - 1]byte // the colon form: at most 8 groups of 4 and 7 colons
	n, groups, dbl := 0, 0, false
	i := p
	for {
		g := i
		for i < len(text) && i-g < 5 && isHex(text[i]) {
			i++
		}
		if i-g == 0 || i-g > 4 || groups == 8 {
			return 0, ip, false
		}
		n += copy(buf[n:], text[g:i])
		groups++
		if i+1 >= len(text) || text[i] != '-' {
			break
		}
		if text[i+1] == '-' {
			if dbl || i+2 >= len(text) || !isHex(text[i+2]) {
				break // a second "--", or one that ends the run
			}
			dbl = true
			buf[n], buf[n+1] = ':', ':'
			n += 2
			i += 2
			continue
		}
		if !isHex(text[i+1]) {
			break
		}
		buf[n] = ':'
		n++
		i++
	}
	if i+1 < len(text) && text[i] == '-' && text[i+1] == '-' {
		return 0, ip, false // a second "--", or one that ends the run
	}
	// Around a "--" three groups at least, or Windows' literal name: "2--4x"
	// and "10--20" are prose.
	if dbl && (groups < 3 && !ipv6Literal(text, i) || !hasDigit(text[p:i])) || !dbl && groups != 8 {
		return 0, ip, false
	}
	a, err := netip.ParseAddr(string(buf[:n]))
	if err != nil || !a.Is6() {
		return 0, ip, false
	}
	return i, a.As16(), true
}

// ipv6Literal reports whether the label that goes on at text[e] ends in
// ".ipv6-literal.net", Windows' name for an address ("fe80--1s4").
func ipv6Literal(text []byte, e int) bool {
	const suf = ".ipv6-literal.net"
	j := e
	for j < len(text) && j-e < maxLabel && isLabelByte(text[j]) {
		j++
	}
	if len(text)-j < len(suf) {
		return false
	}
	for k := 0; k < len(suf); k++ {
		if lower[text[j+k]] != suf[k] {
			return false
		}
	}
	return true
}

// hexGroupBefore reports whether the word that ends at text[e] is one to
// four hex digits, a group of a dashed run that starts further left.
func hexGroupBefore(text []byte, e int) bool {
	j := e
	for j > 0 && e-j < 5 && class[text[j-1]]&cWord != 0 {
		j--
	}
	if e-j == 0 || e-j > 4 || j > 0 && class[text[j-1]]&cWord != 0 {
		return false
	}
	for _, c := range text[j:e] {
		if !isHex(c) {
			return false
		}
	}
	return true
}

func hasDigit(b []byte) bool {
	for _, c := range b {
		if isDigit(c) {
			return true
		}
	}
	return false
}

// dashed6May is the fast loop's cheap test for a dashed IPv6 address at
// the word text[ws:e] of hex digits before a '-': eight groups or a "--"
// in the run from it, counted without parsing.
func dashed6May(text []byte, ws, e int) bool {
	groups, dbl := 1, false
	for i := e; i+1 < len(text) && text[i] == '-'; {
		i++
		if text[i] == '-' {
			if dbl {
				return false
			}
			dbl = true
			i++
		}
		g := i
		for i < len(text) && i-g < 5 && isHex(text[i]) {
			i++
		}
		if i == g {
			return false
		}
		if groups++; groups == 8 || dbl && groups >= 2 {
			return true
		}
		if groups == 3 && ws >= 2 && text[ws-1] == '-' && hexGroupBefore(text, ws-1) {
			// Inside a longer run, where scanDashed6 starts nothing;
			// looked at only now, as most runs end before.
			return false
		}
	}
	return false
}

func (s *Scanner) dashed6At(text []byte, p int, best *cand) {
	end, ip, ok := scanDashed6(text, p)
	if !ok {
		return
	}
	st, e := labelLeft(text, p), labelRight(text, end)
	if st == p && e == end && !hostAfter(text, end) {
		return // a run of hex groups alone is not a host name
	}
	best.offer(cand{start: st, end: e, kind: IPv6, rank: rankIPv6, addr: netip.AddrFrom16(ip)})
}

// nibbleSpan is the length of a PTR name's 32 nibbles and their dots,
// the last dot left out.
const nibbleSpan = 32*2 - 1

// scanNibble6 reads the 32 reversed nibbles of an IPv6 PTR name starting
// at text[p] ("b.a.9.8. ... .0.1.0.0.2.ip6.arpa"), not continuing a
// longer run of nibbles to the left.
func scanNibble6(text []byte, p int) (end int, ip [16]byte, ok bool) {
	const suf = ".ip6.arpa"
	if len(text)-p < nibbleSpan+len(suf) {
		return 0, ip, false
	}
	if p > 0 && (class[text[p-1]]&cWord != 0 || text[p-1] == '.' && p >= 2 && isHex(text[p-2])) {
		return 0, ip, false
	}
	for k := 0; k < 32; k++ {
		c := text[p+2*k]
		if !isHex(c) || k < 31 && text[p+2*k+1] != '.' {
			return 0, ip, false
		}
		v := hexVal(c)
		b := 15 - k/2 // the first nibble is the address's last
		if k%2 == 0 {
			ip[b] |= v
		} else {
			ip[b] |= v << 4
		}
	}
	e := p + nibbleSpan
	for k := 0; k < len(suf); k++ {
		if lower[text[e+k]] != suf[k] {
			return 0, ip, false
		}
	}
	return e, ip, true
}

func (s *Scanner) nibble6At(text []byte, p int, best *cand) {
	end, ip, ok := scanNibble6(text, p)
	if !ok {
		return
	}
	best.offer(cand{start: p, end: end, kind: IPv6, rank: rankIPv6, addr: netip.AddrFrom16(ip)})
}
