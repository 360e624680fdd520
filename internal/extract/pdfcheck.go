package extract

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"strconv"

	"github.com/ledongthuc/pdf"
)

// The PDF reader sizes its cross-reference table from numbers in the file:
// a subsection "2000000000 1" of a classic xref table, or the /Size of an
// xref stream, makes it allocate tens of gigabytes at once. checkPDFCounts
// reads the file's tokens first and refuses object numbers beyond what the
// file can hold.

// pdfMaxObjects is the PDF implementation limit on indirect objects.
const pdfMaxObjects = 8_388_607

// pdfMaxPageContent bounds the decompressed content of one page: the
// reader holds a page's text, and each string in it, whole.
const pdfMaxPageContent = 64 << 20

// maxPDFObject is the highest object number accepted in a file of size
// bytes: no more objects than bytes, and at least 65536.
func maxPDFObject(size int64) int64 {
	return min(pdfMaxObjects, max(size, 1<<16))
}

// pdfTokens reads the tokens of a PDF file, skipping stream data.
type pdfTokens struct {
	br  *bufio.Reader
	tok []byte
}

func isPDFSpace(c byte) bool {
	return c == ' ' || c == '\n' || c == '\r' || c == '\t' || c == '\f' || c == 0
}

func isPDFDelim(c byte) bool {
	return c == '(' || c == ')' || c == '<' || c == '>' || c == '[' || c == ']' || c == '{' || c == '}' || c == '/' || c == '%'
}

// next returns the next token: a name with its slash, a delimiter, or a
// run of regular characters. It returns nil at the end.
func (t *pdfTokens) next() []byte {
	c, err := t.br.ReadByte()
	for err == nil && isPDFSpace(c) {
		c, err = t.br.ReadByte()
	}
	if err != nil {
		return nil
	}
	switch c {
	case '%': // a comment, to the end of the line
		for err == nil && c != '\n' && c != '\r' {
			c, err = t.br.ReadByte()
		}
		return t.next()
	case '(': // a literal string, with nesting and escapes
		depth := 1
		for depth > 0 {
			if c, err = t.br.ReadByte(); err != nil {
				return nil
			}
			switch c {
			case '\\':
				t.br.ReadByte()
			case '(':
				depth++
			case ')':
				depth--
			}
		}
		return t.next()
	}
	t.tok = append(t.tok[:0], c)
	if isPDFDelim(c) && c != '/' {
		return t.tok
	}
	for len(t.tok) < 64 {
		c, err = t.br.ReadByte()
		if err != nil {
			break
		}
		if isPDFSpace(c) || isPDFDelim(c) {
			t.br.UnreadByte()
			break
		}
		t.tok = append(t.tok, c)
	}
	return t.tok
}

// skipStream moves past the data of a stream, to its endstream keyword.
func (t *pdfTokens) skipStream() {
	const end = "endstream"
	var tail []byte
	for {
		s, err := t.br.ReadSlice(end[len(end)-1])
		tail = append(tail, s[max(len(s)-len(end), 0):]...)
		tail = tail[max(len(tail)-len(end), 0):]
		if bytes.HasSuffix(tail, []byte(end)) {
			return
		}
		if err != nil && err != bufio.ErrBufferFull {
			return
		}
	}
}

// int reads the next token as an integer.
func (t *pdfTokens) int() (int64, bool) {
	tok := t.next()
	if tok == nil {
		return 0, false
	}
	n, err := strconv.ParseInt(string(tok), 10, 64)
	return n, err == nil
}

// checkPDFCounts reads the whole file's tokens and returns an error if a
// cross-reference section or xref stream numbers objects beyond
// maxPDFObject.
func checkPDFCounts(r io.ReaderAt, size int64) error {
	limit := maxPDFObject(size)
	t := &pdfTokens{br: bufio.NewReaderSize(io.NewSectionReader(r, 0, size), chunkSize)}
	for {
		tok := t.next()
		switch {
		case tok == nil:
			return nil
		case bytes.Equal(tok, []byte("stream")):
			t.skipStream()
		case bytes.Equal(tok, []byte("xref")):
			// Subsections: "start count", then count entries of three
			// tokens each, until the trailer.
			if err := t.ranges(limit, 3); err != nil {
				return err
			}
		case bytes.Equal(tok, []byte("/Size")):
			if n, ok := t.int(); ok && n > limit {
				return tooManyObjects(n, limit)
			}
		case bytes.Equal(tok, []byte("/Index")):
			if tok := t.next(); tok == nil || tok[0] != '[' {
				continue
			}
			if err := t.ranges(limit, 0); err != nil {
				return err
			}
		}
	}
}

// ranges reads pairs "start count" of object numbers, each followed by
// skip tokens per object, until a token that is not a number.
func (t *pdfTokens) ranges(limit int64, skip int64) error {
	for {
		start, ok1 := t.int()
		count, ok2 := t.int()
		if !ok1 || !ok2 {
			return nil
		}
		if start < 0 || count < 0 || start+count > limit {
			return tooManyObjects(max(start, 0)+max(count, 0), limit)
		}
		for range skip * count {
			t.next()
		}
	}
}

func tooManyObjects(n, limit int64) error {
	return fmt.Errorf("pdf numbers object %d, beyond the %d a file this size can hold", n, limit)
}

// pageContentSize decompresses a page's content streams, up to limit+1
// bytes, and returns their size.
func pageContentSize(p pdf.Page, limit int64) (n int64, err error) {
	defer func() {
		if recover() != nil {
			err = errors.New("pdf page content unreadable")
		}
	}()
	c := p.V.Key("Contents")
	streams := []pdf.Value{c}
	if c.Kind() == pdf.Array {
		streams = streams[:0]
		for i := range c.Len() {
			streams = append(streams, c.Index(i))
		}
	}
	for _, s := range streams {
		if s.Kind() != pdf.Stream {
			continue
		}
		rc := s.Reader()
		m, err := io.CopyN(io.Discard, rc, limit+1-n)
		rc.Close()
		n += m
		if n > limit {
			return n, nil
		}
		if err != nil && err != io.EOF {
			return n, err
		}
	}
	return n, nil
}
