package workspace

import (
	"context"
	"errors"
	"fmt"

	"antidote/internal/auth"
	"antidote/internal/search"
)

// ErrBadQuery means a search query does not parse.
var ErrBadQuery = errors.New("bad query")

// Search results as the engine gives them; front ends print or serve them.
type (
	// SearchFilter restricts hits by document fields (media type, path
	// prefix, mail sender and recipients, dates, status, has-finding).
	// Zero values do not filter.
	SearchFilter = search.Filter
	// Hit is one matching document: its id, score, media type, paths and
	// snippets with the byte ranges of matched terms.
	Hit = search.Hit
	// Snippet is a piece of a document's text with highlighted ranges.
	Snippet = search.Snippet
	// FacetCount is one value of a facet and how many hits have it.
	FacetCount = search.FacetCount
)

// Paging bounds for Search.
const (
	DefaultSearchLimit = 20   // hits per page when the request names none
	MaxSearchLimit     = 1000 // most hits one page may hold
)

// SearchRequest is a full-text query (words, "phrases", OR, -excluded,
// prefix*), one page of it and the filters.
type SearchRequest struct {
	Query  string
	Limit  int // hits per page; 0 means DefaultSearchLimit
	Offset int // hits to skip
	Filter SearchFilter
}

// SearchResult is one page of hits ranked best first (BM25 with phrase
// and proximity boosts), how many documents match in all, and facet counts
// (media_type, status, from, to, year, has_finding) over all of them.
type SearchResult struct {
	Total  int                     `json:"total"`
	Hits   []Hit                   `json:"hits"`
	Facets map[string][]FacetCount `json:"facets"`
	Offset int                     `json:"offset"`
}

// ParseQuery checks a query without opening anything, so a front end can
// refuse a malformed one before it asks for a passphrase.
func ParseQuery(q string) error {
	if _, err := search.Parse(q); err != nil {
		return fmt.Errorf("%w: %w", ErrBadQuery, err)
	}
	return nil
}

// Search answers a query from the sealed index: only the texts of the page's
// hits are opened, to cut their snippets. The query is recorded in the
// audit log.
func (ws *Workspace) Search(ctx context.Context, a Actor, r SearchRequest) (SearchResult, error) {
	res := SearchResult{Offset: r.Offset}
	if err := allow(a, auth.Search); err != nil {
		return res, err
	}
	q, err := search.Parse(r.Query)
	if err != nil {
		return res, fmt.Errorf("%w: %w", ErrBadQuery, err)
	}
	switch {
	case r.Limit < 0 || r.Offset < 0:
		return res, invalid(fmt.Errorf("a search page's limit and offset cannot be negative (limit %d, offset %d)", r.Limit, r.Offset))
	case r.Limit > MaxSearchLimit:
		return res, invalid(fmt.Errorf("a search page holds at most %d hits, not %d", MaxSearchLimit, r.Limit))
	case r.Limit == 0:
		r.Limit = DefaultSearchLimit
	}
	if err := ws.record(ctx, a, "search", "", []byte(r.Query)); err != nil {
		return res, err
	}
	got, err := ws.searchEngine().Search(ctx, q, search.Options{Limit: r.Limit, Offset: r.Offset, Filter: r.Filter})
	if err != nil {
		return res, fmt.Errorf("search: %w", err)
	}
	res.Total, res.Hits, res.Facets = got.Total, got.Hits, got.Facets
	if res.Hits == nil {
		res.Hits = []Hit{}
	}
	return res, nil
}

// searchEngine is the workspace's one search engine, made on first use and
// kept for the workspace's life: it holds the index segments' opened
// document tables and dictionaries in memory (never on disk), so a long-
// lived front end (the web console) opens each segment once.
func (ws *Workspace) searchEngine() *search.Engine {
	ws.engineOnce.Do(func() {
		ws.engine = search.NewEngine(ws.store, search.TermKey(ws.keys.MAC("index").Sum))
	})
	return ws.engine
}
