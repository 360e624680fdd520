package detect

// macGluedLeft reports whether a MAC address starting at text[p] would be
// part of something longer: a word, a longer colon/dash hex run or a dotted
// name. A markup escape does not glue ("\*(Aq00:1a:2b:3c:4d:5e").
func macGluedLeft(text []byte, p int) bool {
	if p == 0 || escapeEndsAt(text, p) {
		return false
	}
	switch b := text[p-1]; {
	case isWordByte(b):
		return true
	case b == ':' || b == '-':
		return p >= 2 && isHex(text[p-2])
	case b == '.':
		return wordAt(text, p-2)
	}
	return false
}

func macGluedRight(text []byte, e int) bool {
	if e >= len(text) {
		return false
	}
	switch b := text[e]; {
	case isWordByte(b):
		return true
	case b == ':' || b == '-':
		return e+1 < len(text) && isHex(text[e+1])
	case b == '.':
		return wordAt(text, e+1)
	}
	return false
}

func hexRun(text []byte, i int) int {
	j := i
	for j < len(text) && isHex(text[j]) {
		j++
	}
	return j - i
}

// scanMAC looks for a 48-bit MAC address starting at text[p] in one of three
// notations: six colon-separated groups of one or two hex digits
// ("0:1b:63:84:45:e6" as macOS prints it), six dash-separated pairs, or
// Cisco's three dot-separated quads. It writes the six bytes to mac.
func scanMAC(text []byte, p int, mac *[6]byte) (end int, ok bool) {
	ipt := iptablesMAC(text, p)
	if !ipt && macGluedLeft(text, p) {
		return 0, false
	}
	n := hexRun(text, p)
	i := p + n
	switch {
	case n == 4 && i < len(text) && text[i] == '.':
		for g := 0; g < 3; g++ {
			if g > 0 {
				if i >= len(text) || text[i] != '.' || hexRun(text, i+1) != 4 {
					return 0, false
				}
				i += 5
			}
			q := i - 4
			mac[2*g] = hexByte(text[q], text[q+1])
			mac[2*g+1] = hexByte(text[q+2], text[q+3])
		}
	case (n == 1 || n == 2) && i < len(text) && (text[i] == ':' || text[i] == '-'):
		sep := text[i]
		i = p
		for g := 0; g < 6; g++ {
			if g > 0 {
				if i >= len(text) || text[i] != sep {
					return 0, false
				}
				i++
			}
			k := hexRun(text, i)
			if k != 2 && !(k == 1 && sep == ':') {
				return 0, false
			}
			if k == 1 {
				mac[g] = hexByte('0', text[i])
			} else {
				mac[g] = hexByte(text[i], text[i+1])
			}
			i += k
		}
	default:
		return 0, false
	}
	if !ipt && macGluedRight(text, i) {
		return 0, false
	}
	return i, true
}

// iptablesMAC reports whether text[p] starts the destination or the source
// address of the MAC field of a netfilter log line: "MAC=" and fourteen
// colon-separated pairs, destination, source and EtherType
// ("MAC=00:16:3e:5e:6c:00:fe:ff:ff:ff:ff:ff:08:00").
func iptablesMAC(text []byte, p int) bool {
	for _, q := range [2]int{p, p - 18} {
		if q < 4 || string(text[q-4:q]) != "MAC=" {
			continue
		}
		ok := true
		for g := 0; g < 14 && ok; g++ {
			k := q + 3*g
			ok = k+1 < len(text) && isHex(text[k]) && isHex(text[k+1]) && (g == 13 || k+2 < len(text) && text[k+2] == ':')
		}
		if e := q + 41; ok && !macGluedRight(text, e) {
			return true
		}
	}
	return false
}

// hexVal is the value of the hex digit c; a table, since branching on
// digit or letter mispredicts on random hex.
func hexVal(c byte) byte { return hexVals[c] }

var hexVals = func() (t [256]byte) {
	for c := 0; c < 256; c++ {
		switch {
		case c >= '0' && c <= '9':
			t[c] = byte(c - '0')
		case c >= 'a' && c <= 'f':
			t[c] = byte(c - 'a' + 10)
		case c >= 'A' && c <= 'F':
			t[c] = byte(c - 'A' + 10)
		}
	}
	return t
}()

func hexByte(hi, lo byte) byte { return hexVal(hi)<<4 | hexVal(lo) }

// macString is m in the canonical form of Match.Value.
func macString(m [6]byte) string { return string(appendMAC(make([]byte, 0, 17), m)) }

// appendMAC appends m in the canonical form: lower case, colon-separated.
func appendMAC(dst []byte, m [6]byte) []byte {
	const digits = "0123456789abcdef"
	for i, x := range m {
		if i > 0 {
			dst = append(dst, ':')
		}
		dst = append(dst, digits[x>>4], digits[x&15])
	}
	return dst
}

func (s *Scanner) macAt(text []byte, p int, best *cand) {
	var m [6]byte
	end, ok := scanMAC(text, p, &m)
	if !ok {
		return
	}
	best.offer(cand{start: p, end: end, kind: MAC, rank: rankMAC, mac: m})
}
