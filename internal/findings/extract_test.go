package findings

import (
	"fmt"
	"os"
	"reflect"
	"strings"
	"testing"
)

func dict(t testing.TB) *Dictionary {
	t.Helper()
	d, err := DefaultDictionary()
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func TestExtract(t *testing.T) {
	d := dict(t)
	tests := []struct {
		name      string
		text      string
		keys      []string // proposal keys in order
		cves      []string // of the first proposal
		versions  []string // ranges of the first proposal's affected products
		exploited bool
		title     string
	}{
		// A product with exploit vocabulary and a version: one proposal.
		{"ios rce", "This implant gives remote code execution on iOS 10.3 devices.",
			[]string{"product:apple/ios"}, nil, []string{"=10.3"}, false, "Remote code execution in Apple iOS"},
		// A "before" version is the fixed version.
		{"chrome before", "Sandbox escape for Google Chrome before 63.0.3239.84.",
			[]string{"product:google/chrome"}, nil, []string{"<63.0.3239.84"}, false, ""},
		// "and earlier" makes the version the last affected.
		{"and earlier", "RouterOS 6.38 and earlier: exploit for the web interface",
			[]string{"product:mikrotik/routeros"}, nil, []string{"<=6.38"}, false, ""},
		// A CVE next to a product is attached to it.
		{"cve attached", "Windows privilege escalation, see cve-2017-0144.",
			[]string{"product:microsoft/windows"}, []string{"CVE-2017-0144"}, []string{"*"}, false, ""},
		// A lone CVE becomes its own proposal.
		{"lone cve", "Tracking CVE-2016-5195 for later.",
			[]string{"cve:CVE-2016-5195"}, []string{"CVE-2016-5195"}, nil, false, "Vulnerability CVE-2016-5195"},
		// A product mentioned without any exploit vocabulary is not a finding.
		{"mere mention", "The meeting notes were typed on a Samsung Smart TV remote.", nil, nil, nil, false, ""},
		// Case matters for short aliases: "ios" in lower case is not Apple's.
		{"short alias case", "bios exploit; the ios folder", nil, nil, nil, false, ""},
		// Longest alias wins: "Cisco IOS" is Cisco's, not Apple's.
		{"longest alias", "Cisco IOS remote code execution",
			[]string{"product:cisco/ios"}, nil, []string{"*"}, false, ""},
		// In-the-wild wording sets the flag.
		{"in the wild", "Firefox zero-day exploited in the wild",
			[]string{"product:mozilla/firefox"}, nil, []string{"*"}, true, "Zero-day in Mozilla Firefox"},
		// Vocabulary too far away does not count.
		{"too far", "Android" + strings.Repeat(" filler", 100) + " exploit", nil, nil, nil, false, ""},
		// A CVE with a too-short number is not a CVE ID.
		{"bad cve", "CVE-2017-12 exploit", nil, nil, nil, false, ""},
		// Terms and CVE IDs go to the nearest product only: iOS gets neither
		// the TV's exploit nor Android's CVE.
		{"nearest product", "The implant gives remote code execution on iOS 10.3 devices. Also a Samsung Smart TV exploit and an Android privilege escalation, see CVE-2017-0144.",
			[]string{"product:apple/ios", "product:samsung/smart tv", "product:google/android"}, nil, []string{"=10.3"}, false, "Remote code execution in Apple iOS"},
		// Two products, two proposals, in order of appearance.
		{"two", "Android exploit chain; later a Tesla remote code execution",
			[]string{"product:google/android", "product:tesla/vehicle firmware"}, nil, []string{"*"}, false, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ps := d.Extract(7, tt.text)
			var keys []string
			for _, p := range ps {
				keys = append(keys, p.Key)
				checkEvidence(t, tt.text, p.Evidence)
			}
			if !reflect.DeepEqual(keys, tt.keys) {
				t.Fatalf("keys = %q, want %q", keys, tt.keys)
			}
			if len(ps) == 0 {
				return
			}
			p := ps[0]
			if !reflect.DeepEqual(p.CVEs, tt.cves) {
				t.Errorf("cves = %q, want %q", p.CVEs, tt.cves)
			}
			var vs []string
			for _, a := range p.Affected {
				vs = append(vs, a.Versions.String())
				if a.CPE != "" {
					if err := ValidateCPE(a.CPE); err != nil {
						t.Errorf("cpe %q: %v", a.CPE, err)
					}
				}
			}
			if !reflect.DeepEqual(vs, tt.versions) {
				t.Errorf("versions = %q, want %q", vs, tt.versions)
			}
			if p.Exploited != tt.exploited {
				t.Errorf("exploited = %v", p.Exploited)
			}
			if tt.title != "" && p.Title != tt.title {
				t.Errorf("title = %q, want %q", p.Title, tt.title)
			}
			f := p.Finding()
			if err := f.Validate(); err != nil {
				t.Errorf("proposal does not make a valid finding: %v", err)
			}
		})
	}
}

func checkEvidence(t testing.TB, text string, ev []Evidence) {
	t.Helper()
	for i, e := range ev {
		if e.Start < 0 || e.End > len(text) || e.Start >= e.End {
			t.Fatalf("evidence %d span [%d,%d) outside text of %d bytes", i, e.Start, e.End, len(text))
		}
		if i > 0 && (ev[i-1].Start > e.Start || ev[i-1] == e) {
			t.Fatalf("evidence not sorted and distinct at %d", i)
		}
		switch e.Kind {
		case EvidenceCVE:
			if _, err := NormalizeCVE(text[e.Start:e.End]); err != nil {
				t.Fatalf("cve evidence is not a CVE ID: %v", err)
			}
		case EvidenceVersion:
			if !isDigit(text[e.Start]) {
				t.Fatalf("version evidence does not start with a digit")
			}
		}
	}
}

func TestCollectorMergesAcrossDocuments(t *testing.T) {
	d := dict(t)
	var c Collector
	c.Add(d.Extract(1, "iOS 10.2 exploit")...)
	c.Add(d.Extract(2, "iOS 10.3 remote code execution (CVE-2017-2533)")...)
	ps := c.Proposals(d)
	if len(ps) != 1 {
		t.Fatalf("got %d proposals, want 1", len(ps))
	}
	p := ps[0]
	if len(p.Affected) != 2 || len(p.CVEs) != 1 || p.Terms[0] != "remote code execution" {
		t.Errorf("merge lost something: %+v", p)
	}
	docs := map[int64]bool{}
	for _, e := range p.Evidence {
		docs[e.Doc] = true
	}
	if !docs[1] || !docs[2] {
		t.Errorf("evidence does not cite both documents: %+v", p.Evidence)
	}
}

func TestDictionaryExtension(t *testing.T) {
	user := []byte(`{"products":[{"vendor":"Acme","product":"Widget OS","class":"smart-tv/iot","aliases":["WidgetOS"]}],
		"vocabulary":[{"term":"bricking","aliases":["bricks the device"]}]}`)
	d, err := NewDictionary(BuiltinDictionary(), user)
	if err != nil {
		t.Fatal(err)
	}
	ps := d.Extract(1, "This WidgetOS 2.1 payload bricks the device.")
	if len(ps) != 1 || ps[0].Key != "product:acme/widget os" || ps[0].Class != "smart-tv/iot" {
		t.Fatalf("user dictionary not used: %+v", ps)
	}
	// Bad extensions are refused with the file's position.
	for _, bad := range []string{`{"products":[{"vendor":"X"}]}`, `{"nope":1}`, `{"products":[{"vendor":"A","product":"B","cpe":"cpe:2.3:q"}]}`, `[`} {
		if _, err := NewDictionary(BuiltinDictionary(), []byte(bad)); err == nil {
			t.Errorf("accepted bad dictionary %s", bad)
		}
	}
}

// referenceCVEs is the obviously correct CVE finder: try every position.
func referenceCVEs(text string) []string {
	var out []string
	for i := 0; i < len(text); i++ {
		if i > 0 && isWord(text[i-1]) {
			continue
		}
		for j := len(text); j >= i+13; j-- {
			if j < len(text) && isWord(text[j]) {
				continue
			}
			if _, err := NormalizeCVE(text[i:j]); err == nil && !strings.ContainsAny(text[i:j], " \t\n\r\v\f") {
				out = append(out, strings.ToUpper(text[i:j]))
				i = j - 1
				break
			}
		}
	}
	return out
}

func FuzzExtract(f *testing.F) {
	for _, s := range []string{
		"This implant gives remote code execution on iOS 10.3 devices.",
		"Sandbox escape for Google Chrome before 63.0.3239.84.",
		"RouterOS 6.38 and earlier: exploit", "CVE-2016-5195 cve-2017-0144x CVE-2017-01444",
		"Cisco IOS remote code execution", "Firefox zero-day exploited in the wild",
		"Android <= 7.1 exploit v", "iOS v", "Chrome version", "é iOS 10.3 exploit é",
	} {
		f.Add(s)
	}
	d := dict(f)
	f.Fuzz(func(t *testing.T, text string) {
		for _, p := range d.Extract(3, text) {
			checkEvidence(t, text, p.Evidence)
			if p.Title == "" || p.Key == "" {
				t.Fatal("proposal without title or key")
			}
		}
		got := scanCVEs(text)
		want := referenceCVEs(text)
		if len(got) != len(want) {
			t.Fatalf("scanCVEs found %d, reference %d", len(got), len(want))
		}
		for i := range got {
			if got[i].cve != want[i] {
				t.Fatalf("cve %d: %q vs reference %q", i, got[i].cve, want[i])
			}
		}
	})
}

// A page naming dozens of products and CVEs still yields a valid finding:
// the title lists a few and counts the rest.
func TestLongTitleStaysValid(t *testing.T) {
	var b strings.Builder
	for i := 0; i < 60; i++ {
		fmt.Fprintf(&b, "Remote code execution in Apple iOS 9.%d via CVE-2016-%05d. ", i, 90000+i)
	}
	d, err := DefaultDictionary()
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range d.Extract(1, b.String()) {
		f := p.Finding()
		if err := f.Validate(); err != nil {
			t.Fatalf("proposal %q: %v", f.Title, err)
		}
		if !strings.Contains(f.Title, "more") {
			t.Errorf("title %q does not say how many more CVEs there are", f.Title)
		}
	}
}

// TestExtractRealChangelog: on Debian's openssh changelog, CVE IDs are
// attached to OpenSSH, never to a product named in another item (a line
// above mentions Linux), and most name a product.
func TestExtractRealChangelog(t *testing.T) {
	text, err := os.ReadFile("testdata/openssh-changelog.txt")
	if err != nil {
		t.Fatal(err)
	}
	props := dict(t).Extract(1, string(text))
	cves, named := 0, 0
	for _, p := range props {
		for _, a := range p.Affected {
			if a.Product == "Linux kernel" && len(p.CVEs) > 0 {
				t.Errorf("%v attached to the Linux kernel (%s)", p.CVEs, p.Title)
			}
		}
		cves += len(p.CVEs)
		if len(p.Affected) > 0 {
			named += len(p.CVEs)
		}
	}
	want := strings.Count(string(text), "CVE-")
	if cves != want {
		t.Errorf("%d CVE IDs proposed, the text has %d", cves, want)
	}
	if named*4 < cves*3 {
		t.Errorf("%d of %d CVE IDs name a product, want most", named, cves)
	}
	for _, p := range props {
		for _, c := range p.CVEs {
			if c == "CVE-2021-41617" && (len(p.Affected) == 0 || p.Affected[0].Product != "OpenSSH") {
				t.Errorf("CVE-2021-41617 proposed as %+v, want OpenSSH", p.Affected)
			}
		}
	}
}
