package extract

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode"

	"golang.org/x/text/unicode/norm"
)

// words splits text into lower-cased words of letters and digits, folded
// by NFKC, counted.
func words(text string) map[string]int {
	m := map[string]int{}
	for _, w := range strings.FieldsFunc(norm.NFKC.String(text), func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsNumber(r) }) {
		m[strings.ToLower(w)]++
	}
	return m
}

// overlap counts the words two bags share, with multiplicity.
func overlap(a, b map[string]int) (common, na, nb int) {
	for w, n := range a {
		common += min(n, b[w])
		na += n
	}
	for _, n := range b {
		nb += n
	}
	return common, na, nb
}

// TestPDFQuality measures antidote's PDF text against poppler's pdftotext
// over real PDFs from Debian's documentation packages (pdfTeX, gropdf,
// Ghostscript, cairo producers; see testdata/pdf/README): word recall and
// precision, with the reference texts committed beside the files.
func TestPDFQuality(t *testing.T) {
	files, err := filepath.Glob("testdata/pdf/*.pdf")
	if err != nil || len(files) < 8 {
		t.Fatalf("testdata/pdf: %d files, %v", len(files), err)
	}
	var common, ours, ref int
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		want, err := os.ReadFile(strings.TrimSuffix(f, ".pdf") + ".pdftotext.txt")
		if err != nil {
			t.Fatal(err)
		}
		r := walkBytes(t, filepath.Base(f), data, Options{})
		d := r.docs[0]
		// With OCR off, a scan is read but reported: that is the only
		// error allowed, and only where pdftotext finds no text either.
		if d.err != nil && !(errors.Is(d.err, ErrUnsupported) && len(bytes.TrimSpace(want)) == 0) {
			t.Errorf("%s: %v", f, d.err)
		}
		c, nr, no := overlap(words(string(want)), words(d.text))
		common, ref, ours = common+c, ref+nr, ours+no
		if nr == 0 {
			if no != 0 {
				t.Errorf("%s: %d words where pdftotext has none", f, no)
			}
			continue
		}
		recall, precision := float64(c)/float64(nr), float64(c)/float64(max(no, 1))
		t.Logf("%-28s words %6d/%6d  recall %.3f  precision %.3f", filepath.Base(f), no, nr, recall, precision)
		if recall < 0.9 || precision < 0.9 {
			t.Errorf("%s: recall %.3f precision %.3f, want both >= 0.9", f, recall, precision)
		}
		if pages := strings.Count(string(want), "\f"); strings.Count(d.text, "\f") != pages-1 {
			t.Errorf("%s: %d page breaks, want %d", f, strings.Count(d.text, "\f"), pages-1)
		}
	}
	recall, precision := float64(common)/float64(ref), float64(common)/float64(ours)
	t.Logf("all: recall %.4f precision %.4f over %d reference words", recall, precision, ref)
	if recall < 0.95 || precision < 0.95 {
		t.Errorf("PDF word recall %.4f precision %.4f against pdftotext, want >= 0.95", recall, precision)
	}
}
