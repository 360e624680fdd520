package extract

import (
	"bytes"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"antidote/internal/secret"
)

// TestPDFiumLimits: a PDF that needs more memory than the engine's cap,
// or more time than its deadline, ends with ErrBomb and leaves the engine
// usable for the next document.
func TestPDFiumLimits(t *testing.T) {
	manual := readFixture(t, "pdf/bzip2-manual.pdf")
	t.Run("memory", func(t *testing.T) {
		eng := newTestEngines(EngineConfig{PDFMemoryBytes: 48 << 20})
		defer eng.Close()
		// 40 MiB of page content (under the 64 MiB page limit in front)
		// that PDFium must hold inflated, twice: past a 48 MiB cap.
		big := flatePDF("BT /F1 12 Tf 72 712 Td (first page) Tj ET", strings.Repeat("BT /F1 12 Tf 72 712 Td (x) Tj ET\n", 40<<20/34))
		// The ratio limit in front would stop it first: lifted here.
		r := walkBytes(t, "big.pdf", big, Options{Engines: eng, MaxRatio: 1e9})
		if d := r.docs[0]; !errors.Is(d.err, ErrBomb) || !strings.Contains(fmt.Sprint(d.err), "memory limit") || !strings.Contains(d.text, "first page") {
			t.Errorf("past the memory cap: %v, text %q", d.err, d.text)
		}
		// The next document opens in a fresh instance.
		r = walkBytes(t, "small.pdf", makePDF([]string{"after the bomb"}, ""), Options{Engines: eng})
		if r.docs[0].err != nil || !strings.Contains(r.docs[0].text, "after the bomb") {
			t.Errorf("after the bomb: %v %q", r.docs[0].err, r.docs[0].text)
		}
	})
	t.Run("deadline", func(t *testing.T) {
		eng := newTestEngines(EngineConfig{PDFTimeout: time.Nanosecond})
		defer eng.Close()
		r := walkBytes(t, "manual.pdf", manual, Options{Engines: eng})
		if d := r.docs[0]; !errors.Is(d.err, ErrBomb) || !strings.Contains(fmt.Sprint(d.err), "time limit") {
			t.Errorf("past the deadline: %v", d.err)
		}
	})
}

// rawPDF writes a PDF of the given objects (numbered from 1; object 1 is
// the catalog), computing the cross-reference table.
func rawPDF(objs ...string) []byte {
	var b strings.Builder
	b.WriteString("%PDF-1.7\n")
	offs := make([]int, len(objs))
	for i, o := range objs {
		offs[i] = b.Len()
		fmt.Fprintf(&b, "%d 0 obj\n%s\nendobj\n", i+1, o)
	}
	xref := b.Len()
	fmt.Fprintf(&b, "xref\n0 %d\n0000000000 65535 f \n", len(objs)+1)
	for _, o := range offs {
		fmt.Fprintf(&b, "%010d 00000 n \n", o)
	}
	fmt.Fprintf(&b, "trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n", len(objs)+1, xref)
	return []byte(b.String())
}

func stream(dict, data string) string {
	return fmt.Sprintf("<< %s /Length %d >>\nstream\n%s\nendstream", dict, len(data), data)
}

// annotatedPDF has text in a Form XObject, a sticky note, a free-text
// annotation drawn by its appearance stream, and ligatures in a font
// whose ToUnicode maps one glyph to U+FB01.
func annotatedPDF() []byte {
	font := "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>"
	lig := "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /ToUnicode 9 0 R >>"
	return rawPDF(
		"<< /Type /Catalog /Pages 2 0 R >>",
		"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
		"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Resources << /Font << /F1 4 0 R /F2 10 0 R >> /XObject << /X1 5 0 R >> >> /Contents 6 0 R /Annots [7 0 R 8 0 R] >>",
		font,
		stream("/Type /XObject /Subtype /Form /BBox [0 0 612 792] /Resources << /Font << /F1 4 0 R >> >>", "BT /F1 12 Tf 72 600 Td (inside a form xobject) Tj ET"),
		stream("", "BT /F1 12 Tf 72 700 Td (page body text) Tj ET /X1 Do BT /F2 12 Tf 72 500 Td (\\001le) Tj ET"),
		"<< /Type /Annot /Subtype /Text /Rect [300 300 320 320] /Contents (reviewer sticky note) >>",
		"<< /Type /Annot /Subtype /FreeText /Rect [72 400 400 420] /Contents (typed on the page) /DA (/F1 12 Tf 0 g) /AP << /N 11 0 R >> >>",
		stream("", "/CIDInit /ProcSet findresource begin 12 dict begin begincmap /CMapName /L def 1 begincodespacerange <00> <FF> endcodespacerange 1 beginbfchar <01> <FB01> endbfchar endcmap CMapName currentdict /CMap defineresource pop end end"),
		lig,
		stream("/Type /XObject /Subtype /Form /BBox [0 0 328 20] /Resources << /Font << /F1 4 0 R >> >>", "BT /F1 12 Tf 2 5 Td (appearance words) Tj ET"),
	)
}

func TestPDFContentKinds(t *testing.T) {
	r := walkBytes(t, "annotated.pdf", annotatedPDF(), Options{})
	d := r.docs[0]
	if d.err != nil {
		t.Fatal(d.err)
	}
	for _, want := range []string{"page body text", "inside a form xobject", "[annotation] reviewer sticky note", "appearance words", "file"} {
		if !strings.Contains(d.text, want) {
			t.Errorf("text lacks %q: %q", want, d.text)
		}
	}
	if strings.ContainsRune(d.text, 0xFB01) {
		t.Errorf("ligature not folded: %q", d.text)
	}
}

// FuzzPDF feeds mutated PDFs through PDFium; the walk invariants hold and
// nothing panics or hangs.
func FuzzPDF(f *testing.F) {
	f.Add(makePDF([]string{"Hello PDF world", "second"}, ""))
	f.Add(flatePDF("BT /F1 12 Tf 72 712 Td (deflated) Tj ET"))
	f.Add(annotatedPDF())
	f.Add(readFixture(f, "pdf/groff-mom-letter.pdf"))
	// PDFium compiles in seconds: before the first input, whose time the
	// fuzzer bounds.
	walkBytes(f, "warm.pdf", makePDF([]string{"warm"}, ""), Options{})
	f.Fuzz(func(t *testing.T, data []byte) {
		checkWalk(t, "f.pdf", data, fuzzOptions)
	})
}

// TestPDFiumMutations: truncations and flipped bytes of a real PDF and of
// one with forms and annotations keep the walk's invariants (the same
// checks as the fuzzer, over a fixed, reproducible set of mutations).
func TestPDFiumMutations(t *testing.T) {
	for name, data := range map[string][]byte{
		"letter.pdf":    readFixture(t, "pdf/groff-mom-letter.pdf"),
		"annotated.pdf": annotatedPDF(),
	} {
		t.Run(name, func(t *testing.T) {
			for _, cut := range []int{9, len(data) / 3, len(data) / 2, len(data) - 30} {
				checkWalk(t, name, data[:cut], fuzzOptions)
			}
			step := max(1, len(data)/48)
			for i := 0; i < len(data); i += step {
				bad := bytes.Clone(data)
				bad[i] ^= 0x5A
				checkWalk(t, name, bad, fuzzOptions)
			}
		})
	}
}

// TestPDFPasswords: an AES-256 PDF (qpdf) opens with the right password
// among several, and says which problem it has without one.
func TestPDFPasswords(t *testing.T) {
	data := readFixture(t, "pdf-encrypted/letter-aes256.pdf")
	pw := func(ps ...string) (out []secret.String) {
		for _, p := range ps {
			out = append(out, secret.NewString(p))
		}
		return out
	}
	r := walkBytes(t, "locked.pdf", data, Options{Passwords: pw("wrong", "open sesame")})
	if d := r.docs[0]; d.err != nil || !strings.Contains(d.text, "GUILLAUME") {
		t.Errorf("right password: %v %q", d.err, d.text)
	}
	if d := walkBytes(t, "locked.pdf", data, Options{}).docs[0]; !errors.Is(d.err, ErrEncrypted) || d.text != "" {
		t.Errorf("no password: %v %q", d.err, d.text)
	}
	if d := walkBytes(t, "locked.pdf", data, Options{Passwords: pw("wrong")}).docs[0]; !errors.Is(d.err, ErrWrongPassword) || d.text != "" {
		t.Errorf("wrong password: %v %q", d.err, d.text)
	}
}
