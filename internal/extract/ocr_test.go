package extract

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"image"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"antidote/internal/extract/sandbox"
)

// needOCR skips where Tesseract or bubblewrap is not installed (CI
// installs both).
func needOCR(t *testing.T) {
	t.Helper()
	for _, p := range []string{"tesseract", "bwrap"} {
		if _, err := exec.LookPath(p); err != nil {
			if os.Getenv("CI") != "" {
				t.Fatalf("%s not installed (CI installs it)", p)
			}
			t.Skipf("%s not installed", p)
		}
	}
}

var ocrEng = Options{OCR: []string{"eng"}}

// TestOCRMatchesTesseract: the images in testdata/ocr, rendered from a
// real PDF (groff's mom letter), read through the sandbox give the words
// Tesseract's own command line gives, in every format.
func TestOCRMatchesTesseract(t *testing.T) {
	needOCR(t)
	files, _ := filepath.Glob("testdata/ocr/letter*")
	if len(files) < 6 {
		t.Fatalf("%d OCR fixtures", len(files))
	}
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			ref, err := exec.Command("tesseract", f, "stdout", "-l", "eng").Output()
			if err != nil {
				t.Fatalf("tesseract CLI: %v", err)
			}
			r := walkBytes(t, filepath.Base(f), readFixture(t, strings.TrimPrefix(f, "testdata/")), ocrEng)
			d := r.docs[0]
			if d.err != nil || !strings.HasPrefix(d.mediaType, "image/") {
				t.Fatalf("%s %v", d.mediaType, d.err)
			}
			c, nr, no := overlap(words(string(ref)), words(d.text))
			if nr < 20 || float64(c)/float64(nr) < 0.95 || float64(c)/float64(no) < 0.95 {
				t.Errorf("%d words shared of %d (tesseract CLI) and %d (antidote)", c, nr, no)
			}
			if !strings.Contains(d.text, "GUILLAUME") {
				t.Errorf("text lacks the addressee: %q", d.text)
			}
			if strings.HasSuffix(f, ".tiff") && !strings.Contains(strings.TrimSpace(d.text), "\f") {
				t.Error("multi-page TIFF: no page break in the text")
			}
		})
	}
}

// TestOCRDocument: images are complete documents marked as OCR'd, with
// or without text; what cannot be read says why.
func TestOCRDocument(t *testing.T) {
	needOCR(t)
	letter := readFixture(t, "ocr/letter.png")
	var d Doc
	v := &docCatcher{d: &d}
	walk := func(name string, data []byte, opts Options) *Doc {
		t.Helper()
		d = Doc{}
		walkWith(t, name, data, withTestEngines(opts), v)
		return &d
	}
	if got := walk("letter.png", letter, ocrEng); got.Err != nil || got.OCR != "eng" || len(got.Text) == 0 {
		t.Errorf("letter: err %v ocr %q text %d bytes", got.Err, got.OCR, len(got.Text))
	}
	// No text: complete, no text, no error.
	if got := walk("no-text.png", readFixture(t, "ocr/no-text.png"), ocrEng); got.Err != nil || got.Text != nil || got.OCR != "eng" {
		t.Errorf("picture with no text: err %v ocr %q text %q", got.Err, got.OCR, got.Text)
	}
	// A PNG header claiming 100000x100000 pixels: refused before decoding.
	ihdr := []byte("IHDR\x00\x01\x86\xa0\x00\x01\x86\xa0\x08\x00\x00\x00\x00")
	bomb := append([]byte("\x89PNG\r\n\x1a\n\x00\x00\x00\x0d"), ihdr...)
	bomb = binary.BigEndian.AppendUint32(bomb, crc32.ChecksumIEEE(ihdr))
	bomb = append(bomb, make([]byte, 64)...)
	if got := walk("bomb.png", bomb, ocrEng); !errors.Is(got.Err, ErrBomb) || !strings.Contains(got.Err.Error(), "100000x100000") {
		t.Errorf("pixel bomb: %v", got.Err)
	}
	// An icon: complete, no text, no Tesseract run.
	var icon bytes.Buffer
	png.Encode(&icon, image.NewGray(image.Rect(0, 0, 12, 12)))
	if got := walk("icon.png", icon.Bytes(), ocrEng); got.Err != nil || got.Text != nil {
		t.Errorf("icon: %v %q", got.Err, got.Text)
	}
	// OCR off: the image is not read, and says so.
	if got := walk("letter.png", letter, Options{}); !errors.Is(got.Err, ErrUnsupported) || !strings.Contains(got.Err.Error(), "OCR") {
		t.Errorf("OCR off: %v", got.Err)
	}
	// A language pack not installed.
	if got := walk("letter.png", letter, Options{OCR: []string{"eng", "qqq"}}); !errors.Is(got.Err, ErrEngine) || !strings.Contains(got.Err.Error(), "tesseract-ocr-qqq") {
		t.Errorf("missing language: %v", got.Err)
	}
	if got := walk("letter.png", letter, Options{OCR: []string{"../eng"}}); !errors.Is(got.Err, ErrEngine) {
		t.Errorf("bad language name: %v", got.Err)
	}
	// A damaged image: an error, no crash, no text.
	if got := walk("cut.png", letter[:len(letter)/3], ocrEng); got.Err == nil && len(got.Text) > 0 {
		t.Errorf("truncated PNG: err %v, %d bytes of text", got.Err, len(got.Text))
	}
	// No sandbox: nothing runs, and the error says why.
	eng := newTestEngines(EngineConfig{Sandbox: sandbox.Config{Bwrap: "/nonexistent/bwrap"}})
	defer eng.Close()
	if got := walk("letter.png", letter, Options{OCR: []string{"eng"}, Engines: eng}); !errors.Is(got.Err, ErrEngine) || !strings.Contains(got.Err.Error(), "bubblewrap") || got.Text != nil {
		t.Errorf("without bubblewrap: err %v text %q", got.Err, got.Text)
	}
}

// TestOCRScannedPDF: a PDF page that is only an image (a scan) is read by
// OCR and its page marked; pages with a text layer are read as text.
func TestOCRScannedPDF(t *testing.T) {
	needOCR(t)
	jpeg := readFixture(t, "ocr/letter-head.jpg")
	data := imagePDF(t, jpeg, 1275, 700, "BT /F1 12 Tf 72 712 Td (typed page) Tj ET")
	var d Doc
	walkWith(t, "scan.pdf", data, withTestEngines(ocrEng), &docCatcher{d: &d})
	if d.Err != nil {
		t.Fatal(d.Err)
	}
	pages := strings.Split(string(d.Text), "\f")
	if len(pages) != 2 || !strings.Contains(pages[0], "GUILLAUME") || !strings.Contains(pages[1], "typed page") {
		t.Errorf("pages %q", pages)
	}
	if d.OCR != "eng" || !slices.Equal(d.OCRPages, []int{1}) {
		t.Errorf("OCR %q pages %v, want eng [1]", d.OCR, d.OCRPages)
	}
	// Without OCR the typed page is read and the scan is reported unread.
	r := walkBytes(t, "scan.pdf", data, Options{})
	if err := r.docs[0].err; !errors.Is(err, ErrUnsupported) || !strings.Contains(err.Error(), "pdf page 1 has no text layer") ||
		strings.Contains(r.docs[0].text, "GUILLAUME") || !strings.Contains(r.docs[0].text, "typed page") {
		t.Errorf("OCR off: err %v text %q", r.docs[0].err, r.docs[0].text)
	}
	// Without the sandbox, OCR fails closed and the typed page is still read.
	noBwrap := newTestEngines(EngineConfig{Sandbox: sandbox.Config{Bwrap: "/nonexistent/bwrap"}})
	defer noBwrap.Close()
	r = walkBytes(t, "scan.pdf", data, Options{OCR: []string{"eng"}, Engines: noBwrap})
	if err := r.docs[0].err; !errors.Is(err, ErrEngine) || !strings.Contains(r.docs[0].text, "typed page") {
		t.Errorf("OCR without sandbox: err %v text %q", err, r.docs[0].text)
	}
	// The real image-only PDF in testdata: its picture has no text.
	r = walkBytes(t, "penguin.pdf", readFixture(t, "pdf/groff-mom-penguin.pdf"), ocrEng)
	if r.docs[0].err != nil || strings.TrimSpace(r.docs[0].text) != "" {
		t.Errorf("penguin: err %v text %q", r.docs[0].err, r.docs[0].text)
	}
}

// imagePDF writes a two-page PDF: page 1 shows the JPEG full-page, with no
// text; page 2 has the content stream given.
func imagePDF(t *testing.T, jpeg []byte, w, h int, page2 string) []byte {
	t.Helper()
	var b bytes.Buffer
	var offs []int
	obj := func(body string, stream []byte) {
		offs = append(offs, b.Len())
		fmt.Fprintf(&b, "%d 0 obj\n%s", len(offs), body)
		if stream != nil {
			b.WriteString("\nstream\n")
			b.Write(stream)
			b.WriteString("\nendstream")
		}
		b.WriteString("\nendobj\n")
	}
	b.WriteString("%PDF-1.4\n")
	pw, ph := w*72/150, h*72/150
	content1 := fmt.Sprintf("q %d 0 0 %d 0 0 cm /Im1 Do Q", pw, ph)
	obj("<< /Type /Catalog /Pages 2 0 R >>", nil)
	obj("<< /Type /Pages /Kids [3 0 R 4 0 R] /Count 2 >>", nil)
	obj(fmt.Sprintf("<< /Type /Page /Parent 2 0 R /MediaBox [0 0 %d %d] /Resources << /XObject << /Im1 5 0 R >> >> /Contents 6 0 R >>", pw, ph), nil)
	obj("<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Resources << /Font << /F1 8 0 R >> >> /Contents 7 0 R >>", nil)
	obj(fmt.Sprintf("<< /Type /XObject /Subtype /Image /Width %d /Height %d /ColorSpace /DeviceGray /BitsPerComponent 8 /Filter /DCTDecode /Length %d >>", w, h, len(jpeg)), jpeg)
	obj(fmt.Sprintf("<< /Length %d >>", len(content1)), []byte(content1))
	obj(fmt.Sprintf("<< /Length %d >>", len(page2)), []byte(page2))
	obj("<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>", nil)
	xref := b.Len()
	fmt.Fprintf(&b, "xref\n0 %d\n0000000000 65535 f \n", len(offs)+1)
	for _, o := range offs {
		fmt.Fprintf(&b, "%010d 00000 n \n", o)
	}
	fmt.Fprintf(&b, "trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n", len(offs)+1, xref)
	return b.Bytes()
}

// docCatcher keeps a copy of the root document as End sees it.
type docCatcher struct{ d *Doc }

func (c *docCatcher) Begin(d *Doc) (bool, error) { return true, nil }
func (c *docCatcher) End(d *Doc) error {
	if d.Depth == 0 {
		*c.d = *d
		c.d.Content = nil
	}
	return nil
}

func walkWith(t *testing.T, name string, data []byte, opts Options, v Visitor) {
	t.Helper()
	if err := Walk(t.Context(), name, bytes.NewReader(data), int64(len(data)), opts, v); err != nil {
		t.Fatal(err)
	}
}

func TestSniffImage(t *testing.T) {
	for name, want := range map[string]string{
		"ocr/letter.png": mtPNG, "ocr/letter-head.jpg": mtJPEG, "ocr/letter-2pages.tiff": mtTIFF,
		"ocr/letter-head.gif": mtGIF, "ocr/letter-head.bmp": mtBMP, "ocr/letter-head.webp": mtWebP,
	} {
		if got := sniffImage(readFixture(t, name)); got != want {
			t.Errorf("%s: %q, want %q", name, got, want)
		}
	}
	for _, s := range []string{"BM is a text that starts like a bitmap", "RIFF1234WAVE", ""} {
		if got := sniffImage([]byte(s)); got != "" {
			t.Errorf("%q sniffed as %s", s, got)
		}
	}
}

func TestFoldPresentationForms(t *testing.T) {
	for in, want := range map[string]string{
		"ﬁle ﬂow eﬀect":   "file flow effect",
		"ＡＢＣ１２３":          "ABC123",
		"a\u00a0b\u2009c": "a b c",
		"x² café ﬃ":       "x² café ffi",
	} {
		if got := foldPresentationForms(in); got != want {
			t.Errorf("%q: %q, want %q", in, got, want)
		}
	}
}
