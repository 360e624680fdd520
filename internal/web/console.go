package web

import (
	"cmp"
	"fmt"
	"net/http"
	"slices"
	"strings"

	"antidote/internal/auth"
	"antidote/internal/cases"
	"antidote/internal/findings"
	"antidote/internal/redact"
)

// The analyst console: documents as a provenance tree, a document's
// redacted text with identifiers marked by type (the original behind a
// button, each view audited by the core), search, findings, the report
// with charts, the release plan and the audit log.

// docNode is a document at its depth in the provenance tree.
type docNode struct {
	Doc
	Depth int
	Name  string
}

// docTree orders documents depth-first under the containers they were
// found in; documents whose parent is unknown are roots.
func docTree(docs []Doc) []docNode {
	byID := map[int64]bool{}
	for _, d := range docs {
		byID[d.ID] = true
	}
	children := map[int64][]Doc{}
	var roots []Doc
	for _, d := range docs {
		if d.Parent != nil && byID[*d.Parent] && *d.Parent != d.ID {
			children[*d.Parent] = append(children[*d.Parent], d)
		} else {
			roots = append(roots, d)
		}
	}
	var out []docNode
	seen := map[int64]bool{}
	var walk func(d Doc, depth int)
	walk = func(d Doc, depth int) {
		if seen[d.ID] {
			return
		}
		seen[d.ID] = true
		name := ""
		if len(d.Paths) > 0 {
			name = d.Paths[0]
			if i := strings.LastIndex(name, "/"); i >= 0 && depth > 0 {
				name = name[i+1:]
			}
		}
		out = append(out, docNode{Doc: d, Depth: depth, Name: name})
		for _, c := range children[d.ID] {
			walk(c, depth+1)
		}
	}
	for _, r := range roots {
		walk(r, 0)
	}
	return out
}

func (s *Server) docsPage(w http.ResponseWriter, r *http.Request) error {
	p, err := pageOf(r)
	if err != nil {
		return err
	}
	docs, err := s.app.Docs(r.Context(), identity(r))
	if err != nil {
		return err
	}
	tree := docTree(docs)
	return s.render(w, r, http.StatusOK, "docs", "Documents", struct {
		Docs  []docNode
		Pager pager
	}{paginate(tree, p).Items, newPager(r, len(tree), p)})
}

// segment is a run of redacted text: plain, or a token of some kind.
type segment struct {
	Text  string
	Kind  string // "" for plain text
	Place string
}

// markTokens cuts redacted text into plain runs and redaction tokens, so
// that the page can mark each token by its type.
func markTokens(text string) []segment {
	var out []segment
	isTok := func(c byte) bool {
		return c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-'
	}
	plain := 0
	for i := 0; i < len(text); {
		if !isTok(text[i]) {
			i++
			continue
		}
		j := i
		for j < len(text) && isTok(text[j]) {
			j++
		}
		if info, ok := redact.ParseToken(text[i:j]); ok {
			if plain < i {
				out = append(out, segment{Text: text[plain:i]})
			}
			out = append(out, segment{Text: text[i:j], Kind: strings.ToLower(info.Kind.String()), Place: info.Place})
			plain = j
		}
		i = j
	}
	if plain < len(text) {
		out = append(out, segment{Text: text[plain:]})
	}
	return out
}

func (s *Server) docPage(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	who := identity(r)
	d, err := s.app.Doc(r.Context(), who, id)
	if err != nil {
		return err
	}
	text, err := s.app.RedactedText(r.Context(), who, id)
	if err != nil {
		return err
	}
	return s.render(w, r, http.StatusOK, "doc", fmt.Sprintf("Document %d", id), struct {
		Doc         Doc
		Segments    []segment
		MayOriginal bool
	}{d, markTokens(text), auth.Allowed(who, auth.DocsOriginal)})
}

// originalPage shows the original text; it is a POST (the button on the
// document page) so that a link, a prefetch or a crawler never opens it,
// and the core records every view.
func (s *Server) originalPage(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	who := identity(r)
	d, err := s.app.Doc(r.Context(), who, id)
	if err != nil {
		return err
	}
	text, err := s.app.OriginalText(r.Context(), who, id)
	if err != nil {
		return err
	}
	return s.render(w, r, http.StatusOK, "original", fmt.Sprintf("Document %d (original)", id), struct {
		Doc  Doc
		Text string
	}{d, text})
}

func (s *Server) searchPage(w http.ResponseWriter, r *http.Request) error {
	q := strings.TrimSpace(r.URL.Query().Get("q"))
	data := struct {
		Q     string
		Hits  []Hit
		Pager pager
	}{Q: q}
	if q != "" {
		if len(q) > 1000 {
			return errorf(http.StatusBadRequest, "the query is longer than 1000 bytes")
		}
		p, err := pageOf(r)
		if err != nil {
			return err
		}
		res, err := s.app.Search(r.Context(), identity(r), q, p.Page*p.PerPage)
		if err != nil {
			return err
		}
		data.Hits = paginate(res.Hits, p).Items
		data.Pager = newPager(r, res.Total, p)
	}
	return s.render(w, r, http.StatusOK, "search", "Search", data)
}

func (s *Server) findingsPage(w http.ResponseWriter, r *http.Request) error {
	p, err := pageOf(r)
	if err != nil {
		return err
	}
	fs, err := s.app.Findings(r.Context(), identity(r))
	if err != nil {
		return err
	}
	state := r.URL.Query().Get("state")
	if state != "" {
		fs = slices.DeleteFunc(slices.Clone(fs), func(f findings.Finding) bool { return string(f.State) != state })
	}
	return s.render(w, r, http.StatusOK, "findings", "Findings", struct {
		Findings []findings.Finding
		State    string
		States   []findings.State
		Pager    pager
	}{paginate(fs, p).Items, state, []findings.State{findings.Proposed, findings.Accepted, findings.Rejected, findings.Merged}, newPager(r, len(fs), p)})
}

// bar is one bar of a server-drawn SVG chart.
type bar struct {
	Label string
	N     int64
	Y     int
	W     int
}

// chart is a horizontal bar chart drawn as SVG on the server (no script).
type chart struct {
	Title  string
	Bars   []bar
	Height int
}

const chartWidth = 360

func barChart(title string, counts map[string]int64, top int) chart {
	type kv struct {
		k string
		n int64
	}
	var xs []kv
	for k, n := range counts {
		xs = append(xs, kv{k, n})
	}
	slices.SortFunc(xs, func(a, b kv) int {
		if c := cmp.Compare(b.n, a.n); c != 0 {
			return c
		}
		return strings.Compare(a.k, b.k)
	})
	if len(xs) > top {
		xs = xs[:top]
	}
	c := chart{Title: title}
	var most int64 = 1
	for _, x := range xs {
		most = max(most, x.n)
	}
	for i, x := range xs {
		c.Bars = append(c.Bars, bar{Label: x.k, N: x.n, Y: i * 22, W: max(1, int(x.n*chartWidth/most))})
	}
	c.Height = len(xs)*22 + 4
	return c
}

func (s *Server) reportPage(w http.ResponseWriter, r *http.Request) error {
	rep, err := s.app.Report(r.Context(), identity(r))
	if err != nil {
		return err
	}
	types := map[string]int64{}
	for k, v := range rep.Total.Types {
		types[k] = v.Found
	}
	p, err := pageOf(r)
	if err != nil {
		return err
	}
	return s.render(w, r, http.StatusOK, "report", "Redaction report", struct {
		Total     redact.Stats
		Charts    []chart
		Documents []redact.DocumentStats
		Pager     pager
	}{rep.Total, []chart{barChart("Identifiers by type", types, 20), barChart("Public IP addresses by country", rep.Total.Countries, 20)},
		paginate(rep.Documents, p).Items, newPager(r, len(rep.Documents), p)})
}

func (s *Server) releasePage(w http.ResponseWriter, r *http.Request) error {
	at, err := s.atParam(r)
	if err != nil {
		return err
	}
	plan, err := s.app.ReleasePlan(r.Context(), identity(r), at)
	if err != nil {
		return err
	}
	var ready, blocked []cases.Decision
	for _, d := range plan {
		if d.Releasable {
			ready = append(ready, d)
		} else {
			blocked = append(blocked, d)
		}
	}
	p, err := pageOf(r)
	if err != nil {
		return err
	}
	return s.render(w, r, http.StatusOK, "release", "Release plan", struct {
		Ready      []cases.Decision
		Blocked    []cases.Decision
		Total      int
		MayApprove bool
		Pager      pager
	}{ready, paginate(blocked, p).Items, len(plan), auth.Allowed(identity(r), auth.ReleaseApprove), newPager(r, len(blocked), p)})
}

func (s *Server) approveForm(w http.ResponseWriter, r *http.Request) error {
	if err := r.ParseForm(); err != nil {
		return errorf(http.StatusBadRequest, "the form could not be read")
	}
	var doc int64
	if _, err := fmt.Sscan(r.PostForm.Get("doc"), &doc); err != nil || doc <= 0 {
		return errorf(http.StatusBadRequest, "doc must be a document id")
	}
	if _, err := s.app.Approve(r.Context(), identity(r), doc, s.now()); err != nil {
		return err
	}
	http.Redirect(w, r, "/release", http.StatusSeeOther)
	return nil
}

func (s *Server) auditPage(w http.ResponseWriter, r *http.Request) error {
	p, err := pageOf(r)
	if err != nil {
		return err
	}
	evs, err := s.app.Audit(r.Context(), identity(r))
	if err != nil {
		return err
	}
	// Newest first on the page.
	rev := slices.Clone(evs)
	slices.Reverse(rev)
	return s.render(w, r, http.StatusOK, "audit", "Audit log", struct {
		Events []AuditEvent
		Pager  pager
	}{paginate(rev, p).Items, newPager(r, len(rev), p)})
}
