package redact

import (
	"bytes"
	"context"
	"errors"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"reflect"
	"runtime"
	"slices"
	"strings"
	"testing"
)

// tempFile writes text to a new file and opens it for reading.
func tempFile(t *testing.T, text []byte) *os.File {
	t.Helper()
	p := filepath.Join(t.TempDir(), "in.txt")
	if err := os.WriteFile(p, text, 0o600); err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(p)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close() })
	return f
}

// skipUnlessMapping skips a test of mapping where Stream reads files
// instead (mmap_other.go).
func skipUnlessMapping(t *testing.T) {
	switch runtime.GOOS {
	case "windows", "plan9", "js", "wasip1":
		t.Skip("Stream maps no files on", runtime.GOOS)
	}
}

// TestStreamFileMapped checks that a regular file is mapped where the
// system can map, rather than silently read.
func TestStreamFileMapped(t *testing.T) {
	skipUnlessMapping(t)
	f := tempFile(t, bytes.Repeat([]byte("8.8.8.8\n"), 1000))
	m := mapFile(f, 100)
	if m == nil {
		t.Fatal("a regular file of 8000 bytes was not mapped")
	}
	if err := m.close(0); err != nil {
		t.Fatal(err)
	}
	if mapFile(f, 8000) != nil {
		t.Error("a file no larger than least was mapped")
	}
}

// TestStreamFileEveryBufferSize is TestStreamEveryBufferSize on a file,
// which Stream maps: the output and statistics must be Apply's, from any
// offset the file was left at, and the offset must end at the end.
func TestStreamFileEveryBufferSize(t *testing.T) {
	rnd := rand.New(rand.NewPCG(23, 24))
	text := randText(rnd, 400)
	f := tempFile(t, text)
	ref := newTestRedactor(t, nil)
	maxSize := 300
	if testing.Short() {
		maxSize = 60
	}
	for size := 1; size <= maxSize; size++ {
		off := rnd.IntN(len(text) / 4)
		if size%2 == 0 {
			off = 0
		}
		if _, err := f.Seek(int64(off), io.SeekStart); err != nil {
			t.Fatal(err)
		}
		want, wantSt, err := ref.Apply(nil, text[off:])
		if err != nil {
			t.Fatal(err)
		}
		r := newTestRedactor(t, func(o *Options) { o.BufferSize = size; o.Workers = 1 + size%3 })
		got, st := streamAll(t, r, f)
		if i := firstDiff(got, want); i >= 0 {
			t.Fatalf("buffer %d, offset %d: output differs at byte %d:\n got %q\nwant %q", size, off, i, show(got[i:]), show(want[i:]))
		}
		if !reflect.DeepEqual(st, wantSt) {
			t.Fatalf("buffer %d: stats %+v, want %+v", size, st, wantSt)
		}
		if pos, _ := f.Seek(0, io.SeekCurrent); pos != int64(len(text)) {
			t.Fatalf("buffer %d: file offset %d after Stream, want %d", size, pos, len(text))
		}
	}
}

// TestStreamFileMappingsOutlive reads every Mapping OnToken received
// after Stream has unmapped the file: one that pointed into the mapping
// would fault here. They must be what reading the file reports.
func TestStreamFileMappingsOutlive(t *testing.T) {
	rnd := rand.New(rand.NewPCG(9, 9))
	text := randText(rnd, 20_000)
	collect := func(in io.Reader) []string {
		var ms []string
		r := newTestRedactor(t, func(o *Options) {
			o.BufferSize = 8 << 10
			o.OnToken = func(m Mapping) error {
				ms = append(ms, m.Token+" "+m.Value.Reveal())
				return nil
			}
		})
		streamAll(t, r, in)
		slices.Sort(ms)
		return slices.Compact(ms)
	}
	f := tempFile(t, text)
	mapped := collect(f)
	read := collect(bytes.NewReader(text))
	if len(mapped) == 0 || !slices.Equal(mapped, read) {
		t.Errorf("mapped file gave %d mappings, reading it %d", len(mapped), len(read))
	}
}

// truncWriter truncates a file at its first Write, as another process
// might while Stream maps it.
type truncWriter struct {
	t    *testing.T
	path string
	size int64
	done bool
}

func (w *truncWriter) Write(p []byte) (int, error) {
	if !w.done {
		w.done = true
		if err := os.Truncate(w.path, w.size); err != nil {
			w.t.Error(err)
		}
	}
	return len(p), nil
}

// TestStreamFileTruncated truncates a mapped file while Stream runs: the
// pages past the new end fault, which must be an error and not a crash,
// and Stream must leave nothing reading the mapping behind it.
func TestStreamFileTruncated(t *testing.T) {
	skipUnlessMapping(t)
	text := []byte(strings.Repeat("from 8.8.8.8 to alice@example.com at 10.0.0.1 ok\n", 20_000)) // 1 MB
	for _, size := range []int64{0, 4096, int64(len(text)) / 2} {
		for _, workers := range []int{1, 3} {
			f := tempFile(t, text)
			r := newTestRedactor(t, func(o *Options) { o.BufferSize = 4096; o.Workers = workers })
			_, err := r.Stream(context.Background(), f, &truncWriter{t: t, path: f.Name(), size: size})
			if !errors.Is(err, errShrunk) {
				t.Errorf("truncated to %d with %d workers: error %v, want %v", size, workers, err, errShrunk)
			}
		}
	}
	// The Redactor goes on working after such a failure.
	r := newTestRedactor(t, func(o *Options) { o.BufferSize = 4096 })
	want, _, _ := r.Apply(nil, text)
	got, _ := streamAll(t, r, tempFile(t, text))
	if !bytes.Equal(got, want) {
		t.Error("stream after a truncated file differs from Apply")
	}
}

// TestStreamFileErrors stops a mapped Stream with a write error and an
// OnToken error: Stream waits for its workers before it unmaps the file,
// so it must still return, with the error.
func TestStreamFileErrors(t *testing.T) {
	text := []byte(strings.Repeat("from 8.8.8.8 to alice@example.com at 10.0.0.1 ok\n", 20_000))
	boom := errors.New("disk gone")
	r := newTestRedactor(t, func(o *Options) { o.BufferSize = 4096; o.Workers = 3 })
	if _, err := r.Stream(context.Background(), tempFile(t, text), errWriter{boom}); !errors.Is(err, boom) {
		t.Errorf("write error = %v", err)
	}
	r = newTestRedactor(t, func(o *Options) {
		o.BufferSize = 4096
		o.OnToken = func(Mapping) error { return boom }
	})
	if _, err := r.Stream(context.Background(), tempFile(t, text), io.Discard); !errors.Is(err, boom) {
		t.Errorf("OnToken error = %v", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	r = newTestRedactor(t, func(o *Options) { o.BufferSize = 4096 })
	w := &cancelWriter{cancel: cancel}
	if _, err := r.Stream(ctx, tempFile(t, text), w); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled stream error = %v", err)
	}
}

// cancelWriter cancels a context at its first Write.
type cancelWriter struct{ cancel func() }

func (w *cancelWriter) Write(p []byte) (int, error) {
	w.cancel()
	return len(p), nil
}
