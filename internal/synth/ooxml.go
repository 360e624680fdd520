package synth

import (
	"encoding/xml"
	"fmt"
	"strconv"
	"strings"
)

const xmlHead = `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>` + "\n"

func xmlEsc(s string) string {
	var b strings.Builder
	xml.EscapeText(&b, []byte(s)) // a strings.Builder does not fail
	return b.String()
}

// docxBytes writes a Word document of d: the minimal package Word and
// LibreOffice open ([Content_Types].xml, _rels/.rels, word/document.xml,
// word/_rels/document.xml.rels, docProps/core.xml). Paragraphs are split into
// several runs, as Word does, at word boundaries.
func (g *gen) docxBytes(d *doc) ([]byte, error) {
	var body strings.Builder
	run := func(text string, props string) {
		fmt.Fprintf(&body, `<w:r>%s<w:t xml:space="preserve">%s</w:t></w:r>`, props, xmlEsc(text))
	}
	para := func(text, props string) {
		body.WriteString("<w:p>")
		// split into runs at spaces, keeping the space with the run before
		words := strings.SplitAfter(text, " ")
		for len(words) > 0 {
			n := min(len(words), g.between(3, 12))
			run(strings.Join(words[:n], ""), props)
			words = words[n:]
		}
		body.WriteString("</w:p>\n")
	}
	bold := `<w:rPr><w:b/><w:sz w:val="28"/></w:rPr>`
	mono := `<w:rPr><w:rFonts w:ascii="Courier New" w:hAnsi="Courier New"/><w:sz w:val="18"/></w:rPr>`
	para(d.Title, `<w:rPr><w:b/><w:sz w:val="36"/></w:rPr>`)
	para("Prepared by "+d.Author+"; reviewed by "+d.Editor+" on "+d.Date+".", "")
	for _, bl := range d.Blocks {
		switch bl.kind {
		case headingBlock:
			para(bl.text, bold)
		case paraBlock:
			para(bl.text, "")
		case listBlock:
			for _, it := range bl.items {
				para("\u2022 "+it, "")
			}
		case codeBlock:
			for _, l := range strings.Split(bl.text, "\n") {
				para(l, mono)
			}
		case tableBlock:
			cols := len(bl.rows[0])
			body.WriteString(`<w:tbl><w:tblPr><w:tblW w:w="0" w:type="auto"/></w:tblPr><w:tblGrid>`)
			for range cols {
				fmt.Fprintf(&body, `<w:gridCol w:w="%d"/>`, 9360/cols)
			}
			body.WriteString("</w:tblGrid>\n")
			for r, row := range bl.rows {
				body.WriteString("<w:tr>")
				for _, c := range row {
					fmt.Fprintf(&body, `<w:tc><w:tcPr><w:tcW w:w="%d" w:type="dxa"/></w:tcPr>`, 9360/cols)
					if r == 0 {
						para(c, `<w:rPr><w:b/></w:rPr>`)
					} else {
						para(c, "")
					}
					body.WriteString("</w:tc>")
				}
				body.WriteString("</w:tr>\n")
			}
			body.WriteString("</w:tbl>\n<w:p/>\n")
		}
	}
	document := xmlHead + `<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><w:body>` + "\n" +
		body.String() +
		`<w:sectPr><w:pgSz w:w="12240" w:h="15840"/><w:pgMar w:top="1440" w:right="1440" w:bottom="1440" w:left="1440" w:header="720" w:footer="720" w:gutter="0"/></w:sectPr></w:body></w:document>` + "\n"

	contentTypes := xmlHead + `<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">` +
		`<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>` +
		`<Default Extension="xml" ContentType="application/xml"/>` +
		`<Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/>` +
		`<Override PartName="/docProps/core.xml" ContentType="application/vnd.openxmlformats-package.core-properties+xml"/>` +
		`</Types>` + "\n"
	rels := xmlHead + `<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">` +
		`<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="word/document.xml"/>` +
		`<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/package/2006/relationships/metadata/core-properties" Target="docProps/core.xml"/>` +
		`</Relationships>` + "\n"
	docRels := xmlHead + `<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"></Relationships>` + "\n"
	core := xmlHead + `<cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/core-properties" xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:dcterms="http://purl.org/dc/terms/" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">` +
		`<dc:title>` + xmlEsc(d.Title) + `</dc:title><dc:creator>` + xmlEsc(d.Author) + `</dc:creator><cp:lastModifiedBy>` + xmlEsc(d.Editor) + `</cp:lastModifiedBy>` +
		`<dcterms:created xsi:type="dcterms:W3CDTF">2016-03-01T10:00:00Z</dcterms:created></cp:coreProperties>` + "\n"
	return zipBytes([]File{
		{"[Content_Types].xml", []byte(contentTypes)},
		{"_rels/.rels", []byte(rels)},
		{"word/document.xml", []byte(document)},
		{"word/_rels/document.xml.rels", []byte(docRels)},
		{"docProps/core.xml", []byte(core)},
	})
}

// cellRef names a cell: column 0, row 0 is "A1".
func cellRef(col, row int) string {
	name := ""
	for col++; col > 0; col = (col - 1) / 26 {
		name = string(rune('A'+(col-1)%26)) + name
	}
	return name + strconv.Itoa(row+1)
}

// xlsxBytes writes a one-sheet workbook of rows. Text cells go to the shared
// string table, integer cells are stored as numbers.
func xlsxBytes(sheet string, rows [][]string) ([]byte, error) {
	var strs []string
	index := map[string]int{}
	count := 0
	var data strings.Builder
	for r, row := range rows {
		fmt.Fprintf(&data, `<row r="%d">`, r+1)
		for c, v := range row {
			if _, err := strconv.Atoi(v); err == nil && r > 0 {
				fmt.Fprintf(&data, `<c r="%s"><v>%s</v></c>`, cellRef(c, r), v)
				continue
			}
			i, ok := index[v]
			if !ok {
				i = len(strs)
				index[v] = i
				strs = append(strs, v)
			}
			count++
			fmt.Fprintf(&data, `<c r="%s" t="s"><v>%d</v></c>`, cellRef(c, r), i)
		}
		data.WriteString("</row>\n")
	}
	var sst strings.Builder
	fmt.Fprintf(&sst, `%s<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="%d" uniqueCount="%d">`+"\n", xmlHead, count, len(strs))
	for _, s := range strs {
		fmt.Fprintf(&sst, `<si><t xml:space="preserve">%s</t></si>`+"\n", xmlEsc(s))
	}
	sst.WriteString("</sst>\n")
	const ns = `xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"`
	sheetXML := xmlHead + `<worksheet ` + ns + `><sheetData>` + "\n" + data.String() + "</sheetData></worksheet>\n"
	workbook := xmlHead + `<workbook ` + ns + ` xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="` + xmlEsc(sheet) + `" sheetId="1" r:id="rId1"/></sheets></workbook>` + "\n"
	styles := xmlHead + `<styleSheet ` + ns + `><fonts count="1"><font><sz val="11"/><name val="Calibri"/></font></fonts>` +
		`<fills count="2"><fill><patternFill patternType="none"/></fill><fill><patternFill patternType="gray125"/></fill></fills>` +
		`<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>` +
		`<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>` +
		`<cellXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/></cellXfs>` +
		`<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles></styleSheet>` + "\n"
	contentTypes := xmlHead + `<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">` +
		`<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>` +
		`<Default Extension="xml" ContentType="application/xml"/>` +
		`<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>` +
		`<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>` +
		`<Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/>` +
		`<Override PartName="/xl/styles.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>` +
		`</Types>` + "\n"
	rels := xmlHead + `<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">` +
		`<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/>` +
		`</Relationships>` + "\n"
	wbRels := xmlHead + `<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">` +
		`<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/>` +
		`<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings" Target="sharedStrings.xml"/>` +
		`<Relationship Id="rId3" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles" Target="styles.xml"/>` +
		`</Relationships>` + "\n"
	return zipBytes([]File{
		{"[Content_Types].xml", []byte(contentTypes)},
		{"_rels/.rels", []byte(rels)},
		{"xl/workbook.xml", []byte(workbook)},
		{"xl/_rels/workbook.xml.rels", []byte(wbRels)},
		{"xl/worksheets/sheet1.xml", []byte(sheetXML)},
		{"xl/sharedStrings.xml", []byte(sst.String())},
		{"xl/styles.xml", []byte(styles)},
	})
}
