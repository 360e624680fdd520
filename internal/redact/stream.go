package redact

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"sync"
	"sync/atomic"
	"unicode/utf8"

	"antidote/internal/detect"
)

// chunk holds a small input read whole by Stream, and its output; the
// buffers serve the next small input.
type chunk struct {
	in  []byte
	out []byte
}

// Stream redacts r to w in bounded memory and returns the statistics. It
// reads BufferSize bytes at a time, or maxChunk if that is less, cuts
// where detect.Scanner.SafeCut says no identifier can straddle the cut
// (normally the last line break), and redacts chunks on Workers
// goroutines, writing them in order (see stream). The output
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
		c = &chunk{}
	}
	if cap(c.in) < minBuf {
		c.in = make([]byte, 0, minBuf)
	}
	head := c.in[:min(r.opts.BufferSize, minBuf)]
	n, err := io.ReadFull(in, head)
	switch {
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		st, err := r.small(head[:n], c, out)
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
//
// Each worker takes the next chunk itself: it reads and cuts it with the
// input locked, redacts it, and writes it when the chunk before it is
// written. A chunk so stays on one processor from the read to the write,
// in its cache, rather than being read on one, redacted on another and
// written from a third, and no goroutine exists only to pass chunks on.
func (r *Redactor) stream(ctx context.Context, in io.Reader, out io.Writer) (Stats, error) {
	// BufferSize sets how long a line Stream waits for before it cuts it
	// anyway, but a chunk is cut sooner if it can be.
	readSize := min(r.opts.BufferSize, maxChunk)
	hardMax := max(r.opts.BufferSize, 8*detect.MaxLen) + 128<<10
	s := &streamState{in: in, out: out, readSize: readSize, hardMax: hardMax}
	s.turn = sync.NewCond(&s.outMu)
	nw := r.opts.Workers
	var wg sync.WaitGroup
	workers := make([]*worker, nw)
	for k := range nw {
		w, _ := r.workers.Get().(*worker)
		if w == nil {
			w = r.newWorker()
		}
		workers[k] = w
		wg.Go(func() { r.streamWorker(ctx, s, w) })
	}
	wg.Wait()
	for _, w := range workers {
		w.forget()
	}
	if s.err != nil {
		// The workers' caches may hold values OnToken has not seen:
		// they are dropped with them.
		return s.total.stats(), s.err
	}
	for _, w := range workers {
		r.workers.Put(w)
	}
	return s.total.stats(), nil
}

// streamState is what stream's workers share.
type streamState struct {
	// The input side, under inMu: the reader, what the last cut left
	// over, whether the input has ended, and the next chunk's number.
	inMu              sync.Mutex
	in                io.Reader
	readSize, hardMax int
	carry             []byte
	eof, done         bool
	next              int

	// The output side, under outMu: the number of the chunk to write
	// next, the totals, and the first error, which stops every worker.
	outMu   sync.Mutex
	turn    *sync.Cond
	out     io.Writer
	written int
	total   tally
	err     error
	failed  atomic.Bool
}

// fail records the first error and wakes every worker to stop.
func (s *streamState) fail(err error) {
	s.outMu.Lock()
	if s.err == nil {
		s.err = err
	}
	s.failed.Store(true)
	s.turn.Broadcast()
	s.outMu.Unlock()
}

// streamWorker is one of stream's workers: it takes chunks until the
// input ends or a worker fails.
func (r *Redactor) streamWorker(ctx context.Context, s *streamState, w *worker) {
	for !s.failed.Load() {
		text, seq, ok, err := r.nextChunk(ctx, s, w)
		if err != nil {
			s.fail(err)
			return
		}
		if !ok {
			return
		}
		w.t.reset()
		w.fresh = w.fresh[:0]
		w.out = w.redact(w.out[:0], text, &w.t, r.wantFresh(&w.fresh))
		if err := r.emit(s, w, seq); err != nil {
			s.fail(err)
			return
		}
	}
}

// nextChunk reads and cuts the next chunk into w's buffer and numbers it;
// ok is false when the input has ended or a worker has failed.
func (r *Redactor) nextChunk(ctx context.Context, s *streamState, w *worker) (text []byte, seq int, ok bool, err error) {
	s.inMu.Lock()
	defer s.inMu.Unlock()
	if s.done || s.failed.Load() {
		return nil, 0, false, nil
	}
	if err := ctx.Err(); err != nil {
		return nil, 0, false, err
	}
	if w.in == nil {
		// A buffer of the read size at once, grown only for a long line.
		w.in = make([]byte, 0, s.readSize)
	}
	buf := append(w.in[:0], s.carry...)
	buf, cut, err := r.fill(s.in, buf, s.readSize, s.hardMax, &s.eof)
	w.in = buf[:0] // keep what fill grew, for the next chunk
	if err != nil {
		return nil, 0, false, err
	}
	if cut == 0 && s.eof {
		s.done = true
		return nil, 0, false, nil
	}
	s.carry = append(s.carry[:0], buf[cut:]...)
	if s.eof && len(s.carry) == 0 {
		s.done = true
	}
	seq = s.next
	s.next++
	return buf[:cut], seq, true, nil
}

// emit writes chunk seq's output once every chunk before it is written,
// adds its counts and passes its new tokens to OnToken, in input order.
func (r *Redactor) emit(s *streamState, w *worker, seq int) error {
	s.outMu.Lock()
	defer s.outMu.Unlock()
	defer clear(w.fresh) // drop the values
	for s.written != seq && s.err == nil {
		s.turn.Wait()
	}
	if s.err != nil {
		return nil // another worker failed: it has said why
	}
	if _, err := s.out.Write(w.out); err != nil {
		return fmt.Errorf("write redacted output: %w", err)
	}
	s.total.merge(&w.t)
	if r.opts.OnToken != nil {
		for _, m := range w.fresh {
			if err := r.opts.OnToken(m); err != nil {
				return err
			}
		}
	}
	s.written++
	s.turn.Broadcast()
	return nil
}

// minBuf is how much Stream reads first, to find whether the input is
// small enough to redact in one piece.
const minBuf = 64 << 10

// maxChunk is the size of chunk Stream prefers. Every worker holds an
// input and an output buffer about its size, fresh memory that the kernel
// faults in page by page when first written, which is dear on a virtual
// machine: a 67 MB log redacted in 1 MiB chunks, six in flight, took 3,300
// more page faults and more CPU time than in 256 KiB chunks, which still
// make only a few hundred turns between workers (64 and 128 KiB cost 3-7%
// more).
const maxChunk = 256 << 10

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
