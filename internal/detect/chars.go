package detect

import (
	"sync"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// Byte classes, computed once; read-only afterwards.
const (
	cWord   = 1 << iota // ASCII letter, digit or '_'
	cDigit              // 0-9
	cHex                // 0-9 a-f A-F
	cB64                // A-Z a-z 0-9 + / =
	cB64URL             // A-Z a-z 0-9 - _
	cIdent              // keyword identifier byte: word, '.', '-'
	cLocal              // e-mail local part byte besides '.': word, % + - '
	cLabel              // domain label byte: letter, digit, '-'
)

var class = func() (t [256]uint8) {
	for c := 0; c < 256; c++ {
		b := byte(c)
		alnum := 'a' <= b && b <= 'z' || 'A' <= b && b <= 'Z' || '0' <= b && b <= '9'
		var v uint8
		if alnum || b == '_' {
			v |= cWord | cIdent | cLocal | cB64URL
		}
		if '0' <= b && b <= '9' {
			v |= cDigit
		}
		if '0' <= b && b <= '9' || 'a' <= b && b <= 'f' || 'A' <= b && b <= 'F' {
			v |= cHex
		}
		if alnum || b == '+' || b == '/' || b == '=' {
			v |= cB64
		}
		switch b {
		case '-':
			v |= cB64URL | cIdent | cLocal | cLabel
		case '.':
			v |= cIdent
		case '%', '+', '\'':
			v |= cLocal
		}
		if alnum {
			v |= cLabel
		}
		t[c] = v
	}
	return t
}()

var lower = func() (t [256]byte) {
	for c := 0; c < 256; c++ {
		t[c] = byte(c)
		if 'A' <= c && c <= 'Z' {
			t[c] = byte(c + 'a' - 'A')
		}
	}
	return t
}()

func isWordByte(b byte) bool   { return class[b]&cWord != 0 }
func isDigit(b byte) bool      { return class[b]&cDigit != 0 }
func isHex(b byte) bool        { return class[b]&cHex != 0 }
func isAlnum(b byte) bool      { return class[b]&cWord != 0 && b != '_' }
func isUpperDigit(b byte) bool { return 'A' <= b && b <= 'Z' || '0' <= b && b <= '9' }

// wordAt reports whether text[i] is an ASCII word byte; out of range is not.
func wordAt(text []byte, i int) bool { return i >= 0 && i < len(text) && isWordByte(text[i]) }

// isWordRune reports whether r belongs inside a word: letters, numbers,
// combining marks and '_'. Names match only at word boundaries so defined.
func isWordRune(r rune) bool {
	if r < utf8.RuneSelf {
		return isWordByte(byte(r))
	}
	return unicode.IsLetter(r) || unicode.IsNumber(r) || unicode.IsMark(r)
}

// isIntlRune reports a non-ASCII rune allowed in e-mail addresses and domain
// labels (RFC 6531): letters, numbers and marks.
func isIntlRune(r rune) bool {
	return r >= utf8.RuneSelf && r != utf8.RuneError && (unicode.IsLetter(r) || unicode.IsNumber(r) || unicode.IsMark(r))
}

// ideograph reports the runes of scripts written without spaces between
// words (Han, Hiragana, Katakana): each is a word of its own, so that a
// listed "李小龙" matches inside "我是李小龙的朋友", and "联系John" holds John.
func ideograph(r rune) bool {
	return r >= 0x2E80 && ideographSlow(r)
}

func ideographSlow(r rune) bool {
	return unicode.Is(unicode.Han, r) || unicode.Is(unicode.Hiragana, r) || unicode.Is(unicode.Katakana, r)
}

// prevRuneIsWord reports whether the rune ending at text[i] (exclusive),
// passing over ignorable format characters, is a word rune that a word
// starting at text[i] would continue: not an ideograph. The start of text
// is not.
func prevRuneIsWord(text []byte, i int) bool {
	if i <= 0 {
		return false
	}
	if b := text[i-1]; b < utf8.RuneSelf {
		return isWordByte(b)
	}
	return prevRuneIsWordSlow(text, i)
}

func prevRuneIsWordSlow(text []byte, i int) bool {
	for i > 0 {
		if b := text[i-1]; b < utf8.RuneSelf {
			return isWordByte(b)
		}
		r, size := utf8.DecodeLastRune(text[:i])
		if !ignorable(r) {
			return isWordRune(r) && !ideograph(r)
		}
		i -= size
	}
	return false
}

// wordStartAt reports whether a word starts with the rune r at text[i].
func wordStartAt(text []byte, i int, r rune) bool {
	return isWordRune(r) && (ideograph(r) || !prevRuneIsWord(text, i))
}

// ignorable reports the invisible format characters that may sit inside a
// word without ending it: the soft hyphen of hyphenated HTML, zero-width
// space, joiner and non-joiner, word joiner and the byte-order mark. Names
// match across them ("Jo\u00adhn" is John).
func ignorable(r rune) bool {
	return r == 0xAD || r >= 0x200B && r <= 0x200D || r == 0x2060 || r == 0xFEFF
}

// accent reports the combining diacritical marks (U+0300 to U+036F) that
// names match without: "Jose\u0301" (NFD, as macOS writes file names), "José"
// and "Jose" are one name.
func accent(r rune) bool { return r >= 0x300 && r <= 0x36F }

// maxSkip bounds the accents and ignorable characters a name matches
// across after each letter; more make no match, so that a name's span
// stays bounded.
const maxSkip = 4

// baseLetters maps precomposed Latin and Greek letters to the letter their
// canonical decomposition starts with, when the rest is accents: é to e, Ệ
// to E, ί to ι. Letters without such a decomposition (ø, ł, ß) map to
// themselves. It is built at its first use (a few milliseconds of
// normalisation), so that a run that folds no such letter never pays.
var baseLetters = sync.OnceValue(func() map[rune]rune {
	m := map[rune]rune{}
	for _, rg := range [][2]rune{{0xC0, 0x250}, {0x370, 0x400}, {0x1E00, 0x2000}} {
		for r := rg[0]; r < rg[1]; r++ {
			d := []rune(norm.NFD.String(string(r)))
			if len(d) < 2 || !unicode.IsLetter(d[0]) {
				continue
			}
			ok := true
			for _, x := range d[1:] {
				ok = ok && accent(x)
			}
			if ok {
				m[r] = d[0]
			}
		}
	}
	return m
})

// expansions spell the Latin letters that have no canonical decomposition
// the way their languages transliterate them, keyed by fold of the letter:
// "Ødegård" matches "Odegard", "Żółć" "Zolc", "Straße" "Strasse", "Æsir"
// "Aesir", "Đorđe" "Dorde", "Þór" "Thor".
var expansions = sync.OnceValue(func() map[rune]string {
	m := map[rune]string{}
	for _, e := range []struct {
		letters string
		to      string
	}{
		{"øØ", "o"}, {"łŁ", "l"}, {"ßẞ", "ss"}, {"æÆ", "ae"}, {"œŒ", "oe"},
		{"đĐðÐ", "d"}, {"þÞ", "th"}, {"ı", "i"}, {"ħĦ", "h"}, {"ŧŦ", "t"},
	} {
		for _, r := range e.letters {
			m[fold(r)] = e.to
		}
	}
	return m
})

// foldAppend appends fold(r), spelt out by expansions where it has one.
func foldAppend(dst []rune, r rune) []rune {
	f := fold(r)
	if r >= 0xC0 {
		if x, ok := expansions()[f]; ok {
			for _, y := range x {
				dst = append(dst, y)
			}
			return dst
		}
	}
	return append(dst, f)
}

// foldHash adds fold(r), spelt out by expansions, to the FNV-1a hash h.
func foldHash(h uint64, r rune) uint64 {
	f := fold(r)
	if r >= 0xC0 {
		if x, ok := expansions()[f]; ok {
			for _, y := range x {
				h = (h ^ uint64(y)) * fnvPrime
			}
			return h
		}
	}
	return (h ^ uint64(f)) * fnvPrime
}

// fold maps r to the smallest rune in its Unicode simple case-folding orbit,
// so two runes are equal under simple folding exactly when their folds are,
// after mapping an accented Latin or Greek letter to its base letter (see
// baseLetters), and a full-width digit or Latin letter to its ASCII form.
// Left and right single quotation marks fold to the ASCII apostrophe, so
// "O’Brien" matches a listed "O'Brien".
func fold(r rune) rune {
	if r < utf8.RuneSelf {
		return rune(lower[r])
	}
	if r == '\u2019' || r == '\u2018' {
		return '\''
	}
	if r >= 0xFF10 && r <= 0xFF5A {
		// Full-width digits and Latin letters, as input methods type them.
		if a := r - 0xFF10 + '0'; r <= 0xFF19 || r >= 0xFF21 && r <= 0xFF3A || r >= 0xFF41 {
			return rune(lower[a])
		}
	}
	if b, ok := baseLetters()[r]; ok {
		r = b
		if r < utf8.RuneSelf {
			return rune(lower[r])
		}
	}
	m := r
	for f := unicode.SimpleFold(r); f != r; f = unicode.SimpleFold(f) {
		if f < m {
			m = f
		}
	}
	if m < utf8.RuneSelf {
		return rune(lower[m])
	}
	return m
}
