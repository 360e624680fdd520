package extract

import (
	"bufio"
	"bytes"
	"io"
	"regexp"
	"strings"
)

// Damaged mail is read as Python's email package reads it: a header line
// that is not a field ends the header and starts the body; a part without
// headers, a missing closing boundary, or text after the last boundary
// leave every readable part in place.

// lenientHeader is a mail header parsed without rejecting anything.
type lenientHeader struct {
	keys   []string // lower-case field names, in order
	values []string
}

func (h *lenientHeader) Get(k string) string {
	k = strings.ToLower(k)
	for i, key := range h.keys {
		if key == k {
			return h.values[i]
		}
	}
	return ""
}

func (h *lenientHeader) Values(k string) []string {
	k = strings.ToLower(k)
	var out []string
	for i, key := range h.keys {
		if key == k {
			out = append(out, h.values[i])
		}
	}
	return out
}

// maxHeaderFields bounds the fields of one header block.
const maxHeaderFields = 10_000

// readLenientHeader reads a header block from br, up to limit bytes. It
// returns the header, the first line of the body when the block ended
// without a blank line (a line that is no field), and whether the block
// was damaged so.
func readLenientHeader(br *bufio.Reader, limit int) (h *lenientHeader, bodyStart []byte, damaged bool) {
	h = &lenientHeader{}
	folds := map[int][]string{}
	defer func() {
		for i, f := range folds {
			h.values[i] = strings.Join(append([]string{h.values[i]}, f...), " ")
		}
	}()
	read := 0
	for {
		line, err := readLine(br, limit-read)
		read += len(line)
		if len(line) == 0 && err != nil {
			return h, nil, false
		}
		trimmed := bytes.TrimRight(line, "\r\n")
		if len(trimmed) == 0 {
			return h, nil, false
		}
		if (trimmed[0] == ' ' || trimmed[0] == '\t') && len(h.keys) > 0 {
			// Folded lines are collected and joined once: appending to
			// the value each time is quadratic in a hostile header.
			folds[len(h.keys)-1] = append(folds[len(h.keys)-1], strings.TrimSpace(string(trimmed)))
			continue
		}
		k := headerKey(trimmed)
		if k == "" || read >= limit || len(h.keys) >= maxHeaderFields {
			// A line that is no field: the body starts here.
			return h, line, true
		}
		h.keys = append(h.keys, strings.ToLower(k))
		h.values = append(h.values, strings.TrimSpace(string(trimmed[len(k)+1:])))
	}
}

// readLine reads one line, at most limit bytes of it (the rest of a longer
// line is left for the next read).
func readLine(br *bufio.Reader, limit int) ([]byte, error) {
	var line []byte
	for {
		chunk, err := br.ReadSlice('\n')
		line = append(line, chunk...)
		if err != bufio.ErrBufferFull {
			return line, err
		}
		if len(line) >= limit {
			return line, nil // the rest of the line comes next
		}
	}
}

// mimeParts reads the parts of a multipart body delimited by boundary.
type mimeParts struct {
	br    *bufio.Reader
	dash  []byte // "--" + boundary
	cur   *mimePartReader
	ended bool // the closing boundary, or the end of the body, was met
	begun bool
	// preamble keeps the start of a body in which no delimiter was found
	// (up to maxPreamble bytes), to be read as text.
	preamble []byte
}

// maxPreamble bounds the text kept of a multipart body without delimiters.
const maxPreamble = 1 << 20

func newMIMEParts(r io.Reader, boundary string) *mimeParts {
	return &mimeParts{br: bufio.NewReaderSize(r, chunkSize), dash: []byte("--" + boundary)}
}

// boundaryLine reports whether line is a delimiter of this multipart, and
// whether it is the closing one. Trailing white space is allowed.
func (m *mimeParts) boundaryLine(line []byte) (is, closing bool) {
	if !bytes.HasPrefix(line, m.dash) {
		return false, false
	}
	rest := bytes.TrimRight(line[len(m.dash):], " \t\r\n")
	switch {
	case len(rest) == 0:
		return true, false
	case bytes.Equal(rest, []byte("--")):
		return true, true
	}
	return false, false
}

// next returns the next part's header and body, or io.EOF. The preamble
// before the first delimiter is skipped; a body without any delimiter
// has no parts.
func (m *mimeParts) next() (*lenientHeader, io.Reader, error) {
	if m.cur != nil {
		// Drain the previous part up to its delimiter.
		if _, err := io.Copy(io.Discard, m.cur); err != nil {
			return nil, nil, err
		}
		m.cur = nil
	}
	if !m.begun {
		m.begun = true
		for {
			line, err := readLine(m.br, chunkSize)
			if is, closing := m.boundaryLine(line); is {
				m.ended = closing
				m.preamble = nil
				break
			}
			if len(m.preamble) < maxPreamble {
				m.preamble = append(m.preamble, line[:min(len(line), maxPreamble-len(m.preamble))]...)
			}
			if err != nil {
				m.ended = true
				if err == io.EOF {
					return nil, nil, errNoDelimiter
				}
				return nil, nil, err
			}
		}
	}
	if m.ended {
		return nil, nil, io.EOF
	}
	p := &mimePartReader{m: m}
	h, first, _ := readLenientHeader(m.br, maxMailHeaderBytes)
	if first != nil {
		// A delimiter straight after another: an empty part.
		if is, closing := m.boundaryLine(first); is {
			m.ended = closing
			return h, bytes.NewReader(nil), nil
		}
		p.pending = bytes.TrimRight(first, "\r\n")
		p.held = first[len(p.pending):]
	}
	m.cur = p
	return h, p, nil
}

// errNoDelimiter: a multipart body in which no delimiter was found.
var errNoDelimiter = errorString("multipart body without its boundary")

type errorString string

func (e errorString) Error() string { return string(e) }

// mimePartReader streams one part's body, up to the next delimiter line.
// The line break before a delimiter belongs to the delimiter.
type mimePartReader struct {
	m       *mimeParts
	pending []byte // bytes ready to return
	held    []byte // the line break of the last line, held back
	done    bool
}

func (p *mimePartReader) Read(b []byte) (int, error) {
	for len(p.pending) == 0 {
		if p.done {
			return 0, io.EOF
		}
		line, err := readLine(p.m.br, chunkSize)
		if is, closing := p.m.boundaryLine(line); is && len(line) > 0 {
			p.done, p.m.ended = true, closing
			p.held = nil
			continue
		}
		if len(line) > 0 {
			body := bytes.TrimRight(line, "\r\n")
			p.pending = append(append(p.pending[:0], p.held...), body...)
			p.held = append(p.held[:0], line[len(body):]...)
		}
		if err != nil {
			// The end of the body without a closing delimiter: the part
			// is kept as far as it goes.
			p.done, p.m.ended = true, true
			p.pending = append(p.pending, p.held...)
			p.held = nil
			if err != io.EOF {
				return 0, err
			}
		}
	}
	n := copy(b, p.pending)
	p.pending = p.pending[n:]
	return n, nil
}

// rawParamRE finds a parameter's raw value, RFC 2231 forms included.
var rawParamRE = func() map[string]*regexp.Regexp {
	m := map[string]*regexp.Regexp{}
	for _, name := range []string{"boundary", "charset", "name"} {
		m[name] = regexp.MustCompile(`(?i)(?:^|;)\s*` + name + `\*?(?:0\*?)?\s*=\s*("[^"]*"|[^;\s]*)`)
	}
	return m
}()

// rawParam finds a parameter (boundary, charset or name) that
// mime.ParseMediaType could not decode, such as an RFC 2231 value in a
// charset Go does not know (ansi-x3.4-1968 in CPython's msg_33).
func rawParam(v, name string) string {
	re := rawParamRE[name]
	if re == nil {
		return ""
	}
	m := re.FindStringSubmatch(v)
	if m == nil {
		return ""
	}
	s := strings.Trim(m[1], `"`)
	if i := strings.Index(s, "\x27\x27"); i >= 0 {
		s = s[i+2:] // charset'language'value
	}
	return s
}
