package extract

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"sync/atomic"
	"time"
	"unicode/utf8"

	"github.com/klippa-app/go-pdfium"
	"github.com/klippa-app/go-pdfium/enums"
	pdferr "github.com/klippa-app/go-pdfium/errors"
	"github.com/klippa-app/go-pdfium/references"
	"github.com/klippa-app/go-pdfium/requests"
	"github.com/klippa-app/go-pdfium/responses"
	"github.com/ledongthuc/pdf"
)

// PDF limits: the page tree is walked by hand so that loops in it end.
const (
	pdfMaxNodes    = 200_000 // page tree nodes visited
	pdfMaxTreeDeep = 64      // page tree depth
	pdfReadFactor  = 32      // bytes read may reach this multiple of the file size
	pdfReadSlack   = 64 << 20
	pdfMaxPages    = 100_000
)

// extractPDF extracts the text of every page through PDFium: words spaced
// and lines ordered as a reader sees them, Form XObjects and annotation
// appearances included, a form feed between pages so that page N of the
// text is page N of the document. Pages with no text layer are recognised
// by OCR when it is on.
//
// The checks from before PDFium came stay in front of it: object numbers
// the file cannot hold, and page contents that expand past the limits.
func (w *walker) extractPDF(d *Doc) {
	if err := checkPDFCounts(d.Content, d.Size); err != nil {
		setErr(d, ErrCorrupt, err.Error())
		return
	}
	pages := w.pdfContentLimits(d)
	if pages == 0 {
		return
	}
	if d.Size > w.opts.Engines.cfg.PDFMemoryBytes/2 {
		setErr(d, ErrTooLarge, fmt.Sprintf("pdf of %d MiB over the PDF engine's memory", d.Size>>20))
		return
	}
	data := make([]byte, d.Size)
	if n, err := d.Content.ReadAt(data, 0); int64(n) < d.Size && err != nil {
		setErr(d, ErrCorrupt, "read pdf")
		return
	}
	r := w.openPDFium(d, data)
	if r == nil {
		return
	}
	defer r.close()
	if pages < 0 || pages > r.pages {
		pages = r.pages
	}
	tb := w.newText()
	defer tb.set(d)
	var scans []int // pages with no text layer, not read with OCR off
	defer func() {
		if len(scans) > 0 {
			what := "pdf page " + pageList(scans) + " has"
			if len(scans) > 1 {
				what = "pdf pages " + pageList(scans) + " have"
			}
			setErr(d, ErrUnsupported, what+" no text layer (a scan?) and text recognition (OCR) is off")
		}
	}()
	for i := range min(pages, pdfMaxPages) {
		if tb.full() {
			break
		}
		if i > 0 {
			tb.WriteString("\n\f")
		}
		r.step()
		text, needsOCR, err := r.pageText(i)
		if err == nil && needsOCR && len(w.opts.OCR) == 0 {
			scans = append(scans, i+1)
		}
		if err == nil && needsOCR && len(w.opts.OCR) > 0 {
			var ocr string
			ocr, err = w.ocrPDFPage(r, i)
			if err == nil {
				text = ocr + text // text holds only annotations here
				d.OCR = ocrName(w.opts.OCR)
				d.OCRPages = append(d.OCRPages, i+1)
			}
		}
		if err != nil {
			// The first problem is recorded; the pages after a damaged
			// one are still read, unless the engine itself stopped.
			r.fail(d, err, i)
			if r.stopped(err) {
				return
			}
			continue
		}
		tb.WriteString(foldPresentationForms(text))
	}
	if r.truncated(data) {
		setErr(d, ErrCorrupt, "pdf truncated (no end marker, cross-reference table rebuilt); text recovered from the part present")
	}
	if pages > pdfMaxPages {
		setErr(d, ErrBomb, fmt.Sprintf("pdf of more than %d pages", pdfMaxPages))
	}
}

// pageList writes page numbers as "3, 4, 9", or "3, 4, 9 and 12 more".
func pageList(pages []int) string {
	var b strings.Builder
	for i, p := range pages[:min(len(pages), 10)] {
		if i > 0 {
			b.WriteString(", ")
		}
		fmt.Fprint(&b, p)
	}
	if len(pages) > 10 {
		fmt.Fprintf(&b, " and %d more", len(pages)-10)
	}
	return b.String()
}

// pdfContentLimits measures the decompressed page contents with the pure
// Go reader, page by page, against the limits on one page and on the
// walk's expansion. It returns how many pages may be read, -1 for all; a
// file that reader cannot parse is left to PDFium.
func (w *walker) pdfContentLimits(d *Doc) int {
	in := &readerAtBudget{ctx: w.ctx, r: d.Content, left: d.Size*pdfReadFactor + pdfReadSlack}
	next := 0
	passwords := func() string {
		if next >= len(w.opts.Passwords) {
			return ""
		}
		next++
		return w.opts.Passwords[next-1].Reveal()
	}
	r, err := openPDF(in, d.Size, passwords)
	if err != nil {
		return -1
	}
	b := w.newBudget(fixedSize(d.Size))
	pages, limit := 0, -1
	walkPages(r.Trailer().Key("Root").Key("Pages"), func(p pdf.Page) bool {
		if w.ctx.Err() != nil {
			return false
		}
		n, err := pageContentSize(p, pdfMaxPageContent)
		switch {
		case err != nil:
		case n > pdfMaxPageContent:
			setErr(d, ErrBomb, fmt.Sprintf("pdf page %d content over %d MiB", pages+1, pdfMaxPageContent>>20))
			limit = pages
			return false
		default:
			if err := b.charge(n); err != nil {
				setErr(d, ErrBomb, "pdf content expansion limit reached")
				limit = pages
				return false
			}
		}
		pages++
		return true
	})
	return limit
}

// openPDF opens a PDF with the pure Go reader, turning a parser panic into
// an error.
func openPDF(in *readerAtBudget, size int64, passwords func() string) (r *pdf.Reader, err error) {
	defer func() {
		if p := recover(); p != nil {
			r, err = nil, errors.New("pdf parser failed")
		}
	}()
	return pdf.NewReaderEncrypted(in, size, passwords)
}

// walkPages calls fn for every page of the tree under node, in order, with
// bounds on node count and depth so that a looping tree ends.
func walkPages(root pdf.Value, fn func(pdf.Page) bool) (ok bool) {
	defer func() {
		if recover() != nil {
			ok = false
		}
	}()
	type frame struct {
		v     pdf.Value
		depth int
	}
	stack := []frame{{root, 0}}
	nodes := 0
	for len(stack) > 0 {
		f := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		nodes++
		if nodes > pdfMaxNodes || len(stack) > pdfMaxNodes {
			return true
		}
		kids := f.v.Key("Kids")
		if f.v.Key("Type").Name() == "Pages" || (kids.Len() > 0 && f.v.Key("Contents").IsNull()) {
			if f.depth >= pdfMaxTreeDeep {
				continue
			}
			for i := kids.Len() - 1; i >= 0; i-- {
				stack = append(stack, frame{kids.Index(i), f.depth + 1})
			}
			continue
		}
		if !fn(pdf.Page{V: f.v}) {
			return true
		}
	}
	return true
}

// pdfDoc is a document open in its own PDFium instance.
type pdfDoc struct {
	w        *walker
	inst     pdfium.Pdfium
	doc      references.FPDF_DOCUMENT
	pages    int
	timer    *time.Timer // kills the instance when a step overruns
	timedOut atomic.Bool
	stop     func() bool // stops killing on the walk's cancellation
}

// openPDFium opens data in a fresh PDFium instance, trying the passwords.
// On failure it records the problem on d and returns nil.
func (w *walker) openPDFium(d *Doc, data []byte) *pdfDoc {
	eng := w.opts.Engines
	inst, err := eng.pdfium(w.ctx)
	if err != nil {
		if w.ctx.Err() == nil {
			setErr(d, ErrEngine, "pdf engine: "+err.Error())
		}
		return nil
	}
	r := &pdfDoc{w: w, inst: inst}
	// Past a step's deadline, or when the walk is cancelled, the instance
	// is killed: its WebAssembly stops at the next instruction boundary
	// and every later call fails.
	r.timer = time.AfterFunc(eng.cfg.PDFTimeout, func() {
		r.timedOut.Store(true)
		inst.Kill()
	})
	r.stop = context.AfterFunc(w.ctx, func() { inst.Kill() })
	tries := []*string{nil}
	for i := range w.opts.Passwords {
		p := w.opts.Passwords[i].Reveal()
		tries = append(tries, &p)
	}
	for i, pw := range tries {
		res, err := inst.OpenDocument(&requests.OpenDocument{File: &data, Password: pw})
		if err == nil {
			r.doc = res.Document
			break
		}
		if errors.Is(err, pdferr.ErrPassword) && i < len(tries)-1 {
			continue
		}
		if errors.Is(err, pdferr.ErrPassword) {
			w.passwordErr(d, "pdf")
		} else {
			r.fail(d, err, -1)
		}
		r.close()
		return nil
	}
	pc, err := inst.FPDF_GetPageCount(&requests.FPDF_GetPageCount{Document: r.doc})
	if err != nil {
		r.fail(d, err, -1)
		r.close()
		return nil
	}
	r.pages = pc.PageCount
	return r
}

// truncated reports a file cut short: PDFium had to rebuild its
// cross-reference table and the end-of-file marker is missing. A table
// rebuilt alone is common in files edited by careless tools, and they are
// read without complaint.
func (r *pdfDoc) truncated(data []byte) bool {
	v, err := r.inst.FPDF_DocumentHasValidCrossReferenceTable(&requests.FPDF_DocumentHasValidCrossReferenceTable{Document: r.doc})
	if err != nil || v.DocumentHasValidCrossReferenceTable {
		return false
	}
	return !bytes.Contains(data[max(len(data)-1024, 0):], []byte("%%EOF"))
}

// nearMemoryCap reports whether the instance's WebAssembly memory grew to
// within a quarter of the cap: PDFium stops with a trap when an allocation
// fails, which looks like any other abort, and the failed allocation
// itself is not seen. go-pdfium exposes the memory
// only through its implementation's Module field, reached by reflection.
func (r *pdfDoc) nearMemoryCap() (near bool) {
	defer func() {
		if recover() != nil {
			near = false
		}
	}()
	mod := reflect.ValueOf(r.inst.GetImplementation()).Elem().FieldByName("Module")
	if !mod.IsValid() || mod.IsNil() {
		return false
	}
	mem := mod.MethodByName("Memory").Call(nil)[0]
	size := mem.MethodByName("Size").Call(nil)[0].Uint()
	limit := uint64(r.w.opts.Engines.cfg.PDFMemoryBytes)
	return size >= limit-limit/4
}

// stopped reports whether err means the instance can do no more: killed
// at its deadline or by cancellation, or trapped.
func (r *pdfDoc) stopped(err error) bool {
	return r.timedOut.Load() || r.w.ctx.Err() != nil ||
		strings.Contains(err.Error(), "wasm error") || strings.Contains(err.Error(), "closed")
}

// step starts the deadline of one step (a page) afresh.
func (r *pdfDoc) step() { r.timer.Reset(r.w.opts.Engines.cfg.PDFTimeout) }

// close releases the instance (its memory goes with it).
func (r *pdfDoc) close() {
	r.timer.Stop()
	r.stop()
	// After a kill this is a no-op.
	r.inst.Close()
}

// fail records why reading stopped at page i (-1: opening).
func (r *pdfDoc) fail(d *Doc, err error, page int) {
	where := "pdf"
	if page >= 0 {
		where = fmt.Sprintf("pdf page %d", page+1)
	}
	switch {
	case r.w.ctx.Err() != nil:
		// The walk was cancelled; Walk returns that.
	case r.timedOut.Load():
		setErr(d, ErrBomb, fmt.Sprintf("%s: pdf engine time limit (%s) reached", where, r.w.opts.Engines.cfg.PDFTimeout))
	case errors.Is(err, ErrEngine), errors.Is(err, ErrBomb), errors.Is(err, ErrCorrupt):
		if d.Err == nil {
			d.Err = fmt.Errorf("%s: %w", where, err)
		}
	case errors.Is(err, pdferr.ErrSecurity):
		setErr(d, ErrEncrypted, "pdf encryption not supported")
	case r.nearMemoryCap():
		setErr(d, ErrBomb, fmt.Sprintf("%s: pdf engine memory limit (%d MiB) reached", where, r.w.opts.Engines.cfg.PDFMemoryBytes>>20))
	case strings.Contains(err.Error(), "wasm error"):
		setErr(d, ErrCorrupt, where+": pdf engine stopped on a malformed file")
	default:
		setErr(d, ErrCorrupt, where+": read pdf")
	}
}

// pageText returns the text of page i (0-based), with the contents of its
// comments and other annotations after it, and whether the page has no
// text layer but draws something, so that OCR may read it.
func (r *pdfDoc) pageText(i int) (text string, needsOCR bool, err error) {
	inst := r.inst
	lp, err := inst.FPDF_LoadPage(&requests.FPDF_LoadPage{Document: r.doc, Index: i})
	if err != nil {
		return "", false, err
	}
	page := lp.Page
	defer func() { inst.FPDF_ClosePage(&requests.FPDF_ClosePage{Page: page}) }()
	notes, flatten, err := r.annotations(page)
	if err != nil {
		return "", false, err
	}
	if flatten {
		// Form fields, stamps and free text draw through appearance
		// streams: flattening merges them into the page content, which
		// PDFium reads once the page is loaded again.
		fr, err := inst.FPDFPage_Flatten(&requests.FPDFPage_Flatten{Page: requests.Page{ByReference: &page}, Usage: requests.FPDFPage_FlattenUsageNormalDisplay})
		if err == nil && fr.Result == responses.FPDFPage_FlattenResultSuccess {
			inst.FPDF_ClosePage(&requests.FPDF_ClosePage{Page: page})
			lp, err = inst.FPDF_LoadPage(&requests.FPDF_LoadPage{Document: r.doc, Index: i})
			if err != nil {
				return "", false, err
			}
			page = lp.Page
		}
	}
	tp, err := inst.FPDFText_LoadPage(&requests.FPDFText_LoadPage{Page: requests.Page{ByReference: &page}})
	if err != nil {
		return "", false, err
	}
	defer inst.FPDFText_ClosePage(&requests.FPDFText_ClosePage{TextPage: tp.TextPage})
	cc, err := inst.FPDFText_CountChars(&requests.FPDFText_CountChars{TextPage: tp.TextPage})
	if err != nil {
		return "", false, err
	}
	var sb strings.Builder
	if cc.Count > 0 {
		gt, err := inst.FPDFText_GetText(&requests.FPDFText_GetText{TextPage: tp.TextPage, StartIndex: 0, Count: cc.Count})
		if err != nil {
			return "", false, err
		}
		sb.WriteString(cleanPDFText(gt.Text))
	}
	if strings.TrimSpace(sb.String()) == "" {
		needsOCR = r.hasImage(page)
	}
	for _, n := range notes {
		sb.WriteString("\n[annotation] ")
		sb.WriteString(n)
	}
	return sb.String(), needsOCR, nil
}

// hasImage reports whether the page draws an image: a page with no text
// that does is taken for a scan. Pages of vector drawings are not.
func (r *pdfDoc) hasImage(page references.FPDF_PAGE) bool {
	objs, err := r.inst.FPDFPage_CountObjects(&requests.FPDFPage_CountObjects{Page: requests.Page{ByReference: &page}})
	if err != nil {
		return false
	}
	for k := range min(objs.Count, 10_000) {
		o, err := r.inst.FPDFPage_GetObject(&requests.FPDFPage_GetObject{Page: requests.Page{ByReference: &page}, Index: k})
		if err != nil {
			continue
		}
		if t, err := r.inst.FPDFPageObj_GetType(&requests.FPDFPageObj_GetType{PageObject: o.PageObject}); err == nil && t.Type == enums.FPDF_PAGEOBJ_IMAGE {
			return true
		}
	}
	return false
}

// annotations returns the text of the page's annotations other than links
// and form fields (comments, notes, markup), and whether any draws
// through an appearance stream worth flattening into the page.
func (r *pdfDoc) annotations(page references.FPDF_PAGE) (notes []string, flatten bool, err error) {
	inst := r.inst
	n, err := inst.FPDFPage_GetAnnotCount(&requests.FPDFPage_GetAnnotCount{Page: requests.Page{ByReference: &page}})
	if err != nil {
		return nil, false, err
	}
	for j := range min(n.Count, 10_000) {
		a, err := inst.FPDFPage_GetAnnot(&requests.FPDFPage_GetAnnot{Page: requests.Page{ByReference: &page}, Index: j})
		if err != nil {
			continue
		}
		st, err := inst.FPDFAnnot_GetSubtype(&requests.FPDFAnnot_GetSubtype{Annotation: a.Annotation})
		if err == nil {
			switch st.Subtype {
			case enums.FPDF_ANNOT_SUBTYPE_LINK, enums.FPDF_ANNOT_SUBTYPE_POPUP:
			case enums.FPDF_ANNOT_SUBTYPE_WIDGET:
				flatten = true
			default:
				flatten = true
				if v, err := inst.FPDFAnnot_GetStringValue(&requests.FPDFAnnot_GetStringValue{Annotation: a.Annotation, Key: "Contents"}); err == nil {
					if s := strings.TrimSpace(v.Value); s != "" {
						notes = append(notes, s)
					}
				}
			}
		}
		inst.FPDFPage_CloseAnnot(&requests.FPDFPage_CloseAnnot{Annotation: a.Annotation})
	}
	return notes, flatten, nil
}

// cleanPDFText turns PDFium's line ends into newlines and drops the
// control characters it leaves for generated hyphens and unmapped glyphs.
func cleanPDFText(s string) string {
	s = strings.ReplaceAll(s, "\r\n", "\n")
	return strings.Map(func(r rune) rune {
		switch {
		case r == '\n' || r == '\t':
			return r
		case r == '\r':
			return '\n'
		case r == 2: // a hyphen PDFium recognised at a line end
			return '-'
		case r < 0x20, r == 0xFFFE, r == 0xFFFF, r == utf8.RuneError:
			return -1
		}
		return r
	}, s)
}
