package redact

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"runtime/debug"
	"sync"
	"unicode/utf8"

	"antidote/internal/detect"
)

// chunk is one piece of the input on its way through Stream: read and cut
// by the reader, redacted by a worker, written by the writer, then reused.
type chunk struct {
	in    []byte // the input buffer; text is its prefix
	text  []byte
	out   []byte
	t     tally
	fresh []Mapping
	err   error // what stopped the worker, instead of out
	done  chan struct{}
}

// Stream redacts r to w in bounded memory and returns the statistics. It
// reads BufferSize bytes at a time, cuts where detect.Scanner.SafeCut says
// no identifier can straddle the cut (normally the last line break), and
// redacts chunks on Workers goroutines, writing them in order. The output
// is the same as Apply on the whole input, with one exception: a line
// longer than about BufferSize (at least 160 KiB) that offers no safe cut is
// cut anyway, carrying detect.MaxLen bytes so that no identifier is split,
// and an identifier's left context across that cut is not seen.
//
// A regular file passed as an *os.File larger than one read is mapped into
// memory where the system allows, rather than read: Stream redacts it from
// its offset to the size it had when Stream began, leaves the offset at
// that end, and fails with an error if the file is truncated meanwhile.
func (r *Redactor) Stream(ctx context.Context, in io.Reader, out io.Writer) (Stats, error) {
	if err := ctx.Err(); err != nil {
		return Stats{}, err
	}
	if f, ok := in.(*os.File); ok {
		if m := mapFile(f, min(r.opts.BufferSize, minBuf)); m != nil {
			return r.streamMapped(ctx, m, out)
		}
	}
	// A small input, read whole into one buffer, is one chunk: redact it
	// here, without starting workers and handing the chunk between them
	// (most of the cost of many small files).
	c, _ := r.chunks.Get().(*chunk)
	if c == nil {
		c = &chunk{done: make(chan struct{}, 1)}
	}
	if cap(c.in) < minBuf {
		c.in = make([]byte, 0, minBuf)
	}
	head := c.in[:min(r.opts.BufferSize, minBuf)]
	n, err := io.ReadFull(in, head)
	switch {
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		st, err := r.small(head[:n], c, out)
		c.text = nil
		r.chunks.Put(c)
		return st, err
	case err != nil:
		return Stats{}, fmt.Errorf("read input: %w", err)
	}
	// A larger one goes through the workers, starting with what was read.
	// The chunk keeps its bytes until then, out of the pool.
	in = io.MultiReader(bytes.NewReader(head), in)
	st, err := r.stream(ctx, nil, out, func(free <-chan *chunk, jobs, order chan<- *chunk, stop <-chan struct{}) error {
		return r.read(ctx, in, free, jobs, order, stop)
	})
	r.chunks.Put(c)
	return st, err
}

// streamMapped is Stream for a file mapped into memory: the workers
// redact straight from the mapping, cut where reading would cut it.
func (r *Redactor) streamMapped(ctx context.Context, m *mapping, out io.Writer) (Stats, error) {
	st, err := r.stream(ctx, m, out, func(free <-chan *chunk, jobs, order chan<- *chunk, stop <-chan struct{}) (err error) {
		// A fault here or in a worker is the file shrinking under the
		// mapping: an error, not a crash.
		debug.SetPanicOnFault(true)
		defer m.catch(&err)
		text := m.text
		for len(text) > 0 {
			if err := ctx.Err(); err != nil {
				return err
			}
			c, ok := recv(free, stop)
			if !ok {
				return nil
			}
			c.text, text = r.cut(text)
			if !send(c, jobs, order, stop) {
				return nil
			}
		}
		return nil
	})
	if cerr := m.close(int(st.Bytes)); cerr != nil && err == nil {
		err = fmt.Errorf("unmap input: %w", cerr)
	}
	return st, err
}

// errShrunk is a mapped input file cut short while Stream read it.
var errShrunk = errors.New("read input: the file was truncated while being read")

// catch, deferred on a goroutine that reads the mapping with
// debug.SetPanicOnFault, turns a fault in the mapping into errShrunk.
// Any other panic goes on.
func (m *mapping) catch(err *error) {
	p := recover()
	if p == nil {
		return
	}
	if f, ok := p.(interface{ Addr() uintptr }); ok && m.inside(f.Addr()) {
		*err = errShrunk
		return
	}
	panic(p)
}

// cut splits text, the rest of a mapped file, where fill would cut it if
// it read the file: a safe cut within the read size, looking further up
// to hardMax while there is none, else a forced cut.
func (r *Redactor) cut(text []byte) (head, rest []byte) {
	readSize, hardMax := r.sizes()
	for target := readSize; ; target = min(hardMax, target*2) {
		if len(text) <= target {
			return text, nil
		}
		n := r.scanner.SafeCut(text[:target])
		if n == 0 && target >= hardMax {
			n = r.forcedCut(text[:target])
		}
		if n > 0 {
			return text[:n], text[n:]
		}
	}
}

// sizes are how much Stream reads at once and how far it reads on while
// it finds no safe cut: BufferSize sets how long a line Stream waits for
// before it cuts it anyway, but a chunk is cut sooner if it can be.
func (r *Redactor) sizes() (readSize, hardMax int) {
	return min(r.opts.BufferSize, maxChunk), max(r.opts.BufferSize, 8*detect.MaxLen) + 128<<10
}

// maxChunk is the size of chunk Stream prefers. Every chunk in flight
// holds an output buffer about its size, and a buffer that size is fresh
// memory that the kernel faults in page by page when first written, which
// is dear on a virtual machine: a 67 MB log redacted in 1 MiB chunks took
// 2,000 more page faults and more CPU time than in 256 KiB chunks, which
// still make only a few hundred hand-offs between goroutines.
const maxChunk = 256 << 10

// small redacts a whole input held in one chunk.
func (r *Redactor) small(text []byte, c *chunk, out io.Writer) (Stats, error) {
	var err error
	var st Stats
	c.out, st, err = r.Apply(c.out[:0], text)
	if err != nil {
		return st, err
	}
	if len(c.out) == 0 {
		return st, nil
	}
	if _, err := out.Write(c.out); err != nil {
		return st, fmt.Errorf("write redacted output: %w", err)
	}
	return st, nil
}

// stream is Stream for an input larger than one read, or mapped (m not
// nil): feed, on a goroutine of its own, takes chunks from free, fills
// them and sends them to jobs and order, until the input ends or stop
// closes; workers redact them and stream writes them in order.
func (r *Redactor) stream(ctx context.Context, m *mapping, out io.Writer, feed func(free <-chan *chunk, jobs, order chan<- *chunk, stop <-chan struct{}) error) (Stats, error) {
	nw := r.opts.Workers
	// A chunk for each worker, one being cut and one being written:
	// more would only add fresh output buffers.
	free := make(chan *chunk, nw+2)
	for range cap(free) {
		c, _ := r.chunks.Get().(*chunk)
		if c == nil {
			c = &chunk{done: make(chan struct{}, 1)}
		}
		free <- c
	}
	jobs := make(chan *chunk)
	idle := make(chan *worker, nw)
	order := make(chan *chunk, 2*nw)
	stop := make(chan struct{})
	// Nothing may read a mapping after Stream returns and unmaps it:
	// then Stream waits for its goroutines (which stop soon after stop
	// closes). A reader may block for good, so Stream leaves those.
	var running sync.WaitGroup
	if m != nil {
		defer running.Wait()
	}
	defer close(stop)
	readErr := make(chan error, 1)

	for range nw {
		running.Go(func() {
			// Workers outlive a Stream that succeeds, so that their
			// caches carry over from one small file to the next; a
			// Stream that fails drops them, since its OnToken may not
			// have seen what they cached.
			w, _ := r.workers.Get().(*worker)
			if w == nil {
				w = r.newWorker()
			}
			defer func() {
				w.forget()
				idle <- w
			}()
			if m != nil {
				debug.SetPanicOnFault(true)
			}
			for c := range jobs {
				r.redactChunk(w, c, m)
				c.done <- struct{}{}
			}
		})
	}
	running.Go(func() {
		defer close(order)
		defer close(jobs)
		readErr <- feed(free, jobs, order, stop)
	})

	var total tally
	var err error
	for c := range order {
		<-c.done
		err = c.err
		if err == nil {
			if _, werr := out.Write(c.out); werr != nil {
				err = fmt.Errorf("write redacted output: %w", werr)
			}
		}
		if err == nil {
			total.merge(&c.t)
			if m != nil {
				m.release(int(total.bytes))
			}
			if r.opts.OnToken != nil {
				for _, mp := range c.fresh {
					if err = r.opts.OnToken(mp); err != nil {
						break
					}
				}
			}
		}
		clear(c.fresh) // drop the values
		if err != nil {
			return total.stats(), err
		}
		free <- c
	}
	if err := <-readErr; err != nil {
		return total.stats(), err
	}
	for range nw {
		r.workers.Put(<-idle)
	}
	// The chunks and their buffers serve the next Stream (many small
	// files); any still held are left to the collector.
	for {
		select {
		case c := <-free:
			c.text = nil
			r.chunks.Put(c)
		default:
			return total.stats(), nil
		}
	}
}

// redactChunk redacts c's text into c.out, or sets c.err if a fault in
// the mapping m (when not nil) stops it.
func (r *Redactor) redactChunk(w *worker, c *chunk, m *mapping) {
	c.t.reset()
	c.fresh = c.fresh[:0]
	c.err = nil
	if m != nil {
		defer m.catch(&c.err)
	}
	c.out = w.redact(c.out[:0], c.text, &c.t, r.wantFresh(&c.fresh))
}

// recv takes a free chunk, unless stop closes first.
func recv(free <-chan *chunk, stop <-chan struct{}) (*chunk, bool) {
	select {
	case c := <-free:
		return c, true
	case <-stop:
		return nil, false
	}
}

// send hands c to the workers and to the writer, unless stop closes
// first.
func send(c *chunk, jobs, order chan<- *chunk, stop <-chan struct{}) bool {
	select {
	case jobs <- c:
	case <-stop:
		return false
	}
	select {
	case order <- c:
		return true
	case <-stop:
		return false
	}
}

// minBuf is how much Stream reads first, to find whether the input is
// small enough to redact in one piece.
const minBuf = 64 << 10

// read fills chunks from in, cuts them safely and hands them to the workers
// and, in the same order, to the writer.
func (r *Redactor) read(ctx context.Context, in io.Reader, free <-chan *chunk, jobs, order chan<- *chunk, stop <-chan struct{}) error {
	readSize, hardMax := r.sizes()
	get := func() (*chunk, bool) {
		c, ok := recv(free, stop)
		if ok && c.in == nil {
			// The input is longer than one read: a buffer of
			// the read size at once, grown only for a long line.
			c.in = make([]byte, 0, readSize)
		}
		return c, ok
	}
	cur, ok := get()
	if !ok {
		return nil
	}
	buf := cur.in[:0]
	eof := false
	for {
		if err := ctx.Err(); err != nil {
			return err
		}
		var cut int
		var err error
		buf, cut, err = r.fill(in, buf, readSize, hardMax, &eof)
		if err != nil {
			return err
		}
		cur.in = buf[:0] // keep what fill grew, for the chunk's next use
		if cut == 0 && eof {
			return nil // nothing left
		}
		next, ok := get()
		if !ok {
			return nil
		}
		rest := append(next.in[:0], buf[cut:]...)
		next.in = rest[:0]
		cur.text = buf[:cut]
		if !send(cur, jobs, order, stop) {
			return nil
		}
		if eof && len(rest) == 0 {
			return nil
		}
		cur, buf = next, rest
	}
}

// fill reads into buf (which holds the bytes carried from the last chunk)
// up to readSize bytes, then returns where to cut: a safe cut, reading on
// up to hardMax bytes while there is none; the end at EOF; else a forced
// cut.
func (r *Redactor) fill(in io.Reader, buf []byte, readSize, hardMax int, eof *bool) ([]byte, int, error) {
	target := readSize
	for {
		for len(buf) < target && !*eof {
			if len(buf) == cap(buf) {
				// Grow as the input proves long: a small file never
				// costs a full buffer.
				nb := make([]byte, len(buf), min(target, max(2*cap(buf), minBuf)))
				copy(nb, buf)
				buf = nb
			}
			n, err := in.Read(buf[len(buf):min(target, cap(buf))])
			buf = buf[:len(buf)+n]
			if errors.Is(err, io.EOF) {
				*eof = true
			} else if err != nil {
				return buf, 0, fmt.Errorf("read input: %w", err)
			}
		}
		if *eof {
			return buf, len(buf), nil
		}
		if cut := r.scanner.SafeCut(buf); cut > 0 {
			return buf, cut, nil
		}
		if target >= hardMax {
			return buf, r.forcedCut(buf), nil
		}
		target = min(hardMax, max(target*2, len(buf)+readSize))
	}
}

// forcedCut cuts a full buffer that has no safe cut: detect.MaxLen bytes
// before its end, moved past any identifier that straddles that point and
// back to the start of a UTF-8 sequence.
func (r *Redactor) forcedCut(buf []byte) int {
	c := len(buf) - detect.MaxLen
	for _, m := range r.scanner.Scan(nil, buf) {
		if m.Start < c && m.End > c {
			c = m.End
		}
	}
	for c > 0 && c < len(buf) && !utf8.RuneStart(buf[c]) {
		c--
	}
	if c <= 0 {
		c = len(buf)
	}
	return c
}
