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
		return !fileExts[strings.ToLower(string(l))]
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

// emailAt finds the e-mail address whose '@' is text[at]. The local part is
// the longest dot-atom ending at the '@' (letters, digits, marks and
// "_%+-'"), less any leading "'-+%." that quote or punctuate it; the domain
// is the longest run of at least two labels from the '@' whose last label is
// a plausible top-level domain.
func emailAt(text []byte, at int) (start, end int, ok bool) {
	s, j := at, at
	for {
		k := localAtomStart(text, j)
		if k == j {
			break
		}
		s = k
		if k >= 2 && text[k-1] == '.' && localAtomStart(text, k-1) < k-1 {
			j = k - 1
			continue
		}
		break
	}
	for s < at && strings.IndexByte("'-+%.", text[s]) >= 0 {
		s++
	}
	if s == at || at-s > maxLocal {
		return 0, 0, false
	}
	// Domain labels.
	i, valid := at+1, true
	first := true
	end = -1
	for {
		e := labelEnd(text, i)
		if e == i {
			break
		}
		l := text[i:e]
		if len(l) > 63 || l[0] == '-' || l[len(l)-1] == '-' || e-(at+1) > maxDomain {
			valid = false
		}
		if first && retina(l) {
			return 0, 0, false
		}
		if !valid {
			break
		}
		if !first && tldOK(l) {
			end = e
		}
		first = false
		if e+1 < len(text) && text[e] == '.' && labelEnd(text, e+1) > e+1 {
			i = e + 1
			continue
		}
		break
	}
	if end < 0 {
		return 0, 0, false
	}
	return s, end, true
}

// emailCursor walks the '@' signs of a text in order. E-mail starts are
// increasing in the order of their '@' (a local part holds no '@'), so the
// scanner keeps only the next one.
type emailCursor struct {
	on         bool
	at         int // '@' of the current candidate
	start, end int // -1 when there is none
}

func (c *emailCursor) seek(text []byte, from int) {
	for from < len(text) {
		j := bytes.IndexByte(text[from:], '@')
		if j < 0 {
			break
		}
		at := from + j
		if s, e, ok := emailAt(text, at); ok {
			c.at, c.start, c.end = at, s, e
			return
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
