package redact

import (
	"bytes"
	"context"
	"errors"
	"io"
	"math/rand/v2"
	"reflect"
	"strings"
	"testing"
	"testing/iotest"
)

// chunkReader returns at most n bytes per Read, so that reads end at every
// possible offset.
type chunkReader struct {
	b []byte
	n int
}

func (c *chunkReader) Read(p []byte) (int, error) {
	if len(c.b) == 0 {
		return 0, io.EOF
	}
	k := min(len(p), c.n, len(c.b))
	copy(p, c.b[:k])
	c.b = c.b[k:]
	return k, nil
}

func streamAll(t *testing.T, r *Redactor, in io.Reader) ([]byte, Stats) {
	t.Helper()
	var out bytes.Buffer
	st, err := r.Stream(context.Background(), in, &out)
	if err != nil {
		t.Fatal(err)
	}
	return out.Bytes(), st
}

// TestStreamEveryBufferSize redacts one text with every buffer size from
// 1 to 300 bytes and every read size up to it, and wants exactly what
// Apply gives on the whole text, statistics included.
func TestStreamEveryBufferSize(t *testing.T) {
	rnd := rand.New(rand.NewPCG(21, 22))
	text := randText(rnd, 400)
	ref := newTestRedactor(t, nil)
	want, wantSt, err := ref.Apply(nil, text)
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Equal(want, text) {
		t.Fatal("test text has nothing to redact")
	}
	maxSize := 300
	if testing.Short() {
		maxSize = 60
	}
	for size := 1; size <= maxSize; size++ {
		r := newTestRedactor(t, func(o *Options) { o.BufferSize = size; o.Workers = 1 + size%3 })
		readSize := 1 + rnd.IntN(size)
		got, st := streamAll(t, r, &chunkReader{text, readSize})
		if !bytes.Equal(got, want) {
			i := 0
			for i < len(got) && i < len(want) && got[i] == want[i] {
				i++
			}
			t.Fatalf("buffer %d, reads of %d: output differs at byte %d:\n got %q\nwant %q", size, readSize, i, show(got[i:]), show(want[i:]))
		}
		if !reflect.DeepEqual(st, wantSt) {
			t.Fatalf("buffer %d: stats %+v, want %+v", size, st, wantSt)
		}
	}
}

// TestStreamStraddling puts each identifier across a read boundary at
// every offset within it.
func TestStreamStraddling(t *testing.T) {
	ref := newTestRedactor(t, nil)
	for _, id := range []string{"8.8.8.8", "2001:4860:4860::8888", "alice@example.com", "00:1a:2b:3c:4d:5e", "Alice  Martin", "password=hunter2hunter2",
		"-----BEGIN RSA PRIVATE KEY-----\nMIIBOgIBAAJBAKj34GkxFhD90vcNLYLInFEX6Ppy1tPf9Cnzj4p4WGeKLs1Pt8Qu\n-----END RSA PRIVATE KEY-----"} {
		for pre := 1; pre < 40; pre++ {
			text := []byte(strings.Repeat("x", pre-1) + " " + id + " tail\n")
			want, _, _ := ref.Apply(nil, text)
			for _, size := range []int{pre, pre + 1, pre + len(id)/2, pre + len(id) - 1} {
				r := newTestRedactor(t, func(o *Options) { o.BufferSize = size })
				got, _ := streamAll(t, r, iotest.OneByteReader(bytes.NewReader(text)))
				if !bytes.Equal(got, want) {
					t.Fatalf("%q after %d bytes, buffer %d:\n got %q\nwant %q", id, pre, size, got, want)
				}
			}
		}
	}
}

// TestStreamForcedCut feeds a line far longer than the buffer with no
// space in it, so that Stream must cut without a safe point, and checks
// that the identifiers near the cuts are all redacted.
func TestStreamForcedCut(t *testing.T) {
	var b bytes.Buffer
	for b.Len() < 600<<10 {
		b.WriteString("abc,8.8.8.8,alice@example.com;00:1a:2b:3c:4d:5e;")
	}
	b.WriteString("\n")
	text := b.Bytes()
	ref := newTestRedactor(t, nil)
	want, wantSt, _ := ref.Apply(nil, text)
	r := newTestRedactor(t, func(o *Options) { o.BufferSize = 4096 })
	got, st := streamAll(t, r, bytes.NewReader(text))
	if !bytes.Equal(got, want) {
		t.Errorf("forced cuts changed the output (%d vs %d bytes)", len(got), len(want))
	}
	if st.Redacted != wantSt.Redacted {
		t.Errorf("redacted %d, want %d", st.Redacted, wantSt.Redacted)
	}
}

func TestStreamEmptyAndErrors(t *testing.T) {
	r := newTestRedactor(t, nil)
	got, st := streamAll(t, r, strings.NewReader(""))
	if len(got) != 0 || st.Bytes != 0 {
		t.Errorf("empty input gave %q, %+v", got, st)
	}
	boom := errors.New("disk gone")
	if _, err := r.Stream(context.Background(), iotest.ErrReader(boom), io.Discard); !errors.Is(err, boom) {
		t.Errorf("read error = %v", err)
	}
	if _, err := r.Stream(context.Background(), strings.NewReader("8.8.8.8\n"), errWriter{boom}); !errors.Is(err, boom) {
		t.Errorf("write error = %v", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := r.Stream(ctx, strings.NewReader("8.8.8.8\n"), io.Discard); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled stream error = %v", err)
	}
}

type errWriter struct{ err error }

func (e errWriter) Write([]byte) (int, error) { return 0, e.err }

// TestStreamLarge streams many megabytes through small buffers with
// several workers and compares with Apply.
func TestStreamLarge(t *testing.T) {
	rnd := rand.New(rand.NewPCG(5, 5))
	text := randText(rnd, 200_000)
	ref := newTestRedactor(t, nil)
	want, wantSt, _ := ref.Apply(nil, text)
	// The default buffer is cut into smaller chunks (maxChunk) than it
	// holds.
	for _, size := range []int{64 << 10, 0} {
		r := newTestRedactor(t, func(o *Options) { o.BufferSize = size; o.Workers = 4 })
		got, st := streamAll(t, r, bytes.NewReader(text))
		if !bytes.Equal(got, want) || !reflect.DeepEqual(st, wantSt) {
			t.Errorf("buffer %d: large stream differs from Apply", size)
		}
	}
}
