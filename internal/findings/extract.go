package findings

import (
	"fmt"
	"sort"
	"strings"
	"unicode/utf8"
)

// Evidence kinds: what a span of a document shows.
const (
	EvidenceCVE     = "cve"
	EvidenceProduct = "product"
	EvidenceVersion = "version"
	EvidenceExploit = "exploit"
)

// Evidence is a span of a document supporting a proposal. Start and End
// are byte offsets into the document's text, End exclusive.
type Evidence struct {
	Doc   int64  `json:"doc"`
	Start int    `json:"start"`
	End   int    `json:"end"`
	Kind  string `json:"kind"`
}

// Proposal is a finding extraction suggests; an analyst accepts, merges or
// rejects it. Key groups proposals about the same thing across documents:
// "product:VENDOR/PRODUCT" or "cve:CVE-ID". It names products and CVE IDs,
// so callers store it sealed or as a keyed MAC.
type Proposal struct {
	Key       string     `json:"key"`
	Title     string     `json:"title"`
	Class     string     `json:"class,omitempty"` // the product's device class
	Affected  []Affected `json:"affected,omitempty"`
	CVEs      []string   `json:"cves,omitempty"`
	Terms     []string   `json:"terms,omitempty"` // exploit vocabulary, strongest first
	Exploited bool       `json:"exploited_in_the_wild"`
	Evidence  []Evidence `json:"evidence"`
	weight    int
}

// Window is how far (in bytes) from a product mention exploit vocabulary
// and CVE IDs count as describing it.
const Window = 300

type mention struct {
	start, end int
	index      int // into Products or Vocabulary; -1 for a CVE
	cve        string
	version    Range
	vStart     int
	vEnd       int
}

// Extract proposes findings from one document's text. It is pure and
// linear in the text's length; spans lie inside text.
func (d *Dictionary) Extract(doc int64, text string) []Proposal {
	prods, terms := d.scan(text)
	cves := scanCVEs(text)
	groups := map[string]*Proposal{}
	var order []string
	get := func(key string) *Proposal {
		p, ok := groups[key]
		if !ok {
			p = &Proposal{Key: key}
			groups[key] = p
			order = append(order, key)
		}
		return p
	}
	// Each exploit term and CVE ID describes the product mentioned nearest
	// to it (within Window), so one paragraph about three products does not
	// give all three every term.
	termsOf := make([][]int, len(prods))
	cvesOf := make([][]int, len(prods))
	items := itemBreaks(text)
	nearest := func(ms []mention, start, end int) int { return nearestInItem(ms, items, start, end) }
	var loneTerms []int
	for i, tm := range terms {
		if p := nearest(prods, tm.start, tm.end); p >= 0 {
			termsOf[p] = append(termsOf[p], i)
		} else {
			loneTerms = append(loneTerms, i)
		}
	}
	var loneCVEs []int
	headers := changelogHeaders(text)
	for i, cm := range cves {
		if p := nearest(prods, cm.start, cm.end); p >= 0 {
			cvesOf[p] = append(cvesOf[p], i)
		} else if p := entryProduct(prods, headers, cm.start); p >= 0 {
			// A changelog entry's fixes are fixes of the package it names.
			cvesOf[p] = append(cvesOf[p], i)
		} else {
			loneCVEs = append(loneCVEs, i)
		}
	}
	for pi, pm := range prods {
		if len(termsOf[pi]) == 0 && len(cvesOf[pi]) == 0 {
			continue // a mere mention of a product
		}
		dp := d.Products[pm.index]
		g := get("product:" + strings.ToLower(dp.Vendor) + "/" + strings.ToLower(dp.Product))
		g.Class = dp.Class
		g.Evidence = append(g.Evidence, Evidence{doc, pm.start, pm.end, EvidenceProduct})
		a := Affected{Vendor: dp.Vendor, Product: dp.Product, Versions: pm.version, PURL: dp.PURL}
		if pm.vEnd > 0 {
			g.Evidence = append(g.Evidence, Evidence{doc, pm.vStart, pm.vEnd, EvidenceVersion})
		}
		version := ""
		if pm.version.Introduced == pm.version.LastAffected {
			version = pm.version.Introduced
		}
		a.CPE = CPEFor(dp.CPE, version)
		g.addAffected(a)
		for _, ti := range termsOf[pi] {
			tm := terms[ti]
			g.addTerm(d.Vocabulary[tm.index])
			g.Evidence = append(g.Evidence, Evidence{doc, tm.start, tm.end, EvidenceExploit})
		}
		for _, ci := range cvesOf[pi] {
			g.CVEs = appendNew(g.CVEs, cves[ci].cve)
			g.Evidence = append(g.Evidence, Evidence{doc, cves[ci].start, cves[ci].end, EvidenceCVE})
		}
	}
	for _, ci := range loneCVEs {
		cm := cves[ci]
		g := get("cve:" + cm.cve)
		g.CVEs = appendNew(g.CVEs, cm.cve)
		g.Evidence = append(g.Evidence, Evidence{doc, cm.start, cm.end, EvidenceCVE})
		for _, ti := range loneTerms {
			tm := terms[ti]
			if tm.end < cm.start-Window || tm.start > cm.end+Window || crosses(items, min(tm.end, cm.end), max(tm.start, cm.start)) {
				continue
			}
			g.addTerm(d.Vocabulary[tm.index])
			g.Evidence = append(g.Evidence, Evidence{doc, tm.start, tm.end, EvidenceExploit})
		}
	}
	out := make([]Proposal, 0, len(order))
	for _, k := range order {
		p := groups[k]
		p.finish(d)
		out = append(out, *p)
	}
	return out
}

// nearestInItem returns the index of the mention in ms (sorted, disjoint)
// closest to the span [start, end) in the same item of text (see
// itemBreaks), or -1 if none lies within Window. On a tie the earlier
// mention wins: documents name a product, then describe it.
func nearestInItem(ms []mention, items []int, start, end int) int {
	i := sort.Search(len(ms), func(i int) bool { return ms[i].start >= start })
	best, bestDist := -1, Window+1
	for _, k := range []int{i - 1, i} {
		if k < 0 || k >= len(ms) {
			continue
		}
		var dist, from, to int
		switch {
		case ms[k].end <= start:
			dist, from, to = start-ms[k].end, ms[k].end, start
		case ms[k].start >= end:
			dist, from, to = ms[k].start-end, end, ms[k].start
		}
		if dist < bestDist && !crosses(items, from, to) {
			best, bestDist = k, dist
		}
	}
	return best
}

// itemBreaks returns, in order, the offsets where a new item of text
// begins: after a blank line, or at a list item ("* ", "- ", "+ " or a
// number and a dot at the start of a line, as changelogs and advisories
// list one fix per item). A CVE ID or exploit term describes a product of
// its own item only: in a changelog, the line above is another fix.
func itemBreaks(text string) []int {
	var out []int
	for i := 0; i < len(text); i++ {
		if text[i] != '\n' {
			continue
		}
		j := i + 1
		for j < len(text) && (text[j] == ' ' || text[j] == '\t') {
			j++
		}
		if j >= len(text) {
			break
		}
		switch c := text[j]; {
		case c == '\n' || c == '\r':
			out = append(out, j)
		case (c == '*' || c == '-' || c == '+') && j+1 < len(text) && text[j+1] == ' ':
			out = append(out, j)
		case c >= '0' && c <= '9':
			k := j
			for k < len(text) && text[k] >= '0' && text[k] <= '9' {
				k++
			}
			if k+1 < len(text) && (text[k] == '.' || text[k] == ')') && text[k+1] == ' ' {
				out = append(out, j)
			}
		}
	}
	return out
}

// changelogHeaders returns the spans of the lines that open a Debian
// changelog entry: "package (version) distribution; urgency=...", at the
// start of a line.
func changelogHeaders(text string) [][2]int {
	var out [][2]int
	for start := 0; start < len(text); {
		end := strings.IndexByte(text[start:], '\n')
		if end < 0 {
			end = len(text)
		} else {
			end += start
		}
		line := text[start:end]
		if len(line) > 0 && line[0] != ' ' && line[0] != '\t' && strings.Contains(line, "; urgency=") {
			if sp := strings.Index(line, " ("); sp > 0 && strings.Contains(line[sp:], ") ") {
				out = append(out, [2]int{start, end})
			}
		}
		start = end + 1
	}
	return out
}

// entryProduct returns the product mention inside the header of the
// changelog entry that holds pos, or -1.
func entryProduct(ms []mention, headers [][2]int, pos int) int {
	h := sort.Search(len(headers), func(i int) bool { return headers[i][0] > pos }) - 1
	if h < 0 {
		return -1
	}
	i := sort.Search(len(ms), func(i int) bool { return ms[i].start >= headers[h][0] })
	if i < len(ms) && ms[i].end <= headers[h][1] {
		return i
	}
	return -1
}

// crosses reports whether an item break lies in [from, to).
func crosses(items []int, from, to int) bool {
	i := sort.SearchInts(items, from)
	return i < len(items) && items[i] < to
}

func appendNew(xs []string, x string) []string {
	for _, y := range xs {
		if y == x {
			return xs
		}
	}
	return append(xs, x)
}

func (p *Proposal) addAffected(a Affected) {
	for i, b := range p.Affected {
		if b.Vendor != a.Vendor || b.Product != a.Product {
			continue
		}
		if b.Versions == a.Versions {
			return
		}
		if b.Versions.IsZero() {
			p.Affected[i] = a // a version says more than none
			return
		}
		if a.Versions.IsZero() {
			return
		}
	}
	p.Affected = append(p.Affected, a)
}

func (p *Proposal) addTerm(t DictTerm) {
	p.Terms = appendNew(p.Terms, t.Term)
	if t.InTheWild {
		p.Exploited = true
	}
	p.weight += t.Weight
}

// finish orders terms by strength, sorts evidence and writes the title.
func (p *Proposal) finish(d *Dictionary) {
	weight := map[string]int{}
	for _, t := range d.Vocabulary {
		weight[t.Term] = t.Weight
	}
	sort.SliceStable(p.Terms, func(i, j int) bool {
		return weight[p.Terms[i]] > weight[p.Terms[j]]
	})
	sort.Slice(p.Evidence, func(i, j int) bool {
		a, b := p.Evidence[i], p.Evidence[j]
		if a.Doc != b.Doc {
			return a.Doc < b.Doc
		}
		if a.Start != b.Start {
			return a.Start < b.Start
		}
		return a.End < b.End
	})
	ev := p.Evidence[:0]
	for i, e := range p.Evidence {
		if i > 0 && e == ev[len(ev)-1] {
			continue
		}
		ev = append(ev, e)
	}
	p.Evidence = ev
	sort.Strings(p.CVEs)
	p.Title = p.title()
}

func (p *Proposal) title() string {
	what := "Vulnerability"
	for _, t := range p.Terms {
		if t != "exploited in the wild" {
			what = strings.ToUpper(t[:1]) + t[1:]
			break
		}
	}
	var in []string
	for _, a := range p.Affected {
		n := a.Vendor + " " + a.Product
		if strings.HasPrefix(a.Product, a.Vendor) {
			n = a.Product // "Linux kernel", not "Linux Linux kernel"
		}
		in = appendNew(in, n)
	}
	products, cves := listSome(in, 3), listSome(p.CVEs, 3)
	var t string
	switch {
	case len(in) > 0 && len(p.CVEs) > 0:
		t = what + " in " + products + " (" + cves + ")"
	case len(in) > 0:
		t = what + " in " + products
	case len(p.CVEs) > 0:
		t = what + " " + cves
	default:
		t = what
	}
	return clipTitle(t)
}

// listSome joins at most n items and says how many more there are: a page
// naming forty CVEs still gets a readable title.
func listSome(items []string, n int) string {
	if len(items) <= n {
		return strings.Join(items, ", ")
	}
	return strings.Join(items[:n], ", ") + fmt.Sprintf(" and %d more", len(items)-n)
}

// clipTitle keeps a title within MaxTitleBytes on a rune boundary.
func clipTitle(t string) string {
	if len(t) <= MaxTitleBytes {
		return t
	}
	cut := MaxTitleBytes - len("…")
	for cut > 0 && !utf8.RuneStart(t[cut]) {
		cut--
	}
	return t[:cut] + "…"
}

// Finding turns a proposal into a proposed finding citing its evidence.
func (p Proposal) Finding() Finding {
	f := Finding{
		State:     Proposed,
		Title:     p.Title,
		Affected:  append([]Affected(nil), p.Affected...),
		CVEs:      append([]string(nil), p.CVEs...),
		Exploited: p.Exploited,
	}
	if len(p.Terms) > 0 {
		f.Summary = "Proposed by extraction; exploit vocabulary: " + strings.Join(p.Terms, ", ") + "."
	}
	for _, e := range p.Evidence {
		f.Sources = append(f.Sources, Source{Doc: e.Doc, Start: e.Start, End: e.End})
	}
	return f
}

// Collector merges proposals about the same thing from many documents.
type Collector struct {
	byKey map[string]*Proposal
	order []string
}

// Add merges ps into the collection.
func (c *Collector) Add(ps ...Proposal) {
	if c.byKey == nil {
		c.byKey = map[string]*Proposal{}
	}
	for _, p := range ps {
		g, ok := c.byKey[p.Key]
		if !ok {
			cp := p
			cp.Evidence = append([]Evidence(nil), p.Evidence...)
			cp.Affected = append([]Affected(nil), p.Affected...)
			cp.CVEs = append([]string(nil), p.CVEs...)
			cp.Terms = append([]string(nil), p.Terms...)
			c.byKey[p.Key] = &cp
			c.order = append(c.order, p.Key)
			continue
		}
		for _, a := range p.Affected {
			g.addAffected(a)
		}
		for _, x := range p.CVEs {
			g.CVEs = appendNew(g.CVEs, x)
		}
		for _, t := range p.Terms {
			g.Terms = appendNew(g.Terms, t)
		}
		g.Exploited = g.Exploited || p.Exploited
		g.Evidence = append(g.Evidence, p.Evidence...)
		if g.Class == "" {
			g.Class = p.Class
		}
	}
}

// Proposals returns the merged proposals in the order first seen, with
// titles and evidence order recomputed against d.
func (c *Collector) Proposals(d *Dictionary) []Proposal {
	out := make([]Proposal, 0, len(c.order))
	for _, k := range c.order {
		p := c.byKey[k]
		p.finish(d)
		out = append(out, *p)
	}
	return out
}
