package search

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/blevesearch/segment"
	"golang.org/x/text/unicode/norm"
)

// MaxTermBytes bounds an index term; longer runs (base64 blobs, hex dumps,
// long paths) are indexed by their first MaxTermBytes bytes.
const MaxTermBytes = 64

// maxChainParts bounds how many parts an identifier joins (a path of 40
// directories is indexed as its parts and a few identifiers, not one).
const maxChainParts = 16

// Kind says how a token was produced.
type Kind uint8

const (
	// Word is one part of a word: letters, digits and marks between
	// punctuation. Consecutive parts have consecutive positions.
	Word Kind = iota
	// Ident is a whole identifier of several parts (an IP address, an
	// e-mail address, a CVE ID, a file name, a hyphenated word), indexed at
	// the position of its first part in addition to its parts.
	Ident
	// Bigram is two adjacent CJK characters.
	Bigram
	// Unigram is the last CJK character of a run (or a run of one).
	Unigram
)

// Token is one term occurrence: its folded term, its position (the word
// count before it) and its byte span in the analysed text.
type Token struct {
	Term       string
	Kind       Kind
	Pos        int
	Start, End int
}

// Analyze cuts text into index tokens, in order of production (an Ident
// follows its parts). Words follow Unicode text segmentation (UAX #29);
// each word is split at inner punctuation into parts (`report.pdf` gives
// `report`, `pdf` and the identifier `report.pdf`), and words joined by a
// single `@ - / \ : + .` make one identifier too (`alice@example.com`,
// `CVE-2017-0144`). Runs of Han, Hiragana and Katakana are indexed as
// overlapping bigrams plus their last character, so any substring of two or
// more characters is a phrase of bigrams. Terms are folded by Fold.
func Analyze(text []byte, fn func(Token)) {
	analyzeUntil(text, func(t Token) bool { fn(t); return true })
}

// analyzeUntil is Analyze stopping soon after fn returns false (tokens
// already cut may still be delivered).
func analyzeUntil(text []byte, fn func(Token) bool) {
	a := &analyzer{text: text}
	if conv, offs := halfWidth(text); offs != nil {
		// Full-width forms are not letters and digits to the segmenter's
		// tables: segment their ASCII equivalents and map spans back.
		a.text = conv
		a.fn = func(t Token) {
			t.Start, t.End = offs[t.Start], offs[t.End]
			a.stop = !fn(t) || a.stop
		}
	} else {
		a.fn = func(t Token) { a.stop = !fn(t) || a.stop }
	}
	a.run()
}

// halfWidth returns text with full-width ASCII forms (U+FF01-U+FF5E) and the
// ideographic space replaced by ASCII, and for every byte offset of the
// result (and its end) the offset in text; offs is nil when text has none.
func halfWidth(text []byte) (conv []byte, offs []int) {
	i := 0
	for i < len(text) {
		// Full-width forms are EF BC 81..EF BD 9E; the ideographic space E3 80 80.
		if text[i] == 0xEF && i+2 < len(text) && (text[i+1] == 0xBC || text[i+1] == 0xBD) {
			if r, _ := utf8.DecodeRune(text[i:]); r >= 0xFF01 && r <= 0xFF5E {
				break
			}
		}
		i++
	}
	if i == len(text) {
		return nil, nil
	}
	conv = make([]byte, 0, len(text))
	offs = make([]int, 0, len(text)+1)
	for j := 0; j < len(text); {
		r, n := utf8.DecodeRune(text[j:])
		switch {
		case r >= 0xFF01 && r <= 0xFF5E:
			conv = append(conv, byte(r-0xFF01+0x21))
			offs = append(offs, j)
		case r == 0x3000:
			conv = append(conv, ' ')
			offs = append(offs, j)
		default:
			for k := 0; k < n; k++ {
				conv = append(conv, text[j+k])
				offs = append(offs, j+k)
			}
		}
		j += n
	}
	offs = append(offs, len(text))
	return conv, offs
}

type analyzer struct {
	text []byte
	fn   func(Token)
	pos  int
	stop bool // set by fn to end the analysis early

	// The identifier chain being built: words joined by single connectors.
	chainStart, chainEnd, chainPos, chainParts int
	chainWords                                 int
	connector                                  bool // a connector follows chainEnd

	// The CJK run being built: the previous character's span.
	cjkStart, cjkEnd int
	inCJK            bool
}

func (a *analyzer) run() {
	seg := segment.NewWordSegmenterDirect(a.text)
	off := 0
	for !a.stop && seg.Segment() {
		b := seg.Bytes()
		start, end := off, off+len(b)
		off = end
		if seg.Type() == segment.None {
			a.gap(start, end)
			continue
		}
		a.word(start, end)
	}
	if off < len(a.text) && !a.stop {
		// The segmenter stopped early (it refuses tokens over 64 KiB):
		// the rest is cut at spaces and punctuation.
		a.fallback(off)
	}
	a.flushChain()
	a.flushCJK()
}

// fallback splits text[off:] at runes that are not letters, digits or marks.
func (a *analyzer) fallback(off int) {
	i := off
	for i < len(a.text) && !a.stop {
		r, n := utf8.DecodeRune(a.text[i:])
		if !isWordRune(r) || r == utf8.RuneError {
			a.gap(i, i+n)
			i += n
			continue
		}
		j := i + n
		for j < len(a.text) {
			r, n := utf8.DecodeRune(a.text[j:])
			if !isWordRune(r) || r == utf8.RuneError {
				break
			}
			j += n
		}
		a.word(i, j)
		i = j
	}
}

func isWordRune(r rune) bool {
	if r < utf8.RuneSelf {
		return r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '_'
	}
	return unicode.IsLetter(r) || unicode.IsDigit(r) || unicode.IsMark(r) || r == '_' || unicode.Is(unicode.Cf, r)
}

func isConnector(c byte) bool {
	switch c {
	case '@', '-', '/', '\\', ':', '+', '.':
		return true
	}
	return false
}

// gap handles a non-word segment: a single connector right after a word
// may continue an identifier; anything else ends it.
func (a *analyzer) gap(start, end int) {
	a.flushCJK()
	if end-start == 1 && isConnector(a.text[start]) && a.chainWords > 0 && start == a.chainEnd && !a.connector {
		a.connector = true
		return
	}
	a.flushChain()
}

func isCJK(r rune) bool {
	if r < 0x2E80 {
		return false
	}
	return unicode.In(r, unicode.Han, unicode.Hiragana, unicode.Katakana) || r == 'ー' || r == '々'
}

// word handles one UAX #29 word: its CJK characters become bigrams, the
// rest parts of an identifier chain.
func (a *analyzer) word(start, end int) {
	i := start
	for i < end {
		r, n := utf8.DecodeRune(a.text[i:end])
		if isCJK(r) {
			a.flushChain()
			a.cjk(i, i+n)
			i += n
			continue
		}
		a.flushCJK()
		j := i + n
		for j < end {
			r, n := utf8.DecodeRune(a.text[j:end])
			if isCJK(r) {
				break
			}
			j += n
		}
		a.chainWord(i, j)
		i = j
	}
}

func (a *analyzer) cjk(start, end int) {
	if a.inCJK && a.cjkEnd == start {
		a.emit(Token{Term: Fold(a.text[a.cjkStart:end]), Kind: Bigram, Pos: a.pos, Start: a.cjkStart, End: end})
		a.pos++
	}
	a.cjkStart, a.cjkEnd, a.inCJK = start, end, true
}

func (a *analyzer) flushCJK() {
	if !a.inCJK {
		return
	}
	a.emit(Token{Term: Fold(a.text[a.cjkStart:a.cjkEnd]), Kind: Unigram, Pos: a.pos, Start: a.cjkStart, End: a.cjkEnd})
	a.pos++
	a.inCJK = false
}

// chainWord emits the parts of text[start:end] and adds it to the chain.
func (a *analyzer) chainWord(start, end int) {
	joined := a.chainWords > 0 && a.connector && start == a.chainEnd+1
	if !joined {
		a.flushChain()
	}
	a.connector = false
	firstPos := a.pos
	parts := 0
	i := start
	for i < end {
		r, n := utf8.DecodeRune(a.text[i:end])
		if !isWordRune(r) || unicode.Is(unicode.Cf, r) && !partHasWord(a.text[i:end]) {
			i += n
			continue
		}
		j := i + n
		for j < end {
			r, n := utf8.DecodeRune(a.text[j:end])
			if !isWordRune(r) {
				break
			}
			j += n
		}
		if t := Fold(a.text[i:j]); t != "" {
			a.emit(Token{Term: t, Kind: Word, Pos: a.pos, Start: i, End: j})
			a.pos++
			parts++
		}
		i = j
	}
	if parts == 0 {
		a.flushChain()
		return
	}
	if joined && a.chainParts+parts <= maxChainParts {
		a.chainEnd = end
		a.chainParts += parts
		a.chainWords++
		return
	}
	a.flushChain()
	a.chainStart, a.chainEnd, a.chainPos, a.chainParts, a.chainWords = start, end, firstPos, parts, 1
}

// partHasWord reports whether b starts with format characters followed by
// a letter or digit (a soft hyphen inside a word is dropped, not a part).
func partHasWord(b []byte) bool {
	for len(b) > 0 {
		r, n := utf8.DecodeRune(b)
		if !unicode.Is(unicode.Cf, r) {
			return isWordRune(r)
		}
		b = b[n:]
	}
	return false
}

func (a *analyzer) flushChain() {
	if a.chainWords > 0 && a.chainParts >= 2 && identLike(a.text[a.chainStart:a.chainEnd]) {
		if t := Fold(trimConnectors(a.text[a.chainStart:a.chainEnd])); t != "" {
			a.emit(Token{Term: t, Kind: Ident, Pos: a.chainPos, Start: a.chainStart, End: a.chainEnd})
		}
	}
	a.chainWords, a.chainParts, a.connector = 0, 0, false
}

// identLike reports whether a chain of parts is an identifier worth a term
// of its own: it holds a digit or one of @ . : / \ (addresses, versions,
// file names, paths, CVE IDs). Words joined only by hyphens or apostrophes
// ("state-of-the-art", "don't") are found as phrases of their parts, and
// indexing them whole would cost positions for nothing.
func identLike(b []byte) bool {
	for _, c := range b {
		switch {
		case c >= '0' && c <= '9', c == '@', c == '.', c == ':', c == '/', c == '\\':
			return true
		case c >= 0xEF:
			return true // full-width forms of the above (and others): keep
		}
	}
	return false
}

func trimConnectors(b []byte) []byte {
	for len(b) > 0 {
		r, n := utf8.DecodeLastRune(b)
		if isWordRune(r) {
			break
		}
		b = b[:len(b)-n]
	}
	return b
}

func (a *analyzer) emit(t Token) { a.fn(t) }

// Fold returns the index form of a word: NFKC compatibility forms
// (ligatures, full-width letters and digits) resolved, lower-cased
// (with ß as ss and final sigma as sigma), accents removed from Latin,
// Greek and Cyrillic letters, format characters (soft hyphens, zero-width
// joiners) dropped, and cut to MaxTermBytes on a character boundary.
func Fold(w []byte) string {
	ascii := true
	for _, c := range w {
		if c >= utf8.RuneSelf {
			ascii = false
			break
		}
	}
	if ascii {
		b := make([]byte, 0, min(len(w), MaxTermBytes))
		for _, c := range w {
			if len(b) == MaxTermBytes {
				break
			}
			if c >= 'A' && c <= 'Z' {
				c += 'a' - 'A'
			}
			b = append(b, c)
		}
		return string(b)
	}
	if simple(w) {
		return string(w)
	}
	d := norm.NFKD.Bytes(w)
	var b strings.Builder
	b.Grow(len(d))
	var base rune
	for len(d) > 0 {
		r, n := utf8.DecodeRune(d)
		d = d[n:]
		switch {
		case r == utf8.RuneError && n <= 1:
			continue
		case unicode.Is(unicode.Mn, r):
			if foldsAccents(base) {
				continue
			}
		case unicode.Is(unicode.Cf, r):
			continue
		case r == 'ß' || r == 'ẞ':
			b.WriteString("ss")
			base = 's'
			continue
		case r == 'ς':
			r = 'σ'
		default:
			base = r
		}
		b.WriteRune(unicode.ToLower(r))
	}
	s := norm.NFC.String(b.String())
	if len(s) > MaxTermBytes {
		cut := MaxTermBytes
		for cut > 0 && !utf8.RuneStart(s[cut]) {
			cut--
		}
		s = s[:cut]
	}
	return s
}

// simple reports whether w folds to itself because it is only common
// CJK ideographs and kana, which NFKC leaves alone (CJK text is mostly
// like this, and the general path is several times slower).
func simple(w []byte) bool {
	if len(w) > MaxTermBytes {
		return false
	}
	for len(w) > 0 {
		r, n := utf8.DecodeRune(w)
		w = w[n:]
		if !(r >= 0x4E00 && r <= 0x9FFF || r >= 0x3041 && r <= 0x3096 || r >= 0x30A1 && r <= 0x30FA || r == 0x30FC) {
			return false
		}
	}
	return true
}

// foldsAccents reports whether combining marks after base are accents to
// drop: on Latin, Greek and Cyrillic letters they are (café = cafe), while
// in other scripts marks are part of the spelling (Devanagari vowel signs,
// Japanese voicing marks).
func foldsAccents(base rune) bool {
	return base < 0x530 || base >= 0x1E00 && base < 0x2000
}
