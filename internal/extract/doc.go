package extract

import (
	"encoding/binary"
	"unicode/utf16"
	"unicode/utf8"

	"golang.org/x/text/encoding/charmap"
)

// doc extracts a Word 97-2003 document ([MS-DOC]): the characters the
// piece table (Clx) lists, in character-position order: main text,
// footnotes, headers, comments (labelled), endnotes and text boxes.
func (x *oleReader) doc() {
	wd := x.read("WordDocument")
	if len(wd) < 0x22 || binary.LittleEndian.Uint16(wd) != 0xA5EC {
		x.corrupt("read Word document header")
		return
	}
	flags := binary.LittleEndian.Uint16(wd[0x0A:])
	if flags&0x0100 != 0 {
		setErr(x.d, ErrEncrypted, "Word document")
		return
	}
	// FibRgLw97 holds the character counts of the document's parts, and
	// FibRgFcLcb97 where the piece table is.
	csw := int(binary.LittleEndian.Uint16(wd[32:]))
	lwAt := 32 + 2 + 2*csw
	if lwAt+2 > len(wd) {
		x.docFallback(wd)
		return
	}
	cslw := int(binary.LittleEndian.Uint16(wd[lwAt:]))
	rgLw := lwAt + 2
	fcAt := rgLw + 4*cslw
	if cslw < 11 || fcAt+2 > len(wd) {
		x.docFallback(wd)
		return
	}
	lw := func(i int) int64 { return int64(binary.LittleEndian.Uint32(wd[rgLw+4*i:])) }
	cbRgFcLcb := int(binary.LittleEndian.Uint16(wd[fcAt:]))
	blob := fcAt + 2
	if cbRgFcLcb < 34 || blob+8*34 > len(wd) {
		x.docFallback(wd)
		return
	}
	fcClx := int64(binary.LittleEndian.Uint32(wd[blob+8*33:]))
	lcbClx := int64(binary.LittleEndian.Uint32(wd[blob+8*33+4:]))
	table := "0Table"
	if flags&0x0200 != 0 {
		table = "1Table"
	}
	tbl := x.read(table)
	if lcbClx == 0 || fcClx+lcbClx > int64(len(tbl)) {
		x.corrupt("read Word piece table")
		x.docFallback(wd)
		return
	}
	pieces := docPieces(tbl[fcClx : fcClx+lcbClx])
	if pieces == nil {
		x.corrupt("read Word piece table")
		x.docFallback(wd)
		return
	}
	// Parts in CP order: text, footnotes, headers, macros, comments,
	// endnotes, text boxes, header text boxes.
	var parts [8]int64
	for i := range parts {
		parts[i] = max(lw(3+i), 0)
	}
	commentStart := parts[0] + parts[1] + parts[2] + parts[3]
	commentEnd := commentStart + parts[4]
	var total int64
	for _, n := range parts {
		total += n
	}
	out := &docWriter{tb: x.tb}
	var cp int64
	// Pieces do not overlap in a real document: together they read no
	// more characters than the stream holds. Hostile tables that point
	// every piece at the same bytes stop there.
	steps := int64(len(wd))
	for _, pc := range pieces {
		if cp >= total || x.tb.full() {
			break
		}
		n := min(pc.cpEnd-pc.cpStart, total-pc.cpStart)
		if n <= 0 {
			continue
		}
		cp = pc.cpStart
		for i := int64(0); i < n && !x.tb.full(); i++ {
			if steps--; steps < 0 {
				x.corrupt("Word piece table reads past its document")
				return
			}
			var r rune
			if pc.compressed {
				off := pc.fc + i
				if off >= int64(len(wd)) {
					x.corrupt("Word piece past the end of the document")
					break
				}
				r = cp1252Rune(wd[off])
			} else {
				off := pc.fc + 2*i
				if off+1 >= int64(len(wd)) {
					x.corrupt("Word piece past the end of the document")
					break
				}
				r = rune(binary.LittleEndian.Uint16(wd[off:]))
				if utf16.IsSurrogate(r) && off+3 < int64(len(wd)) && i+1 < n {
					r2 := rune(binary.LittleEndian.Uint16(wd[off+2:]))
					if dec := utf16.DecodeRune(r, r2); dec != utf8.RuneError {
						r = dec
						i++
						cp++
					}
				}
			}
			if cp == commentStart && parts[4] > 0 {
				out.label(labelComment)
			}
			if cp == commentEnd && parts[4] > 0 {
				out.label("")
			}
			out.char(r)
			cp++
		}
	}
}

// docFallback reads the text of a document without a usable piece table
// (Word 6 and 95, or a damaged table): the bytes between fcMin and fcMac
// as windows-1252.
func (x *oleReader) docFallback(wd []byte) {
	if len(wd) < 0x20 {
		return
	}
	fcMin := int64(binary.LittleEndian.Uint32(wd[0x18:]))
	fcMac := int64(binary.LittleEndian.Uint32(wd[0x1C:]))
	if fcMin >= fcMac || fcMac > int64(len(wd)) {
		x.corrupt("read Word text range")
		return
	}
	out := &docWriter{tb: x.tb}
	for _, c := range wd[fcMin:fcMac] {
		if x.tb.full() {
			return
		}
		out.char(cp1252Rune(c))
	}
}

type docPiece struct {
	cpStart, cpEnd int64
	fc             int64 // byte offset of the text in WordDocument
	compressed     bool  // 8-bit characters
}

// maxDocPieces bounds the pieces of a piece table.
const maxDocPieces = 1 << 20

// docPieces parses a Clx: Prc records to skip, then the Pcdt.
func docPieces(clx []byte) []docPiece {
	for len(clx) > 0 {
		switch clx[0] {
		case 0x01:
			if len(clx) < 3 {
				return nil
			}
			cb := int(binary.LittleEndian.Uint16(clx[1:]))
			if 3+cb > len(clx) {
				return nil
			}
			clx = clx[3+cb:]
		case 0x02:
			if len(clx) < 5 {
				return nil
			}
			lcb := int64(binary.LittleEndian.Uint32(clx[1:]))
			plc := clx[5:]
			if lcb > int64(len(plc)) || lcb < 16 || (lcb-4)%12 != 0 {
				return nil
			}
			n := int((lcb - 4) / 12)
			if n > maxDocPieces {
				return nil
			}
			pieces := make([]docPiece, 0, n)
			pcds := plc[4*(n+1):]
			for i := range n {
				start := int64(binary.LittleEndian.Uint32(plc[4*i:]))
				end := int64(binary.LittleEndian.Uint32(plc[4*(i+1):]))
				fcRaw := binary.LittleEndian.Uint32(pcds[8*i+2:])
				pc := docPiece{cpStart: start, cpEnd: end, compressed: fcRaw&0x40000000 != 0}
				pc.fc = int64(fcRaw & 0x3FFFFFFF)
				if pc.compressed {
					pc.fc /= 2
				}
				if end < start {
					return nil
				}
				pieces = append(pieces, pc)
			}
			return pieces
		default:
			return nil
		}
	}
	return nil
}

// cp1252Rune decodes a compressed Word character.
func cp1252Rune(c byte) rune {
	if c < 0x80 {
		return rune(c)
	}
	return charmap.Windows1252.DecodeByte(c)
}

// docWriter turns Word's special characters into text: paragraph and cell
// marks into line breaks and tabs, field codes dropped (their results
// kept), objects and optional hyphens dropped.
type docWriter struct {
	tb        *textBuf
	fieldCode []bool // per open field: still in its code
	labelled  bool
}

func (o *docWriter) label(s string) {
	if s == "" {
		if o.labelled {
			o.tb.WriteString("\n")
		}
		o.labelled = false
		return
	}
	o.tb.WriteString("\n" + s)
	o.labelled = true
}

func (o *docWriter) char(r rune) {
	switch r {
	case 0x13: // field begins: its code follows
		if len(o.fieldCode) < 64 {
			o.fieldCode = append(o.fieldCode, true)
		}
		return
	case 0x14: // field separator: the result follows
		if n := len(o.fieldCode); n > 0 {
			o.fieldCode[n-1] = false
		}
		return
	case 0x15:
		if n := len(o.fieldCode); n > 0 {
			o.fieldCode = o.fieldCode[:n-1]
		}
		return
	}
	for _, code := range o.fieldCode {
		if code {
			return
		}
	}
	switch r {
	case '\r', 0x0B, 0x0C, 0x0E:
		o.tb.WriteString("\n")
	case 0x07:
		o.tb.WriteString("\t")
	case 0x09:
		o.tb.WriteString("\t")
	case 0x1E:
		o.tb.WriteString("-")
	case 0xA0:
		o.tb.WriteString(" ")
	case 0x1F, 0x01, 0x02, 0x03, 0x04, 0x05, 0x08, 0x00:
	default:
		if r < 0x20 || utf16.IsSurrogate(r) {
			return
		}
		var buf [4]byte
		o.tb.Write(buf[:utf8.EncodeRune(buf[:], r)])
	}
}
