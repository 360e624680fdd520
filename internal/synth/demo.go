package synth

import (
	"fmt"
	"strconv"
	"strings"
)

// Demo generates the small leak `antidote demo` ingests: 12 Confluence pages
// (a home page, a staff directory, tool and exploit pages, meeting notes, an
// infrastructure page), an mbox of three mails, an .eml with a CSV
// attachment, a DOCX, an XLSX, a PDF and a nested archive (a zip holding a
// tar.gz holding a text file and another zip). It is well under 2 MB.
func Demo(seed int64) *Leak {
	l, err := demo(seed)
	if err != nil {
		// Every writer targets memory; an error here is a bug in synth.
		panic("synth: demo: " + err.Error())
	}
	return l
}

func demo(seed int64) (*Leak, error) {
	g := newGen(seed, 24)
	b := newBuilder(g)

	var pages []*doc
	pages = append(pages, g.staffPage())
	for range 7 {
		pages = append(pages, g.toolPage(g.between(2500, 5000)))
	}
	pages = append(pages, g.meetingPage(2000), g.meetingPage(2500), g.infraPage(2500))
	pages = append(pages, g.homePage(pages))
	for _, d := range pages {
		b.add(pagePath(d), pageHTML(d), d.ids)
	}

	// the user guide of the first tool, as its PDF attachment
	guide := g.toolPage(6000)
	guide.Crumbs = nil
	guide.Title += " User Guide"
	b.add("docs/"+slug(guide.Title)+".pdf", pdfBytes(guide.Title, docLines(guide), guide.ids.names()), guide.ids)

	req := g.meetingPage(3000)
	req.Title = "Requirements review: " + g.codename()
	req.Crumbs = nil
	docx, err := g.docxBytes(req)
	if err != nil {
		return nil, err
	}
	b.add("docs/"+slug(req.Title)+".docx", docx, req.ids)

	var sheet plants
	xlsx, err := xlsxBytes("Test Matrix", g.testMatrix(&sheet, 18))
	if err != nil {
		return nil, err
	}
	b.add("docs/test_matrix.xlsx", xlsx, sheet)

	// mailbox of three messages: plain, with a log attachment, and a reply
	// holding a line that mbox must escape
	var mbox plants
	var logIDs plants
	m1 := g.newMessage(&mbox, "LP rotation for "+g.codename())
	m2 := g.newMessage(&mbox, "Lab results \u2013 "+g.family(g.product()))
	m2.Attach = &attachment{Name: "lab_run.log", Type: "text/plain; charset=us-ascii", Data: g.labLog(&logIDs, 12)}
	m3 := g.newMessage(&mbox, "RE: "+m1.Subject)
	m3.Body = "From the lab side everything is ready.\n\n" + m3.Body + "\n> " + strings.ReplaceAll(strings.TrimSpace(m1.Body), "\n", "\n> ") + "\n"
	b.add("mail/edg-dev.mbox", g.mboxBytes([]*message{m1, m2, m3}), mbox)
	b.plant("mail/edg-dev.mbox", m2.Attach.Name, logIDs)

	var eml, csvIDs plants
	m4 := g.newMessage(&eml, "LP hits for the week")
	m4.Attach = &attachment{Name: "lp_hits.csv", Type: "text/csv", Data: g.hitsCSV(&csvIDs, 15)}
	b.add("mail/lp_hits_week.eml", g.emlBytes(m4), eml)
	b.plant("mail/lp_hits_week.eml", m4.Attach.Name, csvIDs)

	arch, err := g.nestedArchive()
	if err != nil {
		return nil, err
	}
	b.add(arch.path, arch.data, nil)
	for _, s := range arch.sub {
		s.flatten("", func(m string, ids plants) { b.plant(arch.path, m, ids) })
	}
	return b.finish(), nil
}

func pagePath(d *doc) string {
	return "confluence/EDG/" + slug(d.Title) + "_" + strconv.Itoa(d.PageID) + ".html"
}

// testMatrix is a spreadsheet of devices under test.
func (g *gen) testMatrix(p *plants, n int) [][]string {
	rows := [][]string{{"Target", "Product", "Version", "IPv4", "IPv6", "MAC", "Operator", "E-mail", "Runs", "Status"}}
	for i := range n {
		pr := g.product()
		op := g.person(p)
		rows = append(rows, []string{
			fmt.Sprintf("T-%03d", i+1), g.family(pr), g.pick(pr.Ranges),
			g.ipv4(p), g.ipv6(p), g.mac(p), op.Name, g.staffEmail(p, op),
			strconv.Itoa(g.between(1, 50)), g.pick(statuses),
		})
	}
	return rows
}

// labLog is a test-run log.
func (g *gen) labLog(p *plants, n int) []byte {
	var b strings.Builder
	for i := range n {
		fmt.Fprintf(&b, "2016-%02d-%02d %02d:%02d:%02d run=%d target=%s mac=%s result=%s\n",
			g.between(1, 12), g.between(1, 28), g.r.IntN(24), g.r.IntN(60), g.r.IntN(60), i+1,
			g.ipv4(p), g.mac(p), g.pick([]string{"shell", "crash", "timeout", "shell", "no-vuln"}))
	}
	fmt.Fprintf(&b, "uploaded by %s with token %s\n", g.name(p), g.token(p))
	return []byte(b.String())
}

// hitsCSV is a listening post's log of callbacks.
func (g *gen) hitsCSV(p *plants, n int) []byte {
	var b strings.Builder
	b.WriteString("timestamp,source,lp,implant,operator\n")
	for range n {
		var src string
		if g.chance(0.3) {
			src = g.ipv6As(p, ScopePublic, "plain")
		} else {
			src = g.ipv4As(p, ScopePublic, "plain")
		}
		fmt.Fprintf(&b, "2016-%02d-%02dT%02d:%02d:00Z,%s,%s,%s,%s\n",
			g.between(1, 12), g.between(1, 28), g.r.IntN(24), g.r.IntN(60), src,
			g.ipv4As(p, g.pick([]string{ScopePublic, ScopeDocumentation}), "port"),
			g.codename(), g.email(p))
	}
	return []byte(b.String())
}
