package extract

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"image"
	_ "image/gif"  // image.DecodeConfig
	_ "image/jpeg" // image.DecodeConfig
	_ "image/png"  // image.DecodeConfig
	"math"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"unicode"

	"github.com/klippa-app/go-pdfium/requests"
	"golang.org/x/text/unicode/norm"

	"antidote/internal/extract/sandbox"
)

// Image media types, recognised by their signatures and read by OCR.
const (
	mtPNG  = "image/png"
	mtJPEG = "image/jpeg"
	mtTIFF = "image/tiff"
	mtGIF  = "image/gif"
	mtBMP  = "image/bmp"
	mtWebP = "image/webp"
	mtJP2  = "image/jp2"
)

// sniffImage returns the media type of an image format Tesseract reads, or
// "".
func sniffImage(head []byte) string {
	switch {
	case bytes.HasPrefix(head, []byte("\x89PNG\r\n\x1a\n")):
		return mtPNG
	case bytes.HasPrefix(head, []byte{0xFF, 0xD8, 0xFF}):
		return mtJPEG
	case bytes.HasPrefix(head, []byte("II*\x00")), bytes.HasPrefix(head, []byte("MM\x00*")):
		return mtTIFF
	case bytes.HasPrefix(head, []byte("GIF87a")), bytes.HasPrefix(head, []byte("GIF89a")):
		return mtGIF
	case len(head) >= 18 && bytes.HasPrefix(head, []byte("BM")) && slices.Contains([]byte{12, 40, 52, 56, 64, 108, 124}, head[14]) &&
		head[15] == 0 && head[16] == 0 && head[17] == 0:
		return mtBMP
	case len(head) >= 12 && bytes.HasPrefix(head, []byte("RIFF")) && string(head[8:12]) == "WEBP":
		return mtWebP
	case bytes.HasPrefix(head, []byte("\x00\x00\x00\x0cjP  \r\n\x87\n")):
		return mtJP2
	}
	return ""
}

// ocrLang is one Tesseract language name: "eng", "chi_sim", "script/Latin".
var ocrLang = regexp.MustCompile(`^[A-Za-z0-9_]+(/[A-Za-z0-9_]+)?$`)

// ocrName joins languages as Tesseract takes them: "eng+deu".
func ocrName(langs []string) string { return strings.Join(langs, "+") }

// ocrMaxPixels bounds a PDF page rendered for OCR: 300 dpi for pages up to
// A3, less for larger ones.
const (
	ocrDPI       = 300
	ocrMaxPixels = 40_000_000
	// ocrMaxImagePixels bounds an image given to OCR: a 600 dpi A0 scan.
	ocrMaxImagePixels = 700_000_000
)

// extractImage recognises the text of an image. An image with no text is
// a complete document with no text.
func (w *walker) extractImage(d *Doc) {
	if len(w.opts.OCR) == 0 {
		setErr(d, ErrUnsupported, "image: text recognition (OCR) is off")
		return
	}
	data := make([]byte, d.Size)
	if n, err := d.Content.ReadAt(data, 0); int64(n) < d.Size && err != nil {
		setErr(d, ErrCorrupt, "read image")
		return
	}
	if cfg, _, err := image.DecodeConfig(bytes.NewReader(data)); err == nil {
		// PNG, JPEG and GIF state their size: a bomb is refused before any
		// decoder runs, and an icon cannot hold a line of text.
		switch px := int64(cfg.Width) * int64(cfg.Height); {
		case px > ocrMaxImagePixels:
			setErr(d, ErrBomb, fmt.Sprintf("image of %dx%d pixels over the OCR limit", cfg.Width, cfg.Height))
			return
		case cfg.Width < 16 || cfg.Height < 8:
			d.OCR = ocrName(w.opts.OCR)
			return
		}
	}
	text, err := w.ocr(data)
	if err != nil {
		if d.Err == nil && w.ctx.Err() == nil {
			d.Err = fmt.Errorf("image: %w", err)
		}
		return
	}
	d.OCR = ocrName(w.opts.OCR)
	tb := w.newText()
	tb.WriteString(text)
	tb.set(d)
}

// ocr runs Tesseract in the sandbox over one image (any format it reads,
// multi-page TIFF included: pages come back separated by form feeds). The
// error wraps ErrEngine, ErrBomb or ErrCorrupt, or is the walk's.
func (w *walker) ocr(img []byte) (string, error) {
	if err := w.opts.Engines.checkOCR(w.ctx, w.opts.OCR); err != nil {
		return "", err
	}
	out, err := w.opts.Engines.sandbox.Run(w.ctx, sandbox.Cmd{
		Program: "tesseract",
		Args:    []string{"stdin", "stdout", "-l", ocrName(w.opts.OCR)},
		// One thread: ingest is sequential and the machine shared.
		Env:   []string{"OMP_THREAD_LIMIT=1"},
		Stdin: img,
	})
	switch {
	case err == nil:
	case w.ctx.Err() != nil:
		return "", w.ctx.Err()
	case errors.Is(err, sandbox.ErrUnavailable):
		return "", fmt.Errorf("OCR: %v: %w", err, ErrEngine)
	case errors.Is(err, sandbox.ErrLimit):
		return "", fmt.Errorf("OCR: %v: %w", err, ErrBomb)
	default:
		return "", fmt.Errorf("OCR: tesseract could not read it: %w", ErrCorrupt)
	}
	text := strings.TrimRightFunc(string(bytes.ToValidUTF8(out, []byte("\uFFFD"))), unicode.IsSpace)
	if strings.TrimSpace(strings.ReplaceAll(text, "\f", "")) == "" {
		return "", nil
	}
	return text, nil
}

// checkOCR verifies once per language set that Tesseract runs in the
// sandbox and has every language asked for.
func (e *Engines) checkOCR(ctx context.Context, langs []string) error {
	for _, l := range langs {
		if !ocrLang.MatchString(l) {
			return fmt.Errorf("OCR language %q is not a Tesseract language name: %w", l, ErrEngine)
		}
	}
	e.mu.Lock()
	have, err := e.ocrLangs, e.ocrErr
	e.mu.Unlock()
	if have == nil && err == nil {
		out, rerr := e.sandbox.Run(ctx, sandbox.Cmd{Program: "tesseract", Args: []string{"--list-langs"}})
		if rerr != nil {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			err = fmt.Errorf("OCR: %v: %w", rerr, ErrEngine)
		} else {
			have = map[string]bool{}
			for _, line := range strings.Split(string(out), "\n")[1:] {
				if l := strings.TrimSpace(line); l != "" {
					have[l] = true
				}
			}
		}
		e.mu.Lock()
		e.ocrLangs, e.ocrErr = have, err
		e.mu.Unlock()
	}
	if err != nil {
		return err
	}
	for _, l := range langs {
		if !have[l] {
			return fmt.Errorf("OCR language %q is not installed (Debian package tesseract-ocr-%s): %w", l, strings.ReplaceAll(strings.ToLower(l), "_", "-"), ErrEngine)
		}
	}
	return nil
}

// ocrPDFPage renders page i in grey at up to 300 dpi and recognises it.
func (w *walker) ocrPDFPage(r *pdfDoc, i int) (string, error) {
	size, err := r.inst.FPDF_GetPageSizeByIndexF(&requests.FPDF_GetPageSizeByIndexF{Document: r.doc, Index: i})
	if err != nil {
		return "", err
	}
	dpi := ocrDPI
	if px := float64(size.Size.Width) * float64(size.Size.Height) * ocrDPI * ocrDPI / (72 * 72); px > ocrMaxPixels {
		dpi = int(ocrDPI * math.Sqrt(ocrMaxPixels/px))
	}
	if dpi < 36 {
		return "", fmt.Errorf("page too large to render for OCR: %w", ErrBomb)
	}
	res, err := r.inst.RenderPageInDPI(&requests.RenderPageInDPI{
		Page:        requests.Page{ByIndex: &requests.PageByIndex{Document: r.doc, Index: i}},
		DPI:         dpi,
		ImageFormat: requests.RenderImageFormatGrayscale,
		RenderFlags: 0,
	})
	if err != nil {
		return "", err
	}
	pgm := encodePGM(res.Result.RenderedImage)
	res.Cleanup()
	if pgm == nil {
		return "", fmt.Errorf("page rendered in an unexpected pixel format: %w", ErrCorrupt)
	}
	// Tesseract has its own deadline in the sandbox.
	r.timer.Stop()
	defer r.step()
	return w.ocr(pgm)
}

// encodePGM writes a grey image as binary PGM, which Tesseract reads from
// standard input.
func encodePGM(img image.Image) []byte {
	g, ok := img.(*image.Gray)
	if !ok {
		return nil
	}
	b := g.Bounds()
	head := "P5\n" + strconv.Itoa(b.Dx()) + " " + strconv.Itoa(b.Dy()) + "\n255\n"
	out := make([]byte, 0, len(head)+b.Dx()*b.Dy())
	out = append(out, head...)
	for y := b.Min.Y; y < b.Max.Y; y++ {
		off := g.PixOffset(b.Min.X, y)
		out = append(out, g.Pix[off:off+b.Dx()]...)
	}
	return out
}

// foldPresentationForms replaces ligatures (ﬁ, ﬂ, ﬀ), Arabic and Hebrew
// presentation forms, full- and half-width forms and typographic spaces
// by their compatibility equivalents (NFKC), so that a search for "file"
// finds "ﬁle". Other characters are kept as written.
func foldPresentationForms(s string) string {
	i := strings.IndexFunc(s, isPresentationForm)
	if i < 0 {
		return s
	}
	var b strings.Builder
	b.Grow(len(s) + 8)
	b.WriteString(s[:i])
	for _, r := range s[i:] {
		if isPresentationForm(r) {
			b.WriteString(norm.NFKC.String(string(r)))
		} else {
			b.WriteRune(r)
		}
	}
	return b.String()
}

func isPresentationForm(r rune) bool {
	switch {
	case r >= 0xFB00 && r <= 0xFDFF: // alphabetic and Arabic presentation forms A
	case r >= 0xFE70 && r <= 0xFEFF: // Arabic presentation forms B
	case r >= 0xFF00 && r <= 0xFFEF: // half- and full-width forms
	case r >= 0x2000 && r <= 0x200A, r == 0x00A0, r == 0x202F: // typographic spaces
	default:
		return false
	}
	return true
}
