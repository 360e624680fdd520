package search

import (
	"context"
	"fmt"
	"math"
	"slices"
	"sort"
)

// ref points at one document's entry in a posting list.
type ref struct {
	pl *plist
	i  int
}

// match is a part's (or slot's) documents, ascending, with frequencies and
// where to find positions.
type match struct {
	docs []int64
	tfs  []float64
	refs []ref   // the posting entries (one per term) of every document, in order
	roff []int32 // document i's entries are refs[roff[i]:roff[i+1]]
	// starts, for phrases: the positions where the phrase starts.
	starts [][]uint32
}

func (m *match) find(doc int64) int {
	i, ok := slices.BinarySearch(m.docs, doc)
	if !ok {
		return -1
	}
	return i
}

// positions returns the sorted positions of the i-th document.
func (m *match) positions(i int) ([]uint32, error) {
	if m.starts != nil {
		return m.starts[i], nil
	}
	rs := m.refs[m.roff[i]:m.roff[i+1]]
	if len(rs) == 1 {
		return rs[0].pl.positions(rs[0].i)
	}
	var out []uint32
	for _, r := range rs {
		p, err := r.pl.positions(r.i)
		if err != nil {
			return nil, err
		}
		out = append(out, p...)
	}
	slices.Sort(out)
	return out, nil
}

// query holds the state of one evaluation.
type query struct {
	e     *Engine
	ctx   context.Context
	v     *view
	lists map[string][]*plist
	max   int
	terms map[string]bool // every positive term, for highlighting
}

func (q *query) postings(term string) ([]*plist, error) {
	if l, ok := q.lists[term]; ok {
		return l, nil
	}
	key := q.e.key(term)
	sps, err := q.e.src.IndexPostings(q.ctx, q.v.ids, key)
	if err != nil {
		return nil, err
	}
	var out []*plist
	for _, sp := range sps {
		data, err := lookupBlock(sp.Data, key)
		if err != nil {
			return nil, fmt.Errorf("index segment %d: %w", sp.Segment, err)
		}
		if data == nil {
			continue
		}
		pl, err := decodePostings(sp.Segment, data)
		if err != nil {
			return nil, fmt.Errorf("index segment %d: %w", sp.Segment, err)
		}
		out = append(out, pl)
	}
	q.lists[term] = out
	return out, nil
}

// slot returns the documents holding any of the slot's terms.
func (q *query) slot(s Slot, positive bool) (*match, error) {
	terms := []string{s.Term}
	if s.Prefix {
		var err error
		if terms, err = q.e.expand(q.ctx, q.v, s.Term, q.max); err != nil {
			return nil, err
		}
	}
	type entry struct {
		doc int64
		r   ref
	}
	var entries []entry
	lists := 0
	for _, t := range terms {
		if positive {
			q.terms[t] = true
		}
		pls, err := q.postings(t)
		if err != nil {
			return nil, err
		}
		for _, pl := range pls {
			lists++
			if len(q.v.ids) == 1 {
				// One segment: every document in it is live.
				entries = slices.Grow(entries, len(pl.docs))
				for i, d := range pl.docs {
					entries = append(entries, entry{d, ref{pl, i}})
				}
				continue
			}
			for i, d := range pl.docs {
				if q.v.owner[d] == pl.seg {
					entries = append(entries, entry{d, ref{pl, i}})
				}
			}
		}
	}
	if lists > 1 {
		slices.SortStableFunc(entries, func(a, b entry) int {
			switch {
			case a.doc < b.doc:
				return -1
			case a.doc > b.doc:
				return 1
			}
			return 0
		})
	}
	m := &match{refs: make([]ref, len(entries))}
	for k, en := range entries {
		m.refs[k] = en.r
		n := len(m.docs)
		if n > 0 && m.docs[n-1] == en.doc {
			m.tfs[n-1] += float64(en.r.pl.tfs[en.r.i])
			continue
		}
		m.docs = append(m.docs, en.doc)
		m.tfs = append(m.tfs, float64(en.r.pl.tfs[en.r.i]))
		m.roff = append(m.roff, int32(k))
	}
	m.roff = append(m.roff, int32(len(entries)))
	return m, nil
}

// part returns the documents where the part occurs.
func (q *query) part(p Part) (*match, error) {
	slots := make([]*match, len(p.Slots))
	for i, s := range p.Slots {
		m, err := q.slot(s, !p.Exclude)
		if err != nil {
			return nil, err
		}
		slots[i] = m
	}
	if len(slots) == 1 {
		return slots[0], nil
	}
	// A phrase: documents holding every slot, then positions checked.
	order := make([]int, len(slots))
	for i := range order {
		order[i] = i
	}
	sort.Slice(order, func(a, b int) bool { return len(slots[order[a]].docs) < len(slots[order[b]].docs) })
	out := &match{}
	idx := make([]int, len(slots))
	sets := make([][]uint32, len(slots))
next:
	for _, doc := range slots[order[0]].docs {
		for _, k := range order {
			j := slots[k].find(doc)
			if j < 0 {
				continue next
			}
			idx[k] = j
		}
		for k := range slots {
			ps, err := slots[k].positions(idx[k])
			if err != nil {
				return nil, err
			}
			sets[k] = ps
		}
		var starts []uint32
		for _, p0 := range sets[0] {
			ok := true
			for k := 1; k < len(slots) && ok; k++ {
				_, ok = slices.BinarySearch(sets[k], p0+uint32(p.Slots[k].Rel))
			}
			if ok {
				starts = append(starts, p0)
			}
		}
		if len(starts) > 0 {
			out.docs = append(out.docs, doc)
			out.tfs = append(out.tfs, float64(len(starts)))
			out.starts = append(out.starts, starts)
		}
	}
	return out, nil
}

// BM25 parameters (Robertson and Zaragoza's usual values).
const (
	k1 = 1.2
	b  = 0.75
)

func (v *view) idf(df int) float64 {
	n := float64(len(v.docs))
	return math.Log(1 + (n-float64(df)+0.5)/(float64(df)+0.5))
}

func (v *view) bm25(idf, tf float64, dl int) float64 {
	norm := 1 - b + b*float64(dl)/max(v.avgdl, 1)
	return idf * tf * (k1 + 1) / (tf + k1*norm)
}

// clauseHits is one clause's matches with the parts kept for proximity.
type clauseHits struct {
	parts []*match
	docs  []int64
	score []float64
}

// clause evaluates a conjunction of parts.
func (q *query) clause(parts []Part) (*clauseHits, error) {
	var pos, neg []*match
	var phrase []bool
	for _, p := range parts {
		m, err := q.part(p)
		if err != nil {
			return nil, err
		}
		if p.Exclude {
			neg = append(neg, m)
		} else {
			pos = append(pos, m)
			phrase = append(phrase, len(p.Slots) > 1)
		}
	}
	c := &clauseHits{parts: pos}
	order := make([]int, len(pos))
	for i := range order {
		order[i] = i
	}
	sort.Slice(order, func(a, b int) bool { return len(pos[order[a]].docs) < len(pos[order[b]].docs) })
	idfs := make([]float64, len(pos))
	for i, m := range pos {
		idfs[i] = q.v.idf(len(m.docs))
		if phrase[i] {
			idfs[i] *= 1.5 // a phrase match says more than its words apart
		}
	}
next:
	for j, doc := range pos[order[0]].docs {
		for _, m := range neg {
			if m.find(doc) >= 0 {
				continue next
			}
		}
		d := q.v.docs[doc]
		if d == nil {
			continue
		}
		s := q.v.bm25(idfs[order[0]], pos[order[0]].tfs[j], d.Len)
		for _, k := range order[1:] {
			i := pos[k].find(doc)
			if i < 0 {
				continue next
			}
			s += q.v.bm25(idfs[k], pos[k].tfs[i], d.Len)
		}
		c.docs = append(c.docs, doc)
		c.score = append(c.score, s)
	}
	return c, nil
}

// proximity returns a factor in [1, 2]: 2 when the clause's parts occur
// next to each other, approaching 1 as the smallest window holding one
// occurrence of each grows.
func (c *clauseHits) proximity(doc int64) (float64, error) {
	if len(c.parts) < 2 {
		return 1, nil
	}
	type occ struct {
		pos  uint32
		part int
	}
	var occs []occ
	for k, m := range c.parts {
		i := m.find(doc)
		if i < 0 {
			return 1, nil
		}
		ps, err := m.positions(i)
		if err != nil {
			return 1, err
		}
		if len(ps) > 64 {
			ps = ps[:64]
		}
		for _, p := range ps {
			occs = append(occs, occ{p, k})
		}
	}
	slices.SortFunc(occs, func(a, b occ) int { return int(a.pos) - int(b.pos) })
	count := make([]int, len(c.parts))
	have, lo := 0, 0
	best := uint32(math.MaxUint32)
	for hi := range occs {
		if count[occs[hi].part] == 0 {
			have++
		}
		count[occs[hi].part]++
		for have == len(c.parts) {
			best = min(best, occs[hi].pos-occs[lo].pos)
			count[occs[lo].part]--
			if count[occs[lo].part] == 0 {
				have--
			}
			lo++
		}
	}
	if best == math.MaxUint32 {
		return 1, nil
	}
	slack := float64(best) - float64(len(c.parts)-1)
	return 1 + 1/(1+max(slack, 0)/2), nil
}

func clauseScore(c *clauseHits, doc int64) float64 {
	i, ok := slices.BinarySearch(c.docs, doc)
	if !ok {
		return 0
	}
	return c.score[i]
}
