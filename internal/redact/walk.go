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
	return walk(ctx, in, sc, bufSize, fn, nil)
}

// Suspect is a run that detect.FindSuspects, verify's greedier second
// opinion, sees in a stream: for a person to judge, not a certain leak.
type Suspect struct {
	Start, End int64 // byte offsets into the whole stream
	Kind       detect.Kind
	Line, Col  int // where Start is, 1-based; Col counts bytes
}

func walk(ctx context.Context, in io.Reader, sc *detect.Scanner, bufSize int, fn func(Found) error, sfn func(Suspect) error) error {
	if bufSize <= 0 {
		bufSize = 1 << 20
	}
	hardMax := max(bufSize, 8*detect.MaxLen) + 128<<10
	r := &Redactor{scanner: sc}
	buf := make([]byte, 0, min(hardMax, minBuf)) // fill grows it
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
		line0, lineStart0 := line, lineStart
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
		if sfn != nil {
			if err := suspectsIn(text, base, line0, lineStart0, sfn); err != nil {
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

// suspectsIn calls sfn for every suspect run in text, which starts at
// stream offset base, on line line, which starts at offset lineStart.
func suspectsIn(text []byte, base int64, line int, lineStart int64, sfn func(Suspect) error) error {
	at := 0
	for _, x := range detect.FindSuspects(nil, text) {
		seg := text[at:x.Start]
		if n := bytes.Count(seg, newline); n > 0 {
			line += n
			lineStart = base + int64(at+bytes.LastIndexByte(seg, '\n')+1)
		}
		at = x.Start
		if err := sfn(Suspect{Start: base + int64(x.Start), End: base + int64(x.End), Kind: x.Kind, Line: line, Col: int(base+int64(x.Start)-lineStart) + 1}); err != nil {
			return err
		}
	}
	return nil
}

// CheckSuspects is Check that also calls sfn for every run the greedier
// second opinion (detect.FindSuspects) sees where the scanner found no
// certain identifier (a leak, already reported, or one the policy keeps,
// such as a private address): addresses with odd separators, longer dotted
// numbers, kept versions, hex-and-colon runs. They are for a person to judge; verify lists them
// apart and does not fail on them.
func CheckSuspects(ctx context.Context, in io.Reader, sc *detect.Scanner, p Policy, fn func(Found) error, sfn func(Suspect) error) error {
	var certain [][2]int64 // spans of the certain matches, not yet passed by a suspect
	return walk(ctx, in, sc, 0, func(f Found) error {
		if f.Kept != "" {
			return nil // a version: the second opinion may say otherwise
		}
		certain = append(certain, [2]int64{int64(f.Start), int64(f.End)})
		if p.RedactsMatch(&f.Match) {
			return fn(f)
		}
		return nil
	}, func(s Suspect) error {
		for len(certain) > 0 && certain[0][1] <= s.Start {
			certain = certain[1:]
		}
		if len(certain) > 0 && certain[0][0] < s.End {
			return nil // the scanner found something certain there
		}
		return sfn(s)
	})
}

// Check walks redacted output and calls fn for every identifier that p
// redacts: anything it finds is a leak. Tokens never trip it; addresses
// written by prefix-preserving mode do, being addresses. Kept matches
// (version numbers, see detect.Match.Kept) are not identifiers.
func Check(ctx context.Context, in io.Reader, sc *detect.Scanner, p Policy, fn func(Found) error) error {
	return Walk(ctx, in, sc, 0, func(f Found) error {
		if f.Kept == "" && p.RedactsMatch(&f.Match) {
			return fn(f)
		}
		return nil
	})
}
