package redact

import (
	"bytes"
	"context"
	"io"
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
