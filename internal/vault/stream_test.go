package vault

import (
	"bytes"
	"errors"
	"io"
	"testing"
	"testing/iotest"

	"golang.org/x/crypto/chacha20poly1305"
)

// smallChunk makes chunk boundaries cheap to reach; the format does not record
// the chunk size, so the logic under test is the same as at 64 KiB.
const smallChunk = 16

func pattern(n int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(i*7 + i/251)
	}
	return b
}

func sealStream(t testing.TB, s *Sealer, pt, ad []byte, chunk int) []byte {
	t.Helper()
	var buf bytes.Buffer
	w, err := s.newWriter(&buf, ad, chunk)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.Write(pt); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func openStream(s *Sealer, ct, ad []byte, chunk int) ([]byte, error) {
	r, err := s.newReader(bytes.NewReader(ct), ad, chunk)
	if err != nil {
		return nil, err
	}
	return io.ReadAll(r)
}

// encLen is the sealed length of n plaintext bytes.
func encLen(n, chunk int) int {
	chunks := max((n+chunk-1)/chunk, 1)
	return streamHeaderLen + n + chunks*chacha20poly1305.Overhead
}

func TestStreamRoundTrip(t *testing.T) {
	s := testKeys(t).Sealer("blob")
	for _, n := range []int{
		0,                  // empty plaintext: one empty final chunk
		1,                  // one short chunk
		smallChunk - 1,     // just under a chunk
		smallChunk,         // exactly one chunk: a full final chunk
		smallChunk + 1,     // one full chunk and one byte
		3 * smallChunk,     // exact multiple
		3*smallChunk + 5,   // several chunks and a short tail
		100*smallChunk + 7, // many chunks
	} {
		pt := pattern(n)
		ct := sealStream(t, s, pt, []byte("doc"), smallChunk)
		if len(ct) != encLen(n, smallChunk) {
			t.Fatalf("n=%d: sealed length %d, want %d", n, len(ct), encLen(n, smallChunk))
		}
		got, err := openStream(s, ct, []byte("doc"), smallChunk)
		if err != nil {
			t.Fatalf("n=%d: %v", n, err)
		}
		if !bytes.Equal(got, pt) {
			t.Fatalf("n=%d: plaintext changed", n)
		}
	}
}

// TestStreamRealChunkSize runs the exported API at 64 KiB chunks around the
// boundaries, with writes and reads in awkward sizes.
func TestStreamRealChunkSize(t *testing.T) {
	s := testKeys(t).Sealer("blob")
	for _, n := range []int{0, 1, StreamChunkSize - 1, StreamChunkSize, StreamChunkSize + 1, 2 * StreamChunkSize, 3*StreamChunkSize + 1000} {
		pt := pattern(n)
		var buf bytes.Buffer
		w, err := s.NewWriter(&buf, []byte("f"))
		if err != nil {
			t.Fatal(err)
		}
		// Write in pieces of 1000 bytes, crossing chunk boundaries mid-write.
		for rest := pt; len(rest) > 0; {
			m := min(1000, len(rest))
			if k, err := w.Write(rest[:m]); err != nil || k != m {
				t.Fatalf("Write = %d, %v", k, err)
			}
			rest = rest[m:]
		}
		if err := w.Close(); err != nil {
			t.Fatal(err)
		}
		if buf.Len() != encLen(n, StreamChunkSize) {
			t.Fatalf("n=%d: sealed length %d, want %d", n, buf.Len(), encLen(n, StreamChunkSize))
		}
		r, err := s.NewReader(iotest.HalfReader(&buf), []byte("f"))
		if err != nil {
			t.Fatal(err)
		}
		got, err := io.ReadAll(iotest.OneByteReader(r))
		if err != nil || !bytes.Equal(got, pt) {
			t.Fatalf("n=%d: round trip failed: %v", n, err)
		}
	}
}

// TestStreamTruncation cuts a sealed stream at every byte, including every
// chunk boundary, and expects ErrTampered each time.
func TestStreamTruncation(t *testing.T) {
	s := testKeys(t).Sealer("blob")
	for _, n := range []int{0, 5, smallChunk, 4 * smallChunk, 4*smallChunk + 3} {
		ct := sealStream(t, s, pattern(n), nil, smallChunk)
		for cut := 0; cut < len(ct); cut++ {
			got, err := openStream(s, ct[:cut], nil, smallChunk)
			if !errors.Is(err, ErrTampered) {
				t.Fatalf("n=%d cut at %d of %d: error %v, want ErrTampered", n, cut, len(ct), err)
			}
			// Whatever was released before the error authenticated: it is a
			// prefix of the plaintext.
			if !bytes.HasPrefix(pattern(n), got) {
				t.Fatalf("n=%d cut at %d: released bytes that are not plaintext", n, cut)
			}
		}
	}
}

func TestStreamTampering(t *testing.T) {
	s := testKeys(t).Sealer("blob")
	pt := pattern(4*smallChunk + 3)
	ct := sealStream(t, s, pt, []byte("doc 1"), smallChunk)
	enc := smallChunk + chacha20poly1305.Overhead
	chunk := func(i int) []byte { // sealed chunk i (the last is short)
		start := streamHeaderLen + i*enc
		return ct[start:min(start+enc, len(ct))]
	}
	join := func(parts ...[]byte) []byte { return bytes.Join(parts, nil) }
	header := ct[:streamHeaderLen]
	other := sealStream(t, s, pt, []byte("doc 1"), smallChunk)

	cases := []struct {
		name string
		ct   []byte
		ad   []byte
		want error
	}{
		{"wrong ad: file moved to another document", ct, []byte("doc 2"), ErrTampered},
		{"two middle chunks swapped", join(header, chunk(0), chunk(2), chunk(1), chunk(3), chunk(4)), nil, ErrTampered},
		{"a middle chunk dropped", join(header, chunk(0), chunk(2), chunk(3), chunk(4)), nil, ErrTampered},
		{"a chunk repeated", join(header, chunk(0), chunk(0), chunk(1), chunk(2), chunk(3), chunk(4)), nil, ErrTampered},
		{"final chunk dropped: ends on a chunk boundary", join(header, chunk(0), chunk(1), chunk(2), chunk(3)), nil, ErrTampered},
		{"trailing garbage after the final chunk", join(ct, []byte("x")), nil, ErrTampered},
		{"a whole extra chunk appended", join(ct, chunk(1)), nil, ErrTampered},
		{"chunk spliced from another sealing of the same file", join(other[:streamHeaderLen+enc], chunk(1), chunk(2), chunk(3), chunk(4)), nil, ErrTampered},
		{"header salt changed", join([]byte{streamVersion}, bytes.Repeat([]byte{0}, streamSaltLen), ct[streamHeaderLen:]), nil, ErrTampered},
		{"unknown version", join([]byte{2}, ct[1:]), nil, ErrUnsupportedVersion},
		{"empty input: no header", nil, nil, ErrTampered},
		{"header only", header, nil, ErrTampered},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			ad := c.ad
			if ad == nil {
				ad = []byte("doc 1")
			}
			_, err := openStream(s, c.ct, ad, smallChunk)
			if !errors.Is(err, c.want) {
				t.Fatalf("error %v, want %v", err, c.want)
			}
		})
	}
	// Every single-bit flip is caught.
	for i := range ct {
		c := bytes.Clone(ct)
		c[i] ^= 0x80
		if _, err := openStream(s, c, []byte("doc 1"), smallChunk); err == nil {
			t.Fatalf("flipping byte %d went unnoticed", i)
		}
	}
}

// TestStreamEmptyFinalChunk builds, with the writer's own key, a stream whose
// full last chunk is followed by an empty final chunk, which the writer never
// produces; the reader rejects it so each plaintext has one encoding.
func TestStreamEmptyFinalChunk(t *testing.T) {
	s := testKeys(t).Sealer("blob")
	var buf bytes.Buffer
	w, err := s.newWriter(&buf, nil, smallChunk)
	if err != nil {
		t.Fatal(err)
	}
	w.Write(pattern(smallChunk))
	if err := w.flush(false); err != nil {
		t.Fatal(err)
	}
	if err := w.flush(true); err != nil {
		t.Fatal(err)
	}
	if _, err := openStream(s, buf.Bytes(), nil, smallChunk); !errors.Is(err, ErrTampered) {
		t.Fatalf("error %v, want ErrTampered", err)
	}
}

type failWriter struct{ after int }

var errDisk = errors.New("disk full")

func (f *failWriter) Write(p []byte) (int, error) {
	if f.after <= 0 {
		return 0, errDisk
	}
	f.after--
	return len(p), nil
}

func TestStreamWriterErrors(t *testing.T) {
	s := testKeys(t).Sealer("blob")
	if _, err := s.NewWriter(&failWriter{}, nil); !errors.Is(err, errDisk) {
		t.Fatalf("header write failure: %v", err)
	}
	w, err := s.newWriter(&failWriter{after: 1}, nil, smallChunk)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.Write(pattern(3 * smallChunk)); !errors.Is(err, errDisk) {
		t.Fatalf("chunk write failure: %v", err)
	}
	if _, err := w.Write([]byte("x")); !errors.Is(err, errDisk) {
		t.Fatal("a failed writer accepted more data")
	}
	if err := w.Close(); !errors.Is(err, errDisk) {
		t.Fatalf("Close after failure: %v", err)
	}

	w2, _ := s.NewWriter(io.Discard, nil)
	if err := w2.Close(); err != nil {
		t.Fatal(err)
	}
	if err := w2.Close(); err != nil {
		t.Fatalf("second Close: %v", err)
	}
	if _, err := w2.Write([]byte("x")); err == nil {
		t.Fatal("Write after Close succeeded")
	}
}

func TestStreamReaderPassesIOErrors(t *testing.T) {
	s := testKeys(t).Sealer("blob")
	ct := sealStream(t, s, pattern(3*smallChunk), nil, smallChunk)
	r, err := s.newReader(io.MultiReader(bytes.NewReader(ct[:streamHeaderLen+10]), iotest.ErrReader(errDisk)), nil, smallChunk)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := io.ReadAll(r); !errors.Is(err, errDisk) || errors.Is(err, ErrTampered) {
		t.Fatalf("error %v, want the I/O error, not ErrTampered", err)
	}
}

// TestStreamConstantMemory checks that sealing and opening a large stream
// allocates a bounded amount regardless of its size.
func TestStreamConstantMemory(t *testing.T) {
	s := testKeys(t).Sealer("blob")
	block := make([]byte, 32<<10)
	allocs := func(size int) float64 {
		return testing.AllocsPerRun(2, func() {
			pr, pw := io.Pipe()
			go func() {
				w, _ := s.NewWriter(pw, nil)
				for n := 0; n < size; n += len(block) {
					w.Write(block)
				}
				pw.CloseWithError(w.Close())
			}()
			r, err := s.NewReader(pr, nil)
			if err != nil {
				panic(err)
			}
			io.CopyBuffer(io.Discard, r, make([]byte, 32<<10))
		})
	}
	small, big := allocs(1<<20), allocs(16<<20)
	if big > small+8 {
		t.Fatalf("allocations grow with size: %v for 1 MiB, %v for 16 MiB", small, big)
	}
}
