package search

import (
	"encoding/binary"
	"math"
	"math/rand/v2"
	"slices"
	"testing"
)

// roundTrip codes vs and decodes them back, and checks that decoding
// consumes exactly what was written.
func roundTrip(t *testing.T, vs []uint64) []byte {
	t.Helper()
	b := appendInts([]byte{0xEE}, vs)
	got := make([]uint64, len(vs))
	rest, err := readInts(b[1:], got)
	if err != nil {
		t.Fatalf("readInts(%d values): %v", len(vs), err)
	}
	if len(rest) != 0 {
		t.Fatalf("%d bytes left after %d values", len(rest), len(vs))
	}
	if !slices.Equal(got, vs) {
		t.Fatalf("decoded %v, want %v", got, vs)
	}
	return b[1:]
}

func TestIntsRoundTrip(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	gen := map[string]func(i int) uint64{
		"zeros":       func(int) uint64 { return 0 },
		"small":       func(int) uint64 { return uint64(r.IntN(16)) },
		"one outlier": func(i int) uint64 { return map[bool]uint64{true: 1 << 40, false: 3}[i%128 == 77] },
		"full 64 bit": func(int) uint64 { return r.Uint64() },
		"max":         func(int) uint64 { return math.MaxUint64 },
		"mixed":       func(int) uint64 { return r.Uint64() >> r.IntN(64) },
		"powers":      func(i int) uint64 { return 1 << (i % 64) },
	}
	for name, g := range gen {
		for _, n := range []int{0, 1, 127, 128, 129, 256, 1000} {
			vs := make([]uint64, n)
			for i := range vs {
				vs[i] = g(i)
			}
			b := roundTrip(t, vs)
			if name == "zeros" && n >= 128 && len(b) != n/128+n%128 {
				t.Errorf("%d zeros took %d bytes; want one per frame and one per value left", n, len(b))
			}
		}
	}
}

// A frame is never larger than the same values as uvarints plus its
// header, and an outlier costs an exception, not the frame's width.
func TestFrameWidth(t *testing.T) {
	vs := make([]uint64, frameLen)
	for i := range vs {
		vs[i] = 5
	}
	vs[9] = 1 << 50
	b := appendFrame(nil, vs)
	if b[0] != 3|frameExceptions || b[1] != 1 {
		t.Errorf("header %x %x; want width 3 with one exception", b[0], b[1])
	}
	r := rand.New(rand.NewPCG(3, 4))
	for range 200 {
		var varints int
		for i := range vs {
			vs[i] = r.Uint64() >> r.IntN(64)
			varints += len(binary.AppendUvarint(nil, vs[i]))
		}
		if n := len(appendFrame(nil, vs)); n > varints+1 {
			t.Fatalf("frame of %d bytes; the uvarints take %d", n, varints)
		}
	}
}

func FuzzInts(f *testing.F) {
	f.Add([]byte{1, 2, 3}, uint16(130))
	f.Add([]byte{0x85, 1, 9, 9}, uint16(128))
	f.Fuzz(func(t *testing.T, b []byte, n uint16) {
		// Any input decodes or fails; it never panics.
		out := make([]uint64, n%1024)
		readInts(b, out)
		// Values made from the input round-trip.
		var vs []uint64
		for i := 0; i+8 <= len(b); i += 8 {
			v := binary.LittleEndian.Uint64(b[i:])
			vs = append(vs, v>>(v%64))
		}
		for len(vs) > 0 && len(vs) < 300 {
			vs = append(vs, vs...)
		}
		roundTrip(t, vs)
	})
}

// Values of every length in one frame are cheaper as uvarints.
func TestFrameFallsBackToVarints(t *testing.T) {
	vs := make([]uint64, frameLen)
	for i := range vs {
		vs[i] = 1<<(i%64) | 1
	}
	b := roundTrip(t, vs)
	if b[0] != frameVarints {
		t.Errorf("header %x; want the uvarint frame", b[0])
	}
}

// randomList is a posting list of n documents: ids ascending from 1 (some
// consecutive, some far apart), each with 1-6 ascending positions.
func randomList(r *rand.Rand, n int) (ids []int64, pos [][]uint32) {
	id := int64(0)
	for range n {
		if r.IntN(3) == 0 {
			id++
		} else {
			id += 1 + int64(r.IntN(1<<uint(r.IntN(30))))
		}
		ids = append(ids, id)
		var ps []uint32
		p := uint32(r.IntN(1 << uint(r.IntN(20))))
		for range 1 + r.IntN(6)*r.IntN(2) {
			ps = append(ps, p)
			p += 1 + uint32(r.IntN(1<<uint(r.IntN(16))))
		}
		pos = append(pos, ps)
	}
	return ids, pos
}

func TestPostingsRoundTrip(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	var w postingsWriter
	for _, n := range []int{0, 1, 2, 127, 128, 129, 255, 256, 1000} {
		ids, pos := randomList(r, n)
		w.reset()
		for i, id := range ids {
			w.add(id, pos[i])
		}
		b := w.bytes()
		pl, err := decodePostings(7, b)
		if err != nil {
			t.Fatalf("%d documents: %v", n, err)
		}
		if !slices.Equal(pl.docs, ids) {
			t.Fatalf("%d documents: decoded ids %v, want %v", n, pl.docs, ids)
		}
		for i := range ids {
			got, err := pl.positions(i)
			if err != nil || !slices.Equal(got, pos[i]) || pl.tfs[i] != uint32(len(pos[i])) {
				t.Fatalf("%d documents: document %d positions %v (tf %d), %v; want %v", n, i, got, pl.tfs[i], err, pos[i])
			}
		}
	}
}

func FuzzPostings(f *testing.F) {
	r := rand.New(rand.NewPCG(7, 8))
	var w postingsWriter
	for _, n := range []int{1, 3, 130} {
		ids, pos := randomList(r, n)
		w.reset()
		for i, id := range ids {
			w.add(id, pos[i])
		}
		f.Add(w.bytes())
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		// Decoding any bytes fails or gives documents whose positions
		// decode or fail; it never panics.
		pl, err := decodePostings(1, b)
		if err != nil {
			return
		}
		for i := range pl.docs {
			if _, err := pl.positions(i); err != nil {
				return
			}
		}
	})
}
