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
	"time"
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

// failAfter passes n bytes of r through, then fails with err.
type failAfter struct {
	r   io.Reader
	n   int
	err error
}

func (f *failAfter) Read(p []byte) (int, error) {
	if f.n <= 0 {
		return 0, f.err
	}
	k, err := f.r.Read(p[:min(len(p), f.n)])
	f.n -= k
	return k, err
}

// writeFails fails its n-th write and every write after it.
type writeFails struct {
	n, calls int
	err      error
}

func (w *writeFails) Write(p []byte) (int, error) {
	w.calls++
	if w.calls >= w.n {
		return 0, w.err
	}
	return len(p), nil
}

// cancelAfter cancels a context at its n-th write.
type cancelAfter struct {
	n, calls int
	cancel   context.CancelFunc
}

func (w *cancelAfter) Write(p []byte) (int, error) {
	if w.calls++; w.calls == w.n {
		w.cancel()
	}
	return len(p), nil
}

// TestStreamStopsOnError fails a stream of many chunks in each way it can
// fail midway, with one and several workers: Stream must return that
// error, not hang or go on, and a later stream on the same Redactor must
// be whole.
func TestStreamStopsOnError(t *testing.T) {
	text := randText(rand.New(rand.NewPCG(7, 7)), 300_000) // several MB, many chunks
	boom := errors.New("boom")
	for _, workers := range []int{1, 2, 4} {
		tokens := 0
		r := newTestRedactor(t, func(o *Options) {
			o.Workers = workers
			o.OnToken = func(Mapping) error {
				if tokens++; tokens == 50 {
					return boom
				}
				return nil
			}
		})
		ctx, cancel := context.WithCancel(context.Background())
		for _, c := range []struct {
			name string
			run  func() error
			want error
		}{
			{"read", func() error {
				_, err := r.Stream(context.Background(), &failAfter{bytes.NewReader(text), len(text) / 2, boom}, io.Discard)
				return err
			}, boom},
			{"write", func() error {
				_, err := r.Stream(context.Background(), bytes.NewReader(text), &writeFails{n: 3, err: boom})
				return err
			}, boom},
			{"OnToken", func() error {
				tokens = 0
				_, err := r.Stream(context.Background(), bytes.NewReader(text), io.Discard)
				return err
			}, boom},
			{"cancel", func() error {
				_, err := r.Stream(ctx, bytes.NewReader(text), &cancelAfter{n: 2, cancel: cancel})
				return err
			}, context.Canceled},
		} {
			done := make(chan error, 1)
			go func() { done <- c.run() }()
			select {
			case err := <-done:
				if !errors.Is(err, c.want) {
					t.Errorf("%d workers, %s error: Stream returned %v", workers, c.name, err)
				}
			case <-time.After(time.Minute):
				t.Fatalf("%d workers, %s error: Stream did not return", workers, c.name)
			}
		}
		tokens = -1 << 30 // OnToken fails no more
		ref := newTestRedactor(t, nil)
		want, _, _ := ref.Apply(nil, text)
		if got, _ := streamAll(t, r, bytes.NewReader(text)); !bytes.Equal(got, want) {
			t.Errorf("%d workers: a stream after the failures differs from Apply", workers)
		}
	}
}
