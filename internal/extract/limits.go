package extract

import (
	"bytes"
	"context"
	"crypto/sha256"
	"errors"
	"io"
	"unicode/utf8"
)

const chunkSize = 64 << 10

// hashReaderAt digests size bytes of r.
func hashReaderAt(ctx context.Context, r io.ReaderAt, size int64) ([32]byte, error) {
	var sum [32]byte
	h := sha256.New()
	buf := make([]byte, min(max(size, 1), chunkSize))
	var off int64
	for off < size {
		if err := ctx.Err(); err != nil {
			return sum, err
		}
		n := int64(len(buf))
		if size-off < n {
			n = size - off
		}
		got, err := r.ReadAt(buf[:n], off)
		h.Write(buf[:got])
		off += int64(got)
		if int64(got) < n {
			if err == nil || errors.Is(err, io.EOF) {
				err = io.ErrUnexpectedEOF
			}
			return sum, err
		}
	}
	h.Sum(sum[:0])
	return sum, nil
}

// errBomb and errTotal are the internal causes a budget reader fails with.
var (
	errBomb      = errors.New("expansion ratio exceeded")
	errTotal     = errors.New("total expansion exceeded")
	errMembers   = errors.New("too many members")
	errReadLimit = errors.New("read budget exhausted")
)

// budget meters the bytes expanded out of one container against the limits:
// the walker's total, the container's ratio to its packed size, and (per
// member) the member's ratio to its declared packed size.
type budget struct {
	w        *walker
	parent   *budget      // the budget of the container this one's document is a member of
	packed   func() int64 // packed bytes consumed so far, or the container size
	expanded int64
	nested   int64 // bytes expanded by containers nested in this one's members
	members  int
	bombs    int  // members that ended with ErrBomb
	over     bool // the container as a whole passed MaxRatio
}

func (w *walker) newBudget(packed func() int64) *budget {
	return &budget{w: w, packed: packed, parent: w.cur}
}

func fixedSize(n int64) func() int64 { return func() int64 { return n } }

// charge accounts n more expanded bytes.
func (b *budget) charge(n int64) error {
	b.w.total += n
	b.expanded += n
	if b.w.total > b.w.opts.MaxTotalBytes {
		b.w.exhausted = true
		return errTotal
	}
	if overRatio(b.expanded, b.packed(), b.w.opts.MaxRatio) {
		b.over = true
		return errBomb
	}
	// Nested expansion counts against every enclosing container: a
	// 42.zip-style bomb, each level within the ratio of its own
	// container, is stopped once the whole tree passes the ratio of the
	// outermost bytes.
	for p := b.parent; p != nil; p = p.parent {
		p.nested += n
		if overRatio(p.expanded+p.nested, p.packed(), b.w.opts.MaxRatio) {
			p.over = true
			return errBomb
		}
	}
	return b.w.ctx.Err()
}

// uncharge takes back n bytes charged ahead of the expansion they stood
// for. Limits already passed stay passed.
func (b *budget) uncharge(n int64) {
	b.w.total -= n
	b.expanded -= n
	for p := b.parent; p != nil; p = p.parent {
		p.nested -= n
	}
}

// addMember counts one more member against MaxMembers.
func (b *budget) addMember() error {
	b.members++
	if b.members > b.w.opts.MaxMembers {
		return errMembers
	}
	return nil
}

func overRatio(expanded, packed int64, ratio float64) bool {
	if expanded <= ratioFloor {
		return false
	}
	return float64(expanded) > ratio*float64(max(packed, 1))
}

// meter is a reader charging every byte it yields to a budget.
type meter struct {
	r      io.Reader
	b      *budget
	packed int64 // declared packed size of this member, 0 if unknown
	n      int64
}

func (m *meter) Read(p []byte) (int, error) {
	n, err := m.r.Read(p)
	if n > 0 {
		m.n += int64(n)
		if cerr := m.b.charge(int64(n)); cerr != nil {
			return n, cerr
		}
		if m.packed > 0 && overRatio(m.n, m.packed, m.b.w.opts.MaxRatio) {
			return n, errBomb
		}
	}
	return n, err
}

// counter counts the bytes read through it, to know how much of a
// compressed stream was consumed.
type counter struct {
	r io.Reader
	n int64
}

func (c *counter) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}

// slurped is a member read out of a stream.
type slurped struct {
	data []byte // nil when larger than MaxMemberBytes
	sum  [32]byte
	size int64
	err  error // read error, nil at a clean EOF
}

// slurp reads r to its end, keeping at most MaxMemberBytes in memory and
// digesting everything. sizeHint only sizes the first allocation, within a
// small cap, since it comes from a hostile header.
func (w *walker) slurp(r io.Reader, sizeHint int64) slurped {
	var s slurped
	h := sha256.New()
	limit := w.opts.MaxMemberBytes
	initial := min(max(sizeHint, 0), 1<<20, limit)
	data := make([]byte, 0, initial)
	// Read straight into data while it has room; the header's size only
	// sizes the first allocation.
	buf := make([]byte, min(max(sizeHint+1, 512), chunkSize))
	keep := true
	for {
		n, err := r.Read(buf)
		if n > 0 {
			h.Write(buf[:n])
			s.size += int64(n)
			if keep && s.size > limit {
				keep, data = false, nil
			}
			if keep {
				data = append(data, buf[:n]...)
			}
		}
		if err == io.EOF {
			break
		}
		if err != nil {
			s.err = err
			break
		}
	}
	if keep {
		s.data = data
	}
	h.Sum(s.sum[:0])
	return s
}

// memberOf turns a slurped member into a member to visit, classifying the
// read error. Whether the container must stop is decided by emit from the
// budget's state.
func memberOf(s slurped, corruptWhat string) (m member) {
	m.size = s.size
	if s.data != nil {
		m.r = bytes.NewReader(s.data)
	}
	switch {
	case s.err == nil:
		m.sum, m.summed = s.sum, true
		if s.data == nil {
			m.err = docError(ErrTooLarge, "member held back")
		}
	case errors.Is(s.err, errTotal):
		m.r = nil
		m.err = docError(ErrBomb, "total expansion limit reached")
	case errors.Is(s.err, errBomb):
		m.r = nil
		m.err = docError(ErrBomb, "expansion ratio limit reached")
	case errors.Is(s.err, context.Canceled), errors.Is(s.err, context.DeadlineExceeded):
		m.r = nil
		m.err = docError(ErrCorrupt, "cancelled")
	default:
		// Keep what was read of a damaged member: truncated documents still
		// carry text worth reading. The digest then covers the partial bytes
		// and is not reported.
		m.err = docError(ErrCorrupt, corruptWhat)
	}
	return m
}

// textBuf collects extracted text up to a limit, cutting at a rune boundary.
type textBuf struct {
	b         []byte
	max       int64
	truncated bool
	// wroteAlternative is set once a part of the innermost
	// multipart/alternative was written, so that its other renderings of
	// the same text are skipped.
	wroteAlternative bool
}

func (t *textBuf) full() bool { return t.truncated }

func (t *textBuf) Write(p []byte) (int, error) {
	if t.truncated {
		return len(p), nil
	}
	room := t.max - int64(len(t.b))
	if int64(len(p)) > room {
		cut := int(max(room, 0))
		for cut > 0 && cut < len(p) && !utf8.RuneStart(p[cut]) {
			cut--
		}
		t.b = append(t.b, p[:cut]...)
		t.truncated = true
		return len(p), nil
	}
	t.b = append(t.b, p...)
	return len(p), nil
}

func (t *textBuf) WriteString(s string) (int, error) {
	return t.Write([]byte(s))
}

// set stores the collected text on d.
func (t *textBuf) set(d *Doc) {
	if len(t.b) > 0 {
		d.Text = t.b
	}
	d.Truncated = d.Truncated || t.truncated
}

// toValidUTF8 replaces invalid sequences with U+FFFD.
func toValidUTF8(b []byte) []byte {
	out := make([]byte, 0, len(b))
	for len(b) > 0 {
		r, n := utf8.DecodeRune(b)
		if r == utf8.RuneError && n == 1 {
			out = utf8.AppendRune(out, utf8.RuneError)
		} else {
			out = append(out, b[:n]...)
		}
		b = b[n:]
	}
	return out
}

// readerAtBudget fails reads once a parser that re-reads its input (PDF) has
// read more than a multiple of it, so that reference loops end.
type readerAtBudget struct {
	ctx  context.Context
	r    io.ReaderAt
	left int64
}

func (b *readerAtBudget) ReadAt(p []byte, off int64) (int, error) {
	if err := b.ctx.Err(); err != nil {
		return 0, err
	}
	if b.left <= 0 {
		return 0, errReadLimit
	}
	n, err := b.r.ReadAt(p, off)
	b.left -= int64(n)
	return n, err
}
