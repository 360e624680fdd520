package extract

import (
	"bytes"
	"errors"
	"fmt"
	"strings"
	"testing"
)

// emptyFiles7z is a header listing n empty files with one-letter names.
func emptyFiles7z(n int) []byte {
	bools := bytes.Repeat([]byte{0xFF}, (n+7)/8)
	names := bytes.Repeat([]byte{'a', 0, 0, 0}, n)
	return hdr7z(szHeader, szFilesInfo, uint64(n),
		szEmptyStream, uint64(len(bools)), bools,
		szName, uint64(len(names)+1), 0, names,
		szEnd, szEnd)
}

// TestSevenZipMemberCapInHeader: an archive whose compressed header lists
// more files than the member limit (the 9 KB archive listing 30 million
// files) is refused while the header is scanned, before the reader
// allocates an entry per file. The header of 1,000,001 files compresses to
// a few KB; walking it allocates a small fraction of what the entries
// would take.
func TestSevenZipMemberCapInHeader(t *testing.T) {
	const n = DefaultMaxMembers + 1
	data := lzmaEncoded7z(t, emptyFiles7z(n))
	var r *recorder
	alloc := allocDuring(func() { r = walkBytes(t, "many.7z", data, Options{}) })
	d := r.docs[0]
	if !errors.Is(d.err, ErrBomb) || !strings.Contains(fmt.Sprint(d.err), "1000001 files") {
		t.Errorf("error %v, want the member limit", d.err)
	}
	if len(r.docs) != 1 {
		t.Errorf("%d documents reported, want the archive alone", len(r.docs))
	}
	// The decoded header is 4 MB; an entry per file would be hundreds.
	if alloc > 64<<20 {
		t.Errorf("walk of a %d-byte archive allocated %d MiB", len(data), alloc>>20)
	}

	// The limit is the caller's: the same archive under a lower one, and
	// a small one that fits.
	r = walkBytes(t, "some.7z", build7z(nil, emptyFiles7z(20)), Options{MaxMembers: 10})
	if !errors.Is(r.docs[0].err, ErrBomb) {
		t.Errorf("20 files under a limit of 10: %v", r.docs[0].err)
	}
	r = walkBytes(t, "some.7z", build7z(nil, emptyFiles7z(10)), Options{MaxMembers: 10})
	if r.docs[0].err != nil || len(r.docs) != 11 {
		t.Errorf("10 files under a limit of 10: %v, %d docs", r.docs[0].err, len(r.docs))
	}
}
