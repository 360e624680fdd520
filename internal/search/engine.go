package search

import (
	"context"
	"fmt"
	"math"
	"slices"
	"sort"
	"strconv"
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
	refs [][]ref // per document, the posting entries (one per term)
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
	rs := m.refs[i]
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
	m := &match{}
	for _, en := range entries {
		n := len(m.docs)
		if n > 0 && m.docs[n-1] == en.doc {
			m.tfs[n-1] += float64(en.r.pl.tfs[en.r.i])
			m.refs[n-1] = append(m.refs[n-1], en.r)
			continue
		}
		m.docs = append(m.docs, en.doc)
		m.tfs = append(m.tfs, float64(en.r.pl.tfs[en.r.i]))
		m.refs = append(m.refs, []ref{en.r})
	}
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

// reranked is how many of the best BM25 hits get the proximity boost.
const reranked = 200

type scored struct {
	doc    int64
	score  float64
	clause int // the clause whose proximity counts
}

func byScore(a, b scored) int {
	switch {
	case a.score > b.score:
		return -1
	case a.score < b.score:
		return 1
	case a.doc < b.doc:
		return -1
	case a.doc > b.doc:
		return 1
	}
	return 0
}

// bestFirst moves the k best hits, in order, to the front of hits (a
// bounded heap: a common word's hundred thousand hits are not sorted).
func bestFirst(hits []scored, k int) []scored {
	if k == 0 {
		return hits
	}
	if len(hits) <= 4*k {
		slices.SortFunc(hits, byScore)
		return hits
	}
	// h is a min-heap (worst at the root) of the k best so far.
	h := slices.Clone(hits[:k])
	worse := func(i, j int) bool { return byScore(h[i], h[j]) > 0 }
	down := func(i int) {
		for {
			l := 2*i + 1
			if l >= len(h) {
				return
			}
			m := l
			if r := l + 1; r < len(h) && worse(r, l) {
				m = r
			}
			if !worse(m, i) {
				return
			}
			h[i], h[m] = h[m], h[i]
			i = m
		}
	}
	for i := len(h)/2 - 1; i >= 0; i-- {
		down(i)
	}
	for _, x := range hits[k:] {
		if byScore(x, h[0]) < 0 {
			h[0] = x
			down(0)
		}
	}
	slices.SortFunc(h, byScore)
	return h
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

func clauseScore(c *clauseHits, doc int64) float64 {
	i, ok := slices.BinarySearch(c.docs, doc)
	if !ok {
		return 0
	}
	return c.score[i]
}

func (f *Filter) match(d *DocEntry, finding bool) bool {
	if len(f.MediaTypes) > 0 && !slices.ContainsFunc(f.MediaTypes, func(t string) bool {
		return t == d.MediaType || strings.HasSuffix(t, "/") && strings.HasPrefix(d.MediaType, t)
	}) {
		return false
	}
	if len(f.Statuses) > 0 && !slices.Contains(f.Statuses, d.Status) {
		return false
	}
	if f.PathPrefix != "" && !slices.ContainsFunc(d.Paths, func(p string) bool { return strings.HasPrefix(p, f.PathPrefix) }) {
		return false
	}
	if f.From != "" && !containsFolded(d.From, f.From) {
		return false
	}
	if f.To != "" && !containsFolded(d.To, f.To) {
		return false
	}
	if !f.After.IsZero() && (d.Date.IsZero() || d.Date.Before(f.After)) {
		return false
	}
	if !f.Before.IsZero() && (d.Date.IsZero() || !d.Date.Before(f.Before)) {
		return false
	}
	if f.HasFinding != nil && *f.HasFinding != finding {
		return false
	}
	return true
}

func containsFolded(l []string, s string) bool {
	s = strings.ToLower(s)
	return slices.ContainsFunc(l, func(v string) bool { return strings.Contains(v, s) })
}

// facetTop is how many values a facet lists at most.
const facetTop = 10

type facets struct {
	mediaType, status, from, to map[string]int
	year                        map[int]int
	finding                     [2]int
}

func newFacets() *facets {
	return &facets{mediaType: map[string]int{}, status: map[string]int{}, from: map[string]int{}, to: map[string]int{}, year: map[int]int{}}
}

func (f *facets) add(d *DocEntry, finding bool) {
	if d.MediaType != "" {
		f.mediaType[d.MediaType]++
	}
	if d.Status != "" {
		f.status[d.Status]++
	}
	for _, s := range d.From {
		f.from[s]++
	}
	for _, s := range d.To {
		f.to[s]++
	}
	if !d.Date.IsZero() {
		f.year[d.Date.Year()]++
	}
	if finding {
		f.finding[1]++
	} else {
		f.finding[0]++
	}
}

func (f *facets) result() map[string][]FacetCount {
	years := map[string]int{}
	for y, n := range f.year {
		years[strconv.Itoa(y)] = n
	}
	out := map[string][]FacetCount{}
	for name, m := range map[string]map[string]int{"media_type": f.mediaType, "status": f.status, "from": f.from, "to": f.to, "year": years,
		"has_finding": {"false": f.finding[0], "true": f.finding[1]}} {
		l := make([]FacetCount, 0, len(m))
		for v, n := range m {
			if n > 0 {
				l = append(l, FacetCount{v, n})
			}
		}
		sort.Slice(l, func(i, j int) bool {
			if l[i].Count != l[j].Count {
				return l[i].Count > l[j].Count
			}
			return l[i].Value < l[j].Value
		})
		if len(l) > facetTop {
			l = l[:facetTop]
		}
		out[name] = l
	}
	return out
}

// TermKey adapts a keyed hash of bytes to the term keys segments use.
func TermKey(sum func([]byte) [32]byte) func(term string) [32]byte {
	return func(t string) [32]byte { return sum([]byte(t)) }
}
