package detect

// Suspects is a second opinion, deliberately greedier than Scanner and
// sharing none of its code, for verify: it reports what a person should
// look at, not what certainly is an identifier. It sees
//
//	an IPv4-like run  four or more numbers of one to three ASCII digits,
//	                  each at most 255, joined by any separators of one to
//	                  five bytes of punctuation but ':' and '/' (or of
//	                  non-ASCII characters), starting at any digit
//	                  ("1.2.3.4", "1-2-3-4", "1[.]2_3{.}4", "1.2.3.4.5",
//	                  "v1.2.3.4", "1234.1.2.3");
//	a hex-colon run   a run of hex digits and ':' with five or more colons
//	                  or a "::" ("00:1a:2b:3c:4d:5e", "fe80::1", "[::]",
//	                  "a:b:c:d:e:f", and "std::vector" too).
//
// Clock times ("10:30:00") and dates ("2017/03/07", "2017-03-07") are not
// runs of either kind.
type Suspect struct {
	Start, End int
	Kind       Kind // IPv4 for an IPv4-like run, IPv6 for a hex-colon run
}

// FindSuspects appends to dst the suspect runs in text, in order.
func FindSuspects(dst []Suspect, text []byte) []Suspect {
	n := len(text)
	for i := 0; i < n; {
		c := text[i]
		switch {
		case c >= '0' && c <= '9':
			if e, ok := numberRun(text, i); ok {
				dst = append(dst, Suspect{i, e, IPv4})
				i = e
				continue
			}
		}
		if suspectHex(c) || c == ':' {
			if i == 0 || !suspectHex(text[i-1]) && text[i-1] != ':' {
				e, ok := hexColonRun(text, i)
				if ok && (len(dst) == 0 || dst[len(dst)-1].End <= i) {
					dst = append(dst, Suspect{i, e, IPv6})
					i = e
					continue
				}
			}
		}
		i++
	}
	return dst
}

func suspectHex(c byte) bool {
	return c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F'
}

// numberRun reads numbers from text[i] while they are at most 255 and
// joined by short separators; ok if there are four or more.
func numberRun(text []byte, i int) (end int, ok bool) {
	count := 0
	for {
		j, v := i, 0
		for j < len(text) && text[j] >= '0' && text[j] <= '9' && j-i <= 3 {
			v = v*10 + int(text[j]-'0')
			j++
		}
		if j-i > 3 || v > 255 || j < len(text) && text[j] >= '0' && text[j] <= '9' {
			break
		}
		count++
		end = j
		k := j
		for k < len(text) && k-j < 5 && suspectSep(text[k]) {
			k++
		}
		if k == j || k >= len(text) || text[k] < '0' || text[k] > '9' {
			break
		}
		i = k
	}
	return end, count >= 4
}

// suspectSep reports the bytes that may join numbers: ASCII punctuation
// but ':' and '/', and bytes of non-ASCII characters (full-width stops).
func suspectSep(c byte) bool {
	return c > ' ' && c != ':' && c != '/' && c != 0x7F && !(c >= '0' && c <= '9' || c|0x20 >= 'a' && c|0x20 <= 'z')
}

// hexColonRun reads the run of hex digits and ':' at text[i].
func hexColonRun(text []byte, i int) (end int, ok bool) {
	colons, dbl := 0, false
	j := i
	for j < len(text) && (suspectHex(text[j]) || text[j] == ':') {
		if text[j] == ':' {
			colons++
			if j > i && text[j-1] == ':' {
				dbl = true
			}
		}
		j++
	}
	return j, colons >= 5 || dbl
}
