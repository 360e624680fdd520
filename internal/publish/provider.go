package publish

import (
	"bytes"
	"context"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/hex"
	"fmt"
	"html/template"
	"path"
	"slices"
	"strings"
)

// writeProvider lays out the CSAF trusted provider (CSAF 2.0 section 7):
// provider metadata, the TLP:WHITE directory with year folders, index.txt,
// changes.csv, listings, hashes, signatures, the public key, a ROLIE feed
// and service document, security.txt; and the OSV and CVE records.
func writeProvider(ctx context.Context, in *Input, advs []*advisory, files map[string][]byte) error {
	base := in.BaseURL
	csafRoot := ".well-known/csaf/"
	white := csafRoot + "white/"
	var index []string
	type change struct{ path, at string }
	var changes []change
	for _, a := range advs {
		if err := ctx.Err(); err != nil {
			return err
		}
		doc := buildCSAF(in, a, base+"/"+csafPath(a), base+"/"+advisoryPage(a))
		setTracking(doc, a.State)
		body, err := marshal(doc)
		if err != nil {
			return err
		}
		p := csafPath(a)
		if err := addSigned(in, files, p, body); err != nil {
			return err
		}
		rel := a.Year + "/" + a.File
		index = append(index, rel)
		changes = append(changes, change{rel, osvTime(a.State.CurrentRelease)})

		osv, err := marshal(buildOSV(a, base+"/"+advisoryPage(a), base+"/"+p))
		if err != nil {
			return err
		}
		files[osvPath(a)] = osv
		for _, c := range a.F.CVEs {
			rec, err := marshal(buildCVE(in, a, c, base+"/"+advisoryPage(a), base+"/"+p))
			if err != nil {
				return err
			}
			files[cvePath(c)] = rec
		}
	}
	slices.Sort(index)
	files[white+"index.txt"] = []byte(joinLines(index))
	slices.SortStableFunc(changes, func(x, y change) int {
		if c := strings.Compare(y.at, x.at); c != 0 {
			return c
		}
		return strings.Compare(x.path, y.path)
	})
	var csv strings.Builder
	for _, c := range changes {
		fmt.Fprintf(&csv, "%q,%q\n", c.path, c.at)
	}
	files[white+"changes.csv"] = []byte(csv.String())

	// The public key, named by its fingerprint.
	fpr := in.Signer.Fingerprint()
	pub, err := in.Signer.PublicKey()
	if err != nil {
		return err
	}
	files[csafRoot+"openpgp/"+fpr+".asc"] = pub

	// ROLIE: one feed for TLP:WHITE and a service document pointing to it.
	feedURL := base + "/" + white + "csaf-feed-tlp-white.json"
	feed, err := marshal(rolieFeed(in, advs, feedURL))
	if err != nil {
		return err
	}
	files[white+"csaf-feed-tlp-white.json"] = feed
	svc, err := marshal(map[string]any{"service": map[string]any{"workspace": []any{map[string]any{
		"title": "CSAF feeds",
		"collection": []any{map[string]any{
			"title": "CSAF feed (TLP:WHITE)", "href": feedURL,
			"categories": map[string]any{"category": []any{map[string]string{"scheme": "urn:ietf:params:rolie:category:information-type", "term": "csaf"}}},
		}},
	}}}})
	if err != nil {
		return err
	}
	files[csafRoot+"service.json"] = svc
	cat, err := marshal(rolieCategories(advs))
	if err != nil {
		return err
	}
	files[white+"category-white.json"] = cat

	pm := map[string]any{
		"canonical_url": base + "/" + csafRoot + "provider-metadata.json",
		"distributions": []any{map[string]any{
			"directory_url": base + "/" + white,
			"rolie": map[string]any{"feeds": []any{map[string]any{
				"summary": "TLP:WHITE advisories", "tlp_label": "WHITE", "url": feedURL,
			}}},
		}},
		"last_updated":               csafTime(in.At),
		"list_on_CSAF_aggregators":   true,
		"metadata_version":           "2.0",
		"mirror_on_CSAF_aggregators": true,
		"public_openpgp_keys": []any{map[string]string{
			"fingerprint": fpr, "url": base + "/" + csafRoot + "openpgp/" + fpr + ".asc",
		}},
		"publisher": csafPublisher{
			Category: publisherCategory(in.Publisher.Category), Name: in.Publisher.Name, Namespace: in.Publisher.Namespace,
			ContactDetails: contactDetails(in.Publisher.Contact),
		},
		"role": "csaf_trusted_provider",
	}
	pmb, err := marshal(pm)
	if err != nil {
		return err
	}
	if err := addSigned(in, files, csafRoot+"provider-metadata.json", pmb); err != nil {
		return err
	}

	contact := in.Publisher.Namespace
	if in.Publisher.Contact != "" {
		contact = "mailto:" + in.Publisher.Contact
	}
	files[".well-known/security.txt"] = []byte(fmt.Sprintf(
		"Contact: %s\nExpires: %s\nPreferred-Languages: en\nCanonical: %s/.well-known/security.txt\nCSAF: %s/%sprovider-metadata.json\n",
		contact, in.At.AddDate(1, 0, 0).Format("2006-01-02T15:04:05Z"), base, base, csafRoot))

	// Directory listings for every folder under .well-known/csaf.
	return writeListings(files, strings.TrimSuffix(csafRoot, "/"))
}

func contactDetails(c string) string {
	if c == "" {
		return ""
	}
	return "Contact: " + c
}

// addSigned adds a file with its .sha256, .sha512 and detached .asc.
func addSigned(in *Input, files map[string][]byte, p string, body []byte) error {
	name := path.Base(p)
	s256 := sha256.Sum256(body)
	s512 := sha512.Sum512(body)
	sig, err := in.Signer.Sign(body, in.At)
	if err != nil {
		return fmt.Errorf("sign %s: %w", p, err)
	}
	files[p] = body
	files[p+".sha256"] = []byte(hex.EncodeToString(s256[:]) + "  " + name + "\n")
	files[p+".sha512"] = []byte(hex.EncodeToString(s512[:]) + "  " + name + "\n")
	files[p+".asc"] = sig
	return nil
}

func rolieFeed(in *Input, advs []*advisory, feedURL string) map[string]any {
	sorted := slices.Clone(advs)
	slices.SortStableFunc(sorted, func(x, y *advisory) int {
		if c := y.State.CurrentRelease.Compare(x.State.CurrentRelease); c != 0 {
			return c
		}
		return strings.Compare(x.State.TrackingID, y.State.TrackingID)
	})
	entries := []any{}
	for _, a := range sorted {
		u := in.BaseURL + "/" + csafPath(a)
		entries = append(entries, map[string]any{
			"id":        a.State.TrackingID,
			"title":     a.F.Title,
			"link":      []any{map[string]string{"rel": "self", "href": u}, map[string]string{"rel": "hash", "href": u + ".sha256"}, map[string]string{"rel": "hash", "href": u + ".sha512"}, map[string]string{"rel": "signature", "href": u + ".asc"}},
			"published": csafTime(a.State.InitialRelease),
			"updated":   csafTime(a.State.CurrentRelease),
			"content":   map[string]string{"type": "application/json", "src": u},
			"format":    map[string]string{"schema": "https://docs.oasis-open.org/csaf/csaf/v2.0/csaf_json_schema.json", "version": "2.0"},
		})
	}
	return map[string]any{"feed": map[string]any{
		"id":       "csaf-feed-tlp-white",
		"title":    "CSAF feed (TLP:WHITE)",
		"link":     []any{map[string]string{"rel": "self", "href": feedURL}, map[string]string{"rel": "service", "href": in.BaseURL + "/.well-known/csaf/service.json"}},
		"category": []any{map[string]string{"scheme": "urn:ietf:params:rolie:category:information-type", "term": "csaf"}},
		"updated":  csafTime(in.At),
		"entry":    entries,
	}}
}

// rolieCategories is the feed's ROLIE category document: the vendors and
// products its advisories concern, for aggregators to filter by.
func rolieCategories(advs []*advisory) map[string]any {
	set := map[string]bool{}
	for _, a := range advs {
		for _, l := range a.Lines {
			set["vendor:"+l.Vendor] = true
			set["product:"+l.Vendor+" "+l.Product] = true
		}
	}
	terms := []string{}
	for k := range set {
		terms = append(terms, k)
	}
	slices.Sort(terms)
	cats := []map[string]string{}
	for _, t := range terms {
		cats = append(cats, map[string]string{"term": t})
	}
	return map[string]any{"categories": map[string]any{"category": cats}}
}

var listingTmpl = template.Must(template.New("listing").Parse(`<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>Index of /{{.Dir}}/</title></head>
<body><h1>Index of /{{.Dir}}/</h1>
<ul>
<li><a href="../">../</a></li>
{{range .Entries}}<li><a href="{{.}}">{{.}}</a></li>
{{end}}</ul></body></html>
`))

// writeListings writes an index.html listing each folder under root, as a
// web server's directory listing would.
func writeListings(files map[string][]byte, root string) error {
	dirs := map[string]map[string]bool{}
	for p := range files {
		if !strings.HasPrefix(p, root+"/") {
			continue
		}
		dir, name := path.Split(p)
		dir = strings.TrimSuffix(dir, "/")
		for {
			if dirs[dir] == nil {
				dirs[dir] = map[string]bool{}
			}
			dirs[dir][name] = true
			if dir == root {
				break
			}
			parent, base := path.Split(dir)
			dir, name = strings.TrimSuffix(parent, "/"), base+"/"
		}
	}
	for dir, names := range dirs {
		var entries []string
		for n := range names {
			entries = append(entries, n)
		}
		slices.Sort(entries)
		var b bytes.Buffer
		if err := listingTmpl.Execute(&b, map[string]any{"Dir": dir, "Entries": entries}); err != nil {
			return err
		}
		files[dir+"/index.html"] = b.Bytes()
	}
	return nil
}

func joinLines(xs []string) string {
	if len(xs) == 0 {
		return ""
	}
	return strings.Join(xs, "\n") + "\n"
}
