package extract

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"hash"
	"io"
	"mime"
	"mime/quotedprintable"
	"strings"
	"unicode/utf8"

	"golang.org/x/text/encoding/charmap"
	"golang.org/x/text/transform"
)

// Mail limits.
const (
	maxMailHeaderBytes = 1 << 20 // a message's header block
	maxMIMENesting     = 32      // multipart within multipart
)

// mailHeaders are the fields written at the top of a message's text.
var mailHeaders = []string{"From", "To", "Cc", "Subject", "Date"}

// header is what both header types in use offer.
type header interface{ Get(string) string }

// mailWalk extracts one message.
type mailWalk struct {
	w       *walker
	d       *Doc
	tb      *textBuf
	b       *budget
	parts   int  // leaf parts seen, for "part-N" names
	nesting bool // whether attachments may still be visited
	checked bool // whether nesting was decided
}

// extractMail writes a message's main headers and text parts to its text
// and visits its attachments and attached messages as children.
func (w *walker) extractMail(d *Doc) error {
	mw := &mailWalk{w: w, d: d, tb: w.newText(), b: w.newBudget(fixedSize(d.Size))}
	err := mw.message(readAllAt(d.Content, d.Size))
	mw.tb.set(d)
	return err
}

func (mw *mailWalk) message(r io.Reader) error {
	br := bufio.NewReaderSize(r, chunkSize)
	h, bodyStart, _ := readLenientHeader(br, maxMailHeaderBytes)
	for _, k := range mailHeaders {
		for _, v := range h.Values(k) {
			fmt.Fprintf(mw.tb, "%s: %s\n", k, decodeHeader(v))
		}
	}
	mw.tb.WriteString("\n")
	var body io.Reader = br
	if bodyStart != nil {
		// A line that is no header field: the body starts with it, as
		// mail readers show it.
		body = io.MultiReader(bytes.NewReader(bodyStart), br)
	}
	return mw.entity(h, body, 0, false)
}

// entity handles one MIME entity. It returns only fatal errors.
func (mw *mailWalk) entity(h header, body io.Reader, nest int, inAlternative bool) error {
	if err := mw.w.ctx.Err(); err != nil {
		return err
	}
	ct := h.Get("Content-Type")
	mt, params, err := mime.ParseMediaType(ct)
	if err != nil && mt == "" {
		mt, params = "text/plain", nil
		if m, _, _ := strings.Cut(ct, ";"); strings.Contains(m, "/") {
			mt = strings.TrimSpace(m)
		}
	}
	mt = strings.ToLower(mt)
	if params == nil {
		params = map[string]string{}
	}
	for _, k := range []string{"boundary", "charset", "name"} {
		if params[k] == "" {
			// An RFC 2231 value in a charset Go does not decode.
			if v := rawParam(ct, k); v != "" {
				params[k] = v
			}
		}
	}
	if strings.HasPrefix(mt, "multipart/") {
		return mw.multipart(mt, params, body, nest)
	}
	mw.parts++
	disp, dparams, _ := mime.ParseMediaType(h.Get("Content-Disposition"))
	filename := dparams["filename"]
	if filename == "" {
		filename = params["name"]
	}
	filename = decodeHeader(filename)
	decoded := transferDecoder(h.Get("Content-Transfer-Encoding"), body)

	inline := disp != "attachment" && filename == ""
	if inline && strings.HasPrefix(mt, "text/") {
		// Every inline text part is text to read (text/plain, text/html,
		// text/rfc822-headers of a bounce, text/enriched...).
		if mt != "text/html" {
			mt = "text/plain"
		}
		if inAlternative && mw.tb.wroteAlternative {
			return nil
		}
		mw.tb.wroteAlternative = inAlternative
		return mw.inlineText(mt, params["charset"], decoded)
	}
	name := filename
	if name == "" {
		name = fmt.Sprintf("part-%d", mw.parts)
	}
	hint := ""
	switch mt {
	case "message/rfc822", "message/global":
		hint = mtMail
	case "text/plain", "text/html":
		hint = mt
	}
	return mw.attach(name, hint, params["charset"], decoded)
}

func (mw *mailWalk) multipart(mt string, params map[string]string, body io.Reader, nest int) error {
	if nest >= maxMIMENesting {
		setErr(mw.d, ErrTooDeep, "mime parts nested too deep")
		return nil
	}
	boundary := params["boundary"]
	if boundary == "" {
		// Read as text, as mail readers do.
		setErr(mw.d, ErrCorrupt, "multipart without boundary")
		return mw.inlineText("text/plain", params["charset"], body)
	}
	mr := newMIMEParts(body, boundary)
	alternative := mt == "multipart/alternative"
	saved := mw.tb.wroteAlternative
	mw.tb.wroteAlternative = false
	defer func() { mw.tb.wroteAlternative = saved }()
	for {
		ph, pbody, err := mr.next()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			if cerr := mw.w.ctx.Err(); cerr != nil {
				return cerr
			}
			setErr(mw.d, ErrCorrupt, "read mime part")
			if len(mr.preamble) > 0 {
				return mw.inlineText("text/plain", "", bytes.NewReader(mr.preamble))
			}
			return nil
		}
		if err := mw.entity(ph, pbody, nest+1, alternative); err != nil {
			return err
		}
	}
}

// inlineText appends a text part, decoded from its charset, to the text.
func (mw *mailWalk) inlineText(mt, declared string, r io.Reader) error {
	br := bufio.NewReaderSize(r, sniffLen)
	head, _ := br.Peek(sniffLen)
	te, ok := detectText(head, len(head) == sniffLen)
	if !ok {
		te = te1252
	}
	te = withDeclared(te, head, len(head) == sniffLen, declared)
	var err error
	if mt == "text/html" {
		te = htmlEncoding(head, te, declared)
		err = mw.w.htmlToText(mw.tb, br, te.enc)
	} else {
		err = mw.w.decodeTo(mw.tb, br, te.enc)
	}
	mw.tb.WriteString("\n")
	if err != nil {
		if cerr := mw.w.ctx.Err(); cerr != nil {
			return cerr
		}
		setErr(mw.d, ErrCorrupt, "decode mail text part")
	}
	return nil
}

// attach visits an attachment as a child document.
func (mw *mailWalk) attach(name, hint, declared string, r io.Reader) error {
	if !mw.checked {
		mw.checked, mw.nesting = true, mw.w.canNest(mw.d)
	}
	if !mw.nesting {
		return nil
	}
	if !mw.w.admit(mw.d, mw.b) {
		mw.nesting = false
		return nil
	}
	m := memberOf(mw.w.slurp(&meter{r: r, b: mw.b}, 0), "decode mail attachment")
	m.hint, m.charset = hint, declared
	stop, err := mw.w.emit(mw.d, mw.b, name, m)
	if stop {
		mw.nesting = false
	}
	return err
}

// transferDecoder undoes a Content-Transfer-Encoding, leniently.
func transferDecoder(cte string, r io.Reader) io.Reader {
	switch strings.ToLower(strings.TrimSpace(cte)) {
	case "base64":
		return base64.NewDecoder(base64.StdEncoding, &base64Filter{r: r})
	case "quoted-printable":
		return quotedprintable.NewReader(r)
	}
	return r
}

// base64Filter drops everything that is not base64 alphabet, as mail
// clients do with line breaks and stray characters.
type base64Filter struct{ r io.Reader }

func (f *base64Filter) Read(p []byte) (int, error) {
	for {
		n, err := f.r.Read(p)
		j := 0
		for _, c := range p[:n] {
			if c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '+' || c == '/' || c == '=' {
				p[j] = c
				j++
			}
		}
		if j > 0 || err != nil {
			return j, err
		}
	}
}

// decodeHeader decodes RFC 2047 encoded words in any charset known to
// x/text, and a raw 8-bit value as windows-1252 when it is not UTF-8.
func decodeHeader(v string) string {
	dec := mime.WordDecoder{CharsetReader: func(cs string, in io.Reader) (io.Reader, error) {
		enc, _ := lookupCharset(cs)
		if enc == nil {
			return nil, errors.New("unknown charset")
		}
		return transform.NewReader(in, enc.NewDecoder()), nil
	}}
	if s, err := dec.DecodeHeader(v); err == nil {
		v = s
	}
	if !utf8.ValidString(v) {
		if s, err := charmap.Windows1252.NewDecoder().String(v); err == nil {
			v = s
		}
	}
	return strings.Join(strings.Fields(v), " ")
}

// extractMbox splits a mailbox on its From_ lines and visits each message
// as a child named "1", "2", ...
func (w *walker) extractMbox(d *Doc) error {
	if !w.canNest(d) {
		return nil
	}
	b := w.newBudget(fixedSize(d.Size))
	br := bufio.NewReaderSize(readAllAt(d.Content, d.Size), chunkSize)
	var (
		msg       *mboxMessage
		n         int
		lineStart = true
		prevBlank = true
		pending   []byte // a blank line that ends the message if a From_ line follows
	)
	flush := func() (bool, error) {
		if msg == nil {
			return false, nil
		}
		m := msg.member()
		msg = nil
		return w.emit(d, b, fmt.Sprint(n), m)
	}
	for {
		line, err := br.ReadSlice('\n')
		if len(line) > 0 {
			whole := lineStart && (err == nil || err == io.EOF)
			switch {
			case lineStart && prevBlank && isFromLine(line):
				if stop, ferr := flush(); ferr != nil || stop {
					return ferr
				}
				if !w.admit(d, b) {
					return nil
				}
				n++
				msg = w.newMboxMessage(b)
				pending = nil
			case msg != nil:
				if pending != nil {
					msg.write(pending)
					pending = nil
				}
				if whole && isBlankLine(line) {
					pending = append([]byte(nil), line...)
				} else {
					if lineStart && isEscapedFrom(line) {
						line = line[1:]
					}
					msg.write(line)
				}
			}
			if msg != nil && msg.err != nil {
				m := msg.member()
				msg = nil
				if stop, ferr := w.emit(d, b, fmt.Sprint(n), m); ferr != nil || stop {
					return ferr
				}
			}
			if lineStart {
				prevBlank = whole && isBlankLine(line)
			}
			lineStart = err == nil
		}
		if err == bufio.ErrBufferFull {
			continue
		}
		if err != nil {
			if err != io.EOF {
				setErr(d, ErrCorrupt, "read mailbox")
			}
			break
		}
	}
	if msg != nil && pending != nil {
		msg.write(pending)
	}
	_, err := flush()
	return err
}

func isFromLine(line []byte) bool {
	return bytes.HasPrefix(line, []byte("From ")) && len(bytes.Fields(line)) >= 2
}

// isEscapedFrom reports a ">From " line (any number of '>'), which mboxrd
// escaping added one '>' to.
func isEscapedFrom(line []byte) bool {
	return bytes.HasPrefix(bytes.TrimLeft(line, ">"), []byte("From ")) && line[0] == '>'
}

func isBlankLine(line []byte) bool {
	return len(bytes.TrimRight(line, "\r\n")) == 0
}

// mboxMessage accumulates one message, in memory up to MaxMemberBytes.
type mboxMessage struct {
	b     *budget
	data  []byte
	h     hash.Hash
	size  int64
	limit int64
	err   error
}

func (w *walker) newMboxMessage(b *budget) *mboxMessage {
	return &mboxMessage{b: b, h: sha256.New(), limit: w.opts.MaxMemberBytes}
}

func (m *mboxMessage) write(p []byte) {
	if m.err != nil {
		return
	}
	if err := m.b.charge(int64(len(p))); err != nil {
		m.err = err
		return
	}
	m.h.Write(p)
	m.size += int64(len(p))
	if m.size > m.limit {
		m.data = nil
		return
	}
	m.data = append(m.data, p...)
}

func (m *mboxMessage) member() member {
	var s slurped
	s.size, s.err = m.size, m.err
	if m.size <= m.limit {
		s.data = m.data
		if s.data == nil {
			s.data = []byte{}
		}
	}
	m.h.Sum(s.sum[:0])
	mem := memberOf(s, "read mailbox message")
	mem.hint = mtMail
	return mem
}
