package detect

import (
	"bytes"
	"strings"
	"unicode"
	"unicode/utf8"
)

const (
	maxLocal  = 64
	maxDomain = 253
)

// localAtomStart returns the start of the run of local-part characters
// (everything but the dot) that ends at text[j].
func localAtomStart(text []byte, j int) int {
	k := j
	for k > 0 {
		b := text[k-1]
		if b < utf8.RuneSelf {
			if class[b]&cLocal == 0 {
				break
			}
			k--
			continue
		}
		r, size := utf8.DecodeLastRune(text[:k])
		if !isIntlRune(r) {
			break
		}
		k -= size
	}
	return k
}

// labelEnd returns the end of the domain label starting at text[i].
func labelEnd(text []byte, i int) int {
	for i < len(text) {
		b := text[i]
		if b < utf8.RuneSelf {
			if class[b]&cLabel == 0 {
				break
			}
			i++
			continue
		}
		r, size := utf8.DecodeRune(text[i:])
		if !isIntlRune(r) {
			break
		}
		i += size
	}
	return i
}

// fileExts are endings that make "name@2x.png" look like an address but are
// not delegated top-level domains. Real TLDs that double as file endings
// (.zip, .mov, .py, .sh, .md, .rs, .pl) are deliberately absent: missing an
// address costs more than redacting a file name.
var fileExts = func() map[string]bool {
	m := map[string]bool{}
	for _, e := range strings.Fields(`png jpg jpeg gif svg webp bmp ico tif tiff heic avif
		js mjs cjs jsx tsx css scss json yaml yml toml txt ini cfg tmp bak swp
		htm html php aspx jsp exe dll pdf csv wav mp3 mp4 woff woff2 ttf otf tgz bz2 xz zst pem crt`) {
		m[e] = true
	}
	return m
}()

func tldOK(l []byte) bool {
	if len(l) >= 5 && lower[l[0]] == 'x' && lower[l[1]] == 'n' && l[2] == '-' && l[3] == '-' {
		for _, c := range l {
			if c >= utf8.RuneSelf || class[c]&cLabel == 0 {
				return false
			}
		}
		return true
	}
	n := 0
	for i := 0; i < len(l); {
		if c := lower[l[i]]; c < utf8.RuneSelf {
			// ASCII, as almost every domain is: only its letters are
			// letters, and none of it is a mark.
			if c < 'a' || c > 'z' {
				return false
			}
			n++
			i++
			continue
		}
		r, size := utf8.DecodeRune(l[i:])
		if !(unicode.IsLetter(r) || n > 0 && unicode.IsMark(r)) {
			return false
		}
		n++
		i += size
	}
	if n < 2 {
		return false
	}
	if n <= 5 && len(l) == n {
		var b [5]byte
		for i, c := range l {
			b[i] = lower[c]
		}
		return !fileExts[string(b[:n])] // no allocation: a map index
	}
	return true
}

// retina reports whether a label reads like an image scale suffix ("2x").
func retina(l []byte) bool {
	if len(l) < 2 || lower[l[len(l)-1]] != 'x' {
		return false
	}
	for _, c := range l[:len(l)-1] {
		if !isDigit(c) {
			return false
		}
	}
	return true
}

// atForm returns the span [as, ae) of the at-sign written at the trigger
// byte text[j], and whether there is one: "@"; the defanged "[@]", "(@)",
// "[at]" and "(at)" of threat reports and web pages, which may have a space
// on either side ("user [at] example [dot] com"); the URL escape "%40"; and
// the HTML character references "&#64;" and "&#x40;".
func atForm(text []byte, j int) (as, ae int, ok bool) {
	n := len(text)
	as, ae = j, j
	switch text[j] {
	case '@':
		if j > 0 && j+1 < n && (text[j-1] == '[' && text[j+1] == ']' || text[j-1] == '(' && text[j+1] == ')') {
			as, ae = j-1, j+2
		} else {
			return j, j + 1, true
		}
	case '[', '(':
		if j+3 >= n || lower[text[j+1]] != 'a' || lower[text[j+2]] != 't' || text[j+3] != closing(text[j]) {
			return 0, 0, false
		}
		ae = j + 4
	case '%':
		if j+2 < n && text[j+1] == '4' && text[j+2] == '0' {
			return j, j + 3, true
		}
		return 0, 0, false
	case '&':
		switch {
		case j+4 < n && text[j+1] == '#' && text[j+2] == '6' && text[j+3] == '4' && text[j+4] == ';':
			return j, j + 5, true
		case j+5 < n && text[j+1] == '#' && lower[text[j+2]] == 'x' && text[j+3] == '4' && text[j+4] == '0' && text[j+5] == ';':
			return j, j + 6, true
		}
		return 0, 0, false
	default:
		return 0, 0, false
	}
	// A bracketed form, with an optional space on either side.
	if as > 0 && text[as-1] == ' ' {
		as--
	}
	if ae < n && text[ae] == ' ' {
		ae++
	}
	return as, ae, true
}

func closing(b byte) byte {
	switch b {
	case '[':
		return ']'
	case '(':
		return ')'
	}
	return '}'
}

// emailDotAt returns the length of a dot between two domain labels at
// text[i]: "." or a defanged dot as sepLen reads it, the bracketed ones
// with an optional space on either side; 0 if there is none.
func emailDotAt(text []byte, i int) int {
	j := i
	if j < len(text) && text[j] == ' ' {
		j++
	}
	k := sepLen(text, j)
	if k == 0 {
		return 0
	}
	bracketed := text[j] == '[' || text[j] == '(' || text[j] == '{'
	if j > i && !bracketed {
		return 0
	}
	k += j
	if bracketed && k < len(text) && text[k] == ' ' {
		k++
	}
	return k - i
}

// domainLabelEnd returns the end of the domain label at text[i] and
// whether the domain stops after it: a label never ends with '-', so
// trailing hyphens ("mail@example.com-") are left out and end the domain.
func domainLabelEnd(text []byte, i int) (e int, stop bool) {
	e = labelEnd(text, i)
	for e > i && text[e-1] == '-' {
		e--
		stop = true
	}
	return e, stop
}

// localStart returns the start of the local part that ends at text[as],
// the start of the at-sign form, or -1 if there is none. The local part is
// the longest run of atoms (letters, digits, marks and "_%+-'") joined by
// dots that ends there (runs of dots are tolerated, as some mail systems
// hand them out), less any leading "'-+%." that quote or punctuate it. It
// holds no "%40": that is an at-sign itself. After the "%40" form it starts
// after the last %XX escape, which belongs to the URL around it
// ("?q%3Duser%40example.com").
func localStart(text []byte, as int, pct bool) int {
	s, j := as, as
	for {
		k := localAtomStart(text, j)
		if k == j {
			break
		}
		s = k
		d := k
		for d > 0 && text[d-1] == '.' {
			d--
		}
		if d < k && d > 0 && localAtomStart(text, d) < d {
			j = d
			continue
		}
		break
	}
	if s == as {
		return -1
	}
	if bytes.IndexByte(text[s:as], '%') >= 0 {
		for k := as - 3; k >= s; k-- {
			if text[k] == '%' && (pct && isHex(text[k+1]) && isHex(text[k+2]) || text[k+1] == '4' && text[k+2] == '0') {
				s = k + 3
				break
			}
		}
	}
	for s < as && strings.IndexByte("'-+%.", text[s]) >= 0 {
		s++
	}
	if s == as || as-s > maxLocal || text[as-1] == '.' {
		return -1
	}
	return s
}

// urlPassword reports whether the local part starting at text[s] is the
// password of the user information in a URL ("https://user:pass@host"),
// which is a credential, not an e-mail address.
func urlPassword(text []byte, s int) bool {
	if s == 0 || text[s-1] != ':' {
		return false
	}
	k := s - 1
	for k > 0 && (userinfoByte(text[k-1]) || text[k-1] == ':') {
		k--
	}
	return k >= 3 && text[k-1] == '/' && text[k-2] == '/' && text[k-3] == ':'
}

// userinfoByte reports a byte of the user information of a URL besides
// ':': unreserved, sub-delims and '%'.
func userinfoByte(c byte) bool {
	return isAlnum(c) || strings.IndexByte("-._~%!$&'()*+,;=", c) >= 0
}

// emailAt finds the e-mail address whose at-sign form is text[as:ae]; the
// domain is the longest run of at least two labels from ae whose last label
// is a plausible top-level domain, the labels joined by dots or defanged
// dots.
func emailAt(text []byte, as, ae int) (start, end int, plain, ok bool) {
	i, first := ae, true
	end = -1
	dots := ae == as+1 && text[as] == '@' // plain so far
	for {
		e, stop := domainLabelEnd(text, i)
		if e == i {
			break
		}
		l := text[i:e]
		if first && retina(l) {
			return 0, 0, false, false
		}
		if len(l) > 63 || l[0] == '-' || e-ae > maxDomain {
			break
		}
		if !first && tldOK(l) {
			end, plain = e, dots
		}
		first = false
		if stop {
			break
		}
		if d := emailDotAt(text, e); d > 0 && labelEnd(text, e+d) > e+d {
			dots = dots && d == 1 && text[e] == '.'
			i = e + d
			continue
		}
		break
	}
	if end < 0 {
		return 0, 0, false, false
	}
	// The local part last: most '@' that start no address fail on the
	// domain ("Class@1f2e3d", "icon@2x.png").
	s := localStart(text, as, text[as] == '%')
	if s < 0 || urlPassword(text, s) {
		return 0, 0, false, false
	}
	return s, end, plain, true
}

// emailValue is the canonical form of the address text[s:e]: lower case,
// with '@' and '.' for defanged forms; plain says there are none.
func emailValue(text []byte, s, e int, plain bool) string {
	if plain {
		return strings.ToLower(string(text[s:e]))
	}
	// The at-sign form is the first one after s: a local part holds none.
	as, ae := s, s
	for k := s; k < e; k++ {
		j := k
		if c := text[k]; (c == '[' || c == '(') && text[k+1] == '@' {
			j = k + 1 // "[@]"
		}
		if a, b, ok := atForm(text, j); ok && a >= s {
			as, ae = a, b
			break
		}
	}
	b := make([]byte, 0, e-s)
	b = append(b, text[s:as]...)
	b = append(b, '@')
	for i := ae; i < e; {
		if d := emailDotAt(text, i); d > 0 {
			b = append(b, '.')
			i += d
			continue
		}
		b = append(b, text[i])
		i++
	}
	return strings.ToLower(string(b))
}

// atWordFirst are the bytes that start the word inside a rare at-sign
// form: the "at" of "[at]" and "(at)", the "40" of "%40", the "64" or "x40"
// of "&#64;" and "&#x40;".
const atWordFirst = "aA46xX"

// atFormBefore returns the offset of the rare at-sign form whose word
// starts at text[i], if there is one.
func atFormBefore(text []byte, i int) (int, bool) {
	if i == 0 || i+1 >= len(text) {
		return 0, false
	}
	switch c, p := text[i]|0x20, text[i-1]; {
	case c == 'a' && (p == '[' || p == '('):
		return i - 1, true
	case c == '4' && p == '%' && text[i+1] == '0':
		return i - 1, true
	case (c == '6' || c == 'x') && p == '#' && i >= 2 && text[i-2] == '&':
		return i - 2, true
	}
	return 0, false
}

// atWordEmail checks for an address whose rare at-sign form has its word
// at text[i] (see atFormBefore) and returns its span. The scanner meets
// that word after the local part, so it may have to take back matches it
// made there.
func atWordEmail(text []byte, i int) (start, end int, ok bool) {
	j, ok := atFormBefore(text, i)
	if !ok {
		return 0, 0, false
	}
	as, ae, ok := atForm(text, j)
	if !ok {
		return 0, 0, false
	}
	start, end, _, ok = emailAt(text, as, ae)
	return start, end, ok
}

// valueEmailAt returns the address with a rare at-sign form that overlaps
// the credential value text[vs:ve] from its start, if there is one: its
// at-sign form is the first '[', '(', '&' or "%40" in the value or right
// after it (a local part holds none of them, nor '@'), and it may start
// before the value, as in "--password [at]example.com".
func valueEmailAt(text []byte, vs, ve int) (start, end int, ok bool) {
	k := vs
	for k < ve {
		c := text[k]
		if c >= utf8.RuneSelf {
			r, size := utf8.DecodeRune(text[k:])
			if !isIntlRune(r) {
				return 0, 0, false
			}
			k += size
			continue
		}
		if class[c]&cLocal == 0 && c != '.' || c == '%' && k+2 < len(text) && text[k+1] == '4' && text[k+2] == '0' {
			break
		}
		k++
	}
	// The form may start where the value stops ("user&#64;...", "user [at] ...").
	if k+1 < len(text) && text[k] == ' ' {
		k++
	}
	if k >= len(text) || k > ve || text[k] == '@' {
		return 0, 0, false
	}
	as, ae, ok := atForm(text, k)
	if !ok {
		return 0, 0, false
	}
	start, end, _, ok = emailAt(text, as, ae)
	return start, end, ok && start <= vs && end > vs
}

// emailCursor walks the '@' signs of a text in order. E-mail starts are
// increasing in the order of their '@' (a local part holds no '@'), so the
// scanner keeps only the next one.
type emailCursor struct {
	at         int  // '@' of the current candidate
	start, end int  // -1 when there is none
	plain      bool // no defanged dots, no "[@]"
}

func (c *emailCursor) init(text []byte) {
	c.seek(text, 0)
}

func (c *emailCursor) seek(text []byte, from int) {
	for from < len(text) {
		j := bytes.IndexByte(text[from:], '@')
		if j < 0 {
			break
		}
		at := from + j
		if as, ae, ok := atForm(text, at); ok {
			if s, e, plain, ok := emailAt(text, as, ae); ok {
				c.at, c.start, c.end, c.plain = at, s, e, plain
				return
			}
		}
		from = at + 1
	}
	c.start, c.end = -1, -1
}

// advance drops candidates that start before i.
func (c *emailCursor) advance(text []byte, i int) {
	for c.start >= 0 && c.start < i {
		c.seek(text, c.at+1)
	}
}
