package geo

import (
	"encoding/binary"
	"fmt"
	"hash/crc32"
	"io"
)

// maxSize bounds a dataset read from outside, so that a hostile one cannot
// exhaust memory.
const maxSize = 1 << 30

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// Decode reads a dataset written by Encode, checks its checksum and
// validates all of it, so that lookups in the returned DB read only what
// Encode wrote.
func Decode(r io.Reader) (*DB, error) {
	b, err := io.ReadAll(io.LimitReader(r, maxSize+1))
	if err != nil {
		return nil, fmt.Errorf("geo: read dataset: %w", err)
	}
	if len(b) > maxSize {
		return nil, fmt.Errorf("%w: larger than %d bytes", ErrCorrupt, maxSize)
	}
	if err := checkSum(b); err != nil {
		return nil, err
	}
	s := string(b)
	if err := validate(s); err != nil {
		return nil, err
	}
	return parse(s)
}

// checkSum checks the CRC-32C trailer of the dataset b.
func checkSum(b []byte) error {
	if len(b) < trailerLen {
		return fmt.Errorf("%w: too short", ErrCorrupt)
	}
	n := len(b) - trailerLen
	if crc32.Checksum(b[:n], castagnoli) != binary.LittleEndian.Uint32(b[n:]) {
		return fmt.Errorf("%w: checksum mismatch", ErrCorrupt)
	}
	return nil
}
