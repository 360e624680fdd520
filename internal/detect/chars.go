package detect

import (
	"unicode"
	"unicode/utf8"
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

// prevRuneIsWord reports whether the rune ending at text[i] (exclusive) is a
// word rune. The start of text is not.
func prevRuneIsWord(text []byte, i int) bool {
	if i <= 0 {
		return false
	}
	if b := text[i-1]; b < utf8.RuneSelf {
		return isWordByte(b)
	}
	r, _ := utf8.DecodeLastRune(text[:i])
	return isWordRune(r)
}

// fold maps r to the smallest rune in its Unicode simple case-folding orbit,
// so two runes are equal under simple folding exactly when their folds are.
// Left and right single quotation marks fold to the ASCII apostrophe, so
// "O’Brien" matches a listed "O'Brien".
func fold(r rune) rune {
	if r < utf8.RuneSelf {
		return rune(lower[r])
	}
	if r == '\u2019' || r == '\u2018' {
		return '\''
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
