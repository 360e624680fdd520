package findings

import (
	_ "embed"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strings"
)

//go:embed products.json
var builtinDictionary []byte

// BuiltinDictionary returns the JSON of the dictionary shipped with
// antidote; users extend it with files of the same shape.
func BuiltinDictionary() []byte { return append([]byte(nil), builtinDictionary...) }

// DictProduct is a product the extractor recognises.
type DictProduct struct {
	Vendor     string   `json:"vendor"`
	Product    string   `json:"product"`
	Class      string   `json:"class,omitempty"`      // device class, e.g. phone-os
	CPE        string   `json:"cpe,omitempty"`        // CPE 2.3 prefix up to the product
	PURL       string   `json:"purl,omitempty"`       // package URL without version
	Aliases    []string `json:"aliases"`              // how documents name it
	ExactCase  bool     `json:"exact_case,omitempty"` // match aliases case-sensitively
	Downstream []string `json:"downstream,omitempty"` // makers who ship it to users
}

// DictTerm is exploit vocabulary: what makes a product mention a finding.
type DictTerm struct {
	Term      string   `json:"term"`
	Aliases   []string `json:"aliases"`
	Weight    int      `json:"weight,omitempty"`
	InTheWild bool     `json:"in_the_wild,omitempty"` // says the exploit is in use
	ExactCase bool     `json:"exact_case,omitempty"`
}

type dictFile struct {
	Products   []DictProduct `json:"products"`
	Vocabulary []DictTerm    `json:"vocabulary"`
}

// Dictionary is a compiled product dictionary and exploit vocabulary.
// It is immutable once built and safe for concurrent use.
type Dictionary struct {
	Products   []DictProduct
	Vocabulary []DictTerm
	// first maps the first token of an alias (lower-cased) to the aliases
	// starting with it, longest first.
	first map[string][]alias
}

type alias struct {
	tokens []string // lower-cased unless exact
	exact  bool
	isTerm bool
	index  int // into Products or Vocabulary
}

// NewDictionary compiles the dictionary from JSON documents, later ones
// adding to earlier ones; a product with the same vendor and product name
// as an earlier one replaces it. Pass BuiltinDictionary() first to extend
// the shipped dictionary.
func NewDictionary(docs ...[]byte) (*Dictionary, error) {
	d := &Dictionary{first: map[string][]alias{}}
	prodAt := map[string]int{}
	termAt := map[string]int{}
	for n, doc := range docs {
		var f dictFile
		dec := json.NewDecoder(strings.NewReader(string(doc)))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&f); err != nil {
			return nil, fmt.Errorf("product dictionary %d is not valid JSON of the expected shape: %w", n+1, err)
		}
		for i, p := range f.Products {
			if strings.TrimSpace(p.Vendor) == "" || strings.TrimSpace(p.Product) == "" {
				return nil, fmt.Errorf("product dictionary %d, product %d: needs vendor and product", n+1, i+1)
			}
			if len(p.Aliases) == 0 {
				p.Aliases = []string{p.Vendor + " " + p.Product}
			}
			if p.CPE != "" {
				if err := ValidateCPE(CPEFor(p.CPE, "")); err != nil {
					return nil, fmt.Errorf("product dictionary %d, product %s %s: cpe must be a CPE 2.3 prefix up to the product (cpe:2.3:o:apple:iphone_os): %w", n+1, p.Vendor, p.Product, err)
				}
			}
			key := strings.ToLower(p.Vendor + "\x00" + p.Product)
			if at, ok := prodAt[key]; ok {
				d.Products[at] = p
				continue
			}
			prodAt[key] = len(d.Products)
			d.Products = append(d.Products, p)
		}
		for i, t := range f.Vocabulary {
			if strings.TrimSpace(t.Term) == "" {
				return nil, fmt.Errorf("product dictionary %d, vocabulary entry %d: needs a term", n+1, i+1)
			}
			if len(t.Aliases) == 0 {
				t.Aliases = []string{t.Term}
			}
			if t.Weight <= 0 {
				t.Weight = 1
			}
			key := strings.ToLower(t.Term)
			if at, ok := termAt[key]; ok {
				d.Vocabulary[at] = t
				continue
			}
			termAt[key] = len(d.Vocabulary)
			d.Vocabulary = append(d.Vocabulary, t)
		}
	}
	for i, p := range d.Products {
		for _, a := range p.Aliases {
			if err := d.addAlias(a, p.ExactCase, false, i); err != nil {
				return nil, fmt.Errorf("product %s %s: %w", p.Vendor, p.Product, err)
			}
		}
	}
	for i, t := range d.Vocabulary {
		for _, a := range t.Aliases {
			if err := d.addAlias(a, t.ExactCase, true, i); err != nil {
				return nil, fmt.Errorf("term %s: %w", t.Term, err)
			}
		}
	}
	for k, as := range d.first {
		sort.SliceStable(as, func(i, j int) bool { return len(as[i].tokens) > len(as[j].tokens) })
		d.first[k] = as
	}
	return d, nil
}

// DefaultDictionary is the shipped dictionary, compiled.
func DefaultDictionary() (*Dictionary, error) { return NewDictionary(builtinDictionary) }

// addAlias registers an alias. Short aliases with capitals (iOS, VW, RCE)
// match only in their own case: lower-cased they are ordinary words.
func (d *Dictionary) addAlias(a string, exact, isTerm bool, index int) error {
	toks := tokenize(a)
	if len(toks) == 0 {
		return errors.New("an alias has no letters or digits")
	}
	if !exact && len(a) <= 4 && strings.ToLower(a) != a {
		exact = true
	}
	words := make([]string, len(toks))
	for i, t := range toks {
		w := a[t.start:t.end]
		if !exact {
			w = strings.ToLower(w)
		}
		words[i] = w
	}
	k := strings.ToLower(words[0])
	d.first[k] = append(d.first[k], alias{tokens: words, exact: exact, isTerm: isTerm, index: index})
	return nil
}

// Product returns the dictionary entry for vendor and product names, if any.
func (d *Dictionary) Product(vendor, product string) (DictProduct, bool) {
	for _, p := range d.Products {
		if strings.EqualFold(p.Vendor, vendor) && strings.EqualFold(p.Product, product) {
			return p, true
		}
	}
	return DictProduct{}, false
}

type token struct{ start, end int }

// isWord reports whether b belongs to a word. Bytes of multi-byte UTF-8
// sequences count as word bytes so that words in other scripts are not
// split into pieces that could match an ASCII alias.
func isWord(b byte) bool {
	return b >= 'a' && b <= 'z' || b >= 'A' && b <= 'Z' || b >= '0' && b <= '9' || b >= 0x80
}

func tokenize(s string) []token {
	var out []token
	for i := 0; i < len(s); {
		if !isWord(s[i]) {
			i++
			continue
		}
		j := i
		for j < len(s) && isWord(s[j]) {
			j++
		}
		out = append(out, token{i, j})
		i = j
	}
	return out
}
