package extract

import (
	"archive/zip"
	"encoding/xml"
	"errors"
	"io"
	"net/url"
	"path"
	"slices"
	"strconv"
	"strings"
)

// extractOOXML extracts the text of a DOCX, XLSX or PPTX package and visits
// the files embedded in it.
func (w *walker) extractOOXML(d *Doc, sn sniffed) error {
	if sn.zip == nil {
		setErr(d, ErrCorrupt, "read office package directory")
		return nil
	}
	z := sn.zip
	registerZipMethods(z)
	b := w.newBudget(fixedSize(d.Size))
	parts := make(map[string]*zip.File, len(z.File))
	for _, f := range z.File {
		parts[f.Name] = f
	}
	o := &ooxml{w: w, b: b, parts: parts, tb: w.newText()}
	var prefix string
	switch d.MediaType {
	case mtDocx:
		prefix = "word/"
		o.docx()
	case mtXlsx:
		prefix = "xl/"
		o.xlsx()
	case mtPptx:
		prefix = "ppt/"
		o.pptx()
	}
	o.tb.set(d)
	if o.err != nil {
		if errors.Is(o.err, errBomb) || errors.Is(o.err, errTotal) {
			setErr(d, ErrBomb, "office part expansion limit reached")
			return nil
		}
		if err := w.ctx.Err(); err != nil {
			return err
		}
		setErr(d, ErrCorrupt, "read office part")
	}
	embedded := prefix + "embeddings/"
	hasEmbedded := slices.ContainsFunc(z.File, func(f *zip.File) bool { return strings.HasPrefix(f.Name, embedded) })
	if !hasEmbedded || !w.canNest(d) {
		return nil
	}
	return w.zipMembers(d, z, func(name string) bool { return strings.HasPrefix(name, embedded) })
}

// ooxml collects the text of one package.
type ooxml struct {
	w     *walker
	b     *budget
	parts map[string]*zip.File
	tb    *textBuf
	files []*zip.File // in archive order
	err   error       // first failure reading a part
}

// open returns a metered decoder over a part, or nil if it is absent.
func (o *ooxml) open(name string) (*xml.Decoder, io.Closer) {
	f := o.parts[name]
	if f == nil {
		return nil, nil
	}
	rc, err := f.Open()
	if err != nil {
		o.fail(err)
		return nil, nil
	}
	dec := xml.NewDecoder(&meter{r: rc, b: o.b, packed: int64(min(f.CompressedSize64, 1<<62))})
	dec.Strict = false
	dec.CharsetReader = func(string, io.Reader) (io.Reader, error) {
		return nil, errors.New("office part in a legacy charset")
	}
	return dec, rc
}

func (o *ooxml) fail(err error) {
	if o.err == nil && err != nil && err != io.EOF {
		o.err = err
	}
}

// numbered returns the parts named prefix + N + suffix, by N.
func (o *ooxml) numbered(prefix, suffix string) []string {
	type np struct {
		n    int
		name string
	}
	var found []np
	for name := range o.parts {
		mid, ok := strings.CutPrefix(name, prefix)
		if !ok {
			continue
		}
		mid, ok = strings.CutSuffix(mid, suffix)
		if !ok {
			continue
		}
		if n, err := strconv.Atoi(mid); err == nil {
			found = append(found, np{n, name})
		}
	}
	slices.SortFunc(found, func(a, b np) int { return a.n - b.n })
	names := make([]string, len(found))
	for i, f := range found {
		names[i] = f.name
	}
	return names
}

// paragraphs streams a WordprocessingML or DrawingML part: text runs
// (w:t, a:t), tabs, breaks, and paragraph ends. Tracked deletions
// (w:delText inside w:del) and comments are kept and labelled.
func (o *ooxml) paragraphs(name string) {
	dec, c := o.open(name)
	if dec == nil {
		return
	}
	defer c.Close()
	inText := false
	for !o.tb.full() {
		tok, err := dec.RawToken()
		if err != nil {
			o.fail(err)
			return
		}
		switch t := tok.(type) {
		case xml.StartElement:
			switch t.Name.Local {
			case "t", "delText":
				inText = true
			case "tab":
				o.tb.WriteString("\t")
			case "br", "cr":
				o.tb.WriteString("\n")
			case "del":
				if t.Name.Space == "w" {
					o.tb.WriteString(" " + labelDeleted)
				}
			case "comment":
				label := labelComment
				if a := attr(t, "author"); a != "" {
					label = "[Comment by " + a + "] "
				}
				o.tb.WriteString("\n" + label)
			case "instrText", "fldData":
				inText = false
			}
		case xml.EndElement:
			switch t.Name.Local {
			case "t", "delText":
				inText = false
			case "p":
				o.tb.WriteString("\n")
			case "del":
				if t.Name.Space == "w" {
					o.tb.WriteString(" ")
				}
			}
		case xml.CharData:
			if inText {
				o.tb.Write(t)
			}
		}
	}
}

// attr returns the value of the attribute with the given local name.
func attr(t xml.StartElement, local string) string {
	for _, a := range t.Attr {
		if a.Name.Local == local {
			return a.Value
		}
	}
	return ""
}

// rel is one relationship of a package part.
type rel struct{ typ, target string }

// maxRels bounds the relationships read from one part.
const maxRels = 100_000

// rels reads the relationships of part ("" for the package), with
// targets resolved to part names. External targets are left out.
func (o *ooxml) rels(part string) []rel {
	dir, base := path.Split(part)
	dec, c := o.open(dir + "_rels/" + base + ".rels")
	if dec == nil {
		return nil
	}
	defer c.Close()
	var out []rel
	for len(out) < maxRels {
		tok, err := dec.RawToken()
		if err != nil {
			return out
		}
		t, ok := tok.(xml.StartElement)
		if !ok || t.Name.Local != "Relationship" || attr(t, "TargetMode") == "External" {
			continue
		}
		target := attr(t, "Target")
		if u, err := url.PathUnescape(target); err == nil {
			target = u
		}
		if strings.HasPrefix(target, "/") {
			target = strings.TrimPrefix(path.Clean(target), "/")
		} else {
			target = strings.TrimPrefix(path.Join("/"+dir, target), "/")
		}
		typ := attr(t, "Type")
		if i := strings.LastIndexByte(typ, '/'); i >= 0 {
			typ = typ[i+1:]
		}
		out = append(out, rel{typ: typ, target: target})
	}
	return out
}

// relsOf returns the targets of part's relationships of one type.
func (o *ooxml) relsOf(part, typ string) []string {
	var out []string
	for _, r := range o.rels(part) {
		if r.typ == typ && o.parts[r.target] != nil && !slices.Contains(out, r.target) {
			out = append(out, r.target)
		}
	}
	return out
}

// mainPart is the package's main document as its relationships name it:
// the part an Office application opens, whatever it is called. A decoy
// word/document.xml beside it is not what a reader sees.
func (o *ooxml) mainPart(fallback string) string {
	if m := o.relsOf("", "officeDocument"); len(m) > 0 {
		return m[0]
	}
	return fallback
}

func (o *ooxml) docx() {
	main := o.mainPart("word/document.xml")
	o.paragraphs(main)
	if len(o.rels(main)) == 0 {
		for _, group := range [][]string{
			o.numbered("word/header", ".xml"), o.numbered("word/footer", ".xml"),
			{"word/footnotes.xml", "word/endnotes.xml", "word/comments.xml"},
		} {
			for _, name := range group {
				o.paragraphs(name)
			}
		}
		return
	}
	for _, typ := range []string{"header", "footer", "footnotes", "endnotes", "comments"} {
		for _, name := range o.relsOf(main, typ) {
			o.paragraphs(name)
		}
	}
}

func (o *ooxml) pptx() {
	slides := o.numbered("ppt/slides/slide", ".xml")
	if main := o.mainPart(""); main != "" {
		if s := o.relsOf(main, "slide"); len(s) > 0 {
			slides = o.slideOrder(main, s)
		}
	}
	for _, name := range slides {
		o.paragraphs(name)
	}
	for _, name := range slides {
		for _, notes := range o.relsOf(name, "notesSlide") {
			o.tb.WriteString("\n" + labelNotes)
			o.paragraphs(notes)
		}
	}
	if len(slides) > 0 && len(o.relsOf(slides[0], "notesSlide")) > 0 {
		return
	}
	for _, name := range o.numbered("ppt/notesSlides/notesSlide", ".xml") {
		o.tb.WriteString("\n" + labelNotes)
		o.paragraphs(name)
	}
}

// slideOrder sorts slides by their number in the part name, which is the
// order PowerPoint writes; the presentation's list could differ but
// rarely does.
func (o *ooxml) slideOrder(_ string, slides []string) []string {
	num := func(s string) int {
		n, _ := strconv.Atoi(strings.TrimSuffix(strings.TrimPrefix(path.Base(s), "slide"), ".xml"))
		return n
	}
	slices.SortStableFunc(slides, func(a, b string) int { return num(a) - num(b) })
	return slides
}

// xlsxSheet is a sheet as the workbook lists it.
type xlsxSheet struct {
	name, part string
	hidden     bool
}

// workbook reads the sheets of the workbook in order, with their state,
// and whether dates count from 1904.
func (o *ooxml) workbook(main string) (sheets []xlsxSheet, date1904 bool) {
	targets := map[string]string{}
	for _, r := range o.rels(main) {
		targets[r.typ+" "+r.target] = r.target
	}
	ids := map[string]string{}
	dir, base := path.Split(main)
	if dec, c := o.open(dir + "_rels/" + base + ".rels"); dec != nil {
		for len(ids) < maxRels {
			tok, err := dec.RawToken()
			if err != nil {
				break
			}
			if t, ok := tok.(xml.StartElement); ok && t.Name.Local == "Relationship" {
				ids[attr(t, "Id")] = strings.TrimPrefix(path.Join("/"+dir, attr(t, "Target")), "/")
			}
		}
		c.Close()
	}
	dec, c := o.open(main)
	if dec == nil {
		return nil, false
	}
	defer c.Close()
	for len(sheets) < maxRels {
		tok, err := dec.RawToken()
		if err != nil {
			break
		}
		t, ok := tok.(xml.StartElement)
		if !ok {
			continue
		}
		switch t.Name.Local {
		case "workbookPr":
			v := attr(t, "date1904")
			date1904 = v == "1" || v == "true"
		case "sheet":
			var id string
			for _, a := range t.Attr {
				if a.Name.Local == "id" && a.Name.Space != "" {
					id = a.Value
				}
			}
			state := attr(t, "state")
			sheets = append(sheets, xlsxSheet{name: attr(t, "name"), part: ids[id], hidden: state == "hidden" || state == "veryHidden"})
		}
	}
	return sheets, date1904
}

// xlsx writes every sheet's cells, tab-separated, one row per line, in
// the workbook's order with each sheet's name (hidden ones labelled), its
// cell comments after it, and dates as dates.
func (o *ooxml) xlsx() {
	main := o.mainPart("xl/workbook.xml")
	shared := o.sharedStrings()
	styles := o.xlsxStyles(main)
	sheets, date1904 := o.workbook(main)
	styles.date1904 = date1904
	if len(sheets) == 0 || !slices.ContainsFunc(sheets, func(s xlsxSheet) bool { return o.parts[s.part] != nil }) {
		for i, name := range o.numbered("xl/worksheets/sheet", ".xml") {
			if i > 0 {
				o.tb.WriteString("\n")
			}
			o.sheet(name, shared, styles)
		}
		return
	}
	for i, s := range sheets {
		if o.parts[s.part] == nil {
			continue
		}
		if i > 0 {
			o.tb.WriteString("\n")
		}
		label := labelSheet
		if s.hidden {
			label = labelHidden
		}
		o.tb.WriteString(label + s.name + "\n")
		o.sheet(s.part, shared, styles)
		for _, cm := range o.relsOf(s.part, "comments") {
			o.cellComments(cm)
		}
	}
}

// cellComments writes the comments of a sheet, each with its cell.
func (o *ooxml) cellComments(name string) {
	dec, c := o.open(name)
	if dec == nil {
		return
	}
	defer c.Close()
	inText := false
	for !o.tb.full() {
		tok, err := dec.RawToken()
		if err != nil {
			o.fail(err)
			return
		}
		switch t := tok.(type) {
		case xml.StartElement:
			switch t.Name.Local {
			case "comment":
				o.tb.WriteString("\n" + labelComment + attr(t, "ref") + ": ")
			case "t":
				inText = true
			case "rPh":
				inText = false
			}
		case xml.EndElement:
			if t.Name.Local == "t" {
				inText = false
			}
		case xml.CharData:
			if inText {
				o.tb.Write(t)
			}
		}
	}
	o.tb.WriteString("\n")
}

// xlsxFormats knows which cell styles show dates.
type xlsxFormats struct {
	dateStyle []bool // by cell style index (s attribute)
	date1904  bool
}

// xlsxStyles reads the number formats of the cell styles.
func (o *ooxml) xlsxStyles(main string) *xlsxFormats {
	f := &xlsxFormats{}
	name := "xl/styles.xml"
	if s := o.relsOf(main, "styles"); len(s) > 0 {
		name = s[0]
	}
	dec, c := o.open(name)
	if dec == nil {
		return f
	}
	defer c.Close()
	custom := map[uint16]string{}
	inXfs := false
	for len(f.dateStyle) < 1<<16 {
		tok, err := dec.RawToken()
		if err != nil {
			break
		}
		switch t := tok.(type) {
		case xml.StartElement:
			switch t.Name.Local {
			case "numFmt":
				if id, err := strconv.Atoi(attr(t, "numFmtId")); err == nil && id >= 0 && id < 1<<16 {
					custom[uint16(id)] = attr(t, "formatCode")
				}
			case "cellXfs":
				inXfs = true
			case "xf":
				if inXfs {
					id, err := strconv.Atoi(attr(t, "numFmtId"))
					ok := err == nil && id >= 0 && id < 1<<16 && isDateFormat(uint16(id), custom[uint16(id)])
					f.dateStyle = append(f.dateStyle, ok)
				}
			}
		case xml.EndElement:
			if t.Name.Local == "cellXfs" {
				inXfs = false
			}
		}
	}
	return f
}

// sharedStrings reads the shared string table, bounded by MaxTextBytes.
func (o *ooxml) sharedStrings() []string {
	dec, c := o.open("xl/sharedStrings.xml")
	if dec == nil {
		return nil
	}
	defer c.Close()
	var (
		out    []string
		cur    strings.Builder
		inT    bool
		total  int64
		inRPh  bool // phonetic runs repeat the text
		inItem bool
	)
	for {
		tok, err := dec.RawToken()
		if err != nil {
			o.fail(err)
			return out
		}
		switch t := tok.(type) {
		case xml.StartElement:
			switch t.Name.Local {
			case "si":
				inItem = true
				cur.Reset()
			case "t":
				inT = true
			case "rPh":
				inRPh = true
			}
		case xml.EndElement:
			switch t.Name.Local {
			case "si":
				if inItem {
					out = append(out, cur.String())
				}
				inItem = false
			case "t":
				inT = false
			case "rPh":
				inRPh = false
			}
		case xml.CharData:
			if inT && !inRPh && inItem {
				total += int64(len(t))
				if total > o.w.opts.MaxTextBytes {
					o.tb.truncated = true
					return out
				}
				cur.Write(t)
			}
		}
	}
}

func (o *ooxml) sheet(name string, shared []string, formats *xlsxFormats) {
	dec, c := o.open(name)
	if dec == nil {
		return
	}
	defer c.Close()
	var (
		cellType string
		isDate   bool
		inV, inT bool
		cells    int // cells written in the current row
		val      strings.Builder
	)
	for !o.tb.full() {
		tok, err := dec.RawToken()
		if err != nil {
			o.fail(err)
			return
		}
		switch t := tok.(type) {
		case xml.StartElement:
			switch t.Name.Local {
			case "row":
				cells = 0
			case "c":
				cellType, isDate = "", false
				for _, a := range t.Attr {
					switch a.Name.Local {
					case "t":
						cellType = a.Value
					case "s":
						i, err := strconv.Atoi(a.Value)
						isDate = err == nil && i >= 0 && i < len(formats.dateStyle) && formats.dateStyle[i]
					}
				}
				val.Reset()
			case "v":
				inV = true
			case "t":
				inT = true
			}
		case xml.EndElement:
			switch t.Name.Local {
			case "v":
				inV = false
			case "t":
				inT = false
			case "c":
				s := val.String()
				switch {
				case cellType == "s":
					s = ""
					if i, err := strconv.Atoi(strings.TrimSpace(val.String())); err == nil && i >= 0 && i < len(shared) {
						s = shared[i]
					}
				case isDate && (cellType == "" || cellType == "n"):
					if v, err := strconv.ParseFloat(strings.TrimSpace(s), 64); err == nil {
						if d, ok := serialDate(v, formats.date1904); ok {
							s = d
						}
					}
				}
				if s != "" {
					if cells > 0 {
						o.tb.WriteString("\t")
					}
					o.tb.WriteString(s)
					cells++
				}
			case "row":
				if cells > 0 {
					o.tb.WriteString("\n")
				}
			}
		case xml.CharData:
			if (inV || (inT && cellType == "inlineStr")) && int64(val.Len()) < o.w.opts.MaxTextBytes {
				val.Write(t)
			}
		}
	}
}

// maxSniffPart bounds the package parts read to recognise a package.
const maxSniffPart = 1 << 20

// ooxmlTypeByRels recognises a package whose main part has an unusual
// name by the content type [Content_Types].xml gives the part its
// relationships name as the main document.
func ooxmlTypeByRels(z *zip.Reader) string {
	read := func(name string) *xml.Decoder {
		for _, f := range z.File {
			if f.Name == name {
				rc, err := f.Open()
				if err != nil {
					return nil
				}
				dec := xml.NewDecoder(io.LimitReader(rc, maxSniffPart))
				dec.Strict = false
				return dec
			}
		}
		return nil
	}
	var main string
	if dec := read("_rels/.rels"); dec != nil {
		for main == "" {
			tok, err := dec.RawToken()
			if err != nil {
				break
			}
			if t, ok := tok.(xml.StartElement); ok && t.Name.Local == "Relationship" && strings.HasSuffix(attr(t, "Type"), "/officeDocument") {
				main = "/" + strings.TrimPrefix(path.Clean("/"+attr(t, "Target")), "/")
			}
		}
	}
	dec := read("[Content_Types].xml")
	if main == "" || dec == nil {
		return mtZip
	}
	for {
		tok, err := dec.RawToken()
		if err != nil {
			return mtZip
		}
		t, ok := tok.(xml.StartElement)
		if !ok || t.Name.Local != "Override" || !strings.EqualFold(attr(t, "PartName"), main) {
			continue
		}
		ct := attr(t, "ContentType")
		switch {
		case strings.Contains(ct, "wordprocessingml.document"), strings.Contains(ct, "ms-word.document"), strings.Contains(ct, "ms-word.template"):
			return mtDocx
		case strings.Contains(ct, "spreadsheetml"), strings.Contains(ct, "ms-excel"):
			return mtXlsx
		case strings.Contains(ct, "presentationml"), strings.Contains(ct, "ms-powerpoint"):
			return mtPptx
		}
		return mtZip
	}
}
