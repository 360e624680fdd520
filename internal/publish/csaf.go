package publish

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"antidote/internal/findings"
)

// CSAF 2.0 document shapes, only the fields antidote writes. Field order
// is the order the JSON has; encoding/json keeps it stable.
type csafDoc struct {
	Document        csafDocument `json:"document"`
	ProductTree     *csafTree    `json:"product_tree,omitempty"`
	Vulnerabilities []csafVuln   `json:"vulnerabilities,omitempty"`
}

type csafDocument struct {
	Category     string        `json:"category"`
	CSAFVersion  string        `json:"csaf_version"`
	Distribution csafDist      `json:"distribution"`
	Lang         string        `json:"lang"`
	Notes        []csafNote    `json:"notes,omitempty"`
	Publisher    csafPublisher `json:"publisher"`
	References   []csafRef     `json:"references,omitempty"`
	Title        string        `json:"title"`
	Tracking     csafTracking  `json:"tracking"`
}

type csafDist struct {
	TLP struct {
		Label string `json:"label"`
		URL   string `json:"url"`
	} `json:"tlp"`
}

type csafNote struct {
	Category string `json:"category"`
	Text     string `json:"text"`
	Title    string `json:"title,omitempty"`
}

type csafPublisher struct {
	Category       string `json:"category"`
	ContactDetails string `json:"contact_details,omitempty"`
	Name           string `json:"name"`
	Namespace      string `json:"namespace"`
}

type csafRef struct {
	Category string `json:"category,omitempty"`
	Summary  string `json:"summary"`
	URL      string `json:"url"`
}

type csafTracking struct {
	CurrentReleaseDate string         `json:"current_release_date"`
	Generator          *csafGenerator `json:"generator,omitempty"`
	ID                 string         `json:"id"`
	InitialReleaseDate string         `json:"initial_release_date"`
	RevisionHistory    []csafRevision `json:"revision_history"`
	Status             string         `json:"status"`
	Version            string         `json:"version"`
}

type csafGenerator struct {
	Engine struct {
		Name string `json:"name"`
	} `json:"engine"`
}

type csafRevision struct {
	Date    string `json:"date"`
	Number  string `json:"number"`
	Summary string `json:"summary"`
}

type csafTree struct {
	Branches []*csafBranch `json:"branches"`
}

type csafBranch struct {
	Branches []*csafBranch `json:"branches,omitempty"`
	Category string        `json:"category"`
	Name     string        `json:"name"`
	Product  *csafProduct  `json:"product,omitempty"`
}

type csafProduct struct {
	Name   string      `json:"name"`
	ID     string      `json:"product_id"`
	Helper *csafHelper `json:"product_identification_helper,omitempty"`
}

type csafHelper struct {
	CPE  string `json:"cpe,omitempty"`
	PURL string `json:"purl,omitempty"`
}

type csafVuln struct {
	CVE           string            `json:"cve,omitempty"`
	CWE           *csafCWE          `json:"cwe,omitempty"`
	Flags         []csafFlag        `json:"flags,omitempty"`
	Notes         []csafNote        `json:"notes"`
	ProductStatus csafStatus        `json:"product_status"`
	Remediations  []csafRemediation `json:"remediations,omitempty"`
	Scores        []csafScore       `json:"scores,omitempty"`
	Threats       []csafThreat      `json:"threats,omitempty"`
	Title         string            `json:"title,omitempty"`
}

type csafCWE struct {
	ID   string `json:"id"`
	Name string `json:"name"`
}

type csafFlag struct {
	Label      string   `json:"label"`
	ProductIDs []string `json:"product_ids"`
}

type csafStatus struct {
	Fixed            []string `json:"fixed,omitempty"`
	KnownAffected    []string `json:"known_affected,omitempty"`
	KnownNotAffected []string `json:"known_not_affected,omitempty"`
}

type csafRemediation struct {
	Category   string   `json:"category"`
	Date       string   `json:"date,omitempty"`
	Details    string   `json:"details"`
	ProductIDs []string `json:"product_ids"`
}

type csafScore struct {
	CVSSv3   *csafCVSS `json:"cvss_v3,omitempty"`
	Products []string  `json:"products"`
}

type csafCVSS struct {
	BaseScore    float64 `json:"baseScore"`
	BaseSeverity string  `json:"baseSeverity"`
	VectorString string  `json:"vectorString"`
	Version      string  `json:"version"`
}

type csafThreat struct {
	Category string `json:"category"`
	Details  string `json:"details"`
}

func csafTime(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05.000Z") }

// treeBuilder assembles the product tree: vendor > product name >
// version or range, merging equal branches, numbering products in order.
type treeBuilder struct {
	root csafTree
	n    int
}

func (t *treeBuilder) add(product *csafProduct, path ...[2]string) string {
	t.n++
	product.ID = fmt.Sprintf("CSAFPID-%04d", t.n)
	bs := &t.root.Branches
	var b *csafBranch
	for _, p := range path {
		b = nil
		for _, x := range *bs {
			if x.Category == p[0] && x.Name == p[1] && x.Product == nil {
				b = x
				break
			}
		}
		if b == nil {
			b = &csafBranch{Category: p[0], Name: p[1]}
			*bs = append(*bs, b)
		}
		bs = &b.Branches
	}
	if len(b.Branches) == 0 && b.Product == nil && len(path) > 0 {
		b.Product = product
		return product.ID
	}
	// The branch already leads further: hang the product on a leaf of its own.
	*bs = append(*bs, &csafBranch{Category: "product_name", Name: product.Name, Product: product})
	return product.ID
}

// versRange writes an affected range as a vers string (the form CSAF
// recommends for product_version_range).
func versRange(r findings.Range) string {
	if r.IsZero() {
		return "vers:all/*"
	}
	var cs []string
	if r.Introduced != "" && r.Introduced == r.LastAffected {
		return "vers:generic/" + r.Introduced
	}
	if r.Introduced != "" {
		cs = append(cs, ">="+r.Introduced)
	}
	if r.Fixed != "" {
		cs = append(cs, "<"+r.Fixed)
	}
	if r.LastAffected != "" {
		cs = append(cs, "<="+r.LastAffected)
	}
	return "vers:generic/" + strings.Join(cs, "|")
}

// buildCSAF writes the advisory's CSAF document without tracking (the
// caller fills it once the content digest decided the version).
func buildCSAF(in *Input, a *advisory, selfURL, pageURL string) *csafDoc {
	f := a.F
	doc := &csafDoc{}
	d := &doc.Document
	d.Category = "csaf_security_advisory"
	d.CSAFVersion = "2.0"
	d.Distribution.TLP.Label = "WHITE"
	d.Distribution.TLP.URL = "https://www.first.org/tlp/"
	d.Lang = "en"
	d.Title = f.Title
	d.Publisher = csafPublisher{
		Category:  publisherCategory(in.Publisher.Category),
		Name:      in.Publisher.Name,
		Namespace: in.Publisher.Namespace,
	}
	if in.Publisher.Contact != "" {
		d.Publisher.ContactDetails = "Contact: " + in.Publisher.Contact
	}
	summary := f.Summary
	if summary == "" {
		summary = f.Title
	}
	d.Notes = []csafNote{
		{Category: "summary", Title: "Summary", Text: summary},
		{Category: "general", Title: "Source", Text: "This advisory describes a vulnerability documented in a leaked archive. The documents it draws on were redacted and are published alongside it."},
	}
	for _, s := range f.CVSS {
		if s.Version == "4.0" {
			d.Notes = append(d.Notes, csafNote{Category: "other", Title: "CVSS v4.0",
				Text: fmt.Sprintf("%s (base score %.1f, %s)", s.Vector, s.Score, s.Severity)})
		}
	}
	if f.State == findings.Merged && f.MergedInto != 0 {
		d.Notes = append(d.Notes, csafNote{Category: "general", Title: "Merged",
			Text: fmt.Sprintf("This finding was merged into finding %d after publication; the advisory for that finding carries the current information.", f.MergedInto)})
	}
	d.Notes = append(d.Notes, csafNote{Category: "legal_disclaimer", Title: "Terms of use",
		Text: "This advisory is provided as is, without warranty of any kind, as information for those who must protect affected systems."})
	d.References = []csafRef{
		{Category: "self", Summary: "This advisory (CSAF)", URL: selfURL},
		{Category: "external", Summary: "This advisory on the release site", URL: pageURL},
	}

	var tb treeBuilder
	var st csafStatus
	var rems []csafRemediation
	var flags []csafFlag
	var scored []string
	for _, l := range a.Lines {
		vendor := l.Vendor
		if l.Maker != "" {
			vendor = l.Maker
		}
		helper := func() *csafHelper {
			if l.CPE == "" && l.PURL == "" {
				return nil
			}
			return &csafHelper{CPE: l.CPE, PURL: l.PURL}
		}
		pn := l.name()
		full := vendor + " " + pn
		if l.Maker != "" {
			full = pn
		}
		if l.Status == lineNotAffected {
			id := tb.add(&csafProduct{Name: full, Helper: helper()},
				[2]string{"vendor", vendor}, [2]string{"product_name", pn})
			st.KnownNotAffected = append(st.KnownNotAffected, id)
			flags = append(flags, csafFlag{Label: string(l.Justification), ProductIDs: []string{id}})
			continue
		}
		var affID string
		rng := l.Range
		if rng.IsZero() && l.FixedVersion != "" {
			rng.Fixed = l.FixedVersion // every version before the fix
		}
		switch {
		case l.PatchLevel != "":
			// A downstream build is affected below the patch level that
			// carries the fix (patch levels are dates: they sort as text).
			affID = tb.add(&csafProduct{Name: full + " security patch levels before " + l.PatchLevel, Helper: helper()},
				[2]string{"vendor", vendor}, [2]string{"product_name", pn}, [2]string{"product_version_range", "vers:generic/<" + l.PatchLevel})
		case l.Maker != "" || rng.IsZero():
			affID = tb.add(&csafProduct{Name: full, Helper: helper()},
				[2]string{"vendor", vendor}, [2]string{"product_name", pn})
		default:
			l.Range = rng
			affID = tb.add(&csafProduct{Name: full + " " + l.Range.String(), Helper: helper()},
				[2]string{"vendor", vendor}, [2]string{"product_name", pn}, [2]string{"product_version_range", versRange(l.Range)})
		}
		scored = append(scored, affID)
		switch {
		case l.Status == lineFixed && l.PatchLevel != "":
			fixID := tb.add(&csafProduct{Name: full + " security patch level " + l.PatchLevel},
				[2]string{"vendor", vendor}, [2]string{"product_name", pn}, [2]string{"product_version", "security patch level " + l.PatchLevel})
			st.KnownAffected = append(st.KnownAffected, affID)
			st.Fixed = append(st.Fixed, fixID)
			rems = append(rems, csafRemediation{Category: "vendor_fix", ProductIDs: []string{affID},
				Details: fmt.Sprintf("%s: install security patch level %s or a later one from %s.", pn, l.PatchLevel, vendor)})
		case l.Status == lineFixed:
			fixID := tb.add(&csafProduct{Name: full + " " + l.FixedVersion, Helper: fixedHelper(l)},
				[2]string{"vendor", vendor}, [2]string{"product_name", pn}, [2]string{"product_version", l.FixedVersion})
			st.KnownAffected = append(st.KnownAffected, affID)
			st.Fixed = append(st.Fixed, fixID)
			r := csafRemediation{Category: "vendor_fix", ProductIDs: []string{affID},
				Details: fmt.Sprintf("%s: update to version %s or later.", pn, l.FixedVersion)}
			if !l.ReleaseDate.IsZero() {
				r.Date = csafTime(l.ReleaseDate)
			}
			rems = append(rems, r)
		default:
			st.KnownAffected = append(st.KnownAffected, affID)
			rems = append(rems, csafRemediation{Category: "none_available", ProductIDs: []string{affID},
				Details: fmt.Sprintf("%s: no fix was available when this advisory was published (vendor status: %s).", pn, cmpStatus(l))})
		}
	}
	doc.ProductTree = &tb.root

	notes := []csafNote{{Category: "description", Title: "Description", Text: summary}}
	var cwe *csafCWE
	for _, c := range f.CWEs {
		if name := cweName(c); name != "" && cwe == nil {
			cwe = &csafCWE{ID: c, Name: name}
			continue
		}
		notes = append(notes, csafNote{Category: "other", Title: "Weakness", Text: c})
	}
	var scores []csafScore
	for _, s := range f.CVSS {
		if s.Version == "3.1" && len(scores) == 0 && len(scored) > 0 {
			scores = append(scores, csafScore{
				CVSSv3:   &csafCVSS{BaseScore: s.Score, BaseSeverity: s.Severity, VectorString: s.Vector, Version: "3.1"},
				Products: scored,
			})
		}
	}
	var threats []csafThreat
	if f.Exploited {
		threats = append(threats, csafThreat{Category: "exploit_status", Details: "Exploited in the wild: the leaked archive documents its use."})
	}
	v := csafVuln{
		CWE: cwe, Flags: flags, Notes: notes, ProductStatus: st, Remediations: rems,
		Scores: scores, Threats: threats, Title: f.Title,
	}
	cves := f.CVEs
	if len(cves) == 0 {
		doc.Vulnerabilities = []csafVuln{v}
	}
	for _, c := range cves {
		v := v
		v.CVE = c
		doc.Vulnerabilities = append(doc.Vulnerabilities, v)
	}
	return doc
}

func fixedHelper(l line) *csafHelper {
	if l.CPE == "" {
		return nil
	}
	// The dictionary's CPE names a product at any version; the fixed
	// product is that version.
	parts := strings.Split(l.CPE, ":")
	if len(parts) == 13 && parts[5] == "*" {
		return &csafHelper{CPE: findings.CPEFor(strings.Join(parts[:5], ":"), l.FixedVersion)}
	}
	return nil
}

func cmpStatus(l line) string {
	if l.CaseStatus == "" {
		return "not contacted"
	}
	return string(l.CaseStatus)
}

func publisherCategory(c string) string {
	switch c {
	case "coordinator", "discoverer", "other", "translator", "user", "vendor":
		return c
	}
	return "coordinator"
}

// setTracking fills the tracking section from an advisory's state.
func setTracking(doc *csafDoc, st AdvisoryState) {
	t := &doc.Document.Tracking
	t.ID = st.TrackingID
	t.Status = "final"
	t.Version = strconv.Itoa(st.Version)
	t.InitialReleaseDate = csafTime(st.InitialRelease)
	t.CurrentReleaseDate = csafTime(st.CurrentRelease)
	t.Generator = &csafGenerator{}
	t.Generator.Engine.Name = "antidote"
	t.RevisionHistory = nil
	for _, r := range st.History {
		t.RevisionHistory = append(t.RevisionHistory, csafRevision{Date: csafTime(r.Date), Number: strconv.Itoa(r.Number), Summary: r.Summary})
	}
}
