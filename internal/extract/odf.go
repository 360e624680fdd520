package extract

import (
	"archive/zip"
	"encoding/xml"
	"errors"
	"io"
	"net/url"
	"path"
	"strconv"
	"strings"
)

// Media types of zip-based formats other than OOXML.
const (
	mtODT  = "application/vnd.oasis.opendocument.text"
	mtODS  = "application/vnd.oasis.opendocument.spreadsheet"
	mtODP  = "application/vnd.oasis.opendocument.presentation"
	mtEPUB = "application/epub+zip"
)

// Labels put before text a reader of the document would not see at
// first glance, so that an analyst knows where a hit came from.
const (
	labelComment = "[Comment] "
	labelDeleted = "[Deleted] "
	labelNotes   = "[Speaker notes] "
	labelHidden  = "[Hidden sheet] "
	labelSheet   = "[Sheet] "
)

// packageType recognises OpenDocument and EPUB by their first member,
// "mimetype", which both formats require to be stored uncompressed.
func packageType(z *zip.Reader) string {
	for _, f := range z.File {
		if f.Name != "mimetype" {
			continue
		}
		if f.UncompressedSize64 > 128 {
			return ""
		}
		rc, err := f.Open()
		if err != nil {
			return ""
		}
		defer rc.Close()
		b, _ := io.ReadAll(io.LimitReader(rc, 128))
		switch mt := strings.TrimSpace(string(b)); mt {
		case mtODT, mtODS, mtODP, mtEPUB:
			return mt
		case mtODT + "-template":
			return mtODT
		case mtODS + "-template":
			return mtODS
		case mtODP + "-template":
			return mtODP
		}
	}
	return ""
}

func odfByExt(ext string) string {
	switch ext {
	case ".odt", ".ott":
		return mtODT
	case ".ods", ".ots":
		return mtODS
	case ".odp", ".otp":
		return mtODP
	case ".epub":
		return mtEPUB
	}
	return ""
}

// newPackage returns a reader of the parts of a zip-based document.
func (w *walker) newPackage(d *Doc, z *zip.Reader) *ooxml {
	registerZipMethods(z)
	parts := make(map[string]*zip.File, len(z.File))
	for _, f := range z.File {
		parts[f.Name] = f
	}
	return &ooxml{w: w, b: w.newBudget(fixedSize(d.Size)), parts: parts, tb: w.newText(), files: z.File}
}

// finish stores the text of a package and records its first failure.
func (o *ooxml) finish(d *Doc) error {
	o.tb.set(d)
	if o.err == nil {
		return nil
	}
	if errors.Is(o.err, errBomb) || errors.Is(o.err, errTotal) {
		setErr(d, ErrBomb, "document part expansion limit reached")
		return nil
	}
	if err := o.w.ctx.Err(); err != nil {
		return err
	}
	setErr(d, ErrCorrupt, "read document part")
	return nil
}

// extractODF extracts an OpenDocument text, spreadsheet or presentation:
// content.xml, with annotations, tracked deletions, hidden sheets and
// speaker notes labelled, then the headers and footers of styles.xml.
func (w *walker) extractODF(d *Doc, sn sniffed) error {
	if sn.zip == nil {
		setErr(d, ErrCorrupt, "read document package directory")
		return nil
	}
	o := w.newPackage(d, sn.zip)
	sheets := d.MediaType == mtODS
	o.odf("content.xml", false, sheets)
	if d.MediaType == mtODT {
		// Spreadsheets and presentations keep only field placeholders
		// ("Page 1", "???") in their headers and footers.
		o.odf("styles.xml", true, sheets)
	}
	return o.finish(d)
}

// odf streams one OpenDocument XML part. In styles.xml (onlyMasters) only
// the headers and footers of master pages hold text. Tables are labelled
// with their names when they are sheets.
func (o *ooxml) odf(name string, onlyMasters, sheets bool) {
	dec, c := o.open(name)
	if dec == nil {
		return
	}
	defer c.Close()
	var (
		hiddenStyles = map[string]bool{}
		style        string // the automatic style being read
		skip         int    // depth inside elements whose text is not content
		masters      int    // depth inside style:header/footer
		cells        int    // cells written in the current row
		rowStart     int    // text length at the start of the current cell
		annotation   int    // depth inside office:annotation
		para         int    // depth inside text:p and text:h, where character data is text
	)
	at := func(t xml.StartElement, space, local string) string {
		for _, a := range t.Attr {
			if a.Name.Space == space && a.Name.Local == local {
				return a.Value
			}
		}
		return ""
	}
	for !o.tb.full() {
		tok, err := dec.RawToken()
		if err != nil {
			o.fail(err)
			return
		}
		switch t := tok.(type) {
		case xml.StartElement:
			qn := t.Name.Space + ":" + t.Name.Local
			if skip > 0 {
				skip++
				continue
			}
			if onlyMasters {
				switch qn {
				case "style:header", "style:footer", "style:header-left", "style:footer-left", "style:header-first", "style:footer-first":
					masters++
				}
				if masters == 0 {
					continue
				}
			}
			switch qn {
			case "style:style":
				style = at(t, "style", "name")
			case "style:table-properties":
				if at(t, "table", "display") == "false" && style != "" {
					hiddenStyles[style] = true
				}
			case "text:sequence-decls", "text:tracked-changes-info", "office:change-info",
				"dc:date", "meta:date-string", "text:note-citation", "svg:desc", "office:event-listeners",
				"text:bookmark-ref", "style:style-map":
				skip = 1
			case "text:tracked-changes":
				// Within it only deletions carry text that is no
				// longer in the body.
			case "text:deletion":
				o.tb.WriteString("\n" + labelDeleted)
			case "office:annotation":
				annotation++
				o.tb.WriteString("\n" + labelComment)
			case "dc:creator":
				if annotation > 0 {
					para++ // the author's name is text here
				}
			case "presentation:notes":
				o.tb.WriteString("\n" + labelNotes)
			case "table:table":
				label := labelSheet
				if hiddenStyles[at(t, "table", "style-name")] {
					label = labelHidden
				}
				if n := at(t, "table", "name"); n != "" && (sheets || label == labelHidden) {
					o.tb.WriteString("\n" + label + n + "\n")
				}
			case "table:table-row":
				cells = 0
			case "table:table-cell", "table:covered-table-cell":
				rowStart = len(o.tb.b)
				if cells > 0 {
					o.tb.WriteString("\t")
					rowStart = len(o.tb.b)
				}
				cells++
			case "text:p", "text:h":
				para++
			case "text:s":
				n, _ := strconv.Atoi(at(t, "text", "c"))
				o.tb.WriteString(strings.Repeat(" ", min(max(n, 1), 64)))
			case "text:tab":
				o.tb.WriteString("\t")
			case "text:line-break":
				o.tb.WriteString("\n")
			}
		case xml.EndElement:
			qn := t.Name.Space + ":" + t.Name.Local
			if skip > 0 {
				skip--
				continue
			}
			if onlyMasters {
				if masters == 0 {
					continue
				}
				switch qn {
				case "style:header", "style:footer", "style:header-left", "style:footer-left", "style:header-first", "style:footer-first":
					masters--
				}
			}
			switch qn {
			case "style:style":
				style = ""
			case "text:p", "text:h":
				para = max(para-1, 0)
				o.tb.WriteString("\n")
			case "table:table-cell", "table:covered-table-cell":
				// A cell's paragraphs end in a line break; within a
				// row the cells are separated by tabs instead.
				if len(o.tb.b) > rowStart && o.tb.b[len(o.tb.b)-1] == '\n' {
					o.tb.b = o.tb.b[:len(o.tb.b)-1]
				}
			case "table:table-row":
				o.tb.WriteString("\n")
			case "dc:creator":
				if annotation > 0 {
					para = max(para-1, 0)
					o.tb.WriteString(": ")
				}
			case "office:annotation":
				annotation = max(annotation-1, 0)
				o.tb.WriteString("\n")
			case "text:deletion", "presentation:notes":
				o.tb.WriteString("\n")
			}
		case xml.CharData:
			if skip == 0 && para > 0 && (!onlyMasters || masters > 0) {
				o.tb.Write(t)
			}
		}
	}
}

// extractEPUB extracts the XHTML documents of an EPUB in reading order
// (the spine of its package document), or in archive order when the
// package document cannot be read.
func (w *walker) extractEPUB(d *Doc, sn sniffed) error {
	if sn.zip == nil {
		setErr(d, ErrCorrupt, "read document package directory")
		return nil
	}
	o := w.newPackage(d, sn.zip)
	order := o.epubSpine()
	if len(order) == 0 {
		for _, f := range o.files {
			switch strings.ToLower(path.Ext(f.Name)) {
			case ".xhtml", ".html", ".htm":
				order = append(order, f.Name)
			}
		}
	}
	seen := map[string]bool{}
	for _, name := range order {
		if seen[name] || o.tb.full() {
			continue
		}
		seen[name] = true
		rc := o.openRaw(name)
		if rc == nil {
			continue
		}
		o.fail(w.htmlToText(o.tb, rc, teUTF8.enc))
		rc.Close()
		o.tb.WriteString("\n")
	}
	return o.finish(d)
}

// maxSpine bounds the documents an EPUB's spine may list.
const maxSpine = 100_000

// epubSpine returns the part names of the spine, in order.
func (o *ooxml) epubSpine() []string {
	var opf string
	if dec, c := o.open("META-INF/container.xml"); dec != nil {
		for opf == "" {
			tok, err := dec.RawToken()
			if err != nil {
				break
			}
			if t, ok := tok.(xml.StartElement); ok && t.Name.Local == "rootfile" {
				for _, a := range t.Attr {
					if a.Name.Local == "full-path" {
						opf = a.Value
					}
				}
			}
		}
		c.Close()
	}
	dec, c := o.open(opf)
	if dec == nil {
		return nil
	}
	defer c.Close()
	dir := path.Dir(opf)
	hrefs := map[string]string{}
	var spine []string
	for len(spine) < maxSpine && len(hrefs) < maxSpine {
		tok, err := dec.RawToken()
		if err != nil {
			break
		}
		t, ok := tok.(xml.StartElement)
		if !ok {
			continue
		}
		attr := map[string]string{}
		for _, a := range t.Attr {
			attr[a.Name.Local] = a.Value
		}
		switch t.Name.Local {
		case "item":
			href := attr["href"]
			if u, err := url.PathUnescape(href); err == nil {
				href = u
			}
			hrefs[attr["id"]] = path.Join(dir, href)
		case "itemref":
			spine = append(spine, attr["idref"])
		}
	}
	var names []string
	for _, id := range spine {
		if n, ok := hrefs[id]; ok {
			names = append(names, n)
		}
	}
	return names
}

// openRaw returns a metered reader over a part, or nil if it is absent.
func (o *ooxml) openRaw(name string) io.ReadCloser {
	f := o.parts[name]
	if f == nil {
		return nil
	}
	rc, err := f.Open()
	if err != nil {
		o.fail(err)
		return nil
	}
	return struct {
		io.Reader
		io.Closer
	}{&meter{r: rc, b: o.b, packed: int64(min(f.CompressedSize64, 1<<62))}, rc}
}
