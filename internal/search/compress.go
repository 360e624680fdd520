package search

import (
	"fmt"

	"github.com/klauspost/compress/zstd"
)

// A segment's document table and dictionary are compressed with zstd
// before the store seals them: paths, addresses and front-coded terms
// shrink to about half (the dictionary) and a fifth (the document table).
// Posting blocks are not: their bit-packed lists gain well under 1% and
// would cost every query a decompression. Compressing before sealing
// leaks through sizes only to someone who can put chosen text into the
// same blob and watch its sealed size change, again and again (CRIME and
// BREACH need that oracle online); a copy of the workspace shows each
// segment once, written from what the analyst chose to ingest.

// maxTable bounds what a compressed table may expand to, so that a
// damaged one cannot ask for all memory (sealed tables cannot be forged,
// but a bug should fail cleanly).
const maxTable = 4 << 30

func compress(b []byte) []byte {
	enc, err := zstd.NewWriter(nil, zstd.WithEncoderConcurrency(1))
	if err != nil {
		panic(fmt.Sprintf("zstd encoder with fixed options: %v", err))
	}
	defer enc.Close()
	return enc.EncodeAll(b, make([]byte, 0, len(b)/2))
}

func decompress(b []byte) ([]byte, error) {
	dec, err := zstd.NewReader(nil, zstd.WithDecoderConcurrency(1), zstd.WithDecoderMaxMemory(maxTable))
	if err != nil {
		return nil, err
	}
	defer dec.Close()
	out, err := dec.DecodeAll(b, nil)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", errCorrupt, err)
	}
	return out, nil
}
