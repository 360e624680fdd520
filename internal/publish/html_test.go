package publish

import (
	"bytes"
	"encoding/xml"
	"io"
	"strings"
	"testing"

	"golang.org/x/net/html"
)

// TestSitePagesAreAccessibleAndSelfContained parses every page: a language,
// a title and one h1; images with text alternatives; labelled inputs;
// header cells with a scope; no inline script, style or event handler; and
// nothing loaded from elsewhere.
func TestSitePagesAreAccessibleAndSelfContained(t *testing.T) {
	out := build(t, demoInput(t))
	pages := 0
	for p, b := range out.Files {
		if !strings.HasSuffix(p, ".html") || strings.HasPrefix(p, ".well-known/") {
			continue
		}
		pages++
		doc, err := html.Parse(bytes.NewReader(b))
		if err != nil {
			t.Fatalf("%s: %v", p, err)
		}
		var h1, titles int
		ids := map[string]bool{}
		var labels []string
		var inputs []string
		var walk func(n *html.Node)
		walk = func(n *html.Node) {
			if n.Type == html.ElementNode {
				attr := map[string]string{}
				for _, a := range n.Attr {
					attr[a.Key] = a.Val
					if strings.HasPrefix(a.Key, "on") || a.Key == "style" {
						t.Errorf("%s: <%s %s=...>: inline handler or style", p, n.Data, a.Key)
					}
				}
				if id, ok := attr["id"]; ok {
					if ids[id] {
						t.Errorf("%s: duplicate id %q", p, id)
					}
					ids[id] = true
				}
				for _, k := range []string{"src", "href"} {
					if v := attr[k]; k == "src" || n.Data == "link" {
						if strings.Contains(v, "//") {
							t.Errorf("%s: <%s %s=%q> loads from elsewhere", p, n.Data, k, v)
						}
					}
				}
				switch n.Data {
				case "html":
					if attr["lang"] == "" {
						t.Errorf("%s: no lang", p)
					}
				case "title":
					titles++
				case "h1":
					h1++
				case "img":
					if strings.TrimSpace(attr["alt"]) == "" {
						t.Errorf("%s: image without alt", p)
					}
				case "script":
					if attr["src"] == "" || n.FirstChild != nil {
						t.Errorf("%s: inline script", p)
					}
				case "style":
					t.Errorf("%s: inline style element", p)
				case "th":
					if attr["scope"] == "" {
						t.Errorf("%s: header cell without scope", p)
					}
				case "label":
					labels = append(labels, attr["for"])
				case "input":
					inputs = append(inputs, attr["id"])
				}
			}
			for c := n.FirstChild; c != nil; c = c.NextSibling {
				walk(c)
			}
		}
		walk(doc)
		if h1 != 1 || titles != 1 {
			t.Errorf("%s: %d h1 and %d titles, want one of each", p, h1, titles)
		}
		for _, in := range inputs {
			found := false
			for _, l := range labels {
				found = found || l == in
			}
			if !found {
				t.Errorf("%s: input %q without a label", p, in)
			}
		}
	}
	if pages != 2+4+1 {
		t.Errorf("%d pages, want 7", pages)
	}
}

// TestFeedAndChartsAreXML parses the Atom feed and the SVG charts as XML
// and checks the feed lists the release and every advisory.
func TestFeedAndChartsAreXML(t *testing.T) {
	in := demoInput(t)
	in.Findings[0].Title = `Android "media" <framework> & codecs`
	out := build(t, in)
	for _, p := range []string{"feed.atom", "stats/types.svg", "stats/countries.svg"} {
		dec := xml.NewDecoder(bytes.NewReader(out.Files[p]))
		entries := 0
		for {
			tok, err := dec.Token()
			if err == io.EOF {
				break
			}
			if err != nil {
				t.Fatalf("%s: %v", p, err)
			}
			if se, ok := tok.(xml.StartElement); ok && se.Name.Local == "entry" {
				entries++
			}
		}
		if p == "feed.atom" && entries != 1+len(out.Advisories) {
			t.Errorf("feed has %d entries, want %d", entries, 1+len(out.Advisories))
		}
	}
	if !bytes.Contains(out.Files["feed.atom"], []byte(`Android &#34;media&#34; &lt;framework&gt; &amp; codecs`)) {
		t.Errorf("feed does not escape the title")
	}
}
