package search

import "encoding/binary"

// Sizes says where an index's bytes go, before sealing, so that its size
// can be argued part by part.
type Sizes struct {
	Terms, OneDocTerms int   // terms, and terms in one document only
	Blocks             int   // posting blocks
	BlockBytes         int64 // their plaintext, which is:
	Keys               int64 //   term keys
	Lengths            int64 //   per-entry lengths
	Docs               int64 //   document numbers and frequencies
	Positions          int64 //   positions
	DocTable           int64 // document tables as stored (compressed)
	DocTableRaw        int64 // and uncompressed,
	DocStrings         int64 //   of which string tables (paths, senders, types)
	Dict               int64 // dictionaries as stored (compressed)
	DictRaw            int64 // and uncompressed,
	OneDocDict         int64 //   of which terms in one document only
}

// AddBlock measures one posting block.
func (z *Sizes) AddBlock(b []byte) error {
	z.Blocks++
	z.BlockBytes += int64(len(b))
	return BlockEntries(b, func(_ [BlockKeyLen]byte, p []byte) error {
		z.Terms++
		z.Keys += BlockKeyLen
		z.Lengths += int64(uvarintLen(uint64(len(p))))
		pl, err := decodePostings(0, p)
		if err != nil {
			return err
		}
		if len(pl.docs) == 1 {
			z.OneDocTerms++
		}
		z.Positions += int64(len(pl.posBuf))
		z.Docs += int64(len(p) - len(pl.posBuf))
		return nil
	})
}

// AddTables measures a segment's document table and dictionary.
func (z *Sizes) AddTables(docs, dict []byte) error {
	z.DocTable += int64(len(docs))
	z.Dict += int64(len(dict))
	body, err := unpackTable(docs, docsVersion, "document table")
	if err != nil {
		return err
	}
	z.DocTableRaw += int64(len(body))
	r := &reader{b: body}
	for n := r.uvarint(); n > 0 && r.err == nil; n-- {
		n := r.uvarint()
		r.bytes(n)
		z.DocStrings += int64(uvarintLen(n)) + int64(n)
	}
	if r.err != nil {
		return r.err
	}
	if body, err = unpackTable(dict, dictVersion, "dictionary"); err != nil {
		return err
	}
	z.DictRaw += int64(len(body))
	r = &reader{b: body}
	for n := r.uvarint(); n > 0 && r.err == nil; n-- {
		before := len(r.b)
		r.uvarint()
		r.bytes(r.uvarint())
		if r.uvarint() == 1 {
			z.OneDocDict += int64(before - len(r.b))
		}
	}
	return r.err
}

// Sizes measures the segment.
func (s Segment) Sizes() (Sizes, error) {
	var z Sizes
	for _, b := range s.Blocks() {
		if err := z.AddBlock(b.Data); err != nil {
			return z, err
		}
	}
	return z, z.AddTables(s.Docs, s.Dict)
}

func uvarintLen(v uint64) int { return len(binary.AppendUvarint(nil, v)) }
