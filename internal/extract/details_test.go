package extract

import (
	"strings"
	"testing"
)

const (
	nsW   = `xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"`
	relNS = `xmlns="http://schemas.openxmlformats.org/package/2006/relationships"`
	relT  = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/"
)

func relsXML(rels ...string) string {
	var b strings.Builder
	b.WriteString(`<Relationships ` + relNS + `>`)
	for i := 0; i+2 < len(rels)+1; i += 3 {
		b.WriteString(`<Relationship Id="` + rels[i] + `" Type="` + relT + rels[i+1] + `" Target="` + rels[i+2] + `"/>`)
	}
	b.WriteString(`</Relationships>`)
	return b.String()
}

func TestOfficeDetails(t *testing.T) {
	// A DOCX whose package relationships name word/real.xml as the main
	// document; word/document.xml is a decoy Word never shows.
	real := `<w:document ` + nsW + `><w:body><w:p><w:r><w:t>Visible text</w:t></w:r>` +
		`<w:del w:author="Eve"><w:r><w:delText>wire 2M to account 1234</w:delText></w:r></w:del>` +
		`<w:r><w:fldChar w:fldCharType="begin"/></w:r><w:r><w:instrText>HYPERLINK "x"</w:instrText></w:r></w:p></w:body></w:document>`
	comments := `<w:comments ` + nsW + `><w:comment w:id="0" w:author="Mallory"><w:p><w:r><w:t>delete this before sending</w:t></w:r></w:p></w:comment></w:comments>`
	docx := makeZip(t,
		f("[Content_Types].xml", ooxmlTypes),
		f("_rels/.rels", relsXML("r1", "officeDocument", "word/real.xml")),
		f("word/_rels/real.xml.rels", relsXML("c1", "comments", "notes.xml")),
		f("word/document.xml", `<w:document `+nsW+`><w:body><w:p><w:r><w:t>Decoy</w:t></w:r></w:p></w:body></w:document>`),
		f("word/real.xml", real), f("word/notes.xml", comments))
	// A package with only an unusually named main part, recognised by its
	// content type.
	odd := makeZip(t,
		f("[Content_Types].xml", `<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Override PartName="/content/main.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>`),
		f("_rels/.rels", relsXML("r1", "officeDocument", "/content/main.xml")),
		f("content/main.xml", `<w:document `+nsW+`><w:body><w:p><w:r><w:t>Renamed main part</w:t></w:r></w:p></w:body></w:document>`))

	ns := `xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"`
	xlsx := makeZip(t,
		f("[Content_Types].xml", ooxmlTypes),
		f("_rels/.rels", relsXML("r1", "officeDocument", "xl/workbook.xml")),
		f("xl/workbook.xml", `<workbook `+ns+`><workbookPr/><sheets><sheet name="Public" sheetId="1" r:id="s1"/><sheet name="Payroll" sheetId="2" state="hidden" r:id="s2"/></sheets></workbook>`),
		f("xl/_rels/workbook.xml.rels", relsXML("s1", "worksheet", "worksheets/sheet1.xml", "s2", "worksheet", "worksheets/sheet2.xml", "st", "styles", "styles.xml")),
		f("xl/styles.xml", `<styleSheet `+ns+`><numFmts><numFmt numFmtId="164" formatCode="dd/mm/yyyy"/></numFmts><cellXfs><xf numFmtId="0"/><xf numFmtId="14"/><xf numFmtId="164"/></cellXfs></styleSheet>`),
		f("xl/worksheets/sheet1.xml", `<worksheet `+ns+`><sheetData><row r="1"><c r="A1" s="1"><v>45292</v></c><c r="B1" s="2"><v>45293.5</v></c><c r="C1"><v>45292</v></c></row></sheetData></worksheet>`),
		f("xl/worksheets/_rels/sheet2.xml.rels", relsXML("c", "comments", "../comments1.xml")),
		f("xl/worksheets/sheet2.xml", `<worksheet `+ns+`><sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>salary 95000</t></is></c></row></sheetData></worksheet>`),
		f("xl/comments1.xml", `<comments `+ns+`><commentList><comment ref="A1"><text><r><t>ask HR</t></r></text></comment></commentList></comments>`))

	nsP := `xmlns:p="http://schemas.openxmlformats.org/presentationml/2006/main" xmlns:a="http://schemas.openxmlformats.org/drawingml/2006/main"`
	sp := func(s string) string {
		return `<p:cSld><p:spTree><p:sp><p:txBody><a:p><a:r><a:t>` + s + `</a:t></a:r></a:p></p:txBody></p:sp></p:spTree></p:cSld>`
	}
	pptx := makeZip(t,
		f("[Content_Types].xml", ooxmlTypes),
		f("_rels/.rels", relsXML("r1", "officeDocument", "ppt/presentation.xml")),
		f("ppt/presentation.xml", `<p:presentation `+nsP+`/>`),
		f("ppt/_rels/presentation.xml.rels", relsXML("s1", "slide", "slides/slide1.xml")),
		f("ppt/slides/slide1.xml", `<p:sld `+nsP+`>`+sp("Roadmap")+`</p:sld>`),
		f("ppt/slides/_rels/slide1.xml.rels", relsXML("n", "notesSlide", "../notesSlides/notesSlide1.xml")),
		f("ppt/notesSlides/notesSlide1.xml", `<p:notes `+nsP+`>`+sp("do not mention the breach")+`</p:notes>`))

	for _, tc := range []struct {
		name  string
		data  []byte
		wants []want
	}{
		{"memo.docx", docx, []want{{path: "memo.docx", mediaType: mtDocx, contains: []string{
			"Visible text", labelDeleted + "wire 2M to account 1234", "[Comment by Mallory] delete this before sending"},
			absent: []string{"Decoy", "HYPERLINK"}}}},
		{"odd.docx", odd, []want{{path: "odd.docx", mediaType: mtDocx, contains: []string{"Renamed main part"}}}},
		{"book.xlsx", xlsx, []want{{path: "book.xlsx", mediaType: mtXlsx, contains: []string{
			labelSheet + "Public\n2024-01-01\t2024-01-02 12:00:00\t45292",
			labelHidden + "Payroll\nsalary 95000", labelComment + "A1: ask HR"}}}},
		{"deck.pptx", pptx, []want{{path: "deck.pptx", mediaType: mtPptx, contains: []string{"Roadmap", labelNotes + "do not mention the breach"}}}},
	} {
		t.Run(tc.name, func(t *testing.T) { checkDocs(t, walkBytes(t, tc.name, tc.data, Options{}), tc.wants) })
	}
}

func TestOpenDocumentDetails(t *testing.T) {
	odfNS := `xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" xmlns:style="urn:oasis:names:tc:opendocument:xmlns:style:1.0" xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:presentation="urn:oasis:names:tc:opendocument:xmlns:presentation:1.0" xmlns:draw="urn:oasis:names:tc:opendocument:xmlns:drawing:1.0"`
	odt := makeZip(t, file{name: "mimetype", data: []byte(mtODT), method: 0x0},
		f("content.xml", `<office:document-content `+odfNS+`><office:body><office:text>`+
			`<text:tracked-changes><text:changed-region text:id="c1"><text:deletion><office:change-info><dc:creator>Eve</dc:creator><dc:date>2024-01-01</dc:date></office:change-info><text:p>removed clause</text:p></text:deletion></text:changed-region></text:tracked-changes>`+
			`<text:h>Title</text:h><text:p>First<text:s text:c="2"/>para<text:tab/>tabbed<office:annotation><dc:creator>Rev</dc:creator><dc:date>2024</dc:date><text:p>check figures</text:p></office:annotation></text:p>`+
			`</office:text></office:body></office:document-content>`),
		f("styles.xml", `<office:document-styles `+odfNS+`><office:master-styles><style:master-page><style:footer><text:p>Confidential footer</text:p></style:footer></style:master-page></office:master-styles></office:document-styles>`))
	ods := makeZip(t, file{name: "mimetype", data: []byte(mtODS), method: 0x0},
		f("content.xml", `<office:document-content `+odfNS+`><office:automatic-styles><style:style style:name="ta2" style:family="table"><style:table-properties table:display="false"/></style:style></office:automatic-styles><office:body><office:spreadsheet>`+
			`<table:table table:name="Open"><table:table-row><table:table-cell><text:p>a1</text:p></table:table-cell><table:table-cell><text:p>b1</text:p></table:table-cell></table:table-row></table:table>`+
			`<table:table table:name="Secret" table:style-name="ta2"><table:table-row><table:table-cell><text:p>hidden value</text:p></table:table-cell></table:table-row></table:table>`+
			`</office:spreadsheet></office:body></office:document-content>`))
	odp := makeZip(t, file{name: "mimetype", data: []byte(mtODP), method: 0x0},
		f("content.xml", `<office:document-content `+odfNS+`><office:body><office:presentation><draw:page><draw:frame><draw:text-box><text:p>Slide text</text:p></draw:text-box></draw:frame>`+
			`<presentation:notes><draw:frame><draw:text-box><text:p>speaker only</text:p></draw:text-box></draw:frame></presentation:notes></draw:page></office:presentation></office:body></office:document-content>`))
	epub := makeZip(t, file{name: "mimetype", data: []byte(mtEPUB), method: 0x0},
		f("META-INF/container.xml", `<container><rootfiles><rootfile full-path="OEBPS/content.opf"/></rootfiles></container>`),
		f("OEBPS/content.opf", `<package><manifest><item id="b" href="ch%202.xhtml"/><item id="a" href="ch1.xhtml"/></manifest><spine><itemref idref="a"/><itemref idref="b"/></spine></package>`),
		f("OEBPS/ch 2.xhtml", `<html><body><p>Chapter two</p></body></html>`),
		f("OEBPS/ch1.xhtml", `<html><head><style>p{}</style></head><body><h1>Chapter one</h1><p>Opening &amp; more</p></body></html>`))
	for _, tc := range []struct {
		name  string
		data  []byte
		wants []want
	}{
		{"a.odt", odt, []want{{path: "a.odt", mediaType: mtODT, contains: []string{
			labelDeleted + "removed clause", "Title\nFirst  para\ttabbed", labelComment + "Rev: check figures", "Confidential footer"},
			absent: []string{"2024-01-01", "Eve"}}}},
		{"a.ods", ods, []want{{path: "a.ods", mediaType: mtODS, contains: []string{labelSheet + "Open\na1\tb1\n", labelHidden + "Secret\nhidden value"}}}},
		{"a.odp", odp, []want{{path: "a.odp", mediaType: mtODP, contains: []string{"Slide text", labelNotes + "speaker only"}}}},
		{"a.epub", epub, []want{{path: "a.epub", mediaType: mtEPUB, contains: []string{"Chapter one\nOpening & more", "Chapter two"}}}},
	} {
		t.Run(tc.name, func(t *testing.T) { checkDocs(t, walkBytes(t, tc.name, tc.data, Options{}), tc.wants) })
	}
	// Reading order is the spine's.
	r := walkBytes(t, "a.epub", epub, Options{})
	if txt := r.docs[0].text; strings.Index(txt, "Chapter one") > strings.Index(txt, "Chapter two") {
		t.Errorf("epub out of spine order: %q", txt)
	}
}

func TestRTF(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{`{\rtf1\ansi\deff0{\fonttbl{\f0 Times;}}{\colortbl;\red0;}{\info{\author X}}Hello \b bold\b0  world\par next}`, "Hello bold world\nnext"},
		// Code page bytes, Unicode with its fallback skipped, escapes.
		{`{\rtf1\ansi\ansicpg1251 \'cf\'f0\'e8\'e2\'e5\'f2 \u1046?\u1046\'3f x\{y\}\\}`, "Привет ЖЖ x{y}\\"},
		// Fields keep their result; pictures and ignorable destinations go.
		{`{\rtf1{\field{\*\fldinst HYPERLINK "http://x"}{\fldrslt link text}}{\pict\pngblip 89504e47}{\*\generator Riched20;}end}`, "link textend"},
		// Annotations and tracked deletions are labelled.
		{`{\rtf1 kept {\deleted gone}{\*\atnid A}{\*\annotation note text} after}`, "kept " + labelDeleted + "gone \n" + labelComment + "note text after"},
		// Per-font charsets: Japanese in \fcharset128.
		{`{\rtf1\ansi{\fonttbl{\f0\fcharset0 Arial;}{\f1\fcharset128 MS Mincho;}}\f1 \'93\'fa\'96\'7b\f0  ok}`, "日本 ok"},
		// \bin skips raw bytes.
		{`{\rtf1 a\bin4 {}\\b}`, "ab"},
	} {
		tb := &textBuf{max: 1 << 20}
		rtfText(tb, []byte(tc.in))
		if got := string(tb.b); got != tc.want {
			t.Errorf("%s:\n got %q\nwant %q", tc.in, got, tc.want)
		}
	}
	r := walkBytes(t, "a.rtf", []byte(`{\rtf1\ansi Sniffed by content\par}`), Options{})
	checkDocs(t, r, []want{{path: "a.rtf", mediaType: mtRTF, contains: []string{"Sniffed by content"}}})
	// Deep nesting does not grow the state without bound.
	deep := strings.Repeat("{", 100000) + "deep" + strings.Repeat("}", 100000)
	tb := &textBuf{max: 1 << 20}
	rtfText(tb, []byte(`{\rtf1 `+deep+`}`))
	if string(tb.b) != "deep" {
		t.Errorf("deep groups: %q", tb.b)
	}
}
