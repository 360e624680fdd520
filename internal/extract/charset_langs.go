package extract

import (
	"unicode"

	"golang.org/x/text/encoding/charmap"
)

// Single-byte charset detection. Every candidate decodes the sample; each
// of the languages written in that charset scores the decoding: a letter of
// the language earns between 1 (its most frequent) and 0.4 (its rarest), a
// character no text would have costs 2, and so do a lowercase letter
// followed by a capital inside a word (what KOI8-R read as windows-1251
// looks like), a word mixing scripts, a Greek final sigma or a Hebrew final
// letter inside a word. Punctuation and symbols common in text are neutral
// unless they stand between two letters, and a letter standing alone is
// neutral too (£ in windows-1252 is Ł in windows-1250). The best score wins; ties go to the earlier candidate.

// langProfile is one language: its non-ASCII letters, most frequent first.
type langProfile struct {
	rank  map[rune]int
	n     int
	flat  bool // every letter weighs the same, lower: a union of languages
	sigma bool // Greek: ς only ends words
	final bool // Hebrew: final letters only end words
	thai  bool // any Thai character is a letter of it
}

func profile(letters string) *langProfile {
	p := &langProfile{rank: map[rune]int{}}
	for _, r := range letters {
		if _, dup := p.rank[r]; dup {
			continue
		}
		p.rank[r] = p.n
		if u := unicode.ToUpper(r); u != r {
			p.rank[u] = p.n
		}
		p.n++
	}
	return p
}

func union(ps ...*langProfile) *langProfile {
	u := &langProfile{rank: map[rune]int{}, flat: true}
	for _, p := range ps {
		for r := range p.rank {
			u.rank[r] = 0
		}
	}
	u.n = 1
	return u
}

// Languages, by the frequency of their non-ASCII letters.
var (
	langDE   = profile("äüößẞ")
	langFR   = profile("éèàçêôâîûùëïœüÿæ")
	langES   = profile("óíáéñúü")
	langPT   = profile("ãçéáóíêõúâôàü")
	langIT   = profile("àèùòìéó")
	langNL   = profile("ëéïöüèá")
	langSV   = profile("äöåé")
	langDA   = profile("æøåé")
	langIS   = profile("áðéíóúýþæö")
	langCA   = profile("àèéíïòóúüç")
	langSQ   = profile("ëç")
	langWest = union(langDE, langFR, langES, langPT, langIT, langNL, langSV, langDA, langCA)

	langPL = profile("łęąóśżćńź")
	langCS = profile("áíéěřýčšžúůňťďó")
	langSK = profile("áíéýčšžúľôäňťďóŕĺ")
	langHU = profile("áéöőóüíűú")
	langHR = profile("čšžćđ")
	langRO = profile("ăâîșțşţ")
	langTR = profile("ıüşçğöİâî")
	langLT = profile("ėšųąįūčęž")
	langLV = profile("āēīšūņļķčģž")
	langET = profile("äõüöšž")
	// Lithuanian and Latvian documents mix; they share their charsets.
	langBaltic = union(langLT, langLV, langET)

	langRU = profile("оеаинтсрвлкмдпуяызьбгчйхжшюцщэфъё")
	langUK = profile("оаниввтерікдслупмяьзбгчхйжцшюєщїфґ")
	langBE = profile("аонірстэлквймўдпуяезгчхьбшжцюёфы")
	langBG = profile("аоеинтрсвлкдпмзуъябчгйхшжцщюьф")
	langSR = profile("аиоенртјсукдвлпмзгбчшцњћхљжђџф")
	langMK = profile("аоеинтрсвкдлпмзјугбчшцѓќхњљжџѕф")

	langEL = func() *langProfile {
		p := profile("αοειτνσηκπρυμλςάέίόγήδύθώχφβξζψωϊϋΐΰ")
		p.sigma = true
		return p
	}()
	langHE = func() *langProfile {
		p := profile("יוהלאמרבתנשעדכקחפםסןגזטצךףץ")
		p.final = true
		return p
	}()
	langAR = profile("الیمونهرتبعدسفكقةأحجىشطصإخضزثءذغظآؤئيک")
	langFA = profile("ایرنمودهبتسلکشزگفخعقجپحچصطآغضظثژذيك")
	langTH = &langProfile{rank: map[rune]int{}, n: 1, thai: true}
)

// singleByte are the candidates, in the order that breaks ties: charsets
// that decode a sample the same way tie, and the first is reported.
var singleByte = []struct {
	cm    *charmap.Charmap
	name  string
	langs []*langProfile
	// rare marks a charset that decodes most text of its languages like
	// a more common sibling: it scores rarePrior less, so that the
	// sibling wins unless a letter they differ on decides.
	rare bool
}{
	{charmap.Windows1252, "windows-1252", []*langProfile{langDE, langFR, langES, langPT, langIT, langNL, langSV, langDA, langIS, langCA, langSQ, langWest}, false},
	{charmap.ISO8859_15, "iso-8859-15", []*langProfile{langDE, langFR, langES, langPT, langIT, langNL, langSV, langDA, langCA, langET, langWest}, true},
	{charmap.Windows1250, "windows-1250", []*langProfile{langPL, langCS, langSK, langHU, langHR, langRO, langSQ, langDE}, false},
	{charmap.ISO8859_2, "iso-8859-2", []*langProfile{langPL, langCS, langSK, langHU, langHR, langRO, langDE}, true},
	{charmap.Windows1257, "windows-1257", []*langProfile{langLT, langLV, langET, langBaltic}, false},
	{charmap.ISO8859_13, "iso-8859-13", []*langProfile{langLT, langLV, langET, langBaltic}, true},
	{charmap.Windows1254, "windows-1254", []*langProfile{langTR}, false},
	{charmap.Windows1251, "windows-1251", []*langProfile{langRU, langUK, langBE, langBG, langSR, langMK}, false},
	{charmap.KOI8R, "koi8-r", []*langProfile{langRU, langBG}, false},
	{charmap.KOI8U, "koi8-u", []*langProfile{langUK, langRU}, true},
	{charmap.ISO8859_5, "iso-8859-5", []*langProfile{langRU, langUK, langBE, langBG, langSR, langMK}, false},
	{charmap.CodePage866, "ibm866", []*langProfile{langRU, langUK, langBE, langBG}, false},
	{charmap.Windows1253, "windows-1253", []*langProfile{langEL}, false},
	{charmap.ISO8859_7, "iso-8859-7", []*langProfile{langEL}, true},
	{charmap.Windows1255, "windows-1255", []*langProfile{langHE}, false},
	{charmap.ISO8859_8, "iso-8859-8", []*langProfile{langHE}, true},
	{charmap.Windows1256, "windows-1256", []*langProfile{langAR, langFA}, false},
	{charmap.Windows874, "windows-874", []*langProfile{langTH}, false},
}

// neutral are the non-letters common in text in any of these charsets.
var neutral = func() map[rune]bool {
	m := map[rune]bool{}
	for _, r := range "\u00A0\u00AD¡¢£¥§©«¬®°±²³µ¶·¹º»ª¼½¾¿×÷–—‘’‚“”„†‡•…‰‹›€™№₪،؛؟" {
		m[r] = true
	}
	return m
}()

// rarePrior is half what a character that is not text costs.
const rarePrior = 1

// inWord are the non-letters that may stand between two letters.
var inWord = map[rune]bool{'’': true, '‘': true, '·': true, '\u00AD': true, '–': true, '—': true}

// maxSingleByteSample bounds the bytes scored per candidate.
const maxSingleByteSample = 4 << 10

// detectSingleByte returns the best-reading single-byte charset and its
// score per non-ASCII byte, at most 1 and negative when no candidate reads
// as any language.
func detectSingleByte(b []byte) (textEncoding, float64) {
	if len(b) > maxSingleByteSample {
		b = b[:maxSingleByteSample]
	}
	// Only characters at or just after a non-ASCII byte can score.
	var at []int
	high := 0
	decoded := make([]rune, len(b))
	for i, c := range b {
		if c >= 0x80 || i > 0 && b[i-1] >= 0x80 {
			at = append(at, i)
		}
		if c < 0x80 {
			decoded[i] = rune(c)
		} else {
			high++
		}
	}
	if high == 0 {
		return te1252, 0
	}
	best, bestScore := -1, 0.0
	var rd reading
	for i, c := range singleByte {
		for _, j := range at {
			if b[j] >= 0x80 {
				decoded[j] = c.cm.DecodeByte(b[j])
			}
		}
		rd.read(decoded, b, at, c.langs[0].thai)
		for _, p := range c.langs {
			s := rd.score(p)
			if c.rare {
				s -= rarePrior
			}
			if best < 0 || s > bestScore {
				best, bestScore = i, s
			}
		}
	}
	return textEncoding{singleByte[best].cm, singleByte[best].name}, bestScore / float64(high)
}

// reading is what one candidate's decoding shows regardless of language:
// how many things no text has, and the letters each language scores.
type reading struct {
	bad     int
	letters []rune // non-ASCII letters with a letter beside them
	nexts   []rune // the character after each
	thai    int    // Thai marks and vowels out of place
}

func (rd *reading) read(text []rune, raw []byte, at []int, thai bool) {
	rd.bad, rd.thai, rd.letters, rd.nexts = 0, 0, rd.letters[:0], rd.nexts[:0]
	isLetter := func(r rune) bool { return unicode.IsLetter(r) || thai && unicode.Is(unicode.Thai, r) }
	for _, i := range at {
		r := text[i]
		var prev, next rune
		if i > 0 {
			prev = text[i-1]
		}
		if i+1 < len(text) {
			next = text[i+1]
		}
		if unicode.IsLetter(prev) && unicode.IsLetter(r) {
			if unicode.IsLower(prev) && unicode.IsUpper(r) {
				rd.bad++
			}
			if scriptOf(prev) != scriptOf(r) {
				rd.bad++
			}
		}
		if raw[i] < 0x80 {
			continue
		}
		if !isLetter(r) {
			switch {
			case unicode.Is(unicode.Mn, r), unicode.IsDigit(r):
			case neutral[r] && !(isLetter(prev) && isLetter(next)):
			case inWord[r]:
			default:
				// Not text, or a symbol inside a word: "Wed³ug" is
				// Polish "Według" read as windows-1252.
				rd.bad++
			}
			continue
		}
		if !isLetter(prev) && !isLetter(next) {
			continue // alone: a symbol in some other charset
		}
		if thai && thaiMisplaced(prev, r, next) {
			rd.thai++
		}
		rd.letters = append(rd.letters, r)
		rd.nexts = append(rd.nexts, next)
	}
}

// score rates the reading as language p.
func (rd *reading) score(p *langProfile) float64 {
	var good float64
	bad := rd.bad
	for k, r := range rd.letters {
		switch rank, ok := p.rank[r]; {
		case p.thai:
			good += 0.8
		case ok && p.flat:
			good += 0.5
		case ok:
			good += 1 - 0.6*float64(rank)/float64(max(p.n-1, 1))
		default:
			bad++
		}
		next := rd.nexts[k]
		if p.sigma && r == 'ς' && unicode.IsLetter(next) {
			bad++
		}
		if p.final && isHebrewFinal(r) && unicode.Is(unicode.Hebrew, next) {
			bad++
		}
	}
	if p.thai {
		good -= 0.8 * float64(rd.thai)
		bad += rd.thai
	}
	return good - 2*float64(bad)
}

// thaiMisplaced reports a Thai vowel or tone mark written above or below
// something other than a consonant, or a leading vowel not followed by
// one: what other charsets' text decoded as windows-874 is full of.
func thaiMisplaced(prev, r, next rune) bool {
	consonant := func(r rune) bool { return r >= 0x0E01 && r <= 0x0E2E }
	switch {
	case unicode.Is(unicode.Mn, r):
		return !consonant(prev) && !unicode.Is(unicode.Mn, prev) && prev != 0x0E33
	case r >= 0x0E40 && r <= 0x0E44:
		return !consonant(next)
	}
	return false
}

func isHebrewFinal(r rune) bool {
	return r == 'ך' || r == 'ם' || r == 'ן' || r == 'ף' || r == 'ץ'
}

// scriptOf classifies letters by the scripts these charsets carry.
func scriptOf(r rune) int {
	switch {
	case r < 0x80 || unicode.Is(unicode.Latin, r):
		return 0
	case unicode.Is(unicode.Cyrillic, r):
		return 1
	case unicode.Is(unicode.Greek, r):
		return 2
	case unicode.Is(unicode.Hebrew, r):
		return 3
	case unicode.Is(unicode.Arabic, r):
		return 4
	case unicode.Is(unicode.Thai, r):
		return 5
	}
	return 6
}
