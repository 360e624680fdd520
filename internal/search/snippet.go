package search

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// snippetLookahead is how far past the first snippet the text is read for
// more: a page of hits must not analyse whole large documents.
const snippetLookahead = 32 << 10

// Snippets cuts up to n pieces of text of about width bytes around
// occurrences of terms, each with its matches highlighted. It reads the
// text only as far as it needs.
func Snippets(text []byte, terms map[string]bool, n, width int) []Snippet {
	var spans [][2]int
	limit := -1 // byte offset past which no more snippets are needed
	analyzeUntil(text, func(t Token) bool {
		if len(spans) > 0 && t.Start > spans[0][1]+snippetLookahead {
			return false
		}
		if !terms[t.Term] {
			return true
		}
		if limit >= 0 && t.Start >= limit {
			if len(windows(spans, width)) >= n {
				return false
			}
		}
		// An identifier comes after its parts: it replaces them.
		for len(spans) > 0 && spans[len(spans)-1][1] > t.Start {
			spans = spans[:len(spans)-1]
		}
		spans = append(spans, [2]int{t.Start, t.End})
		limit = t.End + width
		return true
	})
	var out []Snippet
	for _, w := range windows(spans, width) {
		if len(out) == n {
			break
		}
		out = append(out, cut(text, w, spans, width))
	}
	return out
}

// windows groups spans into snippet windows: a span within width of the
// previous window's last span joins it.
func windows(spans [][2]int, width int) [][2]int {
	var out [][2]int
	for _, s := range spans {
		if n := len(out); n > 0 && s[0]-out[n-1][1] < width && s[1]-out[n-1][0] < 2*width {
			out[n-1][1] = max(out[n-1][1], s[1])
			continue
		}
		out = append(out, s)
	}
	return out
}

func cut(text []byte, w [2]int, spans [][2]int, width int) Snippet {
	pad := max((2*width-(w[1]-w[0]))/2, 10)
	start, end := max(w[0]-pad, 0), min(w[1]+pad, len(text))
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
		if s[0] < start || s[1] > end {
			continue
		}
		write(text[at:s[0]])
		h0 := b.Len()
		write(text[s[0]:s[1]])
		hl = append(hl, [2]int{h0, b.Len()})
		at = s[1]
	}
	write(text[at:end])
	if end < len(text) {
		b.WriteString("…")
	}
	return Snippet{Text: b.String(), Highlights: hl}
}
