package redact

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
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
	done  chan struct{}
}

// Stream redacts r to w in bounded memory and returns the statistics. It
// reads BufferSize bytes at a time, or maxChunk if that is less, cuts
// where detect.Scanner.SafeCut says no identifier can straddle the cut
// (normally the last line break), and redacts chunks on Workers
// goroutines, writing them in order. The output
// is the same as Apply on the whole input, with one exception: a line
// longer than about BufferSize (at least 160 KiB) that offers no safe cut is
// cut anyway, carrying detect.MaxLen bytes so that no identifier is split,
// and an identifier's left context across that cut is not seen.
func (r *Redactor) Stream(ctx context.Context, in io.Reader, out io.Writer) (Stats, error) {
	if err := ctx.Err(); err != nil {
		return Stats{}, err
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
	st, err := r.stream(ctx, io.MultiReader(bytes.NewReader(head), in), out)
	r.chunks.Put(c)
	return st, err
}

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

// stream is Stream for an input larger than one read.
func (r *Redactor) stream(ctx context.Context, in io.Reader, out io.Writer) (Stats, error) {
	// BufferSize sets how long a line Stream waits for before it cuts it
	// anyway, but a chunk is cut sooner if it can be.
	readSize := min(r.opts.BufferSize, maxChunk)
	hardMax := max(r.opts.BufferSize, 8*detect.MaxLen) + 128<<10
	nw := r.opts.Workers
	// A chunk for each worker, one being filled and one being written:
	// more would only add fresh buffers.
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
	defer close(stop)
	readErr := make(chan error, 1)

	for range nw {
		go func() {
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
			for c := range jobs {
				c.t.reset()
				c.fresh = c.fresh[:0]
				c.out = w.redact(c.out[:0], c.text, &c.t, r.wantFresh(&c.fresh))
				c.done <- struct{}{}
			}
		}()
	}
	go func() {
		defer close(order)
		defer close(jobs)
		readErr <- r.read(ctx, in, readSize, hardMax, free, jobs, order, stop)
	}()

	var total tally
	var err error
	for c := range order {
		<-c.done
		if err == nil {
			if _, werr := out.Write(c.out); werr != nil {
				err = fmt.Errorf("write redacted output: %w", werr)
			}
		}
		if err == nil {
			total.merge(&c.t)
			if r.opts.OnToken != nil {
				for _, m := range c.fresh {
					if err = r.opts.OnToken(m); err != nil {
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

// minBuf is how much Stream reads first, to find whether the input is
// small enough to redact in one piece.
const minBuf = 64 << 10

// maxChunk is the size of chunk Stream prefers. Every chunk in flight
// holds an input and an output buffer about its size, fresh memory that
// the kernel faults in page by page when first written, which is dear on
// a virtual machine: a 67 MB log redacted in 1 MiB chunks, six in flight,
// took 3,300 more page faults and more CPU time than in 256 KiB chunks,
// four in flight, which still make only a few hundred hand-offs between
// goroutines.
const maxChunk = 256 << 10

// read fills chunks from in, cuts them safely and hands them to the workers
// and, in the same order, to the writer.
func (r *Redactor) read(ctx context.Context, in io.Reader, readSize, hardMax int, free <-chan *chunk, jobs, order chan<- *chunk, stop <-chan struct{}) error {
	get := func() (*chunk, bool) {
		select {
		case c := <-free:
			if c.in == nil {
				// The input is longer than one read: a buffer of
				// the read size at once, grown only for a long line.
				c.in = make([]byte, 0, readSize)
			}
			return c, true
		case <-stop:
			return nil, false
		}
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
		select {
		case jobs <- cur:
		case <-stop:
			return nil
		}
		select {
		case order <- cur:
		case <-stop:
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
