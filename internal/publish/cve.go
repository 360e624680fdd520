package publish

import (
	"crypto/sha256"
	"fmt"
)

// CVE JSON 5 record shapes (CVE Record Format 5.1), only what antidote
// writes. antidote is not a CNA: the records are ready for the CNA that
// assigned the ID to submit, with the publisher's namespace as the
// assigner's placeholder identity.
type cveRecord struct {
	DataType    string      `json:"dataType"`
	DataVersion string      `json:"dataVersion"`
	CVEMetadata cveMetadata `json:"cveMetadata"`
	Containers  struct {
		CNA cveCNA `json:"cna"`
	} `json:"containers"`
}

type cveMetadata struct {
	CVEID         string `json:"cveId"`
	AssignerOrgID string `json:"assignerOrgId"`
	State         string `json:"state"`
	DatePublished string `json:"datePublished"`
	DateUpdated   string `json:"dateUpdated"`
}

type cveCNA struct {
	ProviderMetadata struct {
		OrgID       string `json:"orgId"`
		DateUpdated string `json:"dateUpdated"`
	} `json:"providerMetadata"`
	Title        string           `json:"title"`
	Descriptions []cveDescription `json:"descriptions"`
	Affected     []cveAffected    `json:"affected"`
	ProblemTypes []cveProblemType `json:"problemTypes,omitempty"`
	Metrics      []cveMetric      `json:"metrics,omitempty"`
	References   []cveRef         `json:"references"`
}

type cveDescription struct {
	Lang  string `json:"lang"`
	Value string `json:"value"`
}

type cveAffected struct {
	Vendor        string       `json:"vendor"`
	Product       string       `json:"product"`
	CPEs          []string     `json:"cpes,omitempty"`
	Versions      []cveVersion `json:"versions,omitempty"`
	DefaultStatus string       `json:"defaultStatus"`
}

type cveVersion struct {
	Version         string `json:"version"`
	Status          string `json:"status"`
	LessThan        string `json:"lessThan,omitempty"`
	LessThanOrEqual string `json:"lessThanOrEqual,omitempty"`
	VersionType     string `json:"versionType,omitempty"`
}

type cveProblemType struct {
	Descriptions []cveProblem `json:"descriptions"`
}

type cveProblem struct {
	Lang        string `json:"lang"`
	Description string `json:"description"`
	CWEID       string `json:"cweId,omitempty"`
	Type        string `json:"type"`
}

type cveMetric struct {
	CVSSv31 *cveCVSS `json:"cvssV3_1,omitempty"`
	CVSSv40 *cveCVSS `json:"cvssV4_0,omitempty"`
}

type cveCVSS struct {
	Version      string  `json:"version"`
	VectorString string  `json:"vectorString"`
	BaseScore    float64 `json:"baseScore"`
	BaseSeverity string  `json:"baseSeverity"`
}

type cveRef struct {
	URL  string   `json:"url"`
	Name string   `json:"name,omitempty"`
	Tags []string `json:"tags,omitempty"`
}

// orgID derives a stable UUID (version 4 layout) from the publisher's
// namespace, standing in for a CNA's organisation ID.
func orgID(namespace string) string {
	h := sha256.Sum256([]byte("antidote cve org\x00" + namespace))
	h[6] = h[6]&0x0f | 0x40
	h[8] = h[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", h[0:4], h[4:6], h[6:8], h[8:10], h[10:16])
}

func buildCVE(in *Input, a *advisory, cve, pageURL, csafURL string) cveRecord {
	f := a.F
	var r cveRecord
	org := orgID(in.Publisher.Namespace)
	r.DataType, r.DataVersion = "CVE_RECORD", "5.1"
	r.CVEMetadata = cveMetadata{CVEID: cve, AssignerOrgID: org, State: "PUBLISHED",
		DatePublished: osvTime(a.State.InitialRelease), DateUpdated: osvTime(a.State.CurrentRelease)}
	c := &r.Containers.CNA
	c.ProviderMetadata.OrgID = org
	c.ProviderMetadata.DateUpdated = osvTime(a.State.CurrentRelease)
	c.Title = f.Title
	desc := f.Summary
	if desc == "" {
		desc = f.Title
	}
	c.Descriptions = []cveDescription{{Lang: "en", Value: desc}}
	for _, l := range a.Lines {
		ca := cveAffected{Vendor: l.Vendor, Product: l.name(), DefaultStatus: "unknown"}
		if l.CPE != "" {
			ca.CPEs = []string{l.CPE}
		}
		switch {
		case l.Status == lineNotAffected:
			ca.DefaultStatus = "unaffected"
		case l.PatchLevel != "":
			ca.Versions = []cveVersion{{Version: "0", LessThan: l.PatchLevel, Status: "affected", VersionType: "patch-level"}}
		case l.FixedVersion != "" || l.Range.Fixed != "":
			fixed := l.FixedVersion
			if fixed == "" {
				fixed = l.Range.Fixed
			}
			ca.Versions = []cveVersion{{Version: orZero(l.Range.Introduced), LessThan: fixed, Status: "affected", VersionType: "custom"}}
		case l.Range.LastAffected != "":
			ca.Versions = []cveVersion{{Version: orZero(l.Range.Introduced), LessThanOrEqual: l.Range.LastAffected, Status: "affected", VersionType: "custom"}}
		default:
			ca.DefaultStatus = "affected"
		}
		c.Affected = append(c.Affected, ca)
	}
	for _, w := range f.CWEs {
		p := cveProblem{Lang: "en", Description: w, CWEID: w, Type: "CWE"}
		if n := cweName(w); n != "" {
			p.Description = w + " " + n
		}
		c.ProblemTypes = append(c.ProblemTypes, cveProblemType{Descriptions: []cveProblem{p}})
	}
	for _, s := range f.CVSS {
		m := &cveCVSS{Version: s.Version, VectorString: s.Vector, BaseScore: s.Score, BaseSeverity: s.Severity}
		switch s.Version {
		case "3.1":
			c.Metrics = append(c.Metrics, cveMetric{CVSSv31: m})
		case "4.0":
			c.Metrics = append(c.Metrics, cveMetric{CVSSv40: m})
		}
	}
	c.References = []cveRef{
		{URL: pageURL, Name: "Advisory " + a.State.TrackingID, Tags: []string{"third-party-advisory"}},
		{URL: csafURL, Name: "CSAF " + a.State.TrackingID, Tags: []string{"third-party-advisory"}},
	}
	return r
}
