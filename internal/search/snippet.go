package search

import (
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"
)

// snippetLookahead is how far past the first match the text is read for
// better snippets: a page of hits must not analyse whole large documents.
const snippetLookahead = 32 << 10

type span struct {
	start, end int
	term       string
}

// Snippets cuts up to n pieces of text of about width bytes around
// occurrences of terms, each with its matches highlighted, preferring the
// pieces where the most different terms occur. It reads the text only up
// to snippetLookahead past the first match.
func Snippets(text []byte, terms map[string]bool, n, width int) []Snippet {
	var spans []span
	analyzeUntil(text, func(t Token) bool {
		if len(spans) > 0 && t.Start > spans[0].end+snippetLookahead {
			return false
		}
		if !terms[t.Term] {
			return true
		}
		// An identifier comes after its parts: it replaces them.
		for len(spans) > 0 && spans[len(spans)-1].end > t.Start {
			spans = spans[:len(spans)-1]
		}
		spans = append(spans, span{t.Start, t.End, t.Term})
		return true
	})
	type window struct {
		first, last int // spans
		distinct    int
	}
	var ws []window
	for i, s := range spans {
		if k := len(ws) - 1; k >= 0 && s.start-spans[ws[k].last].end < width && s.end-spans[ws[k].first].start < 2*width {
			ws[k].last = i
			continue
		}
		ws = append(ws, window{first: i, last: i})
	}
	for i := range ws {
		seen := map[string]bool{}
		for _, s := range spans[ws[i].first : ws[i].last+1] {
			seen[s.term] = true
		}
		ws[i].distinct = len(seen)
	}
	slices.SortStableFunc(ws, func(a, b window) int { return b.distinct - a.distinct })
	ws = ws[:min(n, len(ws))]
	slices.SortFunc(ws, func(a, b window) int { return a.first - b.first })
	out := make([]Snippet, 0, len(ws))
	for _, w := range ws {
		out = append(out, cut(text, spans[w.first:w.last+1], width))
	}
	return out
}

func cut(text []byte, spans []span, width int) Snippet {
	w0, w1 := spans[0].start, spans[len(spans)-1].end
	pad := max((2*width-(w1-w0))/2, 10)
	start, end := max(w0-pad, 0), min(w1+pad, len(text))
	for start > 0 && !utf8.RuneStart(text[start]) {
		start--
	}
	for end < len(text) && !utf8.RuneStart(text[end]) {
		end++
	}
	var b strings.Builder
	var hl [][2]int
	if start > 0 {
		b.WriteString("…")
	}
	write := func(s []byte) {
		for _, r := range strings.ToValidUTF8(string(s), "\uFFFD") {
			if unicode.IsSpace(r) || unicode.IsControl(r) {
				r = ' '
			}
			b.WriteRune(r)
		}
	}
	at := start
	for _, s := range spans {
		write(text[at:s.start])
		h0 := b.Len()
		write(text[s.start:s.end])
		hl = append(hl, [2]int{h0, b.Len()})
		at = s.end
	}
	write(text[at:end])
	if end < len(text) {
		b.WriteString("…")
	}
	return Snippet{Text: b.String(), Highlights: hl}
}
