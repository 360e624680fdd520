package extract

import (
	"bytes"
	"mime"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/saintfish/chardet"
	"golang.org/x/net/html"
	"golang.org/x/text/encoding/charmap"
	"golang.org/x/text/encoding/japanese"
	"golang.org/x/text/encoding/korean"
	"golang.org/x/text/encoding/simplifiedchinese"
	"golang.org/x/text/encoding/traditionalchinese"
	xunicode "golang.org/x/text/encoding/unicode"
	"golang.org/x/text/encoding/unicode/utf32"
)

// Charset detection, in order: a byte order mark; UTF-32 or UTF-16 by the
// shape of their zero bytes and the plausibility of the decoded text;
// ISO-2022-JP by its escapes; valid UTF-8; a multibyte East Asian charset
// by ICU's detector (saintfish/chardet), which knows their common
// characters; else the single-byte charset whose decoding reads best as
// one language (charset_langs.go). ICU's own single-byte guesses are not
// used: they take Polish, Czech or Hungarian text for windows-1252 and have
// no Baltic or DOS charset.

var (
	teUTF8    = textEncoding{xunicode.UTF8BOM, "utf-8"}
	te1252    = textEncoding{charmap.Windows1252, "windows-1252"}
	teUTF16LE = textEncoding{xunicode.UTF16(xunicode.LittleEndian, xunicode.IgnoreBOM), "utf-16le"}
	teUTF16BE = textEncoding{xunicode.UTF16(xunicode.BigEndian, xunicode.IgnoreBOM), "utf-16be"}
	teUTF32LE = textEncoding{utf32.UTF32(utf32.LittleEndian, utf32.IgnoreBOM), "utf-32le"}
	teUTF32BE = textEncoding{utf32.UTF32(utf32.BigEndian, utf32.IgnoreBOM), "utf-32be"}
)

// boms are the byte order marks, longest first where they share a prefix.
var boms = []struct {
	mark []byte
	te   textEncoding
}{
	{[]byte{0xEF, 0xBB, 0xBF}, teUTF8},
	{[]byte{0xFF, 0xFE, 0x00, 0x00}, textEncoding{utf32.UTF32(utf32.LittleEndian, utf32.UseBOM), "utf-32le"}},
	{[]byte{0x00, 0x00, 0xFE, 0xFF}, textEncoding{utf32.UTF32(utf32.BigEndian, utf32.UseBOM), "utf-32be"}},
	{[]byte{0xFF, 0xFE}, textEncoding{xunicode.UTF16(xunicode.LittleEndian, xunicode.UseBOM), "utf-16le"}},
	{[]byte{0xFE, 0xFF}, textEncoding{xunicode.UTF16(xunicode.BigEndian, xunicode.UseBOM), "utf-16be"}},
}

// detectText decides whether head is text and in which charset. cut says
// head is a prefix of a longer document, so a character may be split at
// its end.
func detectText(head []byte, cut bool) (textEncoding, bool) {
	for _, b := range boms {
		if bytes.HasPrefix(head, b.mark) {
			return b.te, true
		}
	}
	if len(head) == 0 {
		return teUTF8, true
	}
	if bytes.IndexByte(head, 0) >= 0 {
		return wideGuess(head)
	}
	if isISO2022KR(head) {
		// Its shifts (SO, SI) are control characters.
		return textEncoding{encISO2022KR, "iso-2022-kr"}, true
	}
	control := 0
	for _, c := range head {
		if c < 0x20 && c != '\t' && c != '\n' && c != '\r' && c != '\f' && c != '\v' && c != 0x1A && c != 0x1B || c == 0x7F {
			control++
		}
	}
	if control*50 > len(head) {
		return textEncoding{}, false
	}
	if isISO2022JP(head) {
		return textEncoding{japanese.ISO2022JP, "iso-2022-jp"}, true
	}

	if validUTF8Prefix(head, cut) {
		return teUTF8, true
	}
	return detectLegacy(head), true
}

// validUTF8Prefix is utf8.Valid, forgiving a rune split at the end of a cut
// sample.
func validUTF8Prefix(b []byte, cut bool) bool {
	if cut {
		for i := len(b) - 1; i >= 0 && i >= len(b)-utf8.UTFMax; i-- {
			if utf8.RuneStart(b[i]) {
				if !utf8.FullRune(b[i:]) {
					b = b[:i]
				}
				break
			}
		}
	}
	return utf8.Valid(b)
}

// isISO2022JP recognises 7-bit Japanese by its switches to JIS X 0208.
func isISO2022JP(b []byte) bool {
	return bytes.Contains(b, []byte("\x1b$B")) || bytes.Contains(b, []byte("\x1b$@"))
}

// wideGuess recognises UTF-32 and UTF-16 without a byte order mark in a
// sample with zero bytes, or reports binary. Zero bytes at a fixed place in
// each code unit pick the byte order; otherwise the decoding that reads as
// text wins.
func wideGuess(b []byte) (textEncoding, bool) {
	const plausible = 0.95
	var zero [4]int
	for i, c := range b {
		if c == 0 {
			zero[i%4]++
		}
	}
	quads := len(b) / 4
	if quads >= 2 {
		switch {
		case zero[3] >= quads && zero[2]*10 >= quads*9 && textShare(b, teUTF32LE) >= plausible:
			return teUTF32LE, true
		case zero[0] >= quads && zero[1]*10 >= quads*9 && textShare(b, teUTF32BE) >= plausible:
			return teUTF32BE, true
		}
	}
	pairs := len(b) / 2
	if pairs < 2 {
		return textEncoding{}, false
	}
	even, odd := zero[0]+zero[2], zero[1]+zero[3]
	switch {
	case odd*10 >= pairs*3 && even*20 < pairs:
		if textShare(b, teUTF16LE) >= plausible {
			return teUTF16LE, true
		}
	case even*10 >= pairs*3 && odd*20 < pairs:
		if textShare(b, teUTF16BE) >= plausible {
			return teUTF16BE, true
		}
	case commonShare(b, 1) >= 0.9 && commonShare(b, 0) < 0.6:
		// An alphabet outside Latin-1 has few zero bytes, from its spaces
		// and line ends, but its high bytes take one or two values.
		if textShare(b, teUTF16LE) >= plausible {
			return teUTF16LE, true
		}
	case commonShare(b, 0) >= 0.9 && commonShare(b, 1) < 0.6:
		if textShare(b, teUTF16BE) >= plausible {
			return teUTF16BE, true
		}
	default:
		// East Asian text swapped falls in unassigned places.
		le, be := textShare(b, teUTF16LE), textShare(b, teUTF16BE)
		switch {
		case le >= plausible && le > be+0.02:
			return teUTF16LE, true
		case be >= plausible && be > le+0.02:
			return teUTF16BE, true
		}
	}
	return textEncoding{}, false
}

// commonShare is the share of the bytes at offsets of the given parity
// taken by their three most common values.
func commonShare(b []byte, parity int) float64 {
	var counts [256]int
	n := 0
	for i := parity; i < len(b); i += 2 {
		counts[b[i]]++
		n++
	}
	if n == 0 {
		return 0
	}
	slices.Sort(counts[:])
	return float64(counts[255]+counts[254]+counts[253]) / float64(n)
}

// textShare is the share of b's characters, decoded with te, that are
// graphic or white space.
func textShare(b []byte, te textEncoding) float64 {
	out, _ := te.enc.NewDecoder().Bytes(b)
	good, all := 0, 0
	for len(out) > 0 {
		r, n := utf8.DecodeRune(out)
		out = out[n:]
		all++
		if r != utf8.RuneError && (unicode.IsGraphic(r) || r == '\n' || r == '\r' || r == '\t' || r == '\f') {
			good++
		}
	}
	if all == 0 {
		return 0
	}
	return float64(good) / float64(all)
}

// detectLegacy picks the charset of a sample that is not UTF-8. A
// single-byte reading that reads well wins at once. Otherwise ICU is asked:
// sure of East Asian text (confidence 90 and up), it wins; a weaker East
// Asian guess wins only over single-byte readings that read poorly (Thai in windows-874 decodes as EUC-JP too, with confidence
// near 50). Text no charset reads well (mojibake like "cafÃ©") stays
// windows-1252.
func detectLegacy(b []byte) textEncoding {
	sb, quality := detectSingleByte(b)
	if quality >= 0.5 && sb.name != "windows-874" {
		// East Asian text never reads this well in a single-byte
		// charset, except as Thai: ICU need not be asked.
		return sb
	}
	cjk, conf := detectEastAsian(b)
	switch {
	case conf >= 90, conf >= 30 && quality < 0.5:
		return cjk
	case quality > 0:
		return sb
	case conf >= 10 && quality < -0.5:
		// Short East Asian text: ICU cannot vouch for it, but no
		// single-byte reading makes sense.
		return cjk
	}
	return te1252
}

// eastAsian maps ICU's names of the multibyte charsets it recognises by
// their common characters. x/text's decoders are the WHATWG supersets
// (GB18030 for GBK and GB2312, windows-31j for Shift_JIS, windows-949 for
// EUC-KR).
var eastAsian = map[string]textEncoding{
	"Shift_JIS": {japanese.ShiftJIS, "shift_jis"},
	"EUC-JP":    {japanese.EUCJP, "euc-jp"},
	"GB-18030":  {simplifiedchinese.GB18030, "gb18030"},
	"Big5":      {traditionalchinese.Big5, "big5"},
	"EUC-KR":    {korean.EUCKR, "euc-kr"},
}

// detectEastAsian returns ICU's best East Asian guess and its confidence
// (0-100; 10 for a charset the sample merely decodes in).
func detectEastAsian(b []byte) (te textEncoding, confidence int) {
	defer func() {
		if recover() != nil {
			te, confidence = textEncoding{}, 0
		}
	}()
	results, err := chardet.NewTextDetector().DetectAll(b)
	if err != nil {
		return textEncoding{}, 0
	}
	for _, r := range results {
		if te, ok := eastAsian[r.Charset]; ok {
			return te, r.Confidence
		}
	}
	return textEncoding{}, 0
}

// decodeSample decodes the sniffed head to UTF-8 for the format heuristics.
func decodeSample(head []byte, te textEncoding) []byte {
	out, err := te.enc.NewDecoder().Bytes(head)
	if err != nil {
		// A split rune at the end of the sample; the heuristics do not
		// need it.
		return head
	}
	return out
}

// withDeclared applies a charset declared by the container (a mail part's
// Content-Type) or by the document (HTML <meta>) to te, the charset
// detected from sample. The declaration wins, except over a byte order
// mark or UTF-16/32 found by shape, when it names no charset known to
// WHATWG, or when it names a single-byte charset for a sample that is
// valid UTF-8 with non-ASCII bytes: mislabelled UTF-8 is common, and
// legacy text that happens to be valid UTF-8 is not. A declared UTF-8 that
// the sample is not gives way to detection.
func withDeclared(te textEncoding, sample []byte, cut bool, declared string) textEncoding {
	if declared == "" || isWide(te) || hasBOM(sample) {
		return te
	}
	enc, name := lookupCharset(declared)
	switch {
	case enc == nil, asciiLabels[strings.ToLower(strings.TrimSpace(declared))]:
		// ASCII declares nothing about the 8-bit bytes mailers send
		// under it.
		return te
	case strings.HasPrefix(name, "utf-16"):
		// Bytes that are not UTF-16 by shape: WHATWG reads them as UTF-8.
		return teUTF8
	case name == "utf-8":
		if validUTF8Prefix(sample, cut) {
			return teUTF8
		}
		return te
	case te.name == "utf-8" && hasHighBytes(sample):
		return te
	}
	return textEncoding{enc, name}
}

// asciiLabels are the WHATWG labels of windows-1252 that mean ASCII.
var asciiLabels = map[string]bool{"us-ascii": true, "ascii": true, "ansi_x3.4-1968": true, "us": true, "iso646-us": true, "ibm367": true, "cp367": true, "csascii": true, "iso-ir-6": true}

func isWide(te textEncoding) bool {
	return strings.HasPrefix(te.name, "utf-16") || strings.HasPrefix(te.name, "utf-32")
}

func hasBOM(b []byte) bool {
	for _, m := range boms {
		if bytes.HasPrefix(b, m.mark) {
			return true
		}
	}
	return false
}

func hasHighBytes(b []byte) bool {
	for _, c := range b {
		if c >= 0x80 {
			return true
		}
	}
	return false
}

// metaCharset returns the charset an HTML document declares in its head,
// by <meta charset> or <meta http-equiv="Content-Type" content="...">.
func metaCharset(head []byte) string {
	z := html.NewTokenizer(bytes.NewReader(head))
	for {
		switch z.Next() {
		case html.ErrorToken:
			return ""
		case html.StartTagToken, html.SelfClosingTagToken:
			name, hasAttr := z.TagName()
			switch string(name) {
			case "body":
				return ""
			case "meta":
			default:
				continue
			}
			var cs, content string
			httpEquiv := false
			for hasAttr {
				var k, v []byte
				k, v, hasAttr = z.TagAttr()
				switch strings.ToLower(string(k)) {
				case "charset":
					cs = string(v)
				case "http-equiv":
					httpEquiv = strings.EqualFold(strings.TrimSpace(string(v)), "content-type")
				case "content":
					content = string(v)
				}
			}
			if cs != "" {
				return strings.TrimSpace(cs)
			}
			if httpEquiv {
				if _, params, err := mime.ParseMediaType(content); err == nil && params["charset"] != "" {
					return params["charset"]
				}
			}
		}
	}
}
