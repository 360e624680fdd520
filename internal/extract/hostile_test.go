package extract

import (
	"encoding/binary"
	"errors"
	"strings"
	"testing"
)

// makeDoc builds a Word 97 document whose text (8-bit characters) is
// listed by a piece table of the given pieces, each [cpStart, cpEnd) read
// from byte offset textAt + start of its fc.
func makeDoc(text string, ccpText int, pieces [][3]int) []byte {
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
	return cfbBuild([]cfbEntry{{"WordDocument", wd}, {"0Table", clx}}, nil)
}

func TestWordPieceTable(t *testing.T) {
	text := "Hello\rWord \x13HYPERLINK x\x14link\x15 text\r"
	r := walkBytes(t, "a.doc", makeDoc(text, len(text), [][3]int{{0, 6, 0}, {6, len(text), 6}}), Options{})
	checkDocs(t, r, []want{{path: "a.doc", mediaType: mtDoc, contains: []string{"Hello\nWord link text\n"}, absent: []string{"HYPERLINK"}}})

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
