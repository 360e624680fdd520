package search

import (
	"os"
	"testing"
)

func benchText(b *testing.B) []byte {
	var text []byte
	for _, f := range []string{"candide.txt", "rashomon.txt", "sunzi.txt", "openssh.log"} {
		t, err := os.ReadFile("testdata/" + f)
		if err != nil {
			b.Fatal(err)
		}
		text = append(text, t...)
	}
	return text
}

func BenchmarkAnalyze(b *testing.B) {
	text := benchText(b)
	b.SetBytes(int64(len(text)))
	for b.Loop() {
		Analyze(text, func(Token) {})
	}
}

func BenchmarkBuild(b *testing.B) {
	text := benchText(b)
	b.SetBytes(int64(len(text)))
	for b.Loop() {
		bl := NewBuilder()
		bl.Add(1, text, Fields{})
		bl.Build(testKey)
	}
}

// BenchmarkDecode decodes every posting list of a segment of the test
// texts, documents and positions: what queries pay per list they read.
func BenchmarkDecode(b *testing.B) {
	text := benchText(b)
	bl := NewBuilder()
	// The texts cut into documents of about 4 KB, as a leak's pages are.
	for i := 0; i*4096 < len(text); i++ {
		bl.Add(int64(i+1), text[i*4096:min(len(text), (i+1)*4096)], Fields{})
	}
	seg := bl.Build(testKey)
	var size int64
	for _, p := range seg.Postings {
		size += int64(len(p))
	}
	b.SetBytes(size)
	for b.Loop() {
		for _, p := range seg.Postings {
			pl, err := decodePostings(1, p)
			if err != nil {
				b.Fatal(err)
			}
			for i := range pl.docs {
				pl.positions(i)
			}
		}
	}
}
