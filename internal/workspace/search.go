package workspace

import (
	"context"
	"errors"
	"fmt"
	"sort"

	"antidote/internal/auth"
	"antidote/internal/search"
)

// ErrBadQuery means a search query does not parse.
var ErrBadQuery = errors.New("bad query")

// Hit is one matching document.
type Hit struct {
	Doc      int64    `json:"doc"`
	Paths    []string `json:"paths"`
	Snippets []string `json:"snippets"`
}

// SearchResult is a page of hits and how many documents match in all.
type SearchResult struct {
	Hits  []Hit
	Total int
}

// Search runs a full-text query (words, "phrases", OR, -excluded) and
// returns up to limit hits (0: all) with snippets.
func (ws *Workspace) Search(ctx context.Context, a Actor, query string, limit int) (SearchResult, error) {
	var res SearchResult
	if err := allow(a, auth.Search); err != nil {
		return res, err
	}
	q, err := search.Parse(query)
	if err != nil {
		return res, fmt.Errorf("%w: %w", ErrBadQuery, err)
	}
	if err := ws.record(ctx, a, "search", "", []byte(query)); err != nil {
		return res, err
	}
	mac := ws.keys.MAC("index")
	candidates := map[int64]bool{}
	for _, clause := range q.Required() {
		var ids []int64
		for i, t := range clause {
			got, err := ws.store.Postings(ctx, mac.Sum([]byte(t)))
			if err != nil {
				return res, err
			}
			if i == 0 {
				ids = got
			} else {
				ids = intersect(ids, got)
			}
			if len(ids) == 0 {
				break
			}
		}
		for _, id := range ids {
			candidates[id] = true
		}
	}
	ids := make([]int64, 0, len(candidates))
	for id := range candidates {
		ids = append(ids, id)
	}
	sort.Slice(ids, func(i, j int) bool { return ids[i] < ids[j] })
	for _, id := range ids {
		text, err := ws.store.DocText(ctx, id)
		if err != nil {
			return res, err
		}
		ok, spans := q.Match(text)
		if !ok {
			continue
		}
		res.Total++
		if limit > 0 && res.Total > limit {
			continue
		}
		d, err := ws.store.GetDoc(ctx, id)
		if err != nil {
			return res, err
		}
		h := Hit{Doc: id, Paths: docInfo(d).Paths}
		for _, sp := range spans {
			h.Snippets = append(h.Snippets, search.Snippet(text, sp, 60))
			if len(h.Snippets) == 3 {
				break
			}
		}
		res.Hits = append(res.Hits, h)
	}
	return res, nil
}

func intersect(a, b []int64) []int64 {
	var out []int64
	i, j := 0, 0
	for i < len(a) && j < len(b) {
		switch {
		case a[i] < b[j]:
			i++
		case a[i] > b[j]:
			j++
		default:
			out = append(out, a[i])
			i++
			j++
		}
	}
	return out
}
