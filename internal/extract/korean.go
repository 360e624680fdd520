package extract

import (
	"bytes"
	"errors"
	"strings"
	"unicode/utf8"

	"golang.org/x/net/html/charset"
	"golang.org/x/text/encoding"
	"golang.org/x/text/encoding/korean"
	"golang.org/x/text/transform"
)

// Korean charsets WHATWG leaves out. Its EUC-KR decoder already reads the
// Windows superset (cp949, Unified Hangul Code), but it maps ISO-2022-KR to
// the replacement encoding and does not know Johab (KS X 1001 annex 3, the
// Windows code page 1361). Both still turn up in old Korean mail and
// documents.
var (
	encISO2022KR encoding.Encoding = decodeOnly{func() transform.Transformer { return &iso2022krDecoder{} }}
	encJohab     encoding.Encoding = decodeOnly{func() transform.Transformer { return &johabDecoder{} }}
)

// lookupCharset is charset.Lookup (the WHATWG labels) with the Korean
// charsets it lacks.
func lookupCharset(label string) (encoding.Encoding, string) {
	switch strings.ToLower(strings.TrimSpace(label)) {
	case "iso-2022-kr", "csiso2022kr":
		return encISO2022KR, "iso-2022-kr"
	case "johab", "x-johab", "cp1361", "windows-1361", "ms1361":
		return encJohab, "johab"
	case "cp949", "uhc", "x-windows-949", "ms949":
		return korean.EUCKR, "euc-kr"
	}
	return charset.Lookup(label)
}

// isISO2022KR recognises 7-bit Korean by its designation of KS X 1001.
func isISO2022KR(b []byte) bool { return bytes.Contains(b, []byte("\x1b$)C")) }

// decodeOnly is an encoding extract reads and never writes.
type decodeOnly struct{ dec func() transform.Transformer }

func (e decodeOnly) NewDecoder() *encoding.Decoder { return &encoding.Decoder{Transformer: e.dec()} }
func (e decodeOnly) NewEncoder() *encoding.Encoder {
	return &encoding.Encoder{Transformer: failTransformer{}}
}

var errNoEncoder = errors.New("extract: encoding to this charset is not supported")

type failTransformer struct{}

func (failTransformer) Transform(dst, src []byte, atEOF bool) (int, int, error) {
	return 0, 0, errNoEncoder
}
func (failTransformer) Reset() {}

// euckrPair decodes one KS X 1001 character given as EUC-KR bytes, or
// returns U+FFFD.
func euckrPair(b0, b1 byte) rune {
	out, err := korean.EUCKR.NewDecoder().Bytes([]byte{b0, b1})
	if err != nil {
		return utf8.RuneError
	}
	r, _ := utf8.DecodeRune(out)
	return r
}

// iso2022krDecoder reads RFC 1557 text: ASCII, and after SO pairs of
// 7-bit bytes naming KS X 1001 characters until SI or the end of the line.
type iso2022krDecoder struct{ shifted bool }

func (d *iso2022krDecoder) Reset() { d.shifted = false }

func (d *iso2022krDecoder) Transform(dst, src []byte, atEOF bool) (nDst, nSrc int, err error) {
	for nSrc < len(src) {
		c := src[nSrc]
		var r rune
		size := 1
		switch {
		case c == 0x1B:
			// The designation ESC $ ) C (or any other escape) prints nothing.
			if nSrc+4 > len(src) && !atEOF {
				return nDst, nSrc, transform.ErrShortSrc
			}
			if bytes.HasPrefix(src[nSrc:], []byte("\x1b$)C")) {
				nSrc += 4
				continue
			}
			r = utf8.RuneError
		case c == 0x0E:
			d.shifted = true
			nSrc++
			continue
		case c == 0x0F:
			d.shifted = false
			nSrc++
			continue
		case c == '\n' || c == '\r':
			d.shifted = false
			r = rune(c)
		case d.shifted && c > 0x20 && c < 0x7F:
			if nSrc+1 >= len(src) {
				if !atEOF {
					return nDst, nSrc, transform.ErrShortSrc
				}
				r = utf8.RuneError
				break
			}
			c2 := src[nSrc+1]
			if c2 <= 0x20 || c2 >= 0x7F {
				r = utf8.RuneError
				break
			}
			r, size = euckrPair(c|0x80, c2|0x80), 2
		case c < 0x80:
			r = rune(c)
		default:
			r = utf8.RuneError
		}
		if nDst+utf8.RuneLen(r) > len(dst) {
			return nDst, nSrc, transform.ErrShortDst
		}
		nDst += utf8.EncodeRune(dst[nDst:], r)
		nSrc += size
	}
	return nDst, nSrc, nil
}

// Johab's 5-bit jamo codes to indexes of the Unicode syllable formula; -1
// is invalid, and the fill codes (initial 1, medial 2, final 1) are -2.
var (
	johabInitial = [32]int8{-1, -2, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1}
	johabMedial  = [32]int8{-1, -1, -2, 0, 1, 2, 3, 4, -1, -1, 5, 6, 7, 8, 9, 10, -1, -1, 11, 12, 13, 14, 15, 16, -1, -1, 17, 18, 19, 20, -1, -1}
	johabFinal   = [32]int8{-1, -2, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, -1, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, -1, -1}
	// Hangul compatibility jamo for a lone initial or final consonant.
	compatInitial = [19]rune{0x3131, 0x3132, 0x3134, 0x3137, 0x3138, 0x3139, 0x3141, 0x3142, 0x3143, 0x3145, 0x3146, 0x3147, 0x3148, 0x3149, 0x314A, 0x314B, 0x314C, 0x314D, 0x314E}
	compatFinal   = [28]rune{0, 0x3131, 0x3132, 0x3133, 0x3134, 0x3135, 0x3136, 0x3137, 0x3139, 0x313A, 0x313B, 0x313C, 0x313D, 0x313E, 0x313F, 0x3140, 0x3141, 0x3142, 0x3144, 0x3145, 0x3146, 0x3147, 0x3148, 0x314A, 0x314B, 0x314C, 0x314D, 0x314E}
)

// johabHangul decodes a two-byte Johab code of the Hangul region (lead
// 0x84-0xD3): 1 bit set, then 5 bits each of initial, medial and final.
func johabHangul(code uint16) rune {
	i := johabInitial[code>>10&31]
	m := johabMedial[code>>5&31]
	f := johabFinal[code&31]
	switch {
	case i == -1 || m == -1 || f == -1:
		return utf8.RuneError
	case i >= 0 && m >= 0:
		return 0xAC00 + (rune(i)*21+rune(m))*28 + rune(max(f, 0))
	case i >= 0 && m == -2 && f == -2:
		return compatInitial[i]
	case i == -2 && m >= 0 && f == -2:
		return 0x314F + rune(m)
	case i == -2 && m == -2 && f > 0:
		return compatFinal[f]
	case i == -2 && m == -2 && f == -2:
		return 0x3164 // Hangul filler
	}
	return utf8.RuneError
}

// johabSymbol decodes a two-byte Johab code of the symbol and Hanja region
// by moving it to its KS X 1001 row and cell (the mapping of libiconv and
// of Python's johab codec).
func johabSymbol(c1, c2 byte) rune {
	if !(c1 >= 0xD9 && c1 <= 0xDE || c1 >= 0xE0 && c1 <= 0xF9) || !(c2 >= 0x31 && c2 <= 0x7E || c2 >= 0x91 && c2 <= 0xFE) {
		return utf8.RuneError
	}
	var t1, t2 int
	if c1 < 0xE0 {
		t1 = 2 * (int(c1) - 0xD9)
	} else {
		t1 = 2*int(c1) - 0x197
	}
	if c2 < 0x91 {
		t2 = int(c2) - 0x31
	} else {
		t2 = int(c2) - 0x43
	}
	row, cell := t1+0x21, t2+0x21
	if t2 >= 0x5E {
		row, cell = row+1, t2-0x5E+0x21
	}
	if row >= 0x30 && row <= 0x48 {
		return utf8.RuneError // the Hangul rows are coded algorithmically
	}
	return euckrPair(byte(row|0x80), byte(cell|0x80))
}

type johabDecoder struct{}

func (johabDecoder) Reset() {}

func (johabDecoder) Transform(dst, src []byte, atEOF bool) (nDst, nSrc int, err error) {
	for nSrc < len(src) {
		c := src[nSrc]
		r, size := rune(c), 1
		if c >= 0x80 {
			if nSrc+1 >= len(src) {
				if !atEOF {
					return nDst, nSrc, transform.ErrShortSrc
				}
				r = utf8.RuneError
			} else {
				c2 := src[nSrc+1]
				size = 2
				switch {
				case c >= 0x84 && c <= 0xD3:
					r = johabHangul(uint16(c)<<8 | uint16(c2))
				default:
					r = johabSymbol(c, c2)
				}
				if r == utf8.RuneError {
					size = 1
				}
			}
		}
		if nDst+utf8.RuneLen(r) > len(dst) {
			return nDst, nSrc, transform.ErrShortDst
		}
		nDst += utf8.EncodeRune(dst[nDst:], r)
		nSrc += size
	}
	return nDst, nSrc, nil
}
