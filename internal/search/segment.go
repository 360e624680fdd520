package search

import (
	"encoding/binary"
	"fmt"
	"slices"
	"sort"
	"strings"
	"time"
)

// Fields are what filters and facets read about a document. They are kept
// in each index segment's document table, sealed with it.
type Fields struct {
	MediaType string
	Status    string
	Paths     []string  // display paths inside the leak
	From      []string  // mail sender addresses, folded
	To        []string  // mail To and Cc addresses, folded
	Date      time.Time // mail date; zero when unknown
}

// DocEntry is one document of a segment: its id, its length in positions
// (for BM25) and its fields.
type DocEntry struct {
	ID  int64
	Len int
	Fields
}

// Segment is an index segment ready to be sealed and stored: the encoded
// document table, the term dictionary (sorted terms with document counts,
// for prefix queries) and one positional posting list per term key.
type Segment struct {
	Docs     []byte
	Dict     []byte
	Postings map[[32]byte][]byte
}

// SegmentPostings is one segment's posting list for a term.
type SegmentPostings struct {
	Segment int64
	Data    []byte
}

// Builder collects analysed documents into one segment. Adding a document
// again replaces it.
type Builder struct {
	docs map[int64]*builtDoc
}

type builtDoc struct {
	entry DocEntry
	terms map[string][]uint32 // term -> positions, ascending
}

// NewBuilder returns an empty Builder.
func NewBuilder() *Builder { return &Builder{docs: map[int64]*builtDoc{}} }

// Len returns the number of documents added.
func (b *Builder) Len() int { return len(b.docs) }

// Add analyses text as document id.
func (b *Builder) Add(id int64, text []byte, f Fields) {
	d := &builtDoc{entry: DocEntry{ID: id, Fields: f}, terms: map[string][]uint32{}}
	maxPos := -1
	Analyze(text, func(t Token) {
		d.terms[t.Term] = append(d.terms[t.Term], uint32(t.Pos))
		maxPos = max(maxPos, t.Pos)
	})
	d.entry.Len = maxPos + 1
	b.docs[id] = d
}

// Build encodes the segment; key turns a term into its index key (a keyed
// MAC, so that the store never sees terms).
func (b *Builder) Build(key func(term string) [32]byte) Segment {
	ids := make([]int64, 0, len(b.docs))
	for id := range b.docs {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	entries := make([]DocEntry, len(ids))
	byTerm := map[string][]int64{}
	for i, id := range ids {
		d := b.docs[id]
		entries[i] = d.entry
		for t := range d.terms {
			byTerm[t] = append(byTerm[t], id)
		}
	}
	terms := make([]string, 0, len(byTerm))
	for t := range byTerm {
		terms = append(terms, t)
	}
	slices.Sort(terms)
	seg := Segment{Docs: encodeDocs(entries), Postings: make(map[[32]byte][]byte, len(terms))}
	dfs := make([]int, len(terms))
	var pl postingsWriter
	for i, t := range terms {
		docs := byTerm[t] // ascending, as ids were visited in order
		dfs[i] = len(docs)
		pl.reset()
		for _, id := range docs {
			pl.add(id, b.docs[id].terms[t])
		}
		seg.Postings[key(t)] = pl.bytes()
	}
	seg.Dict = encodeDict(terms, dfs)
	return seg
}

// Document table format: a version byte (docsVersion), then compressed: a
// string table, then per document id delta, length, media type, status,
// date (Unix seconds, 0 for none) and the string indexes of its paths,
// senders and recipients.
func encodeDocs(entries []DocEntry) []byte {
	idx := map[string]int{}
	var strs []string
	str := func(s string) uint64 {
		i, ok := idx[s]
		if !ok {
			i = len(strs)
			idx[s] = i
			strs = append(strs, s)
		}
		return uint64(i)
	}
	var body []byte
	var prev int64
	list := func(l []string) {
		body = binary.AppendUvarint(body, uint64(len(l)))
		for _, s := range l {
			body = binary.AppendUvarint(body, str(s))
		}
	}
	for _, e := range entries {
		body = binary.AppendUvarint(body, uint64(e.ID-prev))
		prev = e.ID
		body = binary.AppendUvarint(body, uint64(e.Len))
		body = binary.AppendUvarint(body, str(e.MediaType))
		body = binary.AppendUvarint(body, str(e.Status))
		var secs int64
		if !e.Date.IsZero() {
			secs = e.Date.Unix()
		}
		body = binary.AppendVarint(body, secs)
		list(e.Paths)
		list(e.From)
		list(e.To)
	}
	var out []byte
	out = binary.AppendUvarint(out, uint64(len(strs)))
	for _, s := range strs {
		out = binary.AppendUvarint(out, uint64(len(s)))
		out = append(out, s...)
	}
	out = binary.AppendUvarint(out, uint64(len(entries)))
	return packTable(docsVersion, append(out, body...))
}

// Table versions: the first byte of a document table or dictionary. The
// document table's 1 was the same body uncompressed; dictionaries had no
// version byte. Migration 0055 removed every index written before these.
const (
	docsVersion = 2
	dictVersion = 1
)

// packTable is a table's version byte and its compressed body.
func packTable(version byte, body []byte) []byte {
	return append([]byte{version}, compress(body)...)
}

// unpackTable returns the body of a table of the version.
func unpackTable(b []byte, version byte, what string) ([]byte, error) {
	if len(b) == 0 || b[0] != version {
		return nil, fmt.Errorf("%w: unknown %s version", errCorrupt, what)
	}
	return decompress(b[1:])
}

type reader struct {
	b   []byte
	err error
}

func (r *reader) uvarint() uint64 {
	if r.err != nil {
		return 0
	}
	v, k := binary.Uvarint(r.b)
	if k <= 0 {
		r.err = errCorrupt
		return 0
	}
	r.b = r.b[k:]
	return v
}

func (r *reader) varint() int64 {
	if r.err != nil {
		return 0
	}
	v, k := binary.Varint(r.b)
	if k <= 0 {
		r.err = errCorrupt
		return 0
	}
	r.b = r.b[k:]
	return v
}

func (r *reader) bytes(n uint64) []byte {
	if r.err != nil || n > uint64(len(r.b)) {
		r.err = errCorrupt
		return nil
	}
	v := r.b[:n]
	r.b = r.b[n:]
	return v
}

// DecodeDocs decodes a segment's document table.
func DecodeDocs(b []byte) ([]DocEntry, error) {
	b, err := unpackTable(b, docsVersion, "document table")
	if err != nil {
		return nil, err
	}
	r := &reader{b: b}
	ns := r.uvarint()
	if ns > uint64(len(b)) {
		return nil, errCorrupt
	}
	strs := make([]string, ns)
	for i := range strs {
		strs[i] = string(r.bytes(r.uvarint()))
	}
	str := func() string {
		i := r.uvarint()
		if i >= uint64(len(strs)) {
			r.err = errCorrupt
			return ""
		}
		return strs[i]
	}
	list := func() []string {
		n := r.uvarint()
		if n > uint64(len(r.b)) {
			r.err = errCorrupt
			return nil
		}
		if n == 0 {
			return nil
		}
		l := make([]string, n)
		for i := range l {
			l[i] = str()
		}
		return l
	}
	n := r.uvarint()
	if n > uint64(len(b)) {
		return nil, errCorrupt
	}
	out := make([]DocEntry, n)
	var prev int64
	for i := range out {
		prev += int64(r.uvarint())
		e := DocEntry{ID: prev, Len: int(r.uvarint())}
		e.MediaType, e.Status = str(), str()
		if secs := r.varint(); secs != 0 {
			e.Date = time.Unix(secs, 0).UTC()
		}
		e.Paths, e.From, e.To = list(), list(), list()
		out[i] = e
		if r.err != nil {
			return nil, r.err
		}
	}
	return out, r.err
}

// EncodeDocs encodes a document table (for merging segments).
func EncodeDocs(entries []DocEntry) []byte { return encodeDocs(entries) }

// Dictionary format: a version byte (dictVersion), then compressed: count,
// then per term (bytes shared with the previous term, suffix length,
// suffix, document count).
func encodeDict(terms []string, dfs []int) []byte {
	out := binary.AppendUvarint(nil, uint64(len(terms)))
	prev := ""
	for i, t := range terms {
		shared := 0
		for shared < len(t) && shared < len(prev) && t[shared] == prev[shared] {
			shared++
		}
		out = binary.AppendUvarint(out, uint64(shared))
		out = binary.AppendUvarint(out, uint64(len(t)-shared))
		out = append(out, t[shared:]...)
		out = binary.AppendUvarint(out, uint64(dfs[i]))
		prev = t
	}
	return packTable(dictVersion, out)
}

// dict is a decoded term dictionary.
type dict struct {
	terms []string
	dfs   []int
}

func decodeDict(b []byte) (*dict, error) {
	b, err := unpackTable(b, dictVersion, "dictionary")
	if err != nil {
		return nil, err
	}
	r := &reader{b: b}
	n := r.uvarint()
	if n > uint64(len(b)) {
		return nil, errCorrupt
	}
	d := &dict{terms: make([]string, n), dfs: make([]int, n)}
	prev := ""
	for i := range d.terms {
		shared := r.uvarint()
		if shared > uint64(len(prev)) {
			return nil, errCorrupt
		}
		suf := r.bytes(r.uvarint())
		t := prev[:shared] + string(suf)
		d.terms[i], d.dfs[i] = t, int(r.uvarint())
		prev = t
		if r.err != nil {
			return nil, r.err
		}
	}
	return d, r.err
}

// withPrefix calls fn for every term starting with prefix.
func (d *dict) withPrefix(prefix string, fn func(term string, df int)) {
	i := sort.SearchStrings(d.terms, prefix)
	for ; i < len(d.terms) && strings.HasPrefix(d.terms[i], prefix); i++ {
		fn(d.terms[i], d.dfs[i])
	}
}
