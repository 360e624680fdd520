package extract

import (
	"archive/zip"
	"encoding/xml"
	"errors"
	"io"
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
// (w:t, a:t), tabs, breaks, and paragraph ends.
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
			case "t":
				inText = true
			case "tab":
				o.tb.WriteString("\t")
			case "br", "cr":
				o.tb.WriteString("\n")
			}
		case xml.EndElement:
			switch t.Name.Local {
			case "t":
				inText = false
			case "p":
				o.tb.WriteString("\n")
			}
		case xml.CharData:
			if inText {
				o.tb.Write(t)
			}
		}
	}
}

func (o *ooxml) docx() {
	o.paragraphs("word/document.xml")
	for _, group := range [][]string{
		o.numbered("word/header", ".xml"), o.numbered("word/footer", ".xml"),
		{"word/footnotes.xml", "word/endnotes.xml", "word/comments.xml"},
	} {
		for _, name := range group {
			o.paragraphs(name)
		}
	}
}

func (o *ooxml) pptx() {
	for _, name := range o.numbered("ppt/slides/slide", ".xml") {
		o.paragraphs(name)
	}
	for _, name := range o.numbered("ppt/notesSlides/notesSlide", ".xml") {
		o.paragraphs(name)
	}
}

// xlsx writes every sheet's cells, tab-separated, one row per line.
func (o *ooxml) xlsx() {
	shared := o.sharedStrings()
	for i, name := range o.numbered("xl/worksheets/sheet", ".xml") {
		if i > 0 {
			o.tb.WriteString("\n")
		}
		o.sheet(name, shared)
	}
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

func (o *ooxml) sheet(name string, shared []string) {
	dec, c := o.open(name)
	if dec == nil {
		return
	}
	defer c.Close()
	var (
		cellType string
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
				cellType = ""
				for _, a := range t.Attr {
					if a.Name.Local == "t" {
						cellType = a.Value
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
				if cellType == "s" {
					s = ""
					if i, err := strconv.Atoi(strings.TrimSpace(val.String())); err == nil && i >= 0 && i < len(shared) {
						s = shared[i]
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
