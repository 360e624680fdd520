package search

import (
	"context"
	"fmt"
	"math"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"
)

// Source is the sealed index as the store offers it, opened: segment ids
// (ascending, a later segment's copy of a document replaces an earlier
// one's), each segment's document table and dictionary, per segment the
// block that would hold a term key's posting list (the block with the
// greatest first key not above it), and the texts snippets are cut from.
type Source interface {
	IndexSegments(ctx context.Context) ([]int64, error)
	IndexDocs(ctx context.Context, segment int64) ([]byte, error)
	IndexDict(ctx context.Context, segment int64) ([]byte, error)
	IndexPostings(ctx context.Context, segments []int64, key [32]byte) ([]SegmentPostings, error)
	DocsWithFindings(ctx context.Context) ([]int64, error)
	DocText(ctx context.Context, id int64) ([]byte, error)
}

// Engine answers queries over a Source. Segments are immutable, so their
// document tables and dictionaries are kept in memory once opened (they
// are never written anywhere). An Engine is safe for concurrent use.
type Engine struct {
	src Source
	key func(term string) [32]byte

	mu   sync.Mutex
	segs map[int64]*segState
	view *view
}

type segState struct {
	docs []DocEntry
	dict *dict
}

// view is the live documents over a list of segments.
type view struct {
	ids   []int64
	owner map[int64]int64 // document -> the segment whose copy is live
	docs  map[int64]*DocEntry
	avgdl float64
}

// NewEngine returns an Engine reading src, with key turning a term into its
// index key (the same keyed MAC the index was written with).
func NewEngine(src Source, key func(term string) [32]byte) *Engine {
	return &Engine{src: src, key: key, segs: map[int64]*segState{}}
}

// Filter restricts hits by document fields. Zero values do not filter.
type Filter struct {
	MediaTypes []string  // any of these (exact, or a prefix ending in '/': "image/")
	PathPrefix string    // some path starts with this
	From       string    // a sender contains this (folded)
	To         string    // a recipient contains this (folded)
	After      time.Time // dated at or after
	Before     time.Time // dated before
	Statuses   []string  // any of these
	HasFinding *bool     // the document is (or is not) evidence of a finding
}

// Options configures a search.
type Options struct {
	Limit         int // hits per page; default 20
	Offset        int // hits to skip
	Filter        Filter
	Snippets      int // snippets per hit; default 2, negative for none
	MaxExpansions int // most terms a prefix expands to, by document count; default 256
}

// Snippet is a piece of a document's text with the byte ranges of matched
// terms in it.
type Snippet struct {
	Text       string   `json:"text"`
	Highlights [][2]int `json:"highlights"`
}

// Marked renders the snippet with matches in [ and ].
func (s Snippet) Marked() string {
	var b strings.Builder
	at := 0
	for _, h := range s.Highlights {
		b.WriteString(s.Text[at:h[0]])
		b.WriteByte('[')
		b.WriteString(s.Text[h[0]:h[1]])
		b.WriteByte(']')
		at = h[1]
	}
	b.WriteString(s.Text[at:])
	return b.String()
}

// Hit is one matching document.
type Hit struct {
	Doc       int64     `json:"doc"`
	Score     float64   `json:"score"`
	MediaType string    `json:"media_type"`
	Paths     []string  `json:"paths"`
	Fields    Fields    `json:"-"`
	Snippets  []Snippet `json:"snippets"`
}

// FacetCount is one value of a facet and how many hits have it.
type FacetCount struct {
	Value string `json:"value"`
	Count int    `json:"count"`
}

// Results is one page of hits, the total number of hits and facet counts
// over all of them.
type Results struct {
	Total  int                     `json:"total"`
	Hits   []Hit                   `json:"hits"`
	Facets map[string][]FacetCount `json:"facets"`
}

// open brings the view up to date with the source's segments.
func (e *Engine) open(ctx context.Context) (*view, error) {
	ids, err := e.src.IndexSegments(ctx)
	if err != nil {
		return nil, err
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.view != nil && slices.Equal(e.view.ids, ids) {
		return e.view, nil
	}
	live := map[int64]bool{}
	for _, id := range ids {
		live[id] = true
		if e.segs[id] != nil {
			continue
		}
		b, err := e.src.IndexDocs(ctx, id)
		if err != nil {
			return nil, err
		}
		docs, err := DecodeDocs(b)
		if err != nil {
			return nil, fmt.Errorf("index segment %d: %w", id, err)
		}
		e.segs[id] = &segState{docs: docs}
	}
	for id := range e.segs {
		if !live[id] {
			delete(e.segs, id)
		}
	}
	v := &view{ids: ids, owner: map[int64]int64{}, docs: map[int64]*DocEntry{}}
	for _, id := range ids {
		s := e.segs[id]
		for i := range s.docs {
			d := &s.docs[i]
			v.owner[d.ID] = id
			v.docs[d.ID] = d
		}
	}
	total := 0
	for _, d := range v.docs {
		total += d.Len
	}
	if len(v.docs) > 0 {
		v.avgdl = float64(total) / float64(len(v.docs))
	}
	e.view = v
	return v, nil
}

func (e *Engine) dict(ctx context.Context, seg int64) (*dict, error) {
	e.mu.Lock()
	s := e.segs[seg]
	e.mu.Unlock()
	if s == nil {
		return &dict{}, nil
	}
	if s.dict != nil {
		return s.dict, nil
	}
	b, err := e.src.IndexDict(ctx, seg)
	if err != nil {
		return nil, err
	}
	d, err := decodeDict(b)
	if err != nil {
		return nil, fmt.Errorf("index segment %d dictionary: %w", seg, err)
	}
	e.mu.Lock()
	s.dict = d
	e.mu.Unlock()
	return d, nil
}

// expand returns the terms a prefix stands for: the most frequent max.
func (e *Engine) expand(ctx context.Context, v *view, prefix string, max int) ([]string, error) {
	dfs := map[string]int{}
	for _, id := range v.ids {
		d, err := e.dict(ctx, id)
		if err != nil {
			return nil, err
		}
		d.withPrefix(prefix, func(t string, df int) { dfs[t] += df })
	}
	terms := make([]string, 0, len(dfs))
	for t := range dfs {
		terms = append(terms, t)
	}
	sort.Slice(terms, func(i, j int) bool {
		if dfs[terms[i]] != dfs[terms[j]] {
			return dfs[terms[i]] > dfs[terms[j]]
		}
		return terms[i] < terms[j]
	})
	if len(terms) > max {
		terms = terms[:max]
	}
	return terms, nil
}

// Search answers q with one page of hits, the total and facets.
func (e *Engine) Search(ctx context.Context, q Query, opt Options) (*Results, error) {
	if opt.Limit <= 0 {
		opt.Limit = 20
	}
	if opt.Snippets == 0 {
		opt.Snippets = 2
	}
	if opt.MaxExpansions <= 0 {
		opt.MaxExpansions = 256
	}
	v, err := e.open(ctx)
	if err != nil {
		return nil, err
	}
	st := &query{e: e, ctx: ctx, v: v, lists: map[string][]*plist{}, max: opt.MaxExpansions, terms: map[string]bool{}}
	var clauses []*clauseHits
	for _, parts := range q.Clauses {
		c, err := st.clause(parts)
		if err != nil {
			return nil, err
		}
		clauses = append(clauses, c)
	}
	var hits []scored
	if len(clauses) == 1 {
		c := clauses[0]
		hits = make([]scored, len(c.docs))
		for i, doc := range c.docs {
			hits[i] = scored{doc, c.score[i], 0}
		}
	} else {
		// A document's score sums its clauses'; proximity is judged on the
		// clause that scored it best.
		at := map[int64]int{}
		for ci, c := range clauses {
			for i, doc := range c.docs {
				j, seen := at[doc]
				if !seen {
					at[doc] = len(hits)
					hits = append(hits, scored{doc, c.score[i], ci})
					continue
				}
				if c.score[i] > clauseScore(clauses[hits[j].clause], doc) {
					hits[j].clause = ci
				}
				hits[j].score += c.score[i]
			}
		}
	}
	var findings map[int64]bool
	if ds, err := e.src.DocsWithFindings(ctx); err != nil {
		return nil, err
	} else {
		findings = make(map[int64]bool, len(ds))
		for _, d := range ds {
			findings[d] = true
		}
	}
	facets := newFacets()
	kept := hits[:0]
	for _, h := range hits {
		d := v.docs[h.doc]
		if d == nil || !opt.Filter.match(d, findings[h.doc]) {
			continue
		}
		kept = append(kept, h)
		facets.add(d, findings[h.doc])
	}
	hits = kept
	total := len(hits)
	top := min(len(hits), max(reranked, opt.Offset+opt.Limit))
	hits = bestFirst(hits, top)
	for i := range hits[:top] {
		f, err := clauses[hits[i].clause].proximity(hits[i].doc)
		if err != nil {
			return nil, err
		}
		hits[i].score *= f
	}
	slices.SortFunc(hits[:top], byScore)
	res := &Results{Total: total, Facets: facets.result()}
	for _, h := range hits[min(opt.Offset, len(hits)):min(opt.Offset+opt.Limit, len(hits))] {
		f := v.docs[h.doc].Fields
		hit := Hit{Doc: h.doc, Score: math.Round(h.score*1000) / 1000, MediaType: f.MediaType, Paths: f.Paths, Fields: f}
		if opt.Snippets > 0 {
			text, err := e.src.DocText(ctx, h.doc)
			if err != nil {
				return nil, err
			}
			hit.Snippets = Snippets(text, st.terms, opt.Snippets, 80)
		}
		res.Hits = append(res.Hits, hit)
	}
	return res, nil
}

// TermKey adapts a keyed hash of bytes to the term keys segments use.
func TermKey(sum func([]byte) [32]byte) func(term string) [32]byte {
	return func(t string) [32]byte { return sum([]byte(t)) }
}
