package search

import (
	"encoding/binary"
	"errors"
	"slices"
	"strings"
)

// BlockKeyLen is how many bytes of a term key blocks keep: 96 bits, so
// that two of a segment's terms share one with odds under 10^-15 even
// for ten million terms, at 12 bytes a term (a quarter of a rare term's
// cost with full 32-byte MACs).
const BlockKeyLen = 12

// BlockTarget is the size a block of posting lists is filled to. Packing
// the lists of many rare terms into one sealed row saves the per-row
// overhead (key, nonce, tag, row header) that would otherwise cost more
// than the lists themselves, and hides how many terms a segment has.
const BlockTarget = 8 << 10

// Block is posting lists of consecutive term keys: First is the first
// key, Data the encoded entries (key, length, posting list).
type Block struct {
	First [BlockKeyLen]byte
	Data  []byte
}

// BlockWriter packs posting lists, added in ascending key order, into
// blocks.
type BlockWriter struct {
	cur  Block
	n    int
	done []Block
}

// Add appends one term's posting list.
func (w *BlockWriter) Add(key [BlockKeyLen]byte, postings []byte) {
	if w.n > 0 && len(w.cur.Data)+len(postings) > BlockTarget {
		w.flush()
	}
	if w.n == 0 {
		w.cur.First = key
	}
	w.cur.Data = append(w.cur.Data, key[:]...)
	w.cur.Data = binary.AppendUvarint(w.cur.Data, uint64(len(postings)))
	w.cur.Data = append(w.cur.Data, postings...)
	w.n++
}

func (w *BlockWriter) flush() {
	if w.n > 0 {
		w.done = append(w.done, w.cur)
	}
	w.cur, w.n = Block{}, 0
}

// Take returns the blocks completed so far; with final, the last one too.
func (w *BlockWriter) Take(final bool) []Block {
	if final {
		w.flush()
	}
	out := w.done
	w.done = nil
	return out
}

// Blocks packs a segment's posting lists.
func (s Segment) Blocks() []Block {
	keys := make([][32]byte, 0, len(s.Postings))
	for k := range s.Postings {
		keys = append(keys, k)
	}
	slices.SortFunc(keys, func(a, b [32]byte) int { return bytesCompare(a[:], b[:]) })
	var w BlockWriter
	for _, k := range keys {
		w.Add([BlockKeyLen]byte(k[:BlockKeyLen]), s.Postings[k])
	}
	return w.Take(true)
}

func bytesCompare(a, b []byte) int { return strings.Compare(string(a), string(b)) }

// BlockEntries calls fn for every entry of a block, in key order.
func BlockEntries(b []byte, fn func(key [BlockKeyLen]byte, postings []byte) error) error {
	for len(b) > 0 {
		if len(b) < BlockKeyLen {
			return errCorrupt
		}
		key := [BlockKeyLen]byte(b[:BlockKeyLen])
		n, k := binary.Uvarint(b[BlockKeyLen:])
		if k <= 0 || n > uint64(len(b)-BlockKeyLen-k) {
			return errCorrupt
		}
		start := BlockKeyLen + k
		if err := fn(key, b[start:start+int(n)]); err != nil {
			return err
		}
		b = b[start+int(n):]
	}
	return nil
}

// lookupBlock returns the posting list of key in block b, or nil.
func lookupBlock(b []byte, key [32]byte) ([]byte, error) {
	var out []byte
	errFound := errors.New("found")
	err := BlockEntries(b, func(k [BlockKeyLen]byte, p []byte) error {
		if string(k[:]) == string(key[:BlockKeyLen]) {
			out = p
			return errFound
		}
		return nil
	})
	if err != nil && err != errFound {
		return nil, err
	}
	return out, nil
}
