package search

import (
	"encoding/binary"
	"errors"
)

// Posting list format: the number of documents, then the documents and
// their frequencies, then every position; documents first, so that a
// query that needs no positions decodes only them.
//
// Documents go in groups of frameLen: per whole group a frame of gaps
// (each document's id minus the previous one's, minus one: a term in
// every document is a frame of zeros) and a frame of frequencies minus
// one; the documents left over are uvarints of the gap shifted left by
// one with the low bit set when the frequency is one, followed by the
// frequency minus two when it is not. Positions, per document the first
// one and then the gaps, are one integer stream over all documents.
type postingsWriter struct {
	docs  []int64
	tfs   []uint64
	pos   []uint64
	gaps  []uint64
	freqs []uint64
}

func (w *postingsWriter) reset() {
	w.docs, w.tfs, w.pos = w.docs[:0], w.tfs[:0], w.pos[:0]
}

func (w *postingsWriter) add(id int64, positions []uint32) {
	w.docs = append(w.docs, id)
	w.tfs = append(w.tfs, uint64(len(positions)))
	var p uint32
	for _, x := range positions {
		w.pos = append(w.pos, uint64(x-p))
		p = x
	}
}

func (w *postingsWriter) bytes() []byte {
	n := len(w.docs)
	out := binary.AppendUvarint(make([]byte, 0, 16+n*2+len(w.pos)*2), uint64(n))
	w.gaps, w.freqs = w.gaps[:0], w.freqs[:0]
	prev := int64(-1)
	for i, d := range w.docs {
		w.gaps = append(w.gaps, uint64(d-prev-1))
		w.freqs = append(w.freqs, w.tfs[i]-1)
		prev = d
	}
	full := n / frameLen * frameLen
	for g := 0; g < full; g += frameLen {
		out = appendFrame(out, w.gaps[g:g+frameLen])
		out = appendFrame(out, w.freqs[g:g+frameLen])
	}
	for i := full; i < n; i++ {
		if w.freqs[i] == 0 {
			out = binary.AppendUvarint(out, w.gaps[i]<<1|1)
			continue
		}
		out = binary.AppendUvarint(out, w.gaps[i]<<1)
		out = binary.AppendUvarint(out, w.freqs[i]-1)
	}
	return appendInts(out, w.pos)
}

var errCorrupt = errors.New("corrupt index segment")

// plist is a decoded posting list: documents and frequencies, and the
// encoded positions, decoded on demand.
type plist struct {
	seg    int64
	docs   []int64
	tfs    []uint32
	posBuf []byte
	offs   []uint32 // start of each document's positions in pos
	pos    []uint32
}

// maxPerByte bounds how many values a coded byte can stand for (a frame
// of width zero is one byte for frameLen values), so that a corrupt count
// cannot make a decoder allocate more than its input justifies.
const maxPerByte = frameLen

func decodePostings(seg int64, b []byte) (*plist, error) {
	n, k := binary.Uvarint(b)
	if k <= 0 || n > maxPerByte*uint64(len(b)) {
		return nil, errCorrupt
	}
	b = b[k:]
	p := &plist{seg: seg, docs: make([]int64, n), tfs: make([]uint32, n)}
	prev := int64(-1)
	full := int(n) / frameLen * frameLen
	if full > 0 {
		var err error
		if b, err = decodeFrames(b, p.docs[:full], p.tfs[:full]); err != nil {
			return nil, err
		}
		prev = p.docs[full-1]
	}
	for i := full; i < int(n); i++ {
		v, k := binary.Uvarint(b)
		if k <= 0 {
			return nil, errCorrupt
		}
		b = b[k:]
		tf := uint64(1)
		if v&1 == 0 {
			t, k := binary.Uvarint(b)
			if k <= 0 {
				return nil, errCorrupt
			}
			b = b[k:]
			tf = t + 2
		}
		prev += int64(v>>1) + 1
		p.docs[i], p.tfs[i] = prev, uint32(tf)
	}
	if n > 0 && len(b) == 0 {
		return nil, errCorrupt // every document has a position
	}
	p.posBuf = b
	return p, nil
}

// decodeFrames decodes whole groups of documents and frequencies (kept
// apart from decodePostings: most lists are shorter than a frame and
// should not pay for zeroing one).
func decodeFrames(b []byte, docs []int64, tfs []uint32) ([]byte, error) {
	var frame [2][frameLen]uint64
	var err error
	prev := int64(-1)
	for g := 0; g < len(docs); g += frameLen {
		if b, err = readFrame(b, frame[0][:]); err != nil {
			return nil, err
		}
		if b, err = readFrame(b, frame[1][:]); err != nil {
			return nil, err
		}
		for i := range frameLen {
			prev += int64(frame[0][i]) + 1
			docs[g+i], tfs[g+i] = prev, uint32(frame[1][i]+1)
		}
	}
	return b, nil
}

// positions returns the positions of the i-th document.
func (p *plist) positions(i int) ([]uint32, error) {
	if p.offs == nil {
		total := uint64(0)
		for _, tf := range p.tfs {
			total += uint64(tf)
		}
		if total > maxPerByte*uint64(len(p.posBuf)) {
			return nil, errCorrupt
		}
		pos := make([]uint32, total)
		if _, err := readInts(p.posBuf, pos); err != nil {
			return nil, err
		}
		offs := make([]uint32, len(p.docs)+1)
		at := uint32(0)
		for j, tf := range p.tfs {
			offs[j] = at
			var x uint32
			for k := at; k < at+tf; k++ {
				x += pos[k]
				pos[k] = x
			}
			at += tf
		}
		offs[len(p.docs)] = at
		p.pos, p.offs = pos, offs
	}
	return p.pos[p.offs[i]:p.offs[i+1]], nil
}
