package synth

import (
	"bytes"
	"compress/zlib"
	"fmt"
	"strings"
)

// PDF layout: US Letter, 9 pt Helvetica. A 95-character line of Helvetica at
// 9 pt stays inside the 512 pt between the margins for ordinary text.
const (
	pdfWidth   = 95
	pdfLeading = 11
	pdfTop     = 760
	pdfBottom  = 50
	pdfPerPage = (pdfTop - pdfBottom) / pdfLeading
)

// pdfBytes writes a PDF 1.4 file of text pages: a catalog, a page tree, one
// Helvetica font, an info dictionary and per page a Flate-compressed content
// stream drawing each line with Tj. The xref table carries the byte offset of
// every object, as readers require. Lines are wrapped without breaking the
// phrases in keep. Text must be ASCII; anything else is written as '?'.
func pdfBytes(title string, lines, keep []string) []byte {
	var wrapped []string
	for _, l := range lines {
		wrapped = append(wrapped, wrap(l, pdfWidth, keep)...)
	}
	var pages [][]string
	for len(wrapped) > 0 {
		n := min(pdfPerPage, len(wrapped))
		pages = append(pages, wrapped[:n])
		wrapped = wrapped[n:]
	}
	if len(pages) == 0 {
		pages = [][]string{{""}}
	}

	var b bytes.Buffer
	var offsets []int // offsets[i] is object i+1
	obj := func(body string) {
		offsets = append(offsets, b.Len())
		fmt.Fprintf(&b, "%d 0 obj\n%s\nendobj\n", len(offsets), body)
	}
	b.WriteString("%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
	kids := make([]string, len(pages))
	for i := range pages {
		kids[i] = fmt.Sprintf("%d 0 R", 5+2*i)
	}
	obj("<< /Type /Catalog /Pages 2 0 R >>")
	obj(fmt.Sprintf("<< /Type /Pages /Kids [%s] /Count %d >>", strings.Join(kids, " "), len(pages)))
	obj("<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>")
	obj(fmt.Sprintf("<< /Title (%s) /Producer (Acrobat Distiller 11.0 \\(Windows\\)) >>", pdfString(title)))
	for i, pg := range pages {
		obj(fmt.Sprintf("<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Resources << /Font << /F1 3 0 R >> >> /Contents %d 0 R >>", 6+2*i))
		var cs strings.Builder
		fmt.Fprintf(&cs, "BT\n/F1 9 Tf\n%d TL\n50 %d Td\n", pdfLeading, pdfTop)
		for _, l := range pg {
			fmt.Fprintf(&cs, "(%s) Tj T*\n", pdfString(l))
		}
		cs.WriteString("ET\n")
		z := deflateZlib([]byte(cs.String()))
		offsets = append(offsets, b.Len())
		fmt.Fprintf(&b, "%d 0 obj\n<< /Length %d /Filter /FlateDecode >>\nstream\n", len(offsets), len(z))
		b.Write(z)
		b.WriteString("\nendstream\nendobj\n")
	}
	xref := b.Len()
	fmt.Fprintf(&b, "xref\n0 %d\n0000000000 65535 f \n", len(offsets)+1)
	for _, o := range offsets {
		fmt.Fprintf(&b, "%010d 00000 n \n", o)
	}
	fmt.Fprintf(&b, "trailer\n<< /Size %d /Root 1 0 R /Info 4 0 R >>\nstartxref\n%d\n%%%%EOF\n", len(offsets)+1, xref)
	return b.Bytes()
}

// pdfString escapes s for a PDF literal string.
func pdfString(s string) string {
	var b strings.Builder
	for _, r := range s {
		switch {
		case r == '\\' || r == '(' || r == ')':
			b.WriteByte('\\')
			b.WriteRune(r)
		case r < 0x20 || r > 0x7e:
			b.WriteByte('?')
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

func deflateZlib(p []byte) []byte {
	var b bytes.Buffer
	zw, _ := zlib.NewWriterLevel(&b, zlib.BestCompression) // the level is valid
	zw.Write(p)
	zw.Close()
	return b.Bytes()
}
