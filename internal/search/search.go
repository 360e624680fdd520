// Package search owns antidote's full-text semantics: how text is cut into
// index terms, the query language (words, "phrases", AND, OR, -exclusion)
// and how a document's text is matched and quoted in snippets. It is pure:
// the encrypted index itself lives in the store, keyed by the workspace.
package search

import (
	"errors"
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"
)

// MaxTermBytes bounds an index term; longer runs (base64 blobs, hex dumps)
// are indexed by their first MaxTermBytes bytes.
const MaxTermBytes = 64

// token is one term occurrence in a text.
type token struct {
	term       string
	start, end int
}

func isWord(r rune) bool { return unicode.IsLetter(r) || unicode.IsDigit(r) || r == '_' }

// scan calls fn for every token of text in order.
func scan(text []byte, fn func(t token)) {
	var b []byte
	i := 0
	for i < len(text) {
		c := text[i]
		if c < utf8.RuneSelf {
			if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_') {
				i++
				continue
			}
		} else if r, n := utf8.DecodeRune(text[i:]); !isWord(r) {
			i += n
			continue
		}
		start := i
		b = b[:0]
		for i < len(text) {
			c := text[i]
			if c < utf8.RuneSelf {
				if c >= 'A' && c <= 'Z' {
					c += 'a' - 'A'
				} else if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '_') {
					break
				}
				if len(b) < MaxTermBytes {
					b = append(b, c)
				}
				i++
				continue
			}
			r, n := utf8.DecodeRune(text[i:])
			if !isWord(r) {
				break
			}
			if len(b)+n <= MaxTermBytes {
				b = utf8.AppendRune(b, unicode.ToLower(r))
			}
			i += n
		}
		fn(token{term: string(b), start: start, end: i})
	}
}

// Terms returns the distinct index terms of text.
func Terms(text []byte) []string {
	seen := make(map[string]struct{}, 256)
	var out []string
	scan(text, func(t token) {
		if _, ok := seen[t.term]; !ok {
			seen[t.term] = struct{}{}
			out = append(out, t.term)
		}
	})
	return out
}

// Normalize returns the terms of a query word or phrase, in order.
func Normalize(s string) []string {
	var out []string
	scan([]byte(s), func(t token) { out = append(out, t.term) })
	return out
}

// Part is a word or phrase in a query, possibly excluded with '-'.
type Part struct {
	Terms   []string
	Exclude bool
}

// Query is a disjunction of clauses; a clause is a conjunction of parts.
type Query struct {
	Clauses [][]Part
}

// ErrEmpty means a query holds nothing to look for.
var ErrEmpty = errors.New("the query has no word to look for")

// Parse reads a query: words and "quoted phrases" must all appear (AND is
// implied and may be written), OR separates alternatives, and a leading '-'
// excludes a word or phrase.
func Parse(q string) (Query, error) {
	var query Query
	var clause []Part
	flush := func() error {
		pos := 0
		for _, p := range clause {
			if !p.Exclude {
				pos++
			}
		}
		if len(clause) > 0 && pos == 0 {
			return fmt.Errorf("%w: an alternative only excludes words; add a word to look for", ErrEmpty)
		}
		if pos > 0 {
			query.Clauses = append(query.Clauses, clause)
		}
		clause = nil
		return nil
	}
	s := q
	for {
		s = strings.TrimLeftFunc(s, unicode.IsSpace)
		if s == "" {
			break
		}
		exclude := false
		if s[0] == '-' {
			exclude = true
			s = s[1:]
		}
		var word string
		quoted := false
		if strings.HasPrefix(s, `"`) {
			end := strings.IndexByte(s[1:], '"')
			if end < 0 {
				return Query{}, errors.New(`unbalanced quote in query: close the phrase with "`)
			}
			word, s = s[1:end+1], s[end+2:]
			quoted = true
		} else {
			end := strings.IndexFunc(s, unicode.IsSpace)
			if end < 0 {
				end = len(s)
			}
			word, s = s[:end], s[end:]
		}
		if !quoted && !exclude {
			switch word {
			case "OR":
				if err := flush(); err != nil {
					return Query{}, err
				}
				continue
			case "AND":
				continue
			}
		}
		terms := Normalize(word)
		if len(terms) == 0 {
			continue
		}
		clause = append(clause, Part{Terms: terms, Exclude: exclude})
	}
	if err := flush(); err != nil {
		return Query{}, err
	}
	if len(query.Clauses) == 0 {
		return Query{}, ErrEmpty
	}
	return query, nil
}

// Required returns, per clause, the distinct terms a document must be
// indexed under to be a candidate for that clause.
func (q Query) Required() [][]string {
	out := make([][]string, len(q.Clauses))
	for i, c := range q.Clauses {
		seen := map[string]bool{}
		for _, p := range c {
			if p.Exclude {
				continue
			}
			for _, t := range p.Terms {
				if !seen[t] {
					seen[t] = true
					out[i] = append(out[i], t)
				}
			}
		}
	}
	return out
}

// Match reports whether text satisfies the query and returns the byte spans
// of the matched parts (for snippets).
func (q Query) Match(text []byte) (bool, [][2]int) {
	var toks []token
	scan(text, func(t token) { toks = append(toks, t) })
	for _, c := range q.Clauses {
		ok := true
		var spans [][2]int
		for _, p := range c {
			sp, found := findPhrase(toks, p.Terms)
			if found == p.Exclude {
				ok = false
				break
			}
			if found {
				spans = append(spans, sp)
			}
		}
		if ok {
			return true, spans
		}
	}
	return false, nil
}

func findPhrase(toks []token, terms []string) ([2]int, bool) {
outer:
	for i := 0; i+len(terms) <= len(toks); i++ {
		for j, t := range terms {
			if toks[i+j].term != t {
				continue outer
			}
		}
		return [2]int{toks[i].start, toks[i+len(terms)-1].end}, true
	}
	return [2]int{}, false
}

// Snippet quotes text around span with about width bytes of context on
// each side, on valid UTF-8 boundaries, with line breaks folded to spaces
// and the match marked with [ and ].
func Snippet(text []byte, span [2]int, width int) string {
	start := max(span[0]-width, 0)
	end := min(span[1]+width, len(text))
	for start > 0 && !utf8.RuneStart(text[start]) {
		start--
	}
	for end < len(text) && !utf8.RuneStart(text[end]) {
		end++
	}
	var b strings.Builder
	if start > 0 {
		b.WriteString("…")
	}
	fold := func(s []byte) {
		for _, r := range strings.ToValidUTF8(string(s), "\uFFFD") {
			if unicode.IsSpace(r) || unicode.IsControl(r) {
				r = ' '
			}
			b.WriteRune(r)
		}
	}
	fold(text[start:span[0]])
	b.WriteByte('[')
	fold(text[span[0]:span[1]])
	b.WriteByte(']')
	fold(text[span[1]:end])
	if end < len(text) {
		b.WriteString("…")
	}
	return b.String()
}
