package extract

import (
	"encoding/binary"
	"errors"
	"math"
	"strings"
	"testing"
)

// makeDoc builds a Word 97 document whose text (8-bit characters) is
// listed by a piece table of the given pieces, each [cpStart, cpEnd) read
// from byte offset textAt + start of its fc.
func makeDoc(text string, ccpText int, pieces [][3]int) []byte {
	return makeDocDeleted(text, ccpText, pieces, 0, 0)
}

// makeDocDeleted is makeDoc with the characters [delFrom, delTo) of the
// text marked as a tracked deletion (sprmCFRMarkDel in a CHPX page).
func makeDocDeleted(text string, ccpText int, pieces [][3]int, delFrom, delTo int) []byte {
	const textAt = 1024
	wd := make([]byte, textAt+len(text))
	binary.LittleEndian.PutUint16(wd[0:], 0xA5EC)
	binary.LittleEndian.PutUint16(wd[32:], 14) // csw
	binary.LittleEndian.PutUint16(wd[62:], 22) // cslw
	binary.LittleEndian.PutUint32(wd[64+12:], uint32(ccpText))
	binary.LittleEndian.PutUint16(wd[152:], 93) // cbRgFcLcb
	copy(wd[textAt:], text)
	var clx []byte
	plc := make([]byte, 0, 12*len(pieces)+4)
	for _, p := range pieces {
		plc = binary.LittleEndian.AppendUint32(plc, uint32(p[0]))
	}
	plc = binary.LittleEndian.AppendUint32(plc, uint32(pieces[len(pieces)-1][1]))
	for _, p := range pieces {
		plc = append(plc, 0, 0)
		plc = binary.LittleEndian.AppendUint32(plc, uint32((textAt+p[2])*2)|0x40000000)
		plc = append(plc, 0, 0)
	}
	clx = append(clx, 0x02)
	clx = binary.LittleEndian.AppendUint32(clx, uint32(len(plc)))
	clx = append(clx, plc...)
	blob := 154
	binary.LittleEndian.PutUint32(wd[blob+8*33:], 0)
	binary.LittleEndian.PutUint32(wd[blob+8*33+4:], uint32(len(clx)))
	table := clx
	if delTo > delFrom {
		// One CHPX page (page 1, bytes 512-1023) with one run.
		fkp := wd[512:1024]
		binary.LittleEndian.PutUint32(fkp[0:], uint32(textAt+delFrom))
		binary.LittleEndian.PutUint32(fkp[4:], uint32(textAt+delTo))
		fkp[8] = 200 // the CHPX at byte 400
		copy(fkp[400:], []byte{3, 0x00, 0x08, 0x01})
		fkp[511] = 1
		bte := binary.LittleEndian.AppendUint32(nil, uint32(textAt+delFrom))
		bte = binary.LittleEndian.AppendUint32(bte, uint32(textAt+delTo))
		bte = binary.LittleEndian.AppendUint32(bte, 1)
		binary.LittleEndian.PutUint32(wd[blob+8*12:], uint32(len(table)))
		binary.LittleEndian.PutUint32(wd[blob+8*12+4:], uint32(len(bte)))
		table = append(table, bte...)
	}
	return cfbBuild([]cfbEntry{{"WordDocument", wd}, {"0Table", table}}, nil)
}

func TestWordPieceTable(t *testing.T) {
	text := "Hello\rWord \x13HYPERLINK \"http://example.org/a\"\x14link\x15 text \x13PAGEREF _Toc1 \\h\x1412\x15\r"
	r := walkBytes(t, "a.doc", makeDoc(text, len(text), [][3]int{{0, 6, 0}, {6, len(text), 6}}), Options{})
	checkDocs(t, r, []want{{path: "a.doc", mediaType: mtDoc, contains: []string{"Hello\nWord http://example.org/a link text 12\n"}, absent: []string{"HYPERLINK", "PAGEREF"}}})

	// A tracked deletion keeps its text, labelled.
	memo := "Pay the invoice to account 12345 today.\r"
	from := strings.Index(memo, "to account")
	r = walkBytes(t, "del.doc", makeDocDeleted(memo, len(memo), [][3]int{{0, len(memo), 0}}, from, from+len("to account 12345 ")), Options{})
	checkDocs(t, r, []want{{path: "del.doc", contains: []string{"Pay the invoice  " + labelDeleted + "to account 12345  today."}}})

	// 5000 pieces all reading the same 1000 characters: the table reads
	// no more than the stream holds, and says it is damaged.
	same := strings.Repeat("abcdefghij", 100)
	var pieces [][3]int
	for i := range 5000 {
		pieces = append(pieces, [3]int{i * 1000, (i + 1) * 1000, 0})
	}
	r = walkBytes(t, "loop.doc", makeDoc(same, 5000*1000, pieces), Options{})
	d := r.docs[0]
	if !errors.Is(d.err, ErrCorrupt) || len(d.text) > 1024+len(same) {
		t.Errorf("overlapping pieces: %d bytes of text, %v", len(d.text), d.err)
	}
}

// TestFoldedHeaderLinear: a header of 20,000 folded lines is joined once,
// not appended line by line (which copies the value 20,000 times).
func TestFoldedHeaderLinear(t *testing.T) {
	msg := "Subject: start\r\n" + strings.Repeat(" x\r\n", 20000) + "From: a@example.org\r\n\r\nbody\r\n"
	var r *recorder
	alloc := allocDuring(func() { r = walkBytes(t, "m.eml", []byte(msg), Options{}) })
	if !strings.Contains(r.docs[0].text, "Subject: start x x") || !strings.Contains(r.docs[0].text, "body") {
		t.Errorf("text %.80q", r.docs[0].text)
	}
	// Appending would copy about 20,000^2 bytes (400 MB).
	if alloc > 64<<20 {
		t.Errorf("allocated %d MiB", alloc>>20)
	}
}

// TestSharedStringsOverLimit: an xlsx whose shared strings pass the text
// limit is reported as cut, not as a complete document.
func TestSharedStringsOverLimit(t *testing.T) {
	si := strings.Repeat("<si><t>"+strings.Repeat("s", 1000)+"</t></si>", 200)
	data := makeZip(t, f("[Content_Types].xml", ooxmlTypes), f("xl/workbook.xml", "<workbook/>"),
		f("xl/sharedStrings.xml", `<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">`+si+`</sst>`),
		f("xl/worksheets/sheet1.xml", `<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData><row r="1"><c r="A1" t="s"><v>0</v></c></row></sheetData></worksheet>`))
	r := walkBytes(t, "big.xlsx", data, Options{MaxTextBytes: 64 << 10})
	if d := r.docs[0]; !d.truncated || !errors.Is(d.err, ErrTextTruncated) {
		t.Errorf("truncated %v, error %v", d.truncated, d.err)
	}
}

// biffRec encodes one BIFF record.
func biffRec(kind uint16, data ...[]byte) []byte {
	var body []byte
	for _, d := range data {
		body = append(body, d...)
	}
	out := binary.LittleEndian.AppendUint16(nil, kind)
	out = binary.LittleEndian.AppendUint16(out, uint16(len(body)))
	return append(out, body...)
}

func u16(v int) []byte { return binary.LittleEndian.AppendUint16(nil, uint16(v)) }
func u32(v int) []byte { return binary.LittleEndian.AppendUint32(nil, uint32(v)) }

// makeXls builds a BIFF8 workbook: a visible sheet with a string and a
// date, a hidden sheet with a string and a cell comment. The shared
// string table is split by a CONTINUE record inside a string.
func makeXls() []byte {
	bof := func(dt int) []byte { return biffRec(biffBOF, u16(0x0600), u16(dt), make([]byte, 12)) }
	sheet := func(name string, hidden bool) []byte {
		state := 0
		if hidden {
			state = 1
		}
		return biffRec(biffBoundSheet, u32(0), []byte{byte(state), 0, byte(len(name)), 0}, []byte(name))
	}
	s1, s2 := "Quarterly figures", "payroll of the board"
	sst := append(append(u32(2), u32(2)...), append(append(u16(len(s1)), 0), s1...)...)
	sst = append(sst, append(u16(len(s2)), 0)...)
	sst = append(sst, s2[:7]...)
	cont := append([]byte{1}, utf16z(s2[7:])...) // continues as 16-bit characters
	cell := func(row, col, xf int) []byte { return append(append(u16(row), u16(col)...), u16(xf)...) }
	date := make([]byte, 8)
	binary.LittleEndian.PutUint64(date, math.Float64bits(45292))
	var wb []byte
	for _, r := range [][]byte{
		bof(0x0005),
		biffRec(biffXF, u16(0), u16(0), make([]byte, 16)),
		biffRec(biffXF, u16(0), u16(14), make([]byte, 16)),
		sheet("Summary", false), sheet("Secret", true),
		biffRec(biffSST, sst), biffRec(biffContinue, cont),
		biffRec(biffEOF),
		bof(0x0010),
		biffRec(biffLabelSST, cell(0, 0, 0), u32(0)),
		biffRec(biffNumber, cell(0, 1, 1), date),
		biffRec(biffEOF),
		bof(0x0010),
		biffRec(biffLabelSST, cell(0, 0, 0), u32(1)),
		biffRec(biffTXO, make([]byte, 10), u16(len("check this")), make([]byte, 6)),
		biffRec(biffContinue, []byte{0}, []byte("check this")),
		biffRec(biffEOF),
	} {
		wb = append(wb, r...)
	}
	return cfbBuild([]cfbEntry{{"Workbook", wb}}, nil)
}

func TestExcelBIFF(t *testing.T) {
	r := walkBytes(t, "book.xls", makeXls(), Options{})
	checkDocs(t, r, []want{{path: "book.xls", mediaType: mtXls, contains: []string{
		labelSheet + "Summary\nQuarterly figures\t2024-01-01",
		labelHidden + "Secret\npayroll of the board",
		labelComment + "check this",
	}}})
}
