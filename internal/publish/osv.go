package publish

import (
	"strings"
	"time"

	"github.com/package-url/packageurl-go"
)

// OSV record shapes (https://ossf.github.io/osv-schema/), only what
// antidote writes.
type osvRecord struct {
	SchemaVersion    string         `json:"schema_version"`
	ID               string         `json:"id"`
	Modified         string         `json:"modified"`
	Published        string         `json:"published"`
	Aliases          []string       `json:"aliases,omitempty"`
	Summary          string         `json:"summary"`
	Details          string         `json:"details"`
	Severity         []osvSeverity  `json:"severity,omitempty"`
	Affected         []osvAffected  `json:"affected,omitempty"`
	References       []osvRef       `json:"references"`
	DatabaseSpecific map[string]any `json:"database_specific,omitempty"`
}

type osvSeverity struct {
	Type  string `json:"type"`
	Score string `json:"score"`
}

type osvAffected struct {
	Package          *osvPackage    `json:"package,omitempty"`
	Ranges           []osvRange     `json:"ranges,omitempty"`
	DatabaseSpecific map[string]any `json:"database_specific"`
}

type osvPackage struct {
	Ecosystem string `json:"ecosystem"`
	Name      string `json:"name"`
	PURL      string `json:"purl,omitempty"`
}

type osvRange struct {
	Type   string              `json:"type"`
	Events []map[string]string `json:"events"`
}

type osvRef struct {
	Type string `json:"type"`
	URL  string `json:"url"`
}

func osvTime(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05Z") }

// osvID is the record's ID. antidote is no registered OSV database, so
// its IDs take the schema's prefix for those ("x_").
func osvID(trackingID string) string { return "x_" + trackingID }

// osvEcosystems maps package URL types to OSV ecosystems.
var osvEcosystems = map[string]string{
	"npm": "npm", "pypi": "PyPI", "golang": "Go", "maven": "Maven", "cargo": "crates.io",
	"gem": "RubyGems", "nuget": "NuGet", "composer": "Packagist", "hex": "Hex", "pub": "Pub",
}

func buildOSV(a *advisory, selfURL, csafURL string) osvRecord {
	f := a.F
	r := osvRecord{
		SchemaVersion: "1.7.0",
		ID:            osvID(a.State.TrackingID),
		Modified:      osvTime(a.State.CurrentRelease),
		Published:     osvTime(a.State.InitialRelease),
		Aliases:       f.CVEs,
		Summary:       f.Title,
		Details:       f.Summary,
		References: []osvRef{
			{Type: "ADVISORY", URL: selfURL},
			{Type: "ADVISORY", URL: csafURL},
		},
	}
	if r.Details == "" {
		r.Details = f.Title
	}
	for _, s := range f.CVSS {
		switch s.Version {
		case "3.1":
			r.Severity = append(r.Severity, osvSeverity{Type: "CVSS_V3", Score: s.Vector})
		case "4.0":
			r.Severity = append(r.Severity, osvSeverity{Type: "CVSS_V4", Score: s.Vector})
		}
	}
	db := map[string]any{"tracking_id": a.State.TrackingID, "version": a.State.Version}
	if len(f.CWEs) > 0 {
		db["cwe_ids"] = f.CWEs
	}
	if f.Exploited {
		db["exploited_in_the_wild"] = true
	}
	r.DatabaseSpecific = db
	var notAffected []map[string]string
	for _, l := range a.Lines {
		if l.Status == lineNotAffected {
			// OSV lists affected packages only; VEX statements go here.
			na := map[string]string{"vendor": l.Vendor, "product": l.name(), "justification": string(l.Justification)}
			notAffected = append(notAffected, na)
			continue
		}
		ds := map[string]any{"vendor": l.Vendor, "product": l.Product, "status": l.Status}
		if l.Maker != "" {
			ds["downstream_maker"] = l.Maker
		}
		if l.CPE != "" {
			ds["cpe"] = l.CPE
		}
		if l.PatchLevel != "" {
			ds["fixed_patch_level"] = l.PatchLevel
		}
		if l.Justification != "" {
			ds["justification"] = string(l.Justification)
		}
		if l.CaseStatus != "" {
			ds["vendor_status"] = string(l.CaseStatus)
		}
		af := osvAffected{DatabaseSpecific: ds}
		if p, err := packageurl.FromString(l.PURL); l.PURL != "" && err == nil {
			if eco, ok := osvEcosystems[p.Type]; ok {
				name := p.Name
				if p.Namespace != "" {
					sep := "/"
					if p.Type == "maven" {
						sep = ":"
					}
					name = p.Namespace + sep + p.Name
				}
				p.Version = ""
				af.Package = &osvPackage{Ecosystem: eco, Name: name, PURL: p.ToString()}
			}
		}
		// A downstream build's fix is a patch level, not a version of the
		// package: no range, the patch level is in database_specific.
		if l.PatchLevel == "" {
			ev := []map[string]string{{"introduced": orZero(l.Range.Introduced)}}
			switch {
			case l.FixedVersion != "":
				ev = append(ev, map[string]string{"fixed": l.FixedVersion})
			case l.Range.Fixed != "":
				ev = append(ev, map[string]string{"fixed": l.Range.Fixed})
			case l.Range.LastAffected != "":
				ev = append(ev, map[string]string{"last_affected": l.Range.LastAffected})
			}
			af.Ranges = []osvRange{{Type: "ECOSYSTEM", Events: ev}}
		}
		r.Affected = append(r.Affected, af)
	}
	if len(notAffected) > 0 {
		db["not_affected"] = notAffected
	}
	return r
}

func orZero(s string) string {
	if strings.TrimSpace(s) == "" {
		return "0"
	}
	return s
}
