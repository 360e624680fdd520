package extract

import (
	"errors"
	"fmt"
	"strings"

	"github.com/ledongthuc/pdf"
)

// PDF limits: the page tree is walked by hand so that loops in it end.
const (
	pdfMaxNodes    = 200_000 // page tree nodes visited
	pdfMaxTreeDeep = 64      // page tree depth
	pdfReadFactor  = 32      // bytes read may reach this multiple of the file size
	pdfReadSlack   = 64 << 20
)

// extractPDF extracts the text of every page.
func (w *walker) extractPDF(d *Doc) {
	if err := checkPDFCounts(d.Content, d.Size); err != nil {
		setErr(d, ErrCorrupt, err.Error())
		return
	}
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
		switch {
		case errors.Is(err, pdf.ErrInvalidPassword):
			w.passwordErr(d, "pdf")
		case strings.Contains(strings.ToLower(err.Error()), "encrypt"):
			setErr(d, ErrEncrypted, "pdf encryption not supported")
		default:
			setErr(d, ErrCorrupt, "read pdf structure")
		}
		return
	}
	tb := w.newText()
	b := w.newBudget(fixedSize(d.Size))
	pages := 0
	failed := false
	treeOK := walkPages(r.Trailer().Key("Root").Key("Pages"), func(p pdf.Page) bool {
		if w.ctx.Err() != nil || tb.full() {
			return false
		}
		pages++
		// The content is decompressed once to measure it, as the reader
		// would hold it whole.
		n, err := pageContentSize(p, pdfMaxPageContent)
		switch {
		case err != nil:
			failed = true
			return true
		case n > pdfMaxPageContent:
			setErr(d, ErrBomb, fmt.Sprintf("pdf page %d content over %d MiB", pages, pdfMaxPageContent>>20))
			return true
		}
		if err := b.charge(n); err != nil {
			setErr(d, ErrBomb, "pdf content expansion limit reached")
			return false
		}
		text, err := pageText(p)
		if err != nil {
			failed = true
			return true
		}
		if pages > 1 {
			tb.WriteString("\n\f")
		}
		tb.WriteString(text)
		return true
	})
	if failed || !treeOK || in.left <= 0 {
		setErr(d, ErrCorrupt, "read pdf page")
	}
	tb.set(d)
}

// openPDF opens a PDF, turning a parser panic into an error.
func openPDF(in *readerAtBudget, size int64, passwords func() string) (r *pdf.Reader, err error) {
	defer func() {
		if p := recover(); p != nil {
			r, err = nil, errors.New("pdf parser failed")
		}
	}()
	return pdf.NewReaderEncrypted(in, size, passwords)
}

// pageText extracts one page's text, turning a parser panic into an error.
func pageText(p pdf.Page) (text string, err error) {
	defer func() {
		if r := recover(); r != nil {
			text, err = "", errors.New("pdf page parser failed")
		}
	}()
	return p.GetPlainText(nil)
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
