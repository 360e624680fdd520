package search

import (
	"encoding/binary"
	"math/bits"
)

// Integer streams (document gaps, frequencies, positions) are coded in
// frames of frameLen values, each bit-packed at the width that makes the
// frame smallest, with the few values that do not fit patched in after it
// (PFor, as Lucene and Zhang et al. do); fewer than frameLen values left
// at the end are plain uvarints. A frame of frequencies that are all one
// is a single byte.
const frameLen = 128

// A frame is a header byte (the width; 0x80 set when exceptions follow),
// the 128 values' low bits packed little-endian (16 bytes per bit of
// width), then, with exceptions, their count and per exception its index
// and the bits above the width as a uvarint. Values spread over so many
// lengths that no width pays are a header of frameVarints and uvarints,
// so a frame never costs more than one byte over plain uvarints.
const (
	frameExceptions = 0x80
	frameVarints    = 0x7f
)

// appendFrame codes one frame of values.
func appendFrame(dst []byte, vs []uint64) []byte {
	var hist [65]int // values by bit length
	varints := 1
	for _, v := range vs {
		l := bits.Len64(v)
		hist[l]++
		varints += max(1, (l+6)/7)
	}
	// The cost of width w: the packed bits, plus per value longer than w
	// an index byte and its high bits, plus the count byte.
	// Only the lengths that occur matter, and no width above the
	// longest: a few widths over a few lengths, not 65 by 65.
	var lens []int
	for l, n := range hist {
		if n > 0 {
			lens = append(lens, l)
		}
	}
	longest := lens[len(lens)-1]
	bestW, bestCost := longest, 16*longest
	for w := 0; w < longest; w++ {
		cost := 16*w + 1 // the exception count: some value is longer than w
		for _, l := range lens {
			if l > w {
				cost += hist[l] * (1 + (l-w+6)/7)
			}
		}
		if cost < bestCost {
			bestW, bestCost = w, cost
		}
	}
	if varints < bestCost+1 {
		dst = append(dst, frameVarints)
		for _, v := range vs {
			dst = binary.AppendUvarint(dst, v)
		}
		return dst
	}
	w := uint(bestW)
	var exc int
	for _, v := range vs {
		if bits.Len64(v) > bestW {
			exc++
		}
	}
	if exc > 0 {
		dst = append(dst, byte(w)|frameExceptions, byte(exc))
	} else {
		dst = append(dst, byte(w))
	}
	mask := uint64(1)<<w - 1
	var acc uint64
	var n uint
	for _, v := range vs {
		v &= mask
		acc |= v << n
		if n+w >= 64 {
			dst = binary.LittleEndian.AppendUint64(dst, acc)
			acc = v >> (64 - n)
			n = n + w - 64
		} else {
			n += w
		}
	}
	for i, v := range vs {
		if bits.Len64(v) > bestW {
			dst = append(dst, byte(i))
			dst = binary.AppendUvarint(dst, v>>w)
		}
	}
	return dst
}

// readFrame decodes one frame into out (frameLen values) and returns the
// bytes after it.
func readFrame(b []byte, out []uint64) ([]byte, error) {
	if len(b) == 0 {
		return nil, errCorrupt
	}
	if b[0] == frameVarints {
		b = b[1:]
		for i := range out[:frameLen] {
			v, k := binary.Uvarint(b)
			if k <= 0 {
				return nil, errCorrupt
			}
			out[i] = v
			b = b[k:]
		}
		return b, nil
	}
	w, exc := uint(b[0]&^frameExceptions), 0
	if w > 64 {
		return nil, errCorrupt
	}
	if b[0]&frameExceptions != 0 {
		if len(b) < 2 || b[1] == 0 {
			return nil, errCorrupt
		}
		exc = int(b[1])
		b = b[2:]
	} else {
		b = b[1:]
	}
	size := 16 * int(w)
	if len(b) < size {
		return nil, errCorrupt
	}
	mask := uint64(1)<<w - 1
	var acc uint64
	var n uint
	at := 0
	for i := range out[:frameLen] {
		if n >= w {
			out[i] = acc & mask
			acc >>= w
			n -= w
			continue
		}
		next := binary.LittleEndian.Uint64(b[at:])
		at += 8
		out[i] = (acc | next<<n) & mask
		acc = next >> (w - n)
		n = 64 - (w - n)
	}
	b = b[size:]
	for range exc {
		if len(b) < 2 || int(b[0]) >= frameLen {
			return nil, errCorrupt
		}
		i := b[0]
		hi, k := binary.Uvarint(b[1:])
		if k <= 0 || (w > 0 && hi>>(64-w) != 0) {
			return nil, errCorrupt
		}
		out[i] |= hi << w
		b = b[1+k:]
	}
	return b, nil
}

// appendInts codes vs: whole frames, then the rest as uvarints.
func appendInts(dst []byte, vs []uint64) []byte {
	for len(vs) >= frameLen {
		dst = appendFrame(dst, vs[:frameLen])
		vs = vs[frameLen:]
	}
	for _, v := range vs {
		dst = binary.AppendUvarint(dst, v)
	}
	return dst
}

// readInts decodes len(out) values coded by appendInts (cut to out's
// type) and returns the bytes after them.
func readInts[T uint32 | uint64](b []byte, out []T) ([]byte, error) {
	if len(out) >= frameLen {
		var err error
		if b, err = readFrames(b, out[:len(out)/frameLen*frameLen]); err != nil {
			return nil, err
		}
		out = out[len(out)/frameLen*frameLen:]
	}
	for i := range out {
		v, k := binary.Uvarint(b)
		if k <= 0 {
			return nil, errCorrupt
		}
		out[i] = T(v)
		b = b[k:]
	}
	return b, nil
}

// readFrames decodes whole frames into out (a multiple of frameLen long),
// apart from readInts so that short streams do not zero a frame.
func readFrames[T uint32 | uint64](b []byte, out []T) ([]byte, error) {
	var frame [frameLen]uint64
	var err error
	for ; len(out) > 0; out = out[frameLen:] {
		if b, err = readFrame(b, frame[:]); err != nil {
			return nil, err
		}
		for i, v := range frame {
			out[i] = T(v)
		}
	}
	return b, nil
}
