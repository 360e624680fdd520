// Package extract turns one input of a leak (a file, possibly an archive or a
// mailbox) into a stream of documents with their extracted UTF-8 text. It
// recurses into archives, compressed streams, mailboxes and mail attachments
// under limits on depth, expansion and size, so that a hostile dump can be
// walked without exhausting memory or time.
//
// extract owns format sniffing, charset decoding and text extraction. PDF
// text comes from PDFium compiled to WebAssembly, run in-process with no
// file system (Engines); OCR runs Tesseract through the sandbox package,
// input and output on pipes. It must not touch the file system, log, or
// import any antidote package other than secret and its own subpackages. Member names found inside inputs are provenance data only; they are
// never used as paths and never appear in error messages.
package extract

import (
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"unicode/utf8"

	"antidote/internal/secret"
)

// Default limits, used where an Options field is zero.
const (
	DefaultMaxDepth       = 8
	DefaultMaxTotalBytes  = 32 << 30
	DefaultMaxRatio       = 250
	DefaultMaxMemberBytes = 512 << 20
	DefaultMaxTextBytes   = 64 << 20
	DefaultMaxMembers     = 1_000_000

	// ratioFloor is how many bytes an archive or member may expand to before
	// MaxRatio is enforced, so that small, highly compressible files pass.
	ratioFloor = 16 << 20
)

// Options bounds a Walk. Zero fields take the defaults above.
type Options struct {
	MaxDepth       int     // nesting depth limit; the root is depth 0
	MaxTotalBytes  int64   // total bytes expanded out of archives and mail per root input
	MaxRatio       float64 // expanded/packed ratio limit per archive and per member, enforced past 16 MiB
	MaxMemberBytes int64   // largest member held in memory
	MaxTextBytes   int64   // cap on extracted text per document; beyond it Doc.Truncated and ErrTextTruncated are set
	MaxMembers     int     // members per archive, mailbox or mail message

	// Passwords are tried in order for encrypted 7z archives (including
	// header-encrypted ones), encrypted zip members (ZipCrypto and WinZip
	// AES) and encrypted PDFs.
	Passwords []secret.String

	// OCR names the Tesseract languages ("eng", "deu") used to recognise
	// text in images and in PDF pages with no text layer; empty turns OCR
	// off, and images are then reported as ErrUnsupported.
	OCR []string
	// Engines runs PDFium and the sandboxed external programs. Nil: Walk
	// starts its own and stops it on return, which costs seconds per
	// input that holds a PDF; share one across a run.
	Engines *Engines
}

func (o Options) withDefaults() Options {
	if o.MaxDepth <= 0 {
		o.MaxDepth = DefaultMaxDepth
	}
	if o.MaxTotalBytes <= 0 {
		o.MaxTotalBytes = DefaultMaxTotalBytes
	}
	if o.MaxRatio <= 0 {
		o.MaxRatio = DefaultMaxRatio
	}
	if o.MaxMemberBytes <= 0 {
		o.MaxMemberBytes = DefaultMaxMemberBytes
	}
	if o.MaxTextBytes <= 0 {
		o.MaxTextBytes = DefaultMaxTextBytes
	}
	if o.MaxMembers <= 0 {
		o.MaxMembers = DefaultMaxMembers
	}
	return o
}

// Doc is one document found in the input: the root itself or a member of an
// archive, a message of a mailbox, or a mail attachment.
type Doc struct {
	// Path is the provenance: the root name, then one segment per nesting
	// level. Mailbox messages are "1", "2", ...; mail attachments are named by
	// their filename or "part-N". Segments are raw names from hostile input:
	// display them with DisplayPath, never use them as file names.
	Path  []string
	Depth int
	Size  int64
	// Content holds the original bytes. It is valid only until the visitor
	// returns from End, and nil when the bytes are not available (for
	// example a member larger than Options.MaxMemberBytes).
	Content io.ReaderAt
	// SHA256 is the digest of the complete original bytes; it is zero when
	// they could not be read completely.
	SHA256    [32]byte
	MediaType string
	Charset   string // source charset of text documents, e.g. "utf-8", "windows-1252"
	Text      []byte // extracted UTF-8 text, set before End; nil if none
	Truncated bool   // Text was cut at Options.MaxTextBytes
	// OCR names the languages ("eng+deu") when some of Text was recognised
	// by OCR rather than read from the document; OCRPages lists the PDF
	// pages so recognised, numbered from 1.
	OCR      string
	OCRPages []int
	// Err is set when the document, or the expansion of its members, could
	// not be completed. It wraps one of the sentinels below. The document is
	// still reported, with whatever text and members were recovered.
	Err error
}

// Sentinels wrapped by Doc.Err.
var (
	ErrBomb          = errors.New("expansion limit exceeded (decompression bomb?)")
	ErrEncrypted     = errors.New("encrypted and not opened: no password was given for it")
	ErrWrongPassword = errors.New("encrypted and not opened: none of the given passwords opened it")
	ErrCorrupt       = errors.New("corrupt or truncated")
	ErrUnsupported   = errors.New("unsupported format")
	ErrTooDeep       = errors.New("nested too deep; members not expanded")
	ErrTooLarge      = errors.New("too large to hold in memory; content not available")
	// ErrTextTruncated: the text was cut at Options.MaxTextBytes. The
	// document is indexed as far as the cut, so it is a problem to report,
	// not a silent success.
	ErrTextTruncated = errors.New("extracted text cut at the size limit")
	// ErrEngine: the engine this format needs could not run (not
	// installed, or its sandbox could not be set up).
	ErrEngine = errors.New("extraction engine unavailable")
)

// Visitor receives the documents of a Walk.
type Visitor interface {
	// Begin is called for every document, parents before children, with
	// Content and SHA256 set. Returning extract=false skips text extraction
	// and children (for content already fully ingested); End is then not
	// called.
	Begin(d *Doc) (extract bool, err error)
	// End is called after the document's text was extracted and all its
	// children were visited, only if Begin returned true.
	End(d *Doc) error
}

// Walk reads the input r of the given size, named name, and reports it and
// every document nested in it to v. An error from v, or the cancellation of
// ctx, aborts the walk and is returned; problems with a document are reported
// in its Doc.Err and never returned.
func Walk(ctx context.Context, name string, r io.ReaderAt, size int64, opts Options, v Visitor) error {
	if r == nil || size < 0 {
		return errors.New("extract: walk: no input or negative size")
	}
	_, err := walk(ctx, name, r, size, opts, v)
	return err
}

// walk is Walk, also returning the walker for tests to inspect.
func walk(ctx context.Context, name string, r io.ReaderAt, size int64, opts Options, v Visitor) (*walker, error) {
	w := &walker{ctx: ctx, opts: opts.withDefaults(), v: v}
	if w.opts.Engines == nil {
		w.opts.Engines = NewEngines(EngineConfig{})
		defer w.opts.Engines.Close()
	}
	return w, w.visit([]string{name}, 0, member{r: r, size: size})
}

// member is a document about to be visited.
type member struct {
	r       io.ReaderAt // nil when the content is not available
	size    int64
	sum     [32]byte
	summed  bool   // sum is already known
	hint    string // media type declared by the container, used when sniffing is inconclusive
	charset string // charset declared by the container
	err     error  // problem met while reading the member out of its container
}

type walker struct {
	ctx   context.Context
	opts  Options
	v     Visitor
	total int64 // bytes expanded so far under this root
	// exhausted is set once total passed MaxTotalBytes: nothing more is
	// expanded under this root.
	exhausted bool
	sums      [][32]byte // digests of the documents being visited, root first
	flate     io.ReadCloser
	// cur is the budget of the container whose member is being
	// visited: the budgets of nested containers charge their expansion to
	// it and its ancestors too, so that nesting multiplies no allowance.
	cur *budget
	// zipPassword is the index of the password that opened the last
	// encrypted zip member, tried first on the next.
	zipPassword int
}

// visit reports one document and, unless the visitor declines, extracts it.
// It returns only fatal errors: the visitor's and ctx's.
func (w *walker) visit(path []string, depth int, m member) error {
	_, err := w.visitOutcome(path, depth, m)
	return err
}

// visitOutcome is visit, also reporting whether the document ended with
// ErrBomb.
func (w *walker) visitOutcome(path []string, depth int, m member) (bombed bool, fatal error) {
	if err := w.ctx.Err(); err != nil {
		return false, err
	}
	d := &Doc{Path: path, Depth: depth, Size: m.size, Content: m.r, Err: m.err, MediaType: "application/octet-stream"}
	if m.r != nil {
		if m.summed {
			d.SHA256 = m.sum
		} else {
			sum, err := hashReaderAt(w.ctx, m.r, m.size)
			if err != nil {
				if cerr := w.ctx.Err(); cerr != nil {
					return false, cerr
				}
				d.Content = nil
				setErr(d, ErrCorrupt, "read input")
			} else {
				d.SHA256 = sum
			}
		}
	} else {
		d.SHA256 = m.sum
	}

	var sn sniffed
	quine := d.Content != nil && slices.Contains(w.sums, d.SHA256)
	if d.Content != nil {
		sn = w.sniff(d, m.hint, m.charset)
		d.MediaType = sn.mediaType
	}
	if quine {
		setErr(d, ErrBomb, "document contains itself")
	}

	bombed = errors.Is(d.Err, ErrBomb)
	ok, err := w.begin(d)
	if err != nil || !ok {
		return bombed, err
	}
	if d.Content != nil && !quine {
		w.sums = append(w.sums, d.SHA256)
		err := w.extract(d, sn)
		w.sums = w.sums[:len(w.sums)-1]
		if err != nil {
			return true, err
		}
	}
	if d.Text != nil && !utf8.Valid(d.Text) {
		d.Text = toValidUTF8(d.Text)
	}
	if d.Truncated {
		setErr(d, ErrTextTruncated, fmt.Sprintf("text over %d bytes", w.opts.MaxTextBytes))
	}
	bombed = errors.Is(d.Err, ErrBomb)
	return bombed, w.end(d)
}

// maxBombMembers is how many members of one container may hit a limit
// before the container itself is abandoned: nested bombs (42.zip) repeat
// the same trick in every member.
const maxBombMembers = 2

// emit visits member m of d, named name, then decides whether d's expansion
// must stop. It returns a fatal error or stop=true.
func (w *walker) emit(d *Doc, b *budget, name string, m member) (stop bool, err error) {
	d2path := append(slices.Clip(d.Path), name)
	outer := w.cur
	w.cur = b
	bombed, err := w.visitOutcome(d2path, d.Depth+1, m)
	w.cur = outer
	if err != nil {
		return true, err
	}
	switch {
	case w.exhausted:
		setErr(d, ErrBomb, "total expansion limit reached")
		return true, nil
	case b.over:
		setErr(d, ErrBomb, "expansion ratio limit reached")
		return true, nil
	case bombed:
		b.bombs++
		if b.bombs >= maxBombMembers {
			setErr(d, ErrBomb, "members repeatedly exceed expansion limits")
			return true, nil
		}
	}
	return false, nil
}

// admit counts one more member of d, recording ErrBomb when there are too
// many.
func (w *walker) admit(d *Doc, b *budget) bool {
	if err := b.addMember(); err != nil {
		setErr(d, ErrBomb, fmt.Sprintf("more than %d members", w.opts.MaxMembers))
		return false
	}
	return true
}

// canNest reports whether members of d may be visited, recording ErrTooDeep
// or ErrBomb on d when they may not.
func (w *walker) canNest(d *Doc) bool {
	if d.Depth >= w.opts.MaxDepth {
		setErr(d, ErrTooDeep, fmt.Sprintf("depth limit %d", w.opts.MaxDepth))
		return false
	}
	if w.exhausted {
		setErr(d, ErrBomb, "total expansion limit reached")
		return false
	}
	return true
}

// extract dispatches on the media type. A panic in a parser becomes
// ErrCorrupt on d; visitor panics were already turned into errors by begin
// and end.
func (w *walker) extract(d *Doc, sn sniffed) (fatal error) {
	defer func() {
		if p := recover(); p != nil {
			setErr(d, ErrCorrupt, "parser failed")
		}
	}()
	switch d.MediaType {
	case mtText:
		w.extractText(d, sn)
	case mtHTML:
		w.extractHTML(d, sn)
	case mtMail:
		return w.extractMail(d)
	case mtMbox:
		return w.extractMbox(d)
	case mtPDF:
		w.extractPDF(d)
	case mtPNG, mtJPEG, mtTIFF, mtGIF, mtBMP, mtWebP, mtJP2:
		w.extractImage(d)
	case mtDocx, mtXlsx, mtPptx:
		return w.extractOOXML(d, sn)
	case mtODT, mtODS, mtODP:
		return w.extractODF(d, sn)
	case mtEPUB:
		return w.extractEPUB(d, sn)
	case mtRTF:
		w.extractRTF(d)
	case mtDoc, mtXls, mtPpt, mtMsg, mtOLE:
		return w.extractOLE(d, sn)
	case mtZip:
		return w.extractZip(d, sn)
	case mtTar:
		return w.extractTar(d, readAllAt(d.Content, d.Size), nil)
	case mtGzip, mtBzip2, mtXz, mtZstd:
		return w.extractCompressed(d)
	case mt7z:
		return w.extract7z(d)
	default:
		setErr(d, ErrUnsupported, "no extractor for this content")
	}
	return nil
}

func (w *walker) begin(d *Doc) (ok bool, err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("extract: visitor panicked in Begin: %v", p)
		}
	}()
	return w.v.Begin(d)
}

func (w *walker) end(d *Doc) (err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("extract: visitor panicked in End: %v", p)
		}
	}()
	return w.v.End(d)
}

// setErr records the first problem met with d; later ones are dropped so
// that Err names the cause rather than its consequences.
func setErr(d *Doc, sentinel error, what string) {
	if d.Err != nil {
		return
	}
	d.Err = fmt.Errorf("%s: %w", what, sentinel)
}

// docError builds a member error in the same form as setErr.
func docError(sentinel error, what string) error {
	return fmt.Errorf("%s: %w", what, sentinel)
}

// wrongPassword is the error of something no given password opened: it
// wraps ErrWrongPassword and ErrEncrypted, and reads as one line.
func wrongPassword(what string) error {
	return &twoSentinels{msg: what + ": " + ErrWrongPassword.Error(), errs: []error{ErrWrongPassword, ErrEncrypted}}
}

type twoSentinels struct {
	msg  string
	errs []error
}

func (e *twoSentinels) Error() string   { return e.msg }
func (e *twoSentinels) Unwrap() []error { return e.errs }
