package publish

import (
	"bytes"
	"embed"
	"encoding/json"
	"fmt"
	"html/template"
	"slices"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"

	"antidote/internal/findings"
	"antidote/internal/redact"
)

//go:embed site/style.css site/search.js
var siteAssets embed.FS

// page is what every site template gets.
type page struct {
	Title     string
	Root      string // relative path to the site root: "" or "../"
	Publisher Publisher
	At        string
	Body      any
}

var siteTmpl = template.Must(template.New("site").Funcs(template.FuncMap{
	"date": func(t time.Time) string { return t.UTC().Format("2006-01-02") },
}).Parse(`
{{define "head"}}<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>{{.Title}} · {{.Publisher.Name}}</title>
<link rel="stylesheet" href="{{.Root}}style.css">
<link rel="alternate" type="application/atom+xml" title="Releases" href="{{.Root}}feed.atom">
</head>
<body>
<a class="skip" href="#main">Skip to content</a>
<header><p><a href="{{.Root}}index.html">{{.Publisher.Name}}</a> · release of {{.At}}</p></header>
<main id="main">
{{end}}
{{define "foot"}}</main>
<footer><p>Published by {{.Publisher.Name}} with antidote. Every document here was redacted and checked for remaining identifiers before release. Machine-readable advisories: <a href="{{.Root}}.well-known/csaf/provider-metadata.json">CSAF provider metadata</a>, <a href="{{.Root}}feed.atom">Atom feed</a>.</p></footer>
</body>
</html>
{{end}}

{{define "index"}}{{template "head" .}}{{with .Body}}
<h1>{{$.Title}}</h1>
<p>{{len .Advisories}} advisories and {{len .Documents}} redacted documents.</p>
<section aria-labelledby="search-h">
<h2 id="search-h">Search the documents</h2>
<form id="search-form" role="search" hidden>
<label for="search-input">Words</label><input id="search-input" type="search" autocomplete="off">
<button type="submit">Search</button>
</form>
<p id="search-status" role="status" aria-live="polite"></p>
<ol id="search-results"></ol>
<noscript><p>Search needs JavaScript; every document is listed below.</p></noscript>
</section>
<section aria-labelledby="adv-h">
<h2 id="adv-h">Advisories</h2>
<table>
<caption>Advisories, newest first</caption>
<thead><tr><th scope="col">Advisory</th><th scope="col">Title</th><th scope="col">CVE</th><th scope="col">Updated</th></tr></thead>
<tbody>
{{range .Advisories}}<tr><td><a href="{{.Page}}">{{.ID}}</a></td><td>{{.Title}}</td><td>{{range .CVEs}}{{.}} {{end}}</td><td>{{date .Updated}} (version {{.Version}})</td></tr>
{{end}}</tbody>
</table>
</section>
<section aria-labelledby="stats-h">
<h2 id="stats-h">What the redaction removed</h2>
<p>{{.Stats.Redacted}} identifiers were replaced by pseudonyms in the released documents.</p>
<figure><img src="stats/types.svg" alt="{{.TypesAlt}}" width="640" height="{{.TypesHeight}}"><figcaption>Redacted identifiers by type</figcaption></figure>
<figure><img src="stats/countries.svg" alt="{{.CountriesAlt}}" width="640" height="{{.CountriesHeight}}"><figcaption>Redacted public IP addresses by country</figcaption></figure>
</section>
<section aria-labelledby="docs-h">
<h2 id="docs-h">Documents</h2>
<ul>
{{range .Documents}}<li><a href="{{.Page}}">Document {{.ID}}</a> <span class="meta">{{.Path}}</span></li>
{{end}}</ul>
</section>
{{end}}
<script src="search-index.js"></script>
<script src="search.js"></script>
{{template "foot" .}}{{end}}

{{define "document"}}{{template "head" .}}{{with .Body}}
<h1>Document {{.ID}}</h1>
<p class="meta">Found in the archive at <code>{{.Path}}</code>. {{.Stats.Redacted}} identifiers were replaced by pseudonyms.</p>
{{if .Advisories}}<h2>Advisories</h2><ul>{{range .Advisories}}<li><a href="../{{.Page}}">{{.ID}}</a>: {{.Title}}</li>{{end}}</ul>{{end}}
<h2>Redacted text</h2>
<pre class="doc">{{.Text}}</pre>
{{end}}{{template "foot" .}}{{end}}

{{define "advisory"}}{{template "head" .}}{{with .Body}}
<h1>{{.Title}}</h1>
<p class="meta">{{.ID}}, version {{.Version}}, first published {{date .Initial}}, updated {{date .Updated}}.{{if .CVEs}} {{range .CVEs}}{{.}} {{end}}{{end}}</p>
{{if .Exploited}}<p><strong>Exploited in the wild.</strong></p>{{end}}
<h2>Summary</h2>
<p>{{.Summary}}</p>
<h2>Am I affected? How do I fix it?</h2>
<table>
<caption>Per product: whether it is affected and what to do</caption>
<thead><tr><th scope="col">Product</th><th scope="col">Affected versions</th><th scope="col">What to do</th></tr></thead>
<tbody>
{{range .Lines}}<tr><th scope="row">{{.Product}}</th><td>{{.Affected}}</td><td class="status-{{.Class}}">{{.Fix}}</td></tr>
{{end}}</tbody>
</table>
{{if .Scores}}<h2>Severity</h2><ul>{{range .Scores}}<li>CVSS {{.Version}}: {{.Score}} ({{.Severity}}), <code>{{.Vector}}</code></li>{{end}}</ul>{{end}}
{{if .CWEs}}<h2>Weakness</h2><ul>{{range .CWEs}}<li>{{.}}</li>{{end}}</ul>{{end}}
{{if .Docs}}<h2>Documents</h2><ul>{{range .Docs}}<li><a href="../documents/{{.}}.html">Document {{.}}</a></li>{{end}}</ul>{{end}}
<h2>Machine-readable</h2>
<ul><li><a href="../{{.CSAF}}">CSAF 2.0</a> (<a href="../{{.CSAF}}.asc">signature</a>)</li><li><a href="../{{.OSV}}">OSV</a></li>{{range .CVEFiles}}<li><a href="../{{.Path}}">CVE record {{.ID}}</a></li>{{end}}</ul>
<h2>Revision history</h2>
<ol>{{range .History}}<li>{{date .Date}}: {{.Summary}}</li>{{end}}</ol>
{{end}}{{template "foot" .}}{{end}}
`))

type advRow struct {
	ID, Title, Page string
	CVEs            []string
	Updated         time.Time
	Version         int
}

type docRow struct {
	ID         int64
	Path, Page string
}

type fixRow struct{ Product, Affected, Fix, Class string }

func writeSite(in *Input, advs []*advisory, files map[string][]byte) error {
	at := in.At.Format("2006-01-02")
	render := func(name, title, root string, body any) ([]byte, error) {
		var b bytes.Buffer
		err := siteTmpl.ExecuteTemplate(&b, name, page{Title: title, Root: root, Publisher: in.Publisher, At: at, Body: body})
		return b.Bytes(), err
	}
	for _, n := range []string{"style.css", "search.js"} {
		b, err := siteAssets.ReadFile("site/" + n)
		if err != nil {
			return err
		}
		files[n] = b
	}
	byDoc := map[int64][]advRow{}
	var rows []advRow
	for _, a := range advs {
		r := advRow{ID: a.State.TrackingID, Title: a.F.Title, Page: advisoryPage(a), CVEs: a.F.CVEs, Updated: a.State.CurrentRelease, Version: a.State.Version}
		rows = append(rows, r)
		for _, d := range a.Docs {
			byDoc[d] = append(byDoc[d], r)
		}
		b, err := render("advisory", a.State.TrackingID+": "+a.F.Title, "../", advisoryBody(a))
		if err != nil {
			return err
		}
		files[advisoryPage(a)] = b
	}
	slices.SortStableFunc(rows, func(x, y advRow) int {
		if c := y.Updated.Compare(x.Updated); c != 0 {
			return c
		}
		return strings.Compare(x.ID, y.ID)
	})
	docs := slices.Clone(in.Documents)
	slices.SortFunc(docs, func(x, y Document) int { return int(x.ID - y.ID) })
	var drows []docRow
	var total redact.Stats
	idx := newSearchIndex()
	for _, d := range docs {
		pg := fmt.Sprintf("documents/%d.html", d.ID)
		drows = append(drows, docRow{ID: d.ID, Path: d.Path, Page: pg})
		total.Add(d.Stats)
		b, err := render("document", fmt.Sprintf("Document %d", d.ID), "../", map[string]any{
			"ID": d.ID, "Path": d.Path, "Stats": d.Stats, "Text": string(d.Text), "Advisories": byDoc[d.ID],
		})
		if err != nil {
			return err
		}
		files[pg] = b
		idx.add(fmt.Sprintf("Document %d: %s", d.ID, d.Path), pg, d.Path, string(d.Text))
	}
	si, err := idx.script()
	if err != nil {
		return err
	}
	files["search-index.js"] = si

	types, typesAlt, th := barChart("Redacted identifiers by type", typeCounts(total))
	countries, countriesAlt, ch := barChart("Redacted public IP addresses by country", sortedCounts(total.Countries))
	files["stats/types.svg"] = types
	files["stats/countries.svg"] = countries
	b, err := render("index", "Release", "", map[string]any{
		"Advisories": rows, "Documents": drows, "Stats": total,
		"TypesAlt": typesAlt, "TypesHeight": th, "CountriesAlt": countriesAlt, "CountriesHeight": ch,
	})
	if err != nil {
		return err
	}
	files["index.html"] = b
	files["feed.atom"] = atomFeed(in, rows, len(docs))
	return nil
}

func advisoryBody(a *advisory) map[string]any {
	var lines []fixRow
	for _, l := range a.Lines {
		r := fixRow{Product: l.Vendor + " " + l.name(), Affected: "all versions", Class: l.Status}
		if l.Maker != "" {
			r.Product = l.name() + ", made by " + l.Maker + " from " + l.Vendor + " " + l.Product
		}
		if !l.Range.IsZero() {
			r.Affected = humanRange(l.Range)
		}
		switch {
		case l.Status == lineNotAffected:
			r.Affected = "none"
			r.Fix = "Not affected (" + strings.ReplaceAll(string(l.Justification), "_", " ") + "): nothing to do."
		case l.PatchLevel != "":
			r.Affected = "security patch levels before " + l.PatchLevel
			r.Fix = "Install security patch level " + l.PatchLevel + " or later from " + l.Maker + "."
		case l.FixedVersion != "":
			r.Fix = "Update to version " + l.FixedVersion + " or later"
			if !l.ReleaseDate.IsZero() {
				r.Fix += " (released " + l.ReleaseDate.UTC().Format("2006-01-02") + ")"
			}
			r.Fix += "."
		default:
			r.Fix = "No fix available yet (vendor status: " + cmpStatus(l) + "). Limit exposure until the vendor ships one."
		}
		lines = append(lines, r)
	}
	var cwes []string
	for _, c := range a.F.CWEs {
		if n := cweName(c); n != "" {
			c += ": " + n
		}
		cwes = append(cwes, c)
	}
	type cveFile struct{ ID, Path string }
	var cveFiles []cveFile
	for _, c := range a.F.CVEs {
		cveFiles = append(cveFiles, cveFile{c, cvePath(c)})
	}
	summary := a.F.Summary
	if summary == "" {
		summary = a.F.Title
	}
	return map[string]any{
		"ID": a.State.TrackingID, "Title": a.F.Title, "Version": a.State.Version,
		"Initial": a.State.InitialRelease, "Updated": a.State.CurrentRelease, "CVEs": a.F.CVEs,
		"Exploited": a.F.Exploited, "Summary": summary, "Lines": lines, "Scores": a.F.CVSS, "CWEs": cwes,
		"Docs": a.Docs, "CSAF": csafPath(a), "OSV": osvPath(a), "CVEFiles": cveFiles, "History": a.State.History,
	}
}

func humanRange(r findings.Range) string {
	switch {
	case r.Introduced != "" && r.Introduced == r.LastAffected:
		return "version " + r.Introduced
	case r.Introduced != "" && r.Fixed != "":
		return "from " + r.Introduced + " up to, not including, " + r.Fixed
	case r.Introduced != "" && r.LastAffected != "":
		return "from " + r.Introduced + " to " + r.LastAffected
	case r.Fixed != "":
		return "before " + r.Fixed
	case r.LastAffected != "":
		return r.LastAffected + " and earlier"
	case r.Introduced != "":
		return r.Introduced + " and later"
	}
	return "all versions"
}

type count struct {
	Label string
	N     int64
}

func typeCounts(s redact.Stats) []count {
	var out []count
	for k, v := range s.Types {
		out = append(out, count{k, v.Redacted})
	}
	return sortCounts(out)
}

func sortedCounts(m map[string]int64) []count {
	var out []count
	for k, v := range m {
		out = append(out, count{k, v})
	}
	return sortCounts(out)
}

func sortCounts(cs []count) []count {
	slices.SortFunc(cs, func(a, b count) int {
		if a.N != b.N {
			if a.N > b.N {
				return -1
			}
			return 1
		}
		return strings.Compare(a.Label, b.Label)
	})
	return cs
}

var svgTmpl = template.Must(template.New("svg").Parse(`<svg xmlns="http://www.w3.org/2000/svg" width="640" height="{{.H}}" viewBox="0 0 640 {{.H}}" role="img" aria-labelledby="t d">
<title id="t">{{.Title}}</title>
<desc id="d">{{.Alt}}</desc>
<rect width="640" height="{{.H}}" fill="#ffffff"/>
{{range .Bars}}<text x="8" y="{{.TY}}" font-family="sans-serif" font-size="13" fill="#1b1b1b">{{.Label}}</text>
<rect x="120" y="{{.Y}}" width="{{.W}}" height="18" fill="#0b5cad"/>
<text x="{{.NX}}" y="{{.TY}}" font-family="sans-serif" font-size="13" fill="#1b1b1b">{{.N}}</text>
{{end}}</svg>
`))

// barChart draws counts as a horizontal bar chart (at most 20 bars, the
// rest summed as "other"), with its text alternative.
func barChart(title string, cs []count) ([]byte, string, int) {
	if len(cs) > 20 {
		var rest int64
		for _, c := range cs[19:] {
			rest += c.N
		}
		cs = append(cs[:19:19], count{"other", rest})
	}
	var maxN int64 = 1
	for _, c := range cs {
		maxN = max(maxN, c.N)
	}
	type bar struct {
		Label        string
		N            int64
		Y, TY, W, NX int
	}
	var bars []bar
	var alt []string
	for i, c := range cs {
		w := int(c.N * 440 / maxN)
		bars = append(bars, bar{Label: c.Label, N: c.N, Y: 10 + i*26, TY: 24 + i*26, W: w, NX: 126 + w})
		alt = append(alt, fmt.Sprintf("%s %d", c.Label, c.N))
	}
	h := 20 + len(cs)*26
	a := title + ": " + strings.Join(alt, ", ")
	if len(cs) == 0 {
		a = title + ": none"
	}
	var b bytes.Buffer
	_ = svgTmpl.Execute(&b, map[string]any{"Title": title, "Alt": a, "H": h, "Bars": bars})
	return b.Bytes(), a, h
}

// searchIndex is the prebuilt offline index: folded words to document
// numbers, shipped as a script so it loads from a file system too.
type searchIndex struct {
	Root  string           `json:"root"`
	Docs  []searchDoc      `json:"docs"`
	Terms map[string][]int `json:"-"`
	// Words and Postings are Terms as two parallel sorted lists: a
	// "word": [...] object would read like credential assignments
	// ("password": ...) to the residual check.
	Words    []string `json:"words"`
	Postings [][]int  `json:"postings"`
}

type searchDoc struct {
	Title string `json:"title"`
	URL   string `json:"url"`
}

func newSearchIndex() *searchIndex { return &searchIndex{Terms: map[string][]int{}} }

func (s *searchIndex) add(title, url string, texts ...string) {
	n := len(s.Docs)
	s.Docs = append(s.Docs, searchDoc{Title: title, URL: url})
	for _, t := range texts {
		searchWords(t, func(w []byte) {
			// Indexing a map with string(w) does not allocate; a new
			// word is copied once.
			ps, ok := s.Terms[string(w)]
			if !ok {
				s.Terms[string(w)] = []int{n}
				return
			}
			if ps[len(ps)-1] != n {
				s.Terms[string(w)] = append(ps, n)
			}
		})
	}
}

// searchWords folds text as search.js folds a query: NFKD without marks,
// lower case, split at anything but letters and digits; it calls fn with
// each word of 2 to 40 runes (the slice is reused).
func searchWords(text string, fn func([]byte)) {
	var w []byte
	runes := 0
	flush := func() {
		if runes > 1 && runes <= 40 {
			fn(w)
		}
		w, runes = w[:0], 0
	}
	var it norm.Iter
	it.InitString(norm.NFKD, text)
	for !it.Done() {
		seg := it.Next()
		for len(seg) > 0 {
			r, size := utf8.DecodeRune(seg)
			seg = seg[size:]
			switch {
			case r < utf8.RuneSelf && (r >= 'a' && r <= 'z' || r >= '0' && r <= '9'):
				w = append(w, byte(r))
				runes++
			case r < utf8.RuneSelf && r >= 'A' && r <= 'Z':
				w = append(w, byte(r+'a'-'A'))
				runes++
			case r < utf8.RuneSelf:
				flush()
			case unicode.Is(unicode.Mn, r):
			case unicode.IsLetter(r) || unicode.IsDigit(r):
				w = utf8.AppendRune(w, unicode.ToLower(r))
				runes++
			default:
				flush()
			}
		}
	}
	flush()
}

func (s *searchIndex) script() ([]byte, error) {
	s.Words = s.Words[:0]
	for w := range s.Terms {
		s.Words = append(s.Words, w)
	}
	slices.Sort(s.Words)
	s.Postings = s.Postings[:0]
	for _, w := range s.Words {
		s.Postings = append(s.Postings, s.Terms[w])
	}
	b, err := json.Marshal(s)
	if err != nil {
		return nil, err
	}
	return append(append([]byte("window.antidoteSearchIndex = "), b...), ";\n"...), nil
}

func atomFeed(in *Input, rows []advRow, docs int) []byte {
	var b bytes.Buffer
	esc := func(s string) string {
		var x bytes.Buffer
		_ = xmlEscape(&x, s)
		return x.String()
	}
	fmt.Fprintf(&b, `<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom">
<title>%s: releases</title>
<id>%s/feed.atom</id>
<link rel="self" href="%s/feed.atom"/>
<link href="%s/index.html"/>
<updated>%s</updated>
<author><name>%s</name></author>
`, esc(in.Publisher.Name), esc(in.BaseURL), esc(in.BaseURL), esc(in.BaseURL), osvTime(in.At), esc(in.Publisher.Name))
	fmt.Fprintf(&b, "<entry>\n<title>Release of %s: %d documents, %d advisories</title>\n<id>%s/releases/%s</id>\n<link href=\"%s/index.html\"/>\n<updated>%s</updated>\n<summary>%d redacted documents and %d advisories.</summary>\n</entry>\n",
		in.At.Format("2006-01-02"), docs, len(rows), esc(in.BaseURL), osvTime(in.At), esc(in.BaseURL), osvTime(in.At), docs, len(rows))
	for _, r := range rows {
		fmt.Fprintf(&b, "<entry>\n<title>%s: %s</title>\n<id>%s/%s</id>\n<link href=\"%s/%s\"/>\n<updated>%s</updated>\n<summary>Version %d of advisory %s.</summary>\n</entry>\n",
			esc(r.ID), esc(r.Title), esc(in.BaseURL), esc(r.Page), esc(in.BaseURL), esc(r.Page), osvTime(r.Updated), r.Version, esc(r.ID))
	}
	b.WriteString("</feed>\n")
	return b.Bytes()
}
