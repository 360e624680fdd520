package extract

import (
	"bytes"
	"errors"
	"fmt"
	"strings"
	"testing"
)

// flatePDF is a PDF with one page per content, each content stream
// deflated.
func flatePDF(contents ...string) []byte { return buildPDF(contents, true, "") }

// xrefStreamPDF is a PDF whose cross-reference stream has the given
// dictionary entries.
func xrefStreamPDF(entries string) []byte {
	head := "%PDF-1.5\n"
	return []byte(fmt.Sprintf("%s1 0 obj\n<< /Type /XRef %s /W [1 2 1] /Length 0 >>\nstream\n\nendstream\nendobj\nstartxref\n%d\n%%%%EOF\n", head, entries, len(head)))
}

func TestPDFHostile(t *testing.T) {
	text := "BT /F1 12 Tf 72 712 Td (page text) Tj ET"
	plain := makePDF([]string{"Hello PDF world"}, "")
	// A second xref subsection numbering objects from 2^26: the reader
	// allocates 2 GiB of table for it.
	farSubsection := bytes.Replace(plain, []byte("trailer"), []byte("67108864 1\n0000000009 00000 n \ntrailer"), 1)
	tests := []struct {
		name   string // test case
		data   []byte
		err    error
		reason string
		text   string // kept from the pages before a limit
	}{
		{"far xref subsection", farSubsection, ErrCorrupt, "numbers object", ""},
		// An xref stream of /Size 2^26: allocated at once.
		{"xref stream size", xrefStreamPDF("/Size 67108864"), ErrCorrupt, "numbers object", ""},
		{"xref stream index", xrefStreamPDF("/Size 5 /Index [67108860 4]"), ErrCorrupt, "numbers object", ""},
		// A page whose 100 MiB of content deflates to 100 KiB.
		{"page content bomb", flatePDF(text, "BT /F1 12 Tf 72 712 Td ("+strings.Repeat("A", 100<<20)+") Tj ET"), ErrBomb, "content over 64 MiB", "page text"},
		// Pages of 12 MiB each: each allowed, together past the budget
		// of a file this small.
		{"pages together", flatePDF(text, strings.Repeat(" ", 12<<20), strings.Repeat(" ", 12<<20), strings.Repeat(" ", 12<<20)), ErrBomb, "expansion limit", "page text"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var r *recorder
			n := allocDuring(func() { r = walkBytes(t, "x.pdf", tc.data, Options{}) })
			d := r.docs[0]
			if !errors.Is(d.err, tc.err) || !strings.Contains(fmt.Sprint(d.err), tc.reason) || !strings.Contains(d.text, tc.text) {
				t.Errorf("error %v text %q, want %v %q and %q", d.err, d.text, tc.err, tc.reason, tc.text)
			}
			if n > 64<<20 {
				t.Errorf("walk of %d bytes allocated %d MiB", len(tc.data), n>>20)
			}
		})
	}
	// The xref of a well-formed file passes.
	if err := checkPDFCounts(bytes.NewReader(plain), int64(len(plain))); err != nil {
		t.Errorf("plain PDF: %v", err)
	}
}
