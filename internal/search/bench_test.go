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
