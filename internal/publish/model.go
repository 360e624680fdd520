package publish

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
	"time"

	"antidote/internal/cases"
	"antidote/internal/findings"
)

// Status of one product line in an advisory.
const (
	lineAffected    = "affected"     // vulnerable, no fix known to the publisher
	lineFixed       = "fixed"        // a fixed version or patch level exists
	lineNotAffected = "not_affected" // with a VEX justification
)

// line is one product (or one downstream maker's build of it) and what a
// user of it should know: the affected versions and the fix.
type line struct {
	Vendor        string // who makes the product
	Product       string
	Maker         string // downstream maker shipping it ("" for the product's own vendor)
	Range         findings.Range
	CPE, PURL     string
	Status        string
	CaseStatus    cases.Status
	FixedVersion  string
	PatchLevel    string
	ReleaseDate   time.Time
	Justification cases.Justification
}

// name is the line's product as a reader knows it.
func (l line) name() string {
	if l.Maker != "" {
		return l.Product + " (" + l.Maker + " devices)"
	}
	return l.Product
}

// advisory is one finding as published.
type advisory struct {
	F        findings.Finding
	Lines    []line
	Docs     []int64 // released documents that describe it
	PublicAt time.Time
	State    AdvisoryState
	Changed  bool
	File     string // CSAF file name
	Year     string // folder: the year of the initial release
}

// disclosure indexes the disclosure record for lookups by id.
type disclosure struct {
	vendors  map[int64]cases.Vendor
	products map[int64]cases.Product
	cases    map[int64][]cases.Case // by finding
	events   map[int64][]cases.Event
}

func newDisclosure(in *Input) *disclosure {
	d := &disclosure{
		vendors:  map[int64]cases.Vendor{},
		products: map[int64]cases.Product{},
		cases:    map[int64][]cases.Case{},
		events:   map[int64][]cases.Event{},
	}
	for _, v := range in.Vendors {
		d.vendors[v.ID] = v
	}
	for _, p := range in.Products {
		d.products[p.ID] = p
	}
	for _, c := range in.Cases {
		d.cases[c.Finding] = append(d.cases[c.Finding], c)
	}
	for _, e := range in.Events {
		d.events[e.Case] = append(d.events[e.Case], e)
	}
	return d
}

func (d *disclosure) vendorName(id int64) string {
	if v, ok := d.vendors[id]; ok {
		return v.Name
	}
	return fmt.Sprintf("vendor %d", id)
}

// eligible returns the ids of the findings the release gate lets out at
// in.At: accepted, with every case resolved or its embargo run out. Only
// the finding's part of the gate applies here; document approvals and
// verification are the caller's release plan.
func eligible(in *Input) map[int64]bool {
	infos := make([]cases.FindingInfo, 0, len(in.Findings))
	for _, f := range in.Findings {
		infos = append(infos, cases.FindingInfo{ID: f.ID, State: f.State, Exploited: f.Exploited, MergedInto: f.MergedInto})
	}
	g := cases.NewGate(cases.GateInput{
		At: in.At, Policy: in.Embargo, Required: 1, Findings: infos,
		Cases: in.Cases, Events: in.Events, Products: in.Products, Vendors: in.Vendors,
	})
	out := map[int64]bool{}
	for _, f := range in.Findings {
		if f.State != findings.Accepted {
			continue
		}
		dec := g.Decide(cases.DocInput{Findings: []int64{f.ID}, Verified: true,
			Approvals: []cases.Approval{{Actor: "publish", At: in.At}}})
		if dec.Releasable {
			out[f.ID] = true
		}
	}
	return out
}

// lines works out, for a finding, every product line from its cases at
// time at, then adds the affected products no case names.
func (d *disclosure) lines(f findings.Finding, at time.Time) ([]line, time.Time, error) {
	var out []line
	var publicAt time.Time
	for _, c := range d.cases[f.ID] {
		s, err := cases.Replay(c, d.events[c.ID], at)
		if err != nil {
			return nil, time.Time{}, fmt.Errorf("finding %d: %w", f.ID, err)
		}
		if !s.PublicAt.IsZero() && (publicAt.IsZero() || s.PublicAt.Before(publicAt)) {
			publicAt = s.PublicAt
		}
		targets := slices.Clone(s.Targets)
		for _, ts := range s.Targets {
			p, ok := d.products[ts.Product]
			if !ok || p.Vendor != ts.Vendor {
				continue
			}
			for _, m := range p.Downstream {
				if _, has := s.Target(cases.Target{Vendor: m, Product: p.ID}); !has {
					targets = append(targets, cases.TargetState{Target: cases.Target{Vendor: m, Product: p.ID}, Status: cases.NotNotified})
				}
			}
		}
		for _, ts := range targets {
			out = append(out, d.targetLines(f, &s, ts)...)
		}
	}
	// Affected products no case target names are affected, fix unknown.
	for _, a := range f.Affected {
		covered := false
		for _, l := range out {
			if l.Maker == "" && strings.EqualFold(l.Vendor, a.Vendor) && strings.EqualFold(l.Product, a.Product) {
				covered = true
				break
			}
		}
		if !covered {
			out = append(out, line{Vendor: a.Vendor, Product: a.Product, Range: a.Versions, CPE: a.CPE, PURL: a.PURL, Status: lineAffected})
		}
	}
	slices.SortStableFunc(out, func(a, b line) int {
		return cmp.Or(cmp.Compare(a.Vendor, b.Vendor), cmp.Compare(a.Product, b.Product), cmp.Compare(a.Maker, b.Maker))
	})
	return slices.CompactFunc(out, func(a, b line) bool {
		return a.Vendor == b.Vendor && a.Product == b.Product && a.Maker == b.Maker
	}), publicAt, nil
}

func (d *disclosure) targetLines(f findings.Finding, s *cases.State, ts cases.TargetState) []line {
	var base []line
	maker := ""
	p, known := d.products[ts.Product]
	switch {
	case ts.Product != 0 && known:
		vendor := d.vendorName(p.Vendor)
		if p.Vendor != ts.Vendor {
			maker = d.vendorName(ts.Vendor)
		}
		l := line{Vendor: vendor, Product: p.Name, CPE: p.CPE, PURL: p.PURL}
		for _, a := range f.Affected {
			if strings.EqualFold(a.Vendor, vendor) && strings.EqualFold(a.Product, p.Name) {
				l.Range = a.Versions
				l.CPE = cmp.Or(a.CPE, l.CPE)
				l.PURL = cmp.Or(a.PURL, l.PURL)
			}
		}
		base = []line{l}
	default:
		vendor := d.vendorName(ts.Vendor)
		for _, a := range f.Affected {
			if strings.EqualFold(a.Vendor, vendor) {
				base = append(base, line{Vendor: vendor, Product: a.Product, Range: a.Versions, CPE: a.CPE, PURL: a.PURL})
			}
		}
		if len(base) == 0 {
			base = []line{{Vendor: vendor, Product: "all products"}}
		}
	}
	for i := range base {
		l := &base[i]
		l.Maker = maker
		l.CaseStatus = ts.Status
		switch ts.Status {
		case cases.Fixed:
			l.Status, l.FixedVersion, l.ReleaseDate = lineFixed, ts.FixedVersion, ts.ReleaseDate
		case cases.FixDeployed:
			l.Status, l.PatchLevel = lineFixed, ts.PatchLevel
		case cases.NotAffected:
			l.Status, l.Justification = lineNotAffected, ts.Justification
		default:
			l.Status = lineAffected
			if maker != "" && known {
				// A downstream build of a product its vendor is not
				// affected by is not affected either.
				if up, ok := s.Target(cases.Target{Vendor: p.Vendor, Product: p.ID}); ok && up.Status == cases.NotAffected {
					l.Status, l.Justification = lineNotAffected, up.Justification
				}
			}
		}
	}
	return base
}

// fileName is the CSAF file name for a tracking ID (CSAF 2.0 section 5.1).
func fileName(id string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(id) {
		if r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '+' || r == '-' {
			b.WriteRune(r)
		} else {
			b.WriteByte('_')
		}
	}
	return b.String() + ".json"
}
