package extract

import (
	"bufio"
	"bytes"
	"fmt"
)

// The xz decoder allocates the LZMA2 dictionary a block header names, up
// to 4 GiB, whatever the data: a 72-byte file made by `xz
// --lzma2=dict=1536MiB` costs 1.5 GiB. xzDictionary reads the first block
// header so that the walker can refuse dictionaries its budget does not
// allow. Later blocks are not checked: reaching them needs decoding the
// earlier ones (or the index at the end).

// xzHeadLen is how much of an xz stream holds its first block header.
const xzHeadLen = 12 + 1024

// xzDictionary returns the largest LZMA2 dictionary in the first block
// header of the xz stream starting head, or 0 if there is none to read.
func xzDictionary(head []byte) uint64 {
	if len(head) < 13 || !bytes.HasPrefix(head, magicXz) || head[12] == 0 {
		return 0
	}
	size := (int(head[12]) + 1) * 4
	if 12+size > len(head) {
		return 0
	}
	h := head[13 : 12+size]
	flags := h[0]
	h = h[1:]
	varint := func() (uint64, bool) {
		var v uint64
		for i := 0; i < 9 && i < len(h); i++ {
			v |= uint64(h[i]&0x7F) << (7 * i)
			if h[i]&0x80 == 0 {
				h = h[i+1:]
				return v, true
			}
		}
		return 0, false
	}
	if flags&0x40 != 0 { // compressed size
		if _, ok := varint(); !ok {
			return 0
		}
	}
	if flags&0x80 != 0 { // uncompressed size
		if _, ok := varint(); !ok {
			return 0
		}
	}
	var dict uint64
	for range int(flags&3) + 1 {
		id, ok1 := varint()
		n, ok2 := varint()
		if !ok1 || !ok2 || n > uint64(len(h)) {
			return dict
		}
		props := h[:n]
		h = h[n:]
		if id == 0x21 && n == 1 && props[0] <= 40 {
			p := uint64(props[0])
			d := (2 | p&1) << (p/2 + 11)
			if p == 40 {
				d = 1<<32 - 1
			}
			dict = max(dict, d)
		}
	}
	return dict
}

// decoderLimit is the most decoder memory one stream or folder may take:
// 64 MiB (what `xz -9` uses for any input) or, beyond it, what the
// expansion budget allows input of this size, never more than a member may
// hold.
func (w *walker) decoderLimit(packed int64) int64 {
	ratio := int64(min(w.opts.MaxRatio*float64(max(packed, 1)), 1<<62))
	return max(decoderFloor, min(ratioFloor+ratio, w.opts.MaxMemberBytes))
}

// checkXz peeks at the start of an xz stream read through br and returns
// an error wrapping ErrTooLarge if its dictionary is over the limit for
// packed bytes of input.
func (w *walker) checkXz(br *bufio.Reader, packed int64) error {
	head, _ := br.Peek(xzHeadLen)
	if dict := xzDictionary(head); int64(min(dict, 1<<62)) > w.decoderLimit(packed) {
		return docError(ErrTooLarge, fmt.Sprintf("xz dictionary of %d MiB", dict>>20))
	}
	return nil
}
