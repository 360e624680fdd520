package detect

import (
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Limits on listed names. They keep every name match within MaxLen.
const (
	maxNameBytes = 128 // a listed name, after trimming
	maxGap       = 16  // runes of white space between two words of a name
)

type tokKind uint8

const (
	tkWord tokKind = iota + 1
	tkSpace
	tkPunct
)

const (
	fnvOffset = 0xcbf29ce484222325
	fnvPrime  = 0x100000001b3
	spaceHash = 0x9e3779b97f4a7c15
)

func mix(h uint64) uint64 {
	h ^= h >> 33
	h *= 0xff51afd7ed558ccd
	h ^= h >> 33
	h *= 0xc4ceb9fe1a85ec53
	h ^= h >> 33
	return h
}

// nextToken reads the token at text[i]: a word, a run of white space, or
// one other rune. It returns the token's kind, end, hash (of folded runes)
// and, for white space, its length in runes. A word is an ideograph, or a
// maximal run of other word runes, with ignorable characters inside it (not
// at its ends); its hash passes over accents and ignorable characters, up
// to maxSkip after each letter (see wordFold).
func nextToken(text []byte, i int) (k tokKind, end int, h uint64, n int) {
	c := text[i]
	var r rune
	size := 1
	if c < utf8.RuneSelf {
		r = rune(c)
	} else {
		r, size = utf8.DecodeRune(text[i:])
	}
	switch {
	case ideograph(r):
		return tkWord, i + size, (fnvOffset ^ uint64(fold(r))) * fnvPrime, 0
	case isWordRune(r):
		h = fnvOffset
		skip := 0
		for i < len(text) {
			c := text[i]
			if c < utf8.RuneSelf {
				if !isWordByte(c) {
					break
				}
				for i < len(text) && isWordByte(text[i]) {
					h = (h ^ uint64(lower[text[i]])) * fnvPrime
					i++
				}
				skip = 0
				continue
			}
			r, size := utf8.DecodeRune(text[i:])
			switch {
			case accent(r):
				if skip++; skip > maxSkip {
					h = (h ^ poison) * fnvPrime
				}
				i += size
			case isWordRune(r) && !ideograph(r):
				h = foldHash(h, r)
				skip = 0
				i += size
			case ignorable(r):
				j, n := ignorableRun(text, i)
				if r, _ := utf8.DecodeRune(text[j:]); j >= len(text) || !isWordRune(r) || ideograph(r) {
					return tkWord, i, h, 0 // not inside the word
				}
				for ; n > 0; n-- {
					if skip++; skip > maxSkip {
						h = (h ^ poison) * fnvPrime
					}
				}
				i = j
			default:
				return tkWord, i, h, 0
			}
		}
		return tkWord, i, h, 0
	case unicode.IsSpace(r) || c == '<' && tagLen(text, i) > 0:
		return gapToken(text, i)
	case isHyphen(r) && hyphenBetweenWords(text, i, size):
		// A hyphen inside a name matches a space: "Anne-Marie" and
		// "Anne Marie" are one name.
		return tkSpace, i + size, spaceHash, 1
	}
	return tkPunct, i + size, mix(uint64(fold(r)) + 0x51ed27), 0
}

// maxGapBytes bounds the gap between two words of a name, white space and
// tags together.
const maxGapBytes = maxGap * utf8.UTFMax

// tagLen returns the length of the markup tag at text[i] ("<td>",
// "</span>", "<br/>": '<', an optional '/', a letter, up to 61 printable
// ASCII bytes, '>'), 0 if there is none.
func tagLen(text []byte, i int) int {
	j := i + 1
	if j < len(text) && text[j] == '/' {
		j++
	}
	if j >= len(text) || !isLetter(text[j]) {
		return 0
	}
	j++
	for k := 0; j < len(text) && k < 61 && text[j] >= 0x20 && text[j] <= 0x7e && text[j] != '<' && text[j] != '>'; k++ {
		j++
	}
	if j < len(text) && text[j] == '>' {
		return j + 1 - i
	}
	return 0
}

// gapToken reads the white space and markup tags at text[i] as one gap
// between words ("Anne-Marie</td><td>Bush"); n counts its white-space runes
// and tags.
func gapToken(text []byte, i int) (k tokKind, end int, h uint64, n int) {
	start := i
	for i < len(text) {
		if text[i] == '<' {
			if t := tagLen(text, i); t > 0 {
				n++
				i += t
				continue
			}
			break
		}
		r, size := rune(text[i]), 1
		if r >= utf8.RuneSelf {
			r, size = utf8.DecodeRune(text[i:])
		}
		if !unicode.IsSpace(r) {
			break
		}
		n++
		i += size
	}
	if i-start > maxGapBytes {
		n = maxGap + 1 // too long to stand between the words of a name
	}
	return tkSpace, i, spaceHash, n
}

// isHyphen reports the hyphens that join the parts of a name: '-', U+2010
// HYPHEN and U+2011 NON-BREAKING HYPHEN.
func isHyphen(r rune) bool { return r == '-' || r == '\u2010' || r == '\u2011' }

// hyphenBetweenWords reports whether the hyphen of size bytes at text[i]
// stands between two word runes.
func hyphenBetweenWords(text []byte, i, size int) bool {
	if i == 0 || i+size >= len(text) {
		return false
	}
	p, _ := utf8.DecodeLastRune(text[:i])
	q, _ := utf8.DecodeRune(text[i+size:])
	return isWordRune(p) && isWordRune(q)
}

// hyphenGlued reports whether a name matched from p to e continues a
// hyphenated word on either side ("Smith-Jones" holds no "Smith" and no
// "Jones"): a hyphen between word runes just before p or at e.
func hyphenGlued(text []byte, p, e int) bool {
	if e < len(text) {
		if r, size := utf8.DecodeRune(text[e:]); isHyphen(r) && hyphenBetweenWords(text, e, size) {
			return true
		}
	}
	if p > 0 {
		if r, size := utf8.DecodeLastRune(text[:p]); isHyphen(r) && hyphenBetweenWords(text, p-size, size) {
			return true
		}
	}
	return false
}

// poison stands for an accent or ignorable character beyond maxSkip in a
// word's hash and folded form; no listed name holds it.
const poison = 0x10FFFF

// ignorableRun returns the end of the run of ignorable characters at
// text[i] and its length in runes.
func ignorableRun(text []byte, i int) (end, n int) {
	for i < len(text) {
		r, size := utf8.DecodeRune(text[i:])
		if !ignorable(r) {
			break
		}
		i += size
		n++
	}
	return i, n
}

// wordFold is the folded form of the word b (a word token as nextToken
// reads it): its letters folded, accents and ignorable characters left out
// (poison beyond maxSkip after a letter).
func wordFold(b []byte) []rune {
	var out []rune
	skip := 0
	for len(b) > 0 {
		r, size := utf8.DecodeRune(b)
		b = b[size:]
		if accent(r) || ignorable(r) {
			if skip++; skip > maxSkip {
				out = append(out, poison)
			}
			continue
		}
		skip = 0
		out = foldAppend(out, r)
	}
	return out
}

type nameEdge struct {
	h        uint64
	from, to int32
}

type nameEntry struct {
	value string   // as listed, trimmed, without options
	toks  []string // folded tokens; white space as " "
	upper []bool   // with the option "case": per token, a word that must start upper case
}

// nameOptions are the options a list entry may give after '|'.
type nameOptions struct {
	lastFirst, initials, given, exactCase bool
}

// parseNameEntry splits a list entry "Anne-Marie Bush | last-first initials"
// into the name and its options.
func parseNameEntry(raw string) (string, nameOptions, error) {
	var o nameOptions
	name, opts, has := strings.Cut(raw, "|")
	name = strings.TrimFunc(name, unicode.IsSpace)
	if !has {
		return name, o, nil
	}
	for _, f := range strings.FieldsFunc(opts, func(r rune) bool { return r == ',' || unicode.IsSpace(r) }) {
		switch strings.ToLower(f) {
		case "last-first":
			o.lastFirst = true
		case "initials":
			o.initials = true
		case "given":
			o.given = true
		case "case":
			o.exactCase = true
		default:
			return "", o, fmt.Errorf("unknown option %q: use last-first, initials, given or case", f)
		}
	}
	return name, o, nil
}

// variants are the spellings of a name its options ask for, besides the
// name itself: "Bush, Anne-Marie" (last-first), "A. Bush" and, with
// last-first, "Bush, A." (initials), "Anne-Marie" (given). A name of one
// word has none.
func (o nameOptions) variants(name string) []string {
	w := strings.Fields(name)
	if len(w) < 2 {
		return nil
	}
	last, given := w[len(w)-1], w[:len(w)-1]
	var out []string
	if o.lastFirst {
		out = append(out, last+", "+strings.Join(given, " "))
	}
	if o.initials {
		var in []string
		for _, g := range given {
			r, _ := utf8.DecodeRuneInString(g)
			in = append(in, string(unicode.ToUpper(r))+".")
		}
		out = append(out, strings.Join(in, " ")+" "+last)
		if len(in) > 1 {
			out = append(out, in[0]+" "+last)
		}
		if o.lastFirst {
			out = append(out, last+", "+strings.Join(in, " "))
		}
	}
	if o.given {
		out = append(out, given[0])
	}
	return out
}

// nameIndex is a trie over the tokens of the listed names, with its edges in
// one open-addressing hash table keyed by (node, token hash), and a bitset of
// first-word hashes so that most words of ordinary text cost one hash and one
// bit test. Matching runs from each word start; every name ends with a word,
// and words are maximal runs of word runes, so a match ends at a word
// boundary by construction.
type nameIndex struct {
	bloom     []uint64
	bloomMask uint64
	edges     []nameEdge
	edgeMask  uint64
	term      []int32 // per node: index of the listed name ending there, or -1
	kids      []bool  // per node: has children
	names     []nameEntry
	maxSpan   int // bytes: the longest text any listed name can match
}

func foldString(s string) string { return string(wordFold([]byte(s))) }

func newNameIndex(list []string) (*nameIndex, error) {
	x := &nameIndex{term: []int32{-1}, kids: []bool{false}}
	type tok struct {
		h uint64
		s string
	}
	var all [][]tok
	nEdges := 0
	for i, raw := range list {
		if !utf8.ValidString(raw) {
			return nil, fmt.Errorf("name %d in the list is not valid UTF-8: re-save the list as UTF-8", i+1)
		}
		value, opts, err := parseNameEntry(raw)
		if err != nil {
			return nil, fmt.Errorf("name %d in the list has an %w", i+1, err)
		}
		for _, name := range append([]string{value}, opts.variants(value)...) {
			b := []byte(name)
			var toks []tok
			var upper []bool
			for j := 0; j < len(b); {
				k, e, h, _ := nextToken(b, j)
				s := " "
				if k != tkSpace {
					s = foldString(name[j:e])
				}
				if k == tkWord && (s == "" || strings.ContainsRune(s, poison)) {
					return nil, fmt.Errorf("name %d in the list has a word of accents alone or too many accents in a row: fix it", i+1)
				}
				if k == tkWord || len(toks) > 0 {
					toks = append(toks, tok{h, s})
					r, _ := utf8.DecodeRune(b[j:])
					upper = append(upper, opts.exactCase && k == tkWord && unicode.IsUpper(r))
				}
				j = e
			}
			for len(toks) > 0 && toks[len(toks)-1].s != "" && !isWordRune([]rune(toks[len(toks)-1].s)[0]) {
				toks, upper = toks[:len(toks)-1], upper[:len(upper)-1]
			}
			if len(toks) == 0 {
				return nil, fmt.Errorf("name %d in the list has no letters or digits: remove it", i+1)
			}
			if len(name) > maxNameBytes {
				return nil, fmt.Errorf("name %d in the list is longer than %d bytes: shorten it", i+1, maxNameBytes)
			}
			span := 0
			for _, t := range toks {
				if t.s == " " {
					span += maxGapBytes
				} else {
					// Each letter may carry maxSkip accents or ignorable
					// characters, the word as many before its first letter.
					span += (utf8.RuneCountInString(t.s) + 1) * (utf8.UTFMax + maxSkip*3)
				}
			}
			x.maxSpan = max(x.maxSpan, span)
			all = append(all, toks)
			nEdges += len(toks)
			e := nameEntry{value: value}
			for _, t := range toks {
				e.toks = append(e.toks, t.s)
			}
			if opts.exactCase {
				e.upper = upper
			}
			x.names = append(x.names, e)
		}
	}
	size := 16
	for size < 2*nEdges {
		size <<= 1
	}
	x.edges = make([]nameEdge, size)
	x.edgeMask = uint64(size - 1)
	bits := 1 << 12
	for bits < 16*len(x.names) {
		bits <<= 1
	}
	x.bloom = make([]uint64, bits/64)
	x.bloomMask = uint64(bits - 1)
	for i, toks := range all {
		node := int32(0)
		for j, t := range toks {
			if j == 0 {
				m := mix(t.h) & x.bloomMask
				x.bloom[m>>6] |= 1 << (m & 63)
			}
			next := x.child(node, t.h)
			if next == 0 {
				next = int32(len(x.term))
				x.term = append(x.term, -1)
				x.kids = append(x.kids, false)
				x.insert(node, t.h, next)
				x.kids[node] = true
			}
			node = next
		}
		if x.term[node] < 0 {
			x.term[node] = int32(i)
		}
	}
	return x, nil
}

func (x *nameIndex) slot(from int32, h uint64) uint64 {
	return mix(h^uint64(from)*0x9e3779b97f4a7c15) & x.edgeMask
}

func (x *nameIndex) child(from int32, h uint64) int32 {
	for i := x.slot(from, h); ; i = (i + 1) & x.edgeMask {
		e := &x.edges[i]
		if e.to == 0 {
			return 0
		}
		if e.h == h && e.from == from {
			return e.to
		}
	}
}

func (x *nameIndex) insert(from int32, h uint64, to int32) {
	i := x.slot(from, h)
	for x.edges[i].to != 0 {
		i = (i + 1) & x.edgeMask
	}
	x.edges[i] = nameEdge{h: h, from: from, to: to}
}

func (x *nameIndex) mayStart(h uint64) bool {
	m := mix(h) & x.bloomMask
	return x.bloom[m>>6]&(1<<(m&63)) != 0
}

// walk follows the trie from the word start p. It returns the end and name
// of the longest verified match (end -1 if none), the node it stopped in and
// the offset it reached.
func (x *nameIndex) walk(text []byte, p int) (end int, name int32, node int32, pos int) {
	end, name, pos = -1, -1, p
	for pos < len(text) {
		k, e, h, n := nextToken(text, pos)
		if node == 0 && !x.mayStart(h) {
			break
		}
		if k == tkSpace && n > maxGap {
			break
		}
		next := x.child(node, h)
		if next == 0 {
			break
		}
		node, pos = next, e
		if t := x.term[node]; t >= 0 && x.verify(text[p:pos], t) && !hyphenGlued(text, p, pos) {
			end, name = pos, t
		}
	}
	return end, name, node, pos
}

// verify confirms a match found by hashes, token by token.
func (x *nameIndex) verify(b []byte, t int32) bool {
	toks := x.names[t].toks
	i := 0
	for j, want := range toks {
		if i >= len(b) {
			return false
		}
		k, e, _, _ := nextToken(b, i)
		if k == tkSpace {
			if want != " " {
				return false
			}
		} else if !foldEqual(b[i:e], want) {
			return false
		} else if x.names[t].upper != nil && x.names[t].upper[j] {
			if r, _ := utf8.DecodeRune(b[i:e]); !unicode.IsUpper(r) {
				return false
			}
		}
		i = e
	}
	return i == len(b)
}

// foldEqual reports whether wordFold(b) is want, without allocating.
func foldEqual(b []byte, want string) bool {
	skip := 0
	for len(b) > 0 {
		r, size := utf8.DecodeRune(b)
		b = b[size:]
		var buf [2]rune
		fs := buf[:0]
		if accent(r) || ignorable(r) {
			if skip++; skip <= maxSkip {
				continue
			}
			fs = append(fs, poison)
		} else {
			skip = 0
			fs = foldAppend(fs, r)
		}
		for _, f := range fs {
			w, n := utf8.DecodeRuneInString(want)
			if n == 0 || w != f {
				return false
			}
			want = want[n:]
		}
	}
	return want == ""
}
