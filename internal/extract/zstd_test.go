package extract

import (
	"bytes"
	"errors"
	"strings"
	"testing"

	"github.com/klauspost/compress/zstd"
)

func zstdBytes(t testing.TB, data []byte) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw, err := zstd.NewWriter(&buf)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := zw.Write(data); err != nil {
		t.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func TestZstd(t *testing.T) {
	r := walkBytes(t, "notes.txt.zst", zstdBytes(t, []byte("zstd compressed notes")), Options{})
	checkDocs(t, r, []want{{path: "notes.txt.zst", mediaType: mtZstd}, {path: "notes.txt.zst!/notes.txt", contains: []string{"zstd compressed notes"}}})

	r = walkBytes(t, "dump.tar.zst", zstdBytes(t, makeTar(t, f("a/b.txt", "inside a tarball"))), Options{})
	checkDocs(t, r, []want{{path: "dump.tar.zst!/a/b.txt", contains: []string{"inside a tarball"}}})

	// A bomb: 64 MiB of zeros in a few KiB stops at the ratio limit.
	bomb := zstdBytes(t, make([]byte, 64<<20))
	r = walkBytes(t, "z.zst", bomb, Options{})
	if !errors.Is(r.docs[0].err, ErrBomb) {
		t.Errorf("zstd bomb of %d bytes: %v", len(bomb), r.docs[0].err)
	}

	// Damage is reported, and what came before it kept.
	good := zstdBytes(t, []byte(strings.Repeat("readable line\n", 1000)))
	r = walkBytes(t, "cut.txt.zst", good[:len(good)-8], Options{})
	for _, d := range r.docs {
		if d.err == nil {
			continue
		}
		if !errors.Is(d.err, ErrCorrupt) {
			t.Errorf("%s: %v", d.display, d.err)
		}
	}
	if len(r.docs) < 2 || r.docs[1].err == nil {
		t.Errorf("truncated zstd not reported: %d docs", len(r.docs))
	}
}
