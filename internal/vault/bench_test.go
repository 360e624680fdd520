package vault

import (
	"bytes"
	"io"
	"testing"
)

func benchmarkSeal(b *testing.B, size int) {
	s := testKeys(b).Sealer("blob")
	pt := make([]byte, size)
	ad := []byte("documents/123")
	b.SetBytes(int64(size))
	b.ReportAllocs()
	for b.Loop() {
		s.Seal(pt, ad)
	}
}

func BenchmarkSeal1KiB(b *testing.B)  { benchmarkSeal(b, 1<<10) }
func BenchmarkSeal64KiB(b *testing.B) { benchmarkSeal(b, 64<<10) }

func BenchmarkOpen1KiB(b *testing.B) {
	s := testKeys(b).Sealer("blob")
	ct := s.Seal(make([]byte, 1<<10), nil)
	b.SetBytes(1 << 10)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := s.Open(ct, nil); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkStreamWriter reports sealing throughput (MB/s) for an 8 MiB file
// written in 32 KiB pieces, as io.Copy does.
func BenchmarkStreamWriter(b *testing.B) {
	s := testKeys(b).Sealer("blob")
	const size = 8 << 20
	block := make([]byte, 32<<10)
	b.SetBytes(size)
	b.ReportAllocs()
	for b.Loop() {
		w, err := s.NewWriter(io.Discard, nil)
		if err != nil {
			b.Fatal(err)
		}
		for n := 0; n < size; n += len(block) {
			w.Write(block)
		}
		if err := w.Close(); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkStreamReader reports opening throughput for the same file.
func BenchmarkStreamReader(b *testing.B) {
	s := testKeys(b).Sealer("blob")
	const size = 8 << 20
	var buf bytes.Buffer
	w, _ := s.NewWriter(&buf, nil)
	w.Write(make([]byte, size))
	w.Close()
	ct := buf.Bytes()
	block := make([]byte, 32<<10)
	b.SetBytes(size)
	b.ReportAllocs()
	for b.Loop() {
		r, err := s.NewReader(bytes.NewReader(ct), nil)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := io.CopyBuffer(io.Discard, r, block); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkUnlockInsecureKDF measures the key file path without KDF cost.
func BenchmarkUnlockInsecureKDF(b *testing.B) {
	kf, _, _, err := NewKeyFile(pass1, InsecureKDF(), 0, 0)
	if err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		if _, err := kf.Unlock(pass1); err != nil {
			b.Fatal(err)
		}
	}
}
