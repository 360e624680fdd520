package extract

import (
	"archive/tar"
	"archive/zip"
	"bytes"
	"compress/flate"
	"compress/gzip"
	"compress/zlib"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/ulikunitz/xz"
)

// rec is what the recorder keeps of a document.
type rec struct {
	path      []string
	display   string
	depth     int
	size      int64
	mediaType string
	charset   string
	text      string
	truncated bool
	err       error
	content   []byte // read in Begin
	hasSum    bool
	ended     bool
}

// recorder is a Visitor that records every document.
type recorder struct {
	docs   []*rec
	open   []*rec
	skip   func(d *Doc) bool // Begin returns false when it says so
	failOn string            // Begin fails on the document with this display path
}

func (r *recorder) Begin(d *Doc) (bool, error) {
	x := &rec{path: append([]string(nil), d.Path...), display: DisplayPath(d.Path), depth: d.Depth,
		size: d.Size, mediaType: d.MediaType, hasSum: d.SHA256 != [32]byte{}, err: d.Err}
	if d.Content != nil && d.Size <= 64<<20 {
		x.content = make([]byte, d.Size)
		if _, err := d.Content.ReadAt(x.content, 0); err != nil && err != io.EOF {
			return false, fmt.Errorf("test: content unreadable: %v", err)
		}
	}
	r.docs = append(r.docs, x)
	if r.failOn != "" && x.display == r.failOn {
		return false, errVisitor
	}
	if r.skip != nil && r.skip(d) {
		return false, nil
	}
	r.open = append(r.open, x)
	return true, nil
}

func (r *recorder) End(d *Doc) error {
	x := r.open[len(r.open)-1]
	r.open = r.open[:len(r.open)-1]
	if x.display != DisplayPath(d.Path) {
		return fmt.Errorf("test: End for %q while %q is open", DisplayPath(d.Path), x.display)
	}
	x.ended, x.text, x.truncated, x.err, x.mediaType, x.charset = true, string(d.Text), d.Truncated, d.Err, d.MediaType, d.Charset
	if d.Text != nil && !utf8.Valid(d.Text) {
		return fmt.Errorf("test: invalid UTF-8 text in %q", x.display)
	}
	return nil
}

var errVisitor = errors.New("visitor says stop")

// find returns the document at display path p.
func (r *recorder) find(t *testing.T, p string) *rec {
	t.Helper()
	for _, d := range r.docs {
		if d.display == p {
			return d
		}
	}
	var all []string
	for _, d := range r.docs {
		all = append(all, d.display)
	}
	t.Fatalf("no document %q; have %q", p, all)
	return nil
}

func walkBytes(t testing.TB, name string, data []byte, opts Options) *recorder {
	t.Helper()
	r := &recorder{}
	opts = withTestEngines(opts)
	if err := Walk(context.Background(), name, bytes.NewReader(data), int64(len(data)), opts, r); err != nil {
		t.Fatalf("Walk(%s): %v", name, err)
	}
	return r
}

// file is a member to put in a test archive.
type file struct {
	name   string
	data   []byte
	method uint16 // zip method, Deflate unless set
}

func f(name, data string) file { return file{name: name, data: []byte(data)} }

func makeZip(t testing.TB, files ...file) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	zw.RegisterCompressor(zip.Deflate, func(w io.Writer) (io.WriteCloser, error) {
		return flate.NewWriter(w, flate.BestSpeed)
	})
	for _, fl := range files {
		method := fl.method
		if method == 0 && !strings.HasSuffix(fl.name, "/") {
			method = zip.Deflate
		}
		w, err := zw.CreateHeader(&zip.FileHeader{Name: fl.name, Method: method})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := w.Write(fl.data); err != nil {
			t.Fatal(err)
		}
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func makeTar(t testing.TB, files ...file) []byte {
	t.Helper()
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	for _, fl := range files {
		hdr := &tar.Header{Name: fl.name, Mode: 0o644, Size: int64(len(fl.data)), Typeflag: tar.TypeReg}
		if strings.HasSuffix(fl.name, "/") {
			hdr.Typeflag, hdr.Size, hdr.Mode = tar.TypeDir, 0, 0o755
		}
		if err := tw.WriteHeader(hdr); err != nil {
			t.Fatal(err)
		}
		if _, err := tw.Write(fl.data); err != nil {
			t.Fatal(err)
		}
	}
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func gz(t testing.TB, name string, data []byte) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&buf, gzip.BestSpeed)
	zw.Name = name
	zw.Write(data)
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func xzBytes(t testing.TB, data []byte) []byte {
	t.Helper()
	var buf bytes.Buffer
	w, err := xz.NewWriter(&buf)
	if err != nil {
		t.Fatal(err)
	}
	w.Write(data)
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func readFixture(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// makePDF writes a minimal PDF with one page per text, computing the
// cross-reference offsets. extraTrailer is added to the trailer dictionary.
func makePDF(texts []string, extraTrailer string) []byte {
	contents := make([]string, len(texts))
	for i, text := range texts {
		contents[i] = fmt.Sprintf("BT /F1 12 Tf 72 712 Td (%s) Tj ET", text)
	}
	return buildPDF(contents, false, extraTrailer)
}

// buildPDF writes a PDF with one page per content stream, deflated if
// asked.
func buildPDF(contents []string, deflate bool, extraTrailer string) []byte {
	var b bytes.Buffer
	var offsets []int
	obj := func(body string) {
		offsets = append(offsets, b.Len())
		fmt.Fprintf(&b, "%d 0 obj\n%s\nendobj\n", len(offsets), body)
	}
	b.WriteString("%PDF-1.4\n")
	// 1: catalog, 2: pages, 3: font, then page and content pairs.
	obj("<< /Type /Catalog /Pages 2 0 R >>")
	var kids []string
	for i := range contents {
		kids = append(kids, fmt.Sprintf("%d 0 R", 4+2*i))
	}
	obj(fmt.Sprintf("<< /Type /Pages /Kids [%s] /Count %d >>", strings.Join(kids, " "), len(contents)))
	obj("<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>")
	for i, content := range contents {
		obj(fmt.Sprintf("<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Resources << /Font << /F1 3 0 R >> >> /Contents %d 0 R >>", 5+2*i))
		filter := ""
		if deflate {
			var z bytes.Buffer
			zw, _ := zlib.NewWriterLevel(&z, zlib.BestCompression)
			zw.Write([]byte(content))
			zw.Close()
			content, filter = z.String(), " /Filter /FlateDecode"
		}
		obj(fmt.Sprintf("<< /Length %d%s >>\nstream\n%s\nendstream", len(content), filter, content))
	}
	xref := b.Len()
	fmt.Fprintf(&b, "xref\n0 %d\n0000000000 65535 f \n", len(offsets)+1)
	for _, off := range offsets {
		fmt.Fprintf(&b, "%010d 00000 n \n", off)
	}
	fmt.Fprintf(&b, "trailer\n<< /Size %d /Root 1 0 R %s>>\nstartxref\n%d\n%%%%EOF\n", len(offsets)+1, extraTrailer, xref)
	return b.Bytes()
}

const ooxmlTypes = `<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"></Types>`

func makeDocx(t testing.TB, extra ...file) []byte {
	t.Helper()
	doc := `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body>
<w:p><w:r><w:t>Quarterly</w:t></w:r><w:r><w:t xml:space="preserve"> report &amp; plan</w:t></w:r></w:p>
<w:p><w:r><w:t>Second</w:t><w:tab/><w:t>para</w:t></w:r></w:p>
</w:body></w:document>`
	comments := `<w:comments xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:comment><w:p><w:r><w:t>reviewer note</w:t></w:r></w:p></w:comment></w:comments>`
	files := []file{f("[Content_Types].xml", ooxmlTypes), f("word/document.xml", doc), f("word/comments.xml", comments)}
	return makeZip(t, append(files, extra...)...)
}

func makeXlsx(t testing.TB) []byte {
	t.Helper()
	shared := `<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="2"><si><t>host</t></si><si><r><t>10.0.</t></r><r><t>0.1</t></r></si></sst>`
	sheet1 := `<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>
<row r="1"><c r="A1" t="s"><v>0</v></c><c r="B1" t="s"><v>1</v></c></row>
<row r="2"><c r="A2" t="inlineStr"><is><t>port</t></is></c><c r="B2"><v>8443</v></c></row>
</sheetData></worksheet>`
	sheet2 := `<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData><row r="1"><c r="A1" t="str"><v>second sheet</v></c></row></sheetData></worksheet>`
	return makeZip(t, f("[Content_Types].xml", ooxmlTypes), f("xl/workbook.xml", "<workbook/>"),
		f("xl/sharedStrings.xml", shared), f("xl/worksheets/sheet10.xml", sheet2), f("xl/worksheets/sheet2.xml", sheet1))
}

func makePptx(t testing.TB) []byte {
	t.Helper()
	slide := func(s string) string {
		return `<p:sld xmlns:p="http://schemas.openxmlformats.org/presentationml/2006/main" xmlns:a="http://schemas.openxmlformats.org/drawingml/2006/main"><p:cSld><p:spTree><p:sp><p:txBody><a:p><a:r><a:t>` + s + `</a:t></a:r></a:p></p:txBody></p:sp></p:spTree></p:cSld></p:sld>`
	}
	return makeZip(t, f("[Content_Types].xml", ooxmlTypes), f("ppt/presentation.xml", "<p:presentation/>"),
		f("ppt/slides/slide2.xml", slide("Second slide")), f("ppt/slides/slide1.xml", slide("First slide")),
		f("ppt/slides/slide11.xml", slide("Eleventh slide")))
}

const sampleEML = "From: =?utf-8?q?Ren=C3=A9e?= <renee@example.org>\r\n" +
	"To: desk@example.net\r\n" +
	"Cc: legal@example.net\r\n" +
	"Subject: =?iso-8859-1?q?Caf=E9_leak?=\r\n" +
	"Date: Mon, 2 Jun 2025 10:00:00 +0000\r\n" +
	"MIME-Version: 1.0\r\n" +
	"Content-Type: multipart/mixed; boundary=\"outer\"\r\n" +
	"\r\n" +
	"preamble\r\n" +
	"--outer\r\n" +
	"Content-Type: multipart/alternative; boundary=\"alt\"\r\n" +
	"\r\n" +
	"--alt\r\n" +
	"Content-Type: text/plain; charset=iso-8859-1\r\n" +
	"Content-Transfer-Encoding: quoted-printable\r\n" +
	"\r\n" +
	"Le na=EFf caf=E9 est ferm=E9.=\r\n" +
	" Fin.\r\n" +
	"--alt\r\n" +
	"Content-Type: text/html; charset=utf-8\r\n" +
	"\r\n" +
	"<p>HTML rendering that should be skipped</p>\r\n" +
	"--alt--\r\n" +
	"--outer\r\n" +
	"Content-Type: text/plain; name=\"notes.txt\"\r\n" +
	"Content-Disposition: attachment; filename=\"notes.txt\"\r\n" +
	"Content-Transfer-Encoding: base64\r\n" +
	"\r\n" +
	"c2VjcmV0IG5v\r\ndGVzCg==\r\n" +
	"--outer\r\n" +
	"Content-Type: application/octet-stream\r\n" +
	"Content-Transfer-Encoding: base64\r\n" +
	"\r\n" +
	"AAECAwQF\r\n" +
	"--outer\r\n" +
	"Content-Type: message/rfc822\r\n" +
	"\r\n" +
	"From: inner@example.org\r\n" +
	"Subject: forwarded\r\n" +
	"\r\n" +
	"inner body\r\n" +
	"--outer--\r\n"
