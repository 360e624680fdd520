package web

import (
	"strings"
	"testing"
)

func TestMarkTokens(t *testing.T) {
	in := "login from IPv4-US-PQOWZIJAMBDH by EMAIL-CJT7NJAT4FFD, not IPv4-XYZ or NOT-A-TOKEN."
	segs := markTokens(in)
	var b strings.Builder
	var kinds []string
	for _, s := range segs {
		b.WriteString(s.Text)
		if s.Kind != "" {
			kinds = append(kinds, s.Kind+":"+s.Text+":"+s.Place)
		}
	}
	if b.String() != in {
		t.Fatalf("segments do not rebuild the text: %q", b.String())
	}
	if strings.Join(kinds, " ") != "ipv4:IPv4-US-PQOWZIJAMBDH:US email:EMAIL-CJT7NJAT4FFD:" {
		t.Errorf("tokens %v", kinds)
	}
	if len(markTokens("")) != 0 || len(markTokens("plain text")) != 1 {
		t.Error("plain text")
	}
}

func FuzzMarkTokens(f *testing.F) {
	f.Add("IPv4-US-PQOWZIJAMBDH")
	f.Add("a-IPv4-US-PQOWZIJAMBDH-b EMAIL-CJT7NJAT4FFD")
	f.Fuzz(func(t *testing.T, s string) {
		var b strings.Builder
		for _, seg := range markTokens(s) {
			b.WriteString(seg.Text)
		}
		if b.String() != s {
			t.Fatalf("lost text")
		}
	})
}

func TestDocTree(t *testing.T) {
	one, two, nine := int64(1), int64(2), int64(9)
	tree := docTree([]Doc{
		{ID: 3, Parent: &two, Paths: []string{"a.zip/b.tar/c.txt"}},
		{ID: 2, Parent: &one, Paths: []string{"a.zip/b.tar"}},
		{ID: 1, Paths: []string{"a.zip"}},
		{ID: 4, Parent: &nine, Paths: []string{"orphan.txt"}}, // parent not listed: a root
		{ID: 5, Parent: &one},
	})
	var got []string
	for _, n := range tree {
		got = append(got, strings.Repeat(">", n.Depth)+n.Name)
	}
	if strings.Join(got, " ") != "a.zip >b.tar >>c.txt > orphan.txt" {
		t.Errorf("tree %q", got)
	}
}

func TestBarChart(t *testing.T) {
	c := barChart("t", map[string]int64{"US": 40, "DE": 10, "FR": 10, "XX": 0}, 3)
	if len(c.Bars) != 3 || c.Bars[0].Label != "US" || c.Bars[0].W != chartWidth || c.Bars[1].Label != "DE" || c.Bars[1].W != chartWidth/4 || c.Bars[2].Y != 44 {
		t.Errorf("chart %+v", c)
	}
	if c := barChart("t", nil, 3); len(c.Bars) != 0 {
		t.Error("empty chart has bars")
	}
}

func TestConsolePages(t *testing.T) {
	s, app, _ := newTestServer(t)
	doc := do(s, idAnalyst, "GET", "/docs/1", "").Body.String()
	if !strings.Contains(doc, `<mark class="k-ipv4" title="ipv4 · US">IPv4-US-PQOWZIJAMBDH</mark>`) || !strings.Contains(doc, `action="/docs/1/original"`) {
		t.Errorf("document page: %s", doc)
	}
	if app.called("OriginalText") {
		t.Error("the document page opened the original")
	}
	orig := do(s, idAnalyst, "POST", "/docs/1/original", "x=1").Body.String()
	if !strings.Contains(orig, "from 8.8.8.8") || !app.called("OriginalText") {
		t.Error("original page")
	}
	docs := do(s, idAnalyst, "GET", "/docs", "").Body.String()
	if i, j := strings.Index(docs, "leak.zip</a>"), strings.Index(docs, "b.txt</a>"); i < 0 || j < i || !strings.Contains(docs, `class="d1"`) {
		t.Errorf("documents tree: %s", docs)
	}
	rep := do(s, idAnalyst, "GET", "/report", "").Body.String()
	for _, want := range []string{"<svg", "Public IP addresses by country", "<title>US: 4</title>", "<title>ipv4: 5</title>"} {
		if !strings.Contains(rep, want) {
			t.Errorf("report page lacks %q", want)
		}
	}
	rel := do(s, idReviewer, "GET", "/release", "").Body.String()
	if !strings.Contains(rel, `action="/release/approvals"`) || !strings.Contains(rel, "0 of 2") {
		t.Errorf("release page: %s", rel)
	}
	if rel := do(s, idAnalyst, "GET", "/release", "").Body.String(); strings.Contains(rel, `action="/release/approvals"`) {
		t.Error("an analyst is offered to approve")
	}
	// The navigation offers what the role may open, and nothing else.
	nav := do(s, idVendorA, "GET", "/cases", "").Body.String()
	for _, no := range []string{`href="/docs"`, `href="/search"`, `href="/report"`, `href="/audit"`} {
		if strings.Contains(nav, no) {
			t.Errorf("vendor navigation offers %s", no)
		}
	}
	if nav := do(s, idAdmin, "GET", "/cases", "").Body.String(); !strings.Contains(nav, `href="/audit"`) || !strings.Contains(nav, `href="/admin/users"`) {
		t.Error("admin navigation lacks the audit log or the users")
	}
	users := do(s, idAdmin, "GET", "/admin/users", "").Body.String()
	if !strings.Contains(users, `action="/admin/users/ana/disable"`) || !strings.Contains(users, `action="/admin/tokens/1/revoke"`) {
		t.Errorf("users page: %s", users)
	}
	do(s, idAdmin, "POST", "/admin/users/ana/disable", "x=1")
	if users := do(s, idAdmin, "GET", "/admin/users", "").Body.String(); !strings.Contains(users, `action="/admin/users/ana/enable"`) {
		t.Error("disable did not reach the admin core")
	}
	if w := do(s, idAdmin, "POST", "/admin/users/no%20such!/disable", "x=1"); w.Code != 404 {
		t.Errorf("bad account name: %d", w.Code)
	}
	// Pagination keeps the query.
	srch := do(s, idAnalyst, "GET", "/search?q=x&per_page=1", "").Body.String()
	if !strings.Contains(srch, "Page 1 of 1") {
		t.Errorf("search page: %s", srch)
	}
	list := do(s, idAnalyst, "GET", "/cases?status=notified&per_page=2", "").Body.String()
	if !strings.Contains(list, `href="/cases?page=2&amp;per_page=2&amp;status=notified" rel="next"`) || !strings.Contains(list, "Page 1 of 2") {
		t.Errorf("case list pager: %s", list)
	}
	list = do(s, idAnalyst, "GET", "/cases?status=notified&per_page=2&page=2", "").Body.String()
	if !strings.Contains(list, `rel="prev"`) || strings.Contains(list, `rel="next"`) || !strings.Contains(list, "Case 4") || strings.Contains(list, "Case 1<") {
		t.Errorf("case list page 2: %s", list)
	}
}
