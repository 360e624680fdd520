package search

import (
	"slices"
)

// SegmentBlobs is a stored segment's document table and dictionary.
type SegmentBlobs struct {
	ID   int64
	Docs []byte
	Dict []byte
}

// Merger folds segments into one: a document's live copy is the one in
// the latest segment holding it, and documents keep says nothing of (those
// deleted from the workspace) are dropped.
type Merger struct {
	owner map[int64]int64
	docs  []DocEntry
	terms map[string]struct{}
	key   func(string) [32]byte
	dfs   map[[BlockKeyLen]byte]int
}

// NewMerger decodes the segments to merge, in ascending id order.
func NewMerger(segs []SegmentBlobs, keep func(doc int64) bool, key func(term string) [32]byte) (*Merger, error) {
	m := &Merger{owner: map[int64]int64{}, terms: map[string]struct{}{}, key: key, dfs: map[[BlockKeyLen]byte]int{}}
	live := map[int64]DocEntry{}
	for _, s := range segs {
		docs, err := DecodeDocs(s.Docs)
		if err != nil {
			return nil, err
		}
		for _, d := range docs {
			if keep(d.ID) {
				m.owner[d.ID] = s.ID
				live[d.ID] = d
			} else {
				delete(m.owner, d.ID)
				delete(live, d.ID)
			}
		}
		dict, err := decodeDict(s.Dict)
		if err != nil {
			return nil, err
		}
		for _, t := range dict.terms {
			m.terms[t] = struct{}{}
		}
	}
	for _, d := range live {
		m.docs = append(m.docs, d)
	}
	slices.SortFunc(m.docs, func(a, b DocEntry) int { return int(a.ID - b.ID) })
	return m, nil
}

// Postings merges one term's posting lists (SegmentPostings holding a
// posting list each, not a block), keeping live copies only; it returns
// nil when no live document holds the term. Terms must come in key order.
func (m *Merger) Postings(key [BlockKeyLen]byte, parts []SegmentPostings) ([]byte, error) {
	type entry struct {
		doc int64
		pl  *plist
		i   int
	}
	var entries []entry
	for _, sp := range parts {
		pl, err := decodePostings(sp.Segment, sp.Data)
		if err != nil {
			return nil, err
		}
		for i, d := range pl.docs {
			if seg, ok := m.owner[d]; ok && seg == sp.Segment {
				entries = append(entries, entry{d, pl, i})
			}
		}
	}
	if len(entries) == 0 {
		return nil, nil
	}
	slices.SortFunc(entries, func(a, b entry) int { return int(a.doc - b.doc) })
	var w postingsWriter
	for _, e := range entries {
		ps, err := e.pl.positions(e.i)
		if err != nil {
			return nil, err
		}
		w.add(e.doc, ps)
	}
	m.dfs[key] = len(entries)
	return w.bytes(), nil
}

// Finish returns the merged document table and dictionary, once every
// term's postings went through Postings.
func (m *Merger) Finish() (docs, dict []byte) {
	terms := make([]string, 0, len(m.terms))
	var dfs []int
	for t := range m.terms {
		terms = append(terms, t)
	}
	slices.Sort(terms)
	kept := terms[:0]
	for _, t := range terms {
		k := m.key(t)
		if df := m.dfs[[BlockKeyLen]byte(k[:BlockKeyLen])]; df > 0 {
			kept = append(kept, t)
			dfs = append(dfs, df)
		}
	}
	return encodeDocs(m.docs), encodeDict(kept, dfs)
}
