package detect

import (
	"bytes"
	"unicode/utf8"
)

// SafeCut helps a streaming caller cut its buffer: it returns the largest
// offset cut <= len(text) such that scanning text[:cut] now and text[cut:]
// together with what follows later finds the same matches as scanning the
// whole stream at once, judging by the bytes seen so far. It prefers the end
// of a line: no match but a private-key block or a listed name crosses a
// line break. It does not cut inside a private-key block that has not ended
// yet, inside a listed name that may continue, or (in a line too long to
// wait for) inside a credential assignment, between a command (or SQL's
// IDENTIFIED, or a .netrc line's first word) and the password it gives,
// or next to a version number's context (see versionOpen). It returns 0
// when no safe cut is known; a caller whose buffer is full must then cut
// anyway and carry at least MaxLen bytes.
func (s *Scanner) SafeCut(text []byte) int {
	// Only a private-key block that holds a cut in question matters, and
	// a block is at most pemSpan long: look for blocks in the tail of a
	// long buffer first (a search for "-----BEGIN " over every buffer was
	// a twentieth of redacting logs, which are full of dashes), and in the
	// whole buffer only when a cut further back is in question.
	if from := len(text) - pemSpan - safeCutTail; s.on[Secret] && from > 0 {
		if cut, ok := s.safeCut(text, from); ok {
			return cut
		}
	}
	cut, _ := s.safeCut(text, 0)
	return cut
}

// pemSpan bounds the length of a private-key block: a BEGIN line of at
// most 80 bytes (see pemHeader), maxPEM bytes of body, and an END line
// (see pemCache.endOf).
const pemSpan = maxPEM + 256

// safeCutTail is how far back from the end of a long buffer SafeCut
// decides cuts from the blocks in its tail alone.
const safeCutTail = 16 << 10

// safeCut is SafeCut looking for private-key blocks in text[from:] only.
// That finds every block that can hold a cut at or after from+pemSpan; ok
// is false when a cut before that was in question, so that the answer may
// be wrong.
func (s *Scanner) safeCut(text []byte, from int) (cut int, ok bool) {
	limit := len(text)
	var blocks [][2]int
	if s.on[Secret] {
		limit, blocks = pemBlocks(text[from:])
		limit += from
		for i := range blocks {
			blocks[i][0] += from
			blocks[i][1] += from
		}
	}
	sure := 0 // cuts from here on are judged right
	if from > 0 {
		sure = from + pemSpan
	}
	inBlock := func(cut int) int {
		for _, b := range blocks {
			if b[0] < cut && cut < b[1] {
				return b[0]
			}
		}
		return -1
	}
	k := limit
	ls := -1 // the start of the last line, once known
	for k > 0 {
		nl := lastNewline(text[:k])
		if ls < 0 {
			ls = nl + 1
		}
		if nl < 0 {
			break
		}
		if nl+1 < sure {
			return 0, false
		}
		if b := inBlock(nl + 1); b >= 0 {
			k = b
			continue
		}
		if !s.nameOpen(text, nl+1) {
			return nl + 1, true
		}
		k = nl
	}
	// No usable line break: the last space or tab that is safe. A long
	// line is read once here (bytes.LastIndexByte reads byte by byte).
	if ls < 0 {
		ls = 0 // limit is 0
	}
	hi := limit
	if s.on[Secret] {
		if d := bytes.Index(text[ls:limit], pemDash); d >= 0 {
			hi = ls + d
		}
	}
	lo := max(ls, limit-2*MaxLen)
	if hi <= lo {
		return 0, true
	}
	if lo+1 < sure {
		return 0, false
	}
	var open []bool
	if s.on[Secret] {
		open = assignOpen(text, ls, lo, hi)
	}
	for w := hi - 1; w >= lo; w-- {
		if c := text[w]; c != ' ' && c != '\t' {
			continue
		}
		cut := w + 1
		if inBlock(cut) < 0 && (open == nil || !open[cut-lo]) && !(s.on[Email] && bracketFormNear(text, w)) && !(s.on[IPv4] && versionOpen(text, cut)) && !s.nameOpen(text, cut) {
			return cut, true
		}
	}
	return 0, true
}

// pemBlocks returns the start of the first private-key block in text that
// has not visibly ended (its END line is missing or incomplete) and could
// still end after text, or len(text); and the spans of the blocks before it.
func pemBlocks(text []byte) (limit int, blocks [][2]int) {
	var c pemCache
	for i := 0; ; {
		j := bytes.Index(text[i:], pemBegin)
		if j < 0 {
			break
		}
		p := i + j
		h, ok := pemHeader(text, p)
		switch {
		case ok:
			e := c.endOf(text, h)
			if e < 0 && h+maxPEM > len(text) || e >= 0 && !bytes.HasSuffix(text[:e], pemDash) && e+len(pemDash) > len(text)-1 {
				return p, blocks
			}
			if e < 0 {
				e = pemBodyEnd(text, h)
			}
			blocks = append(blocks, [2]int{p, e})
		case len(text)-p < len(pemBegin)+80:
			// A BEGIN line still being read.
			return p, blocks
		}
		i = p + 1
	}
	// A BEGIN marker cut short at the very end.
	for k := len(pemBegin) - 1; k > 0; k-- {
		if bytes.HasSuffix(text, pemBegin[:k]) {
			return len(text) - k, blocks
		}
	}
	return len(text), blocks
}

// nameOpen reports whether a listed name could start before cut and
// continue past it.
func (s *Scanner) nameOpen(text []byte, cut int) bool {
	if s.names == nil {
		return false
	}
	chunk := text[:cut]
	for w := max(0, cut-s.names.maxSpan); w < cut; w++ {
		if c := chunk[w]; c >= utf8.RuneSelf && !utf8.RuneStart(c) {
			continue
		}
		r, _ := utf8.DecodeRune(chunk[w:])
		if !wordStartAt(chunk, w, r) {
			continue
		}
		_, _, node, pos := s.names.walk(chunk, w)
		if pos == cut && s.names.kids[node] {
			return true
		}
	}
	return false
}

// assignOpen reports, for each cut in [lo, hi] (index cut-lo), whether a
// credential assignment on the line starting at ls begins before the cut
// and has its value (or its separator) at or after it, or a word that a
// password rule of cmdpass.go looks back to (a command, IDENTIFIED, a
// .netrc line's first word) lies before the cut and its password may
// follow. It reads the line
// once, so that a line full of rejected cuts costs linear time.
func assignOpen(text []byte, ls, lo, hi int) []bool {
	le := len(text)
	if j := bytes.IndexByte(text[hi:], '\n'); j >= 0 {
		le = hi + j
	}
	// An assignment whose separator lies further than 2*MaxLen+8 before lo
	// has its value (after at most MaxLen blanks, at most MaxLen long)
	// decided and ended before lo: a long line is read from there only.
	diff := make([]int, hi-lo+2)
	for j := max(ls, lo-2*MaxLen-8); j < le; j++ {
		if cmdFirst[text[j]] && cmdContext(text, j) {
			// A word that a password rule looks back to: its password
			// ends within cmdSpan bytes (and cmdSpan < 2*MaxLen+8).
			if a, b := max(j+1, lo), min(j+cmdSpan+1, hi); a <= b {
				diff[a-lo]++
				diff[b-lo+1]--
			}
			continue
		}
		if !assignSep[text[j]] {
			continue
		}
		_, _, start, ok := keywordBefore(text, j)
		if !ok || start >= hi || !sepLeftOK(text, j, start) {
			continue
		}
		end := le
		if _, ve, _, ok := scanAssignment(text, j); ok {
			end = ve
		}
		// Open for start < cut <= end+1.
		a, b := max(start+1, lo), min(end+1, hi)
		if a <= b {
			diff[a-lo]++
			diff[b-lo+1]--
		}
	}
	// A keyword and blanks that end the text: its separator and value may
	// follow the text ("pAssword  " and then "=x"); no cut after it.
	if le == len(text) && le > 0 && (text[le-1] == ' ' || text[le-1] == '\t') {
		if _, _, start, ok := keywordBefore(text, le); ok {
			if a, b := max(start+1, lo), hi; a <= b {
				diff[a-lo]++
				diff[b-lo+1]--
			}
		}
	}
	open := make([]bool, hi-lo+1)
	n := 0
	for k := range open {
		n += diff[k]
		open[k] = n > 0
	}
	return open
}

// cmdFirst holds the first bytes of the words cmdContext looks for.
var cmdFirst = [256]bool{'m': true, 's': true, 'c': true, 'd': true, 'i': true, 'I': true, 'p': true, 'P': true}

// assignSep holds the bytes that can separate a credential keyword from
// its value (see sepLeftOK).
var assignSep = [256]bool{':': true, '=': true, '>': true, ',': true, ' ': true}

// lastNewline is bytes.LastIndexByte(text, '\n'), which reads byte by
// byte: it looks at the last few KiB so, and searches a long line without
// a break forward, as fast as bytes.IndexByte reads.
func lastNewline(text []byte) int {
	const tail = 4 << 10
	if len(text) <= tail {
		return bytes.LastIndexByte(text, '\n')
	}
	if nl := bytes.LastIndexByte(text[len(text)-tail:], '\n'); nl >= 0 {
		return len(text) - tail + nl
	}
	last := -1
	for i := 0; ; {
		j := bytes.IndexByte(text[i:len(text)-tail], '\n')
		if j < 0 {
			return last
		}
		last = i + j
		i = last + 1
	}
}

// bracketFormNear reports whether the space at text[w] may belong to a
// bracketed at-sign or dot form of an e-mail address, which may have a
// space on either side ("jane [at] example [dot] org").
// What follows the space may not have been read yet: a space at the end of
// text, or a bracket too close to it to tell, may be one.
func bracketFormNear(text []byte, w int) bool {
	if w+1 == len(text) {
		return true
	}
	if text[w+1] == '[' || text[w+1] == '(' || text[w+1] == '{' {
		if len(text)-(w+1) < len("[dot]") || sepLen(text, w+1) > 1 || bracketAt(text, w+1) > 0 {
			return true
		}
	}
	if w >= 3 && (text[w-1] == ']' || text[w-1] == ')' || text[w-1] == '}') {
		for _, k := range []int{3, 4, 5} {
			if w-k >= 0 && (sepLen(text, w-k) == k || bracketAt(text, w-k) == k) {
				return true
			}
		}
	}
	return false
}

// bracketAt returns the length of "[at]", "(at)", "[@]" or "(@)" at
// text[i], or 0.
func bracketAt(text []byte, i int) int {
	if i+2 >= len(text) || text[i] != '[' && text[i] != '(' {
		return 0
	}
	c := closing(text[i])
	if text[i+1] == '@' && text[i+2] == c {
		return 3
	}
	if i+3 < len(text) && lower[text[i+1]] == 'a' && lower[text[i+2]] == 't' && text[i+3] == c {
		return 4
	}
	return 0
}
