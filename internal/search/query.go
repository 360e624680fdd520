// Package search owns antidote's full-text search: how text is analysed
// into terms (UAX #29 words, folding, CJK bigrams, identifiers), the query
// language (words, "phrases", AND, OR, -exclusion, prefix*), the positional
// index segment format, and query evaluation with BM25 ranking, filters,
// facets and snippets. It is a leaf: it reads and writes index segments as
// plaintext byte slices through the small Source interface, and the store
// seals them at rest under keyed MACs of the terms; nothing here touches a
// disk, a key or a log.
package search

import (
	"errors"
	"fmt"
	"strings"
	"unicode"
)

// Slot is one position of a part: an exact term, or every indexed term
// starting with Prefix.
type Slot struct {
	Term   string
	Prefix bool
	Rel    int // position relative to the part's first slot
}

// Part is a word, identifier or phrase in a query, possibly excluded with
// '-'. Its slots must occur at their relative positions.
type Part struct {
	Slots   []Slot
	Exclude bool
}

// Query is a disjunction of clauses; a clause is a conjunction of parts.
type Query struct {
	Clauses [][]Part
}

// ErrEmpty means a query holds nothing to look for.
var ErrEmpty = errors.New("the query has no word to look for")

// Parse reads a query: words and "quoted phrases" must all appear (AND is
// implied and may be written), OR separates alternatives, a leading '-'
// excludes a word or phrase, and a trailing '*' makes the last word a
// prefix (`schlüssel*`, `alice@exa*`, `"weeping ang*"`).
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
		prefix := false
		if w := strings.TrimRightFunc(word, unicode.IsSpace); strings.HasSuffix(w, "*") {
			word, prefix = strings.TrimRight(w, "*"), true
		}
		slots := analyzePart(word, prefix && !quoted)
		if quoted && prefix && len(slots) > 0 {
			slots[len(slots)-1].Prefix = true
		}
		if len(slots) == 0 {
			continue
		}
		clause = append(clause, Part{Slots: slots, Exclude: exclude})
	}
	if err := flush(); err != nil {
		return Query{}, err
	}
	if len(query.Clauses) == 0 {
		return Query{}, ErrEmpty
	}
	return query, nil
}

// analyzePart turns a query word or phrase into slots. An identifier that
// is the whole word is used as a prefix when prefix is set; otherwise its
// parts make a phrase, which finds the identifier too. A CJK run is its
// bigrams; a lone CJK character is a prefix over the terms starting with it.
func analyzePart(word string, prefix bool) []Slot {
	var toks []Token
	Analyze([]byte(word), func(t Token) { toks = append(toks, t) })
	if prefix {
		for _, t := range toks {
			if t.Kind == Ident && t.Start == 0 && len(strings.TrimRightFunc(word[t.End:], func(r rune) bool { return !isWordRune(r) })) == 0 {
				return []Slot{{Term: t.Term, Prefix: true}}
			}
		}
	}
	var slots []Slot
	first := -1
	for i, t := range toks {
		switch t.Kind {
		case Ident:
			continue
		case Unigram:
			if i > 0 && toks[i-1].Kind == Bigram && toks[i-1].End == t.End {
				continue // covered by the bigram before it
			}
		}
		if first < 0 {
			first = t.Pos
		}
		slots = append(slots, Slot{Term: t.Term, Prefix: t.Kind == Unigram, Rel: t.Pos - first})
	}
	if prefix && len(slots) > 0 {
		slots[len(slots)-1].Prefix = true
	}
	return slots
}

// String renders a part for messages and tests.
func (p Part) String() string {
	var b strings.Builder
	if p.Exclude {
		b.WriteByte('-')
	}
	for i, s := range p.Slots {
		if i > 0 {
			b.WriteByte(' ')
		}
		fmt.Fprintf(&b, "%d:%s", s.Rel, s.Term)
		if s.Prefix {
			b.WriteByte('*')
		}
	}
	return b.String()
}
