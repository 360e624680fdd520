package extract

import (
	"bytes"
	"errors"
	"io"
	"strings"

	"golang.org/x/net/html"
	"golang.org/x/text/encoding"
	"golang.org/x/text/transform"
)

// maxHTMLToken bounds the tokenizer's buffer: a single text run or tag
// longer than this ends the extraction with the text so far.
const maxHTMLToken = 16 << 20

func (w *walker) newText() *textBuf { return &textBuf{max: w.opts.MaxTextBytes} }

// extractText decodes a plain text document to UTF-8.
func (w *walker) extractText(d *Doc, sn sniffed) {
	tb := w.newText()
	if err := w.decodeTo(tb, readAllAt(d.Content, d.Size), sn.text.enc); err != nil {
		setErr(d, ErrCorrupt, "read text")
	}
	tb.set(d)
}

// decodeTo copies r, decoded with enc, into tb until tb is full.
func (w *walker) decodeTo(tb *textBuf, r io.Reader, enc encoding.Encoding) error {
	tr := transform.NewReader(r, enc.NewDecoder())
	buf := make([]byte, 8<<10)
	for !tb.full() {
		if err := w.ctx.Err(); err != nil {
			return err
		}
		n, err := tr.Read(buf)
		tb.Write(buf[:n])
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// htmlEncoding picks the charset of an HTML document: a byte order mark
// or UTF-16/32 shape found by sniffing, then the charset declared by the
// container, then <meta>, then detection.
func htmlEncoding(head []byte, sniffedText textEncoding, declared string) textEncoding {
	te := sniffedText
	if te.enc == nil {
		te, _ = detectText(head, true)
		if te.enc == nil {
			te = te1252
		}
	}
	cut := true
	if declared != "" {
		return withDeclared(te, head, cut, declared)
	}
	return withDeclared(te, head, cut, metaCharset(head))
}

// extractHTML extracts the visible text of an HTML document.
func (w *walker) extractHTML(d *Doc, sn sniffed) {
	te := htmlEncoding(sn.head, sn.text, sn.declared)
	d.Charset = te.name
	tb := w.newText()
	if err := w.htmlToText(tb, readAllAt(d.Content, d.Size), te.enc); err != nil {
		setErr(d, ErrCorrupt, "read html")
	}
	tb.set(d)
}

// skipped elements hold no visible text.
var skippedTags = map[string]bool{"script": true, "style": true, "noscript": true, "template": true}

// blockTags end a line of text.
var blockTags = map[string]bool{
	"address": true, "article": true, "aside": true, "blockquote": true, "dd": true, "details": true,
	"dialog": true, "div": true, "dl": true, "dt": true, "fieldset": true, "figcaption": true,
	"figure": true, "footer": true, "form": true, "h1": true, "h2": true, "h3": true, "h4": true,
	"h5": true, "h6": true, "header": true, "hgroup": true, "hr": true, "li": true, "main": true,
	"nav": true, "ol": true, "p": true, "pre": true, "section": true, "table": true, "tr": true,
	"ul": true, "title": true, "caption": true, "summary": true, "option": true, "html": true,
	"body": true, "head": true, "thead": true, "tbody": true, "tfoot": true,
}

// htmlToText streams r (in enc) through the HTML tokenizer into tb.
func (w *walker) htmlToText(tb *textBuf, r io.Reader, enc encoding.Encoding) error {
	z := html.NewTokenizer(transform.NewReader(r, enc.NewDecoder()))
	z.SetMaxBuf(maxHTMLToken)
	out := &flow{tb: tb}
	skip, pre := 0, 0
	for !tb.full() {
		tt := z.Next()
		switch tt {
		case html.ErrorToken:
			err := z.Err()
			if err == io.EOF {
				return nil
			}
			if errors.Is(err, html.ErrBufferExceeded) {
				tb.truncated = true
				return nil
			}
			return err
		case html.TextToken:
			if skip == 0 {
				out.text(z.Text(), pre > 0)
			}
		case html.StartTagToken, html.SelfClosingTagToken, html.EndTagToken:
			name, _ := z.TagName()
			tag := string(name)
			start := tt != html.EndTagToken
			switch {
			case skippedTags[tag]:
				if tt == html.StartTagToken {
					skip++
				} else if tt == html.EndTagToken && skip > 0 {
					skip--
				}
			case tag == "br":
				out.newline(false)
			case tag == "td" || tag == "th":
				out.space = true
			case blockTags[tag]:
				out.newline(true)
				if tag == "pre" {
					if start && tt == html.StartTagToken {
						pre++
					} else if !start && pre > 0 {
						pre--
					}
				}
			}
		}
		if err := w.ctx.Err(); err != nil {
			return err
		}
	}
	return nil
}

// flow lays out HTML text: runs of white space collapse to one space, and
// block boundaries become at most one blank line.
type flow struct {
	tb      *textBuf
	space   bool
	lines   int // pending line breaks
	started bool
}

// newline asks for a line break; block boundaries collapse, <br> add up.
func (f *flow) newline(block bool) {
	if block {
		f.lines = max(f.lines, 1)
	} else {
		f.lines = min(f.lines+1, 2)
	}
}

func (f *flow) text(s []byte, pre bool) {
	if pre {
		f.flush()
		f.tb.Write(s)
		f.started = f.started || len(s) > 0
		return
	}
	for len(s) > 0 {
		i := bytes.IndexFunc(s, isHTMLSpace)
		if i < 0 {
			i = len(s)
		}
		if i > 0 {
			f.flush()
			f.tb.Write(s[:i])
			f.started = true
		}
		s = s[i:]
		j := bytes.IndexFunc(s, func(r rune) bool { return !isHTMLSpace(r) })
		if j < 0 {
			j = len(s)
		}
		if j > 0 {
			f.space = true
		}
		s = s[j:]
	}
}

func (f *flow) flush() {
	switch {
	case !f.started:
	case f.lines > 0:
		f.tb.WriteString(strings.Repeat("\n", f.lines))
	case f.space:
		f.tb.WriteString(" ")
	}
	f.lines, f.space = 0, false
}

func isHTMLSpace(r rune) bool {
	return r == ' ' || r == '\t' || r == '\n' || r == '\r' || r == '\f'
}
