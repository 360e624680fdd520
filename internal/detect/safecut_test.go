package detect

import (
	"bytes"
	"math/rand/v2"
	"strings"
	"testing"
)

// pemText builds a long buffer of log lines, long lines without a break,
// and private-key blocks (whole, without an END line, cut short), so that
// blocks lie across the point where SafeCut's tail search starts.
func pemText(r *rand.Rand, size int) []byte {
	var b bytes.Buffer
	body := func(lines int) {
		for range lines {
			b.WriteString(strings.Repeat("QUJDRA", 10))
			b.WriteString("ab\n")
		}
	}
	for b.Len() < size {
		switch r.IntN(7) {
		case 6:
			// A BEGIN line inside a block: the outer block ends at the
			// inner one's END line.
			b.WriteString("-----BEGIN RSA PRIVATE KEY-----\n")
			body(r.IntN(500))
			b.WriteString("-----BEGIN EC PRIVATE KEY-----\n")
			body(r.IntN(500))
			b.WriteString("-----END EC PRIVATE KEY-----")
			if r.IntN(2) == 0 {
				b.WriteString("\n")
			}
		case 0:
			b.WriteString("-----BEGIN RSA PRIVATE KEY-----\n")
			body(r.IntN(1100))
			b.WriteString("-----END RSA PRIVATE KEY-----\n")
		case 1:
			b.WriteString("-----BEGIN OPENSSH PRIVATE KEY-----\n")
			body(r.IntN(1100)) // no END line
		case 2:
			b.WriteString(strings.Repeat("word 8.8.8.8 x ", 1+r.IntN(1500)))
		default:
			for range 1 + r.IntN(200) {
				b.WriteString("Dec 10 sshd[24]: Failed password for root from 187.141.143.180 port 22 - - -\n")
			}
		}
	}
	return b.Bytes()
}

// TestSafeCutTailAgreesWithWhole checks that looking for private-key
// blocks in the tail of a long buffer gives the cut that looking in the
// whole buffer gives, for buffers ending anywhere.
func TestSafeCutTailAgreesWithWhole(t *testing.T) {
	s, err := New(Options{})
	if err != nil {
		t.Fatal(err)
	}
	r := rand.New(rand.NewPCG(15, 2026))
	tailDecided := 0
	for range 60 {
		text := pemText(r, 3*pemSpan)
		for range 8 {
			end := pemSpan + safeCutTail + r.IntN(len(text)-pemSpan-safeCutTail)
			buf := text[:end]
			want, _ := s.safeCut(buf, 0)
			if got := s.SafeCut(buf); got != want {
				t.Fatalf("buffer of %d bytes: SafeCut %d, searching the whole buffer %d", end, got, want)
			}
			if _, ok := s.safeCut(buf, len(buf)-pemSpan-safeCutTail); ok {
				tailDecided++
			}
		}
	}
	if tailDecided == 0 {
		t.Error("the tail search never decided a cut: the test does not reach it")
	}
}

// TestSafeCutBlockBeforeTail is the case the tail search cannot decide:
// a block without an END line fills the tail, so the cut falls before
// it, in a whole block that starts before the tail search does.
func TestSafeCutBlockBeforeTail(t *testing.T) {
	s, err := New(Options{})
	if err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	b.WriteString(strings.Repeat("x 8.8.8.8\n", 4000))
	b.WriteString("-----BEGIN RSA PRIVATE KEY-----\n")
	for b.Len() < 40000+maxPEM-2000 {
		b.WriteString(strings.Repeat("QUJDRA", 10) + "\n")
	}
	b.WriteString("-----END RSA PRIVATE KEY-----\n")
	open := b.Len()
	b.WriteString("-----BEGIN RSA PRIVATE KEY-----\n")
	for b.Len() < open+maxPEM-100 {
		b.WriteString(strings.Repeat("QUJDRA", 10) + "\n")
	}
	text := b.Bytes()
	if got := s.SafeCut(text); got != open {
		t.Errorf("SafeCut = %d, want %d, the end of the whole block before the open one", got, open)
	}
}
