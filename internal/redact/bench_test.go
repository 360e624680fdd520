package redact

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"

	"antidote/internal/detect"
)

func loghubText(b *testing.B) []byte {
	files, _ := filepath.Glob("testdata/loghub/*.log")
	var all []byte
	for _, f := range files {
		t, err := os.ReadFile(f)
		if err != nil {
			b.Fatal(err)
		}
		all = append(all, t...)
	}
	return all
}

func BenchmarkApplyLoghub(b *testing.B) {
	text := loghubText(b)
	r := newTestRedactor(b, nil)
	b.SetBytes(int64(len(text)))
	var out []byte
	for b.Loop() {
		out, _, _ = r.Apply(out[:0], text)
	}
}

func BenchmarkStreamLoghub(b *testing.B) {
	text := bytes.Repeat(loghubText(b), 8)
	r := newTestRedactor(b, nil)
	b.SetBytes(int64(len(text)))
	defer reportRusage(b)()
	for b.Loop() {
		if _, err := r.Stream(context.Background(), bytes.NewReader(text), io.Discard); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkApplyLoghubNoNames(b *testing.B) {
	text := loghubText(b)
	r := newTestRedactor(b, func(o *Options) { o.Names = nil })
	b.SetBytes(int64(len(text)))
	var out []byte
	for b.Loop() {
		out, _, _ = r.Apply(out[:0], text)
	}
}

func BenchmarkScanOnlyLoghub(b *testing.B) {
	text := loghubText(b)
	r := newTestRedactor(b, func(o *Options) { o.Names = nil })
	b.SetBytes(int64(len(text)))
	var ms []detect.Match
	for b.Loop() {
		ms = r.Scanner().Scan(ms[:0], text)
	}
}

// BenchmarkStreamSmallFiles is the per-file cost of redacting many small
// files: one Stream per 4 KiB piece of the loghub samples.
func BenchmarkStreamSmallFiles(b *testing.B) {
	text := loghubText(b)
	var pieces [][]byte
	for len(text) > 0 {
		n := min(len(text), 4096)
		pieces, text = append(pieces, text[:n]), text[n:]
	}
	r := newTestRedactor(b, func(o *Options) { o.Names = nil })
	b.SetBytes(int64(len(bytes.Join(pieces, nil))))
	for b.Loop() {
		for _, p := range pieces {
			if _, err := r.Stream(context.Background(), bytes.NewReader(p), io.Discard); err != nil {
				b.Fatal(err)
			}
		}
	}
}

// distinctText is identifier-dense text (about one identifier every 25
// bytes) in which most addresses occur once: random IPv4 and MAC
// addresses, which cost a keyed hash, a geo lookup and a cache entry each,
// beside e-mail addresses drawn from a thousand, which the cache serves.
func distinctText(n int) []byte {
	r := rand.New(rand.NewPCG(7, 7))
	var b []byte
	for len(b) < n {
		switch r.IntN(4) {
		case 0:
			b = fmt.Appendf(b, "%d.%d.%d.%d ", r.IntN(256), r.IntN(256), r.IntN(256), r.IntN(256))
		case 1:
			b = fmt.Appendf(b, "%02x:%02x:%02x:%02x:%02x:%02x ", r.IntN(256), r.IntN(256), r.IntN(256), r.IntN(256), r.IntN(256), r.IntN(256))
		case 2:
			b = fmt.Appendf(b, "user%d@example.com ", r.IntN(1000))
		default:
			b = append(b, "the quick brown fox "...)
		}
	}
	return b
}

// BenchmarkRedactDistinct is one of Stream's workers, without OnToken, on
// text of more distinct values than its cache holds.
func BenchmarkRedactDistinct(b *testing.B) {
	text := distinctText(4 << 20)
	w := newTestRedactor(b, func(o *Options) { o.Names = nil }).newWorker()
	b.SetBytes(int64(len(text)))
	b.ReportAllocs()
	var out []byte
	for b.Loop() {
		out = w.redact(out[:0], text, &tally{}, nil)
	}
}

// BenchmarkBody is the keyed hash of one short value: crypto/hmac, which
// restores the key's saved pad states, and two SHA-256 blocks.
func BenchmarkBody(b *testing.B) {
	p := newPseudonymizer(testKey(b, 1))
	for b.Loop() {
		p.body(detect.MAC, []byte("00:1a:2b:3c:4d:5e"))
	}
}
