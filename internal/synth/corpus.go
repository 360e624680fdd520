package synth

import (
	"archive/zip"
	"fmt"
	"io"
)

// Stats describes a corpus written by Corpus.
type Stats struct {
	Pages       int   // Confluence pages, the staff directory included
	Attachments int   // PDF, DOCX and .eml files
	PDFs        int   // attachments that are PDF
	DOCXs       int   // attachments that are DOCX
	Mails       int   // attachments that are .eml
	Files       int   // zip entries
	Bytes       int64 // uncompressed size of all entries
	Identifiers int   // planted identifiers, counted once per file and value
	ByKind      map[string]int
	Staff       []string // names in the staff directory
}

// corpusStaff is the size of a corpus's staff directory.
const corpusStaff = 300

// Corpus streams a benchmark corpus to w as a zip: a staff directory page,
// then pages Confluence pages of about 5 to 15 KB each under pages/, then
// attachments PDFs, DOCXs and .eml mails (in turn) under attachments/. Each
// file is generated, written and dropped, so memory stays bounded whatever the
// size: only the zip directory grows, by about a hundred bytes per file.
// The same seed gives the same bytes.
func Corpus(w io.Writer, seed int64, pages, attachments int) (Stats, error) {
	return CorpusTruth(w, seed, pages, attachments, nil)
}

// CorpusTruth is Corpus that also reports each planted identifier to planted
// (when not nil) as its file is written, once per file, member and value; a
// benchmark can measure recall without holding the corpus in memory.
func CorpusTruth(w io.Writer, seed int64, pages, attachments int, planted func(Planted)) (Stats, error) {
	if pages < 0 || attachments < 0 {
		return Stats{}, fmt.Errorf("corpus of %d pages and %d attachments: counts must not be negative", pages, attachments)
	}
	g := newGen(seed, corpusStaff)
	st := Stats{ByKind: map[string]int{}}
	for _, s := range g.staff {
		st.Staff = append(st.Staff, s.Name)
	}
	zw := zip.NewWriter(w)
	put := func(name string, data []byte, ids plants) error {
		if err := addZip(zw, name, data); err != nil {
			return err
		}
		st.Files++
		st.Bytes += int64(len(data))
		seen := map[plantKey]bool{}
		for _, p := range ids {
			p.File = name
			if k := keyOf(p); !seen[k] {
				seen[k] = true
				st.Identifiers++
				st.ByKind[p.Kind]++
				if planted != nil {
					planted(p)
				}
			}
		}
		return nil
	}

	staff := g.staffPage()
	if err := put("pages/000000_"+slug(staff.Title)+".html", pageHTML(staff), staff.ids); err != nil {
		return st, err
	}
	st.Pages++
	for i := range pages {
		target := g.between(3500, 11000)
		var d *doc
		switch x := g.r.IntN(20); {
		case x < 14:
			d = g.toolPage(target)
		case x < 17:
			d = g.meetingPage(target)
		default:
			d = g.infraPage(target)
		}
		if err := put(fmt.Sprintf("pages/%06d_%s.html", i+1, slug(d.Title)), pageHTML(d), d.ids); err != nil {
			return st, err
		}
		st.Pages++
	}
	for i := range attachments {
		var (
			name string
			data []byte
			ids  plants
		)
		switch i % 3 {
		case 0:
			d := g.toolPage(g.between(3000, 9000))
			d.Crumbs = nil
			d.Title += " User Guide"
			name, data, ids = fmt.Sprintf("attachments/%06d_%s.pdf", i+1, slug(d.Title)), pdfBytes(d.Title, docLines(d), d.ids.names()), d.ids
			st.PDFs++
		case 1:
			d := g.meetingPage(g.between(2000, 6000))
			d.Crumbs = nil
			b, err := g.docxBytes(d)
			if err != nil {
				return st, err
			}
			name, data, ids = fmt.Sprintf("attachments/%06d_%s.docx", i+1, slug(d.Title)), b, d.ids
			st.DOCXs++
		default:
			m := g.newMessage(&ids, "Status: "+g.codename())
			if g.chance(0.5) {
				var csv plants
				m.Attach = &attachment{Name: "lp_hits.csv", Type: "text/csv", Data: g.hitsCSV(&csv, g.between(5, 30))}
				for _, p := range csv {
					p.Member = m.Attach.Name
					ids = append(ids, p)
				}
			}
			name, data = fmt.Sprintf("attachments/%06d_message.eml", i+1), g.emlBytes(m)
			st.Mails++
		}
		if err := put(name, data, ids); err != nil {
			return st, err
		}
		st.Attachments++
	}
	if err := zw.Close(); err != nil {
		return st, fmt.Errorf("finish corpus zip: %w", err)
	}
	return st, nil
}
