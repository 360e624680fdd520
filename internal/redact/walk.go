package redact

import (
	"bytes"
	"context"
	"io"

	"antidote/internal/detect"
)

// Found is an identifier located in a stream.
type Found struct {
	detect.Match     // Start and End are byte offsets into the whole stream
	Line, Col    int // where Start is, 1-based; Col counts bytes
}

// Walk scans a stream in bounded memory, cutting it as Stream does, and
// calls fn for every identifier in order. Listed names inside tokens
// (NAME-... when "Name" is listed) are not reported. bufSize 0 means 1 MiB.
func Walk(ctx context.Context, in io.Reader, sc *detect.Scanner, bufSize int, fn func(Found) error) error {
	if bufSize <= 0 {
		bufSize = 1 << 20
	}
	hardMax := max(bufSize, 8*detect.MaxLen) + 128<<10
	r := &Redactor{scanner: sc}
	buf := make([]byte, 0, hardMax)
	var ms []detect.Match
	var base int64 // offset of buf[0] in the stream
	line, lineStart := 1, int64(0)
	eof := false
	for {
		if err := ctx.Err(); err != nil {
			return err
		}
		var cut int
		var err error
		buf, cut, err = r.fill(in, buf, bufSize, hardMax, &eof)
		if err != nil {
			return err
		}
		text := buf[:cut]
		ms = sc.Scan(ms[:0], text)
		pos := 0
		for _, m := range ms {
			if mayHideInToken(m.Kind) && insideToken(text, m.Start, m.End) {
				continue
			}
			seg := text[pos:m.Start]
			if n := bytes.Count(seg, newline); n > 0 {
				line += n
				lineStart = base + int64(pos+bytes.LastIndexByte(seg, '\n')+1)
			}
			pos = m.Start
			f := Found{Match: m, Line: line, Col: int(base+int64(m.Start)-lineStart) + 1}
			f.Start, f.End = m.Start+int(base), m.End+int(base)
			if err := fn(f); err != nil {
				return err
			}
		}
		seg := text[pos:]
		if n := bytes.Count(seg, newline); n > 0 {
			line += n
			lineStart = base + int64(pos+bytes.LastIndexByte(seg, '\n')+1)
		}
		base += int64(cut)
		n := copy(buf, buf[cut:])
		buf = buf[:n]
		if eof && n == 0 {
			return nil
		}
	}
}

var newline = []byte{'\n'}

// Check walks redacted output and calls fn for every identifier that p
// redacts: anything it finds is a leak. Tokens never trip it; addresses
// written by prefix-preserving mode do, being addresses. Kept matches
// (version numbers, see detect.Match.Kept) are not identifiers.
func Check(ctx context.Context, in io.Reader, sc *detect.Scanner, p Policy, fn func(Found) error) error {
	return Walk(ctx, in, sc, 0, func(f Found) error {
		if f.Kept == "" && p.Redacts(f.Kind, f.Scope) {
			return fn(f)
		}
		return nil
	})
}
