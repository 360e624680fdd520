package extract

import (
	"encoding/binary"
	"math"
	"strconv"
	"strings"
	"time"
	"unicode/utf16"

	"golang.org/x/text/encoding"
	"golang.org/x/text/encoding/charmap"
)

// BIFF record types ([MS-XLS]).
const (
	biffBOF        = 0x0809
	biffEOF        = 0x000A
	biffFilePass   = 0x002F
	biffBoundSheet = 0x0085
	biffSST        = 0x00FC
	biffContinue   = 0x003C
	biffLabelSST   = 0x00FD
	biffLabel      = 0x0204
	biffNumber     = 0x0203
	biffRK         = 0x027E
	biffMulRK      = 0x00BD
	biffFormula    = 0x0006
	biffString     = 0x0207
	biffBoolErr    = 0x0205
	biffXF         = 0x00E0
	biffFormat     = 0x041E
	biffDate1904   = 0x0022
	biffCodepage   = 0x0042
	biffTXO        = 0x01B6
)

type biffRecord struct {
	kind uint16
	data []byte
}

// maxBIFFStrings bounds the shared strings kept.
const maxBIFFStrings = 1 << 22

type xlsSheet struct {
	name   string
	hidden bool
}

// xlsReader holds the workbook globals a sheet's cells need.
type xlsReader struct {
	x        *oleReader
	biff8    bool
	enc      encoding.Encoding // BIFF5 8-bit strings
	sst      []string
	sstBytes int64
	xfFormat []uint16
	formats  map[uint16]string
	date1904 bool
	sheets   []xlsSheet
	row      int // row of the last cell written, -1 before the first
}

// xls extracts an Excel 97-2003 (BIFF8) or Excel 5/95 (BIFF5) workbook:
// every sheet's cells, one row per line, hidden sheets labelled, dates as
// dates, and cell comments labelled.
func (x *oleReader) xls() {
	name := "Workbook"
	if x.o.streams[name] == nil {
		name = "Book"
	}
	data := x.read(name)
	var recs []biffRecord
	for off := 0; off+4 <= len(data); {
		kind := binary.LittleEndian.Uint16(data[off:])
		n := int(binary.LittleEndian.Uint16(data[off+2:]))
		if off+4+n > len(data) {
			x.corrupt("Excel record past the end of its stream")
			break
		}
		recs = append(recs, biffRecord{kind, data[off+4 : off+4+n]})
		off += 4 + n
	}
	r := &xlsReader{x: x, enc: charmap.Windows1252, formats: map[uint16]string{}, row: -1}
	sheet := -1
	pendingString := false
	for i := 0; i < len(recs) && !x.tb.full(); i++ {
		rec := recs[i]
		d := rec.data
		switch rec.kind {
		case biffBOF:
			if len(d) >= 4 {
				if sheet < 0 && i == 0 {
					r.biff8 = binary.LittleEndian.Uint16(d) == 0x0600
				} else if binary.LittleEndian.Uint16(d[2:]) == 0x0010 {
					sheet++
					r.row = -1
					label, title := labelSheet, "Sheet "+strconv.Itoa(sheet+1)
					if sheet < len(r.sheets) {
						title = r.sheets[sheet].name
						if r.sheets[sheet].hidden {
							label = labelHidden
						}
					}
					if sheet > 0 {
						x.tb.WriteString("\n")
					}
					x.tb.WriteString(label + title + "\n")
				}
			}
		case biffFilePass:
			setErr(x.d, ErrEncrypted, "Excel workbook")
			return
		case biffCodepage:
			if len(d) >= 2 && !r.biff8 {
				r.enc = codepageEncoding(int(binary.LittleEndian.Uint16(d)))
			}
		case biffDate1904:
			r.date1904 = len(d) >= 2 && binary.LittleEndian.Uint16(d) == 1
		case biffFormat:
			if len(d) >= 2 {
				s, _ := r.str(d[2:], true)
				r.formats[binary.LittleEndian.Uint16(d)] = s
			}
		case biffXF:
			if len(d) >= 4 && len(r.xfFormat) < 1<<16 {
				r.xfFormat = append(r.xfFormat, binary.LittleEndian.Uint16(d[2:]))
			}
		case biffBoundSheet:
			if len(d) >= 7 && len(r.sheets) < 1<<16 {
				s, _ := r.shortStr(d[6:])
				r.sheets = append(r.sheets, xlsSheet{name: s, hidden: d[4]&3 != 0})
			}
		case biffSST:
			chunks := [][]byte{d}
			for i+1 < len(recs) && recs[i+1].kind == biffContinue {
				i++
				chunks = append(chunks, recs[i].data)
			}
			r.readSST(chunks)
		case biffLabelSST:
			if len(d) >= 10 {
				if k := int(binary.LittleEndian.Uint32(d[6:])); k >= 0 && k < len(r.sst) {
					r.cell(d, r.sst[k])
				}
			}
		case biffLabel:
			if len(d) >= 8 {
				s, _ := r.str(d[6:], true)
				r.cell(d, s)
			}
		case biffNumber:
			if len(d) >= 14 {
				r.cell(d, r.number(d, math.Float64frombits(binary.LittleEndian.Uint64(d[6:]))))
			}
		case biffRK:
			if len(d) >= 10 {
				r.cell(d, r.number(d, rkValue(binary.LittleEndian.Uint32(d[6:]))))
			}
		case biffMulRK:
			if len(d) >= 6 {
				row := d[:2]
				col := int(binary.LittleEndian.Uint16(d[2:]))
				for p := 4; p+6 <= len(d)-2; p += 6 {
					cellHead := make([]byte, 6)
					copy(cellHead, row)
					binary.LittleEndian.PutUint16(cellHead[2:], uint16(col))
					copy(cellHead[4:], d[p:p+2])
					r.cell(cellHead, r.number(cellHead, rkValue(binary.LittleEndian.Uint32(d[p+2:]))))
					col++
				}
			}
		case biffFormula:
			if len(d) >= 14 {
				v := d[6:14]
				if v[6] == 0xFF && v[7] == 0xFF {
					switch v[0] {
					case 0: // string: in the STRING record that follows
						pendingString = true
						r.cellPos(d)
					case 1:
						r.cell(d, map[bool]string{true: "TRUE", false: "FALSE"}[v[2] != 0])
					}
				} else {
					r.cell(d, r.number(d, math.Float64frombits(binary.LittleEndian.Uint64(v))))
				}
			}
		case biffString:
			if pendingString {
				s, _ := r.str(d, true)
				x.tb.WriteString(s)
				pendingString = false
			}
		case biffBoolErr:
			if len(d) >= 8 && d[7] == 0 {
				r.cell(d, map[bool]string{true: "TRUE", false: "FALSE"}[d[6] != 0])
			}
		case biffTXO:
			// A cell comment or text box: its text is in the next
			// CONTINUE record, a flags byte then the characters.
			if len(d) >= 12 && i+1 < len(recs) && recs[i+1].kind == biffContinue {
				cch := int(binary.LittleEndian.Uint16(d[10:]))
				c := recs[i+1].data
				if cch > 0 && len(c) > 0 {
					s := r.chars(c[1:], cch, c[0]&1 != 0)
					x.tb.WriteString("\n" + labelComment + s + "\n")
					r.row = -1
				}
			}
		}
	}
}

// cellPos starts a cell: a line break at a new row, a tab within one.
func (r *xlsReader) cellPos(d []byte) {
	row := int(binary.LittleEndian.Uint16(d))
	switch {
	case r.row == -1:
	case row != r.row:
		r.x.tb.WriteString("\n")
	default:
		r.x.tb.WriteString("\t")
	}
	r.row = row
}

func (r *xlsReader) cell(d []byte, s string) {
	r.cellPos(d)
	r.x.tb.WriteString(s)
}

// number formats a numeric cell, as a date when its format is one.
func (r *xlsReader) number(d []byte, v float64) string {
	xf := int(binary.LittleEndian.Uint16(d[4:]))
	if xf < len(r.xfFormat) {
		f := r.xfFormat[xf]
		if isDateFormat(f, r.formats[f]) {
			if s, ok := serialDate(v, r.date1904); ok {
				return s
			}
		}
	}
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return ""
	}
	return strconv.FormatFloat(v, 'f', -1, 64)
}

// isDateFormat reports whether number format id (or its format string)
// shows a date or time.
func isDateFormat(id uint16, format string) bool {
	switch {
	case id >= 14 && id <= 22, id >= 45 && id <= 47, id >= 27 && id <= 36, id >= 50 && id <= 58:
		return true
	case format == "":
		return false
	}
	// Letters of dates and times outside quotes, escapes and [colour]
	// sections.
	quoted, bracket := false, false
	for i := 0; i < len(format); i++ {
		c := format[i]
		switch {
		case c == '"':
			quoted = !quoted
		case quoted:
		case c == '\\' || c == '_' || c == '*':
			i++
		case c == '[':
			bracket = true
		case c == ']':
			bracket = false
		case bracket:
		case strings.IndexByte("dmyhsDMYHS", c) >= 0:
			return true
		}
	}
	return false
}

// serialDate turns a spreadsheet serial day number into an ISO date (and
// time, when it has one).
func serialDate(v float64, date1904 bool) (string, bool) {
	if math.IsNaN(v) || v < 0 || v > 2958465 { // 9999-12-31
		return "", false
	}
	base := time.Date(1899, 12, 30, 0, 0, 0, 0, time.UTC)
	switch {
	case date1904:
		base = time.Date(1904, 1, 1, 0, 0, 0, 0, time.UTC)
	case v < 61:
		// Excel counts a 29 February 1900 that never was.
		base = time.Date(1899, 12, 31, 0, 0, 0, 0, time.UTC)
	}
	days := math.Floor(v)
	secs := math.Round((v - days) * 86400)
	t := base.AddDate(0, 0, int(days)).Add(time.Duration(secs) * time.Second)
	if secs == 0 {
		return t.Format("2006-01-02"), true
	}
	if days == 0 {
		return t.Format("15:04:05"), true
	}
	return t.Format("2006-01-02 15:04:05"), true
}

// rkValue decodes an RK number.
func rkValue(rk uint32) float64 {
	var v float64
	if rk&2 != 0 {
		v = float64(int32(rk) >> 2)
	} else {
		v = math.Float64frombits(uint64(rk&0xFFFFFFFC) << 32)
	}
	if rk&1 != 0 {
		v /= 100
	}
	return v
}

// str reads an XLUnicodeString (16-bit count) in BIFF8, or a byte string
// with a 16-bit count in BIFF5.
func (r *xlsReader) str(d []byte, long bool) (string, int) {
	if len(d) < 2 {
		return "", len(d)
	}
	cch := int(binary.LittleEndian.Uint16(d))
	if !r.biff8 {
		end := min(2+cch, len(d))
		s, _ := r.enc.NewDecoder().Bytes(d[2:end])
		return string(s), end
	}
	if len(d) < 3 {
		return "", len(d)
	}
	return r.chars(d[3:], cch, d[2]&1 != 0), 3 + cch
}

// shortStr reads a ShortXLUnicodeString (8-bit count).
func (r *xlsReader) shortStr(d []byte) (string, int) {
	if len(d) < 1 {
		return "", 0
	}
	cch := int(d[0])
	if !r.biff8 {
		end := min(1+cch, len(d))
		s, _ := r.enc.NewDecoder().Bytes(d[1:end])
		return string(s), end
	}
	if len(d) < 2 {
		return "", len(d)
	}
	return r.chars(d[2:], cch, d[1]&1 != 0), 2 + cch
}

// chars decodes cch characters, 16-bit when high, else Latin-1.
func (r *xlsReader) chars(d []byte, cch int, high bool) string {
	if high {
		cch = min(cch, len(d)/2)
		u := make([]uint16, cch)
		for i := range u {
			u[i] = binary.LittleEndian.Uint16(d[2*i:])
		}
		return string(utf16.Decode(u))
	}
	cch = min(cch, len(d))
	s, _ := charmap.ISO8859_1.NewDecoder().Bytes(d[:cch])
	return string(s)
}

// readSST reads the shared string table, whose strings may continue
// across CONTINUE records (each continuation restarts with a flags byte).
func (r *xlsReader) readSST(chunks [][]byte) {
	s := &sstStream{chunks: chunks}
	s.skip(8)
	for !s.done() && len(r.sst) < maxBIFFStrings {
		cch := int(s.u16())
		flags := s.byte()
		runs, ext := 0, 0
		if flags&0x08 != 0 {
			runs = int(s.u16())
		}
		if flags&0x04 != 0 {
			ext = int(s.u32())
		}
		str := s.chars(cch, flags&1 != 0)
		r.sstBytes += int64(len(str))
		if r.sstBytes > r.x.w.opts.MaxTextBytes {
			r.x.tb.truncated = true
			return
		}
		r.sst = append(r.sst, str)
		s.skip(4*runs + ext)
	}
}

// sstStream reads across the chunks of an SST record.
type sstStream struct {
	chunks [][]byte
	ci     int
	pos    int
}

func (s *sstStream) done() bool {
	for s.ci < len(s.chunks) && s.pos >= len(s.chunks[s.ci]) {
		s.ci++
		s.pos = 0
	}
	return s.ci >= len(s.chunks)
}

func (s *sstStream) byte() byte {
	if s.done() {
		return 0
	}
	c := s.chunks[s.ci][s.pos]
	s.pos++
	return c
}

func (s *sstStream) u16() uint16 { return uint16(s.byte()) | uint16(s.byte())<<8 }
func (s *sstStream) u32() uint32 { return uint32(s.u16()) | uint32(s.u16())<<16 }

func (s *sstStream) skip(n int) {
	for n > 0 && !s.done() {
		k := min(n, len(s.chunks[s.ci])-s.pos)
		s.pos += k
		n -= k
	}
}

// chars reads cch characters; at a chunk boundary a new flags byte says
// whether the rest is 16-bit.
func (s *sstStream) chars(cch int, high bool) string {
	var u []uint16
	for len(u) < cch && !s.done() {
		if s.pos == 0 && s.ci > 0 && len(u) > 0 {
			high = s.byte()&1 != 0
			continue
		}
		if high {
			u = append(u, s.u16())
		} else {
			u = append(u, uint16(s.byte()))
		}
	}
	return string(utf16.Decode(u))
}
