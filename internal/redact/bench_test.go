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
