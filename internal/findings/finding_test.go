package findings

import (
	"strings"
	"testing"
)

func TestParseCVSS(t *testing.T) {
	tests := []struct {
		name     string
		vector   string
		score    float64
		severity string
		errHas   string
	}{
		// The classic network-reachable, unauthenticated full compromise.
		{"v3.1 critical", "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", 9.8, "CRITICAL", ""},
		// Local, low privileges, high impact: a typical privilege escalation.
		{"v3.1 high", "CVSS:3.1/AV:L/AC:L/PR:L/UI:N/S:U/C:H/I:H/A:H", 7.8, "HIGH", ""},
		// No impact at all scores zero.
		{"v3.1 none", "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:N", 0, "NONE", ""},
		// v4.0 equivalent of the network critical.
		{"v4.0 critical", "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N", 9.3, "CRITICAL", ""},
		// Surrounding spaces are tolerated.
		{"trimmed", "  CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H\n", 9.8, "CRITICAL", ""},
		// A missing base metric is named.
		{"v3.1 missing A", "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H", 0, "", "A is missing"},
		// A bad value is rejected without echoing the vector.
		{"v3.1 bad value", "CVSS:3.1/AV:Q/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", 0, "", "not valid"},
		// v4.0 needs its metrics in order.
		{"v4.0 disorder", "CVSS:4.0/AC:L/AV:N/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N", 0, "", "not valid"},
		// v3.0 is refused with advice to rescore.
		{"v3.0", "CVSS:3.0/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", 0, "", "rescore"},
		// Not a vector at all.
		{"garbage", "high", 0, "", "must start with"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := ParseCVSS(tt.vector)
			if tt.errHas != "" {
				if err == nil || !strings.Contains(err.Error(), tt.errHas) {
					t.Fatalf("err = %v, want one containing %q", err, tt.errHas)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if s.Score != tt.score || s.Severity != tt.severity {
				t.Errorf("got %v %s, want %v %s", s.Score, s.Severity, tt.score, tt.severity)
			}
			if strings.TrimSpace(tt.vector) != s.Vector {
				t.Errorf("vector %q not kept", s.Vector)
			}
		})
	}
}

func TestValidateCPE(t *testing.T) {
	tests := []struct {
		name string
		cpe  string
		ok   bool
	}{
		// A full CPE 2.3 formatted string.
		{"ios", "cpe:2.3:o:apple:iphone_os:10.3:*:*:*:*:*:*:*", true},
		// Escaped colon inside a component does not split it.
		{"escaped colon", `cpe:2.3:a:vendor:prod\:uct:1.0:*:*:*:*:*:*:*`, true},
		// CPE 2.2 URI binding is not accepted.
		{"uri binding", "cpe:/o:apple:iphone_os:10.3", false},
		// Too few components.
		{"short", "cpe:2.3:o:apple:iphone_os:10.3", false},
		// Unknown part letter.
		{"bad part", "cpe:2.3:x:apple:iphone_os:10.3:*:*:*:*:*:*:*", false},
		// Empty component must be written as *.
		{"empty", "cpe:2.3:o:apple::10.3:*:*:*:*:*:*:*", false},
		// Spaces are not allowed.
		{"space", "cpe:2.3:o:apple:iphone os:10.3:*:*:*:*:*:*:*", false},
	}
	for _, tt := range tests {
		if err := ValidateCPE(tt.cpe); (err == nil) != tt.ok {
			t.Errorf("%s: err = %v, want ok=%v", tt.name, err, tt.ok)
		}
	}
	if got := CPEFor("cpe:2.3:o:apple:iphone_os", "10.3"); ValidateCPE(got) != nil || got != "cpe:2.3:o:apple:iphone_os:10.3:*:*:*:*:*:*:*" {
		t.Errorf("CPEFor = %q", got)
	}
}

func TestParseRange(t *testing.T) {
	tests := []struct {
		in   string
		want Range
		out  string
		ok   bool
	}{
		// Every version.
		{"*", Range{}, "*", true},
		{"", Range{}, "*", true},
		// Bounded on both sides, OSV-style fixed version.
		{">=10.0,<10.3.1", Range{Introduced: "10.0", Fixed: "10.3.1"}, ">=10.0,<10.3.1", true},
		// Up to and including.
		{"<=9.3.5", Range{LastAffected: "9.3.5"}, "<=9.3.5", true},
		// Exact version.
		{"=4.2", Range{Introduced: "4.2", LastAffected: "4.2"}, "=4.2", true},
		// Spaces around constraints are fine.
		{" >= 1.0 , < 2.0 ", Range{Introduced: "1.0", Fixed: "2.0"}, ">=1.0,<2.0", true},
		// ">" is refused: the first affected version must be named.
		{">1.0", Range{}, "", false},
		// A bare version has no operator.
		{"10.3", Range{}, "", false},
		// Two upper bounds contradict.
		{"<2,<=3", Range{}, "", false},
	}
	for _, tt := range tests {
		r, err := ParseRange(tt.in)
		if (err == nil) != tt.ok {
			t.Errorf("ParseRange(%q) err = %v, want ok=%v", tt.in, err, tt.ok)
			continue
		}
		if !tt.ok {
			continue
		}
		if r != tt.want || r.String() != tt.out {
			t.Errorf("ParseRange(%q) = %+v (%s), want %+v (%s)", tt.in, r, r, tt.want, tt.out)
		}
	}
}

func TestValidateFinding(t *testing.T) {
	f := Finding{
		Title:    " Remote code execution in iOS ",
		CVEs:     []string{"cve-2017-0144", "CVE-2017-0144"},
		CWEs:     []string{"cwe-787"},
		CVSS:     []Score{{Vector: "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"}},
		Affected: []Affected{{Vendor: "Apple", Product: "iOS", PURL: "pkg:generic/apple/ios@10.3"}},
		Sources:  []Source{{Doc: 1, Start: 0, End: 10}},
	}
	if err := f.Validate(); err != nil {
		t.Fatal(err)
	}
	// CVE IDs are normalised and deduplicated, scores computed, state defaulted.
	if len(f.CVEs) != 1 || f.CVEs[0] != "CVE-2017-0144" || f.CWEs[0] != "CWE-787" || f.CVSS[0].Score != 9.8 || f.State != Proposed || f.Title != "Remote code execution in iOS" {
		t.Errorf("not normalised: %+v", f)
	}
	bad := []struct {
		name string
		mod  func(*Finding)
	}{
		// No title.
		{"title", func(f *Finding) { f.Title = "" }},
		// A CVE ID with a short number.
		{"cve", func(f *Finding) { f.CVEs = []string{"CVE-2017-12"} }},
		// A CWE ID that is not a number.
		{"cwe", func(f *Finding) { f.CWEs = []string{"CWE-abc"} }},
		// A broken vector.
		{"cvss", func(f *Finding) { f.CVSS = []Score{{Vector: "CVSS:3.1/AV:N"}} }},
		// A purl that does not parse.
		{"purl", func(f *Finding) { f.Affected[0].PURL = "not a purl" }},
		// A span that ends before it starts.
		{"span", func(f *Finding) { f.Sources[0].Start = 20 }},
		// Merged without a target.
		{"merged", func(f *Finding) { f.State = Merged }},
	}
	for _, b := range bad {
		g := f
		g.CVEs = append([]string(nil), f.CVEs...)
		g.CWEs = append([]string(nil), f.CWEs...)
		g.Affected = append([]Affected(nil), f.Affected...)
		g.Sources = append([]Source(nil), f.Sources...)
		b.mod(&g)
		if err := g.Validate(); err == nil {
			t.Errorf("%s: Validate accepted a bad finding", b.name)
		}
	}
}

func TestStateMoves(t *testing.T) {
	tests := []struct {
		from, to State
		ok       bool
	}{
		{Proposed, Accepted, true},  // review accepts
		{Proposed, Merged, true},    // duplicate of another finding
		{Rejected, Accepted, true},  // a rejection reconsidered
		{Accepted, Proposed, false}, // no going back to unreviewed
		{Merged, Accepted, false},   // merged is final
	}
	for _, tt := range tests {
		if CanMove(tt.from, tt.to) != tt.ok {
			t.Errorf("%s -> %s: want %v", tt.from, tt.to, tt.ok)
		}
	}
}
