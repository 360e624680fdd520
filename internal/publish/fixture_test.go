package publish

import (
	"bytes"
	"crypto/sha256"
	"os"
	"sync"
	"testing"
	"time"

	"antidote/internal/cases"
	"antidote/internal/findings"
	"antidote/internal/geo"
	"antidote/internal/redact"
)

func day(s string) time.Time {
	t, err := time.Parse("2006-01-02", s)
	if err != nil {
		panic(err)
	}
	return t.Add(12 * time.Hour)
}

var testKey = sync.OnceValue(func() *Signer {
	k, err := NewSigningKey("Example Newsroom", "security@example.org", day("2017-01-01"))
	if err != nil {
		panic(err)
	}
	s, err := ParseSigningKey(k.Private)
	if err != nil {
		panic(err)
	}
	return s
})

// redactFile redacts a real log with a fixed key, as the workspace would.
func redactFile(t testing.TB, name string) ([]byte, redact.Stats) {
	t.Helper()
	raw, err := os.ReadFile("testdata/loghub/" + name)
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256([]byte("publish test key"))
	k, err := redact.NewKey(sum[:])
	if err != nil {
		t.Fatal(err)
	}
	g, err := geo.Open()
	if err != nil {
		t.Fatal(err)
	}
	r, err := redact.New(redact.Options{Key: k, Policy: redact.DefaultPolicy(), Geo: g})
	if err != nil {
		t.Fatal(err)
	}
	out, st, err := r.Apply(nil, raw)
	if err != nil {
		t.Fatal(err)
	}
	return bytes.Clone(out), st
}

// demoInput is a small disclosure record in the shape of the Vault 7 story:
// an Android flaw fixed upstream and by a downstream maker, an iOS flaw
// fixed, a router flaw whose embargo ran out unfixed, a library flaw one
// vendor is not affected by, and a proposed finding that stays out.
func demoInput(t testing.TB) Input {
	t.Helper()
	ssh, sshStats := redactFile(t, "OpenSSH_150.log")
	lnx, lnxStats := redactFile(t, "Linux_150.log")
	cvss := func(vs ...string) []findings.Score {
		var out []findings.Score
		for _, v := range vs {
			s, err := findings.ParseCVSS(v)
			if err != nil {
				t.Fatal(err)
			}
			out = append(out, s)
		}
		return out
	}
	fs := []findings.Finding{
		{ID: 1, State: findings.Accepted, Title: "Android media framework remote code execution",
			Summary:  "A crafted media file processed by the media framework lets a remote attacker run code in a privileged process.",
			Affected: []findings.Affected{{Vendor: "Google", Product: "Android", Versions: findings.Range{Introduced: "7.0", Fixed: "7.1.2"}, CPE: "cpe:2.3:o:google:android:*:*:*:*:*:*:*:*"}},
			CWEs:     []string{"CWE-787"}, CVEs: []string{"CVE-2017-0561"},
			CVSS:      cvss("CVSS:3.1/AV:N/AC:L/PR:N/UI:R/S:U/C:H/I:H/A:H", "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:P/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N"),
			Exploited: true, Sources: []findings.Source{{Doc: 1, Start: 0, End: 10}}},
		{ID: 2, State: findings.Accepted, Title: "iOS WebKit memory corruption",
			Summary:  "Processing maliciously crafted web content may lead to arbitrary code execution.",
			Affected: []findings.Affected{{Vendor: "Apple", Product: "iOS", Versions: findings.Range{Fixed: "10.3.1"}, CPE: "cpe:2.3:o:apple:iphone_os:*:*:*:*:*:*:*:*"}},
			CWEs:     []string{"CWE-119"}, CVEs: []string{"CVE-2017-2505"},
			CVSS:    cvss("CVSS:3.1/AV:N/AC:L/PR:N/UI:R/S:U/C:H/I:H/A:H"),
			Sources: []findings.Source{{Doc: 2, Start: 0, End: 10}}},
		{ID: 3, State: findings.Accepted, Title: "Router administration panel authentication bypass",
			Summary:  "The administration panel accepts a session cookie without checking its signature.",
			Affected: []findings.Affected{{Vendor: "Acme Networks", Product: "acme-admin", Versions: findings.Range{Introduced: "2.0.0", LastAffected: "2.4.1"}, PURL: "pkg:npm/acme-admin"}},
			CWEs:     []string{"CWE-287", "CWE-565"},
			Sources:  []findings.Source{{Doc: 1, Start: 0, End: 10}, {Doc: 2, Start: 0, End: 5}}},
		{ID: 4, State: findings.Proposed, Title: "Unreviewed smart TV listening mode"},
		{ID: 5, State: findings.Accepted, Title: "Shared image decoder heap overflow",
			Affected: []findings.Affected{{Vendor: "Google", Product: "Android", Versions: findings.Range{Introduced: "6.0", Fixed: "7.1.2"}}, {Vendor: "Apple", Product: "iOS"}},
			CWEs:     []string{"CWE-122"}, CVSS: cvss("CVSS:3.1/AV:N/AC:H/PR:N/UI:R/S:U/C:H/I:H/A:H")},
	}
	vendors := []cases.Vendor{{ID: 1, Name: "Google"}, {ID: 2, Name: "Samsung"}, {ID: 3, Name: "Apple"}, {ID: 4, Name: "Acme Networks"}}
	products := []cases.Product{
		{ID: 10, Vendor: 1, Name: "Android", Class: cases.PhoneOS, Downstream: []int64{2}},
		{ID: 11, Vendor: 3, Name: "iOS", Class: cases.PhoneOS},
		{ID: 12, Vendor: 4, Name: "acme-admin", Class: cases.NetworkEquipment},
	}
	cs := []cases.Case{
		{ID: 1, Finding: 1, Opened: day("2017-01-10"), OpenedBy: "ana", Targets: []cases.Target{{Vendor: 1, Product: 10}, {Vendor: 2, Product: 10}}},
		{ID: 2, Finding: 2, Opened: day("2017-01-10"), OpenedBy: "ana", Targets: []cases.Target{{Vendor: 3, Product: 11}}},
		{ID: 3, Finding: 3, Opened: day("2017-01-10"), OpenedBy: "ana", Targets: []cases.Target{{Vendor: 4, Product: 12}}},
		{ID: 4, Finding: 5, Opened: day("2017-01-10"), OpenedBy: "ana", Targets: []cases.Target{{Vendor: 1, Product: 10}, {Vendor: 3, Product: 11}}},
	}
	ev := func(c int64, at string, v, p int64, st cases.Status) cases.Event {
		return cases.Event{Case: c, At: day(at), Actor: "ana", Kind: cases.EventStatus, Target: cases.Target{Vendor: v, Product: p}, Status: st}
	}
	fixed := func(e cases.Event, version string) cases.Event { e.FixedVersion = version; return e }
	events := []cases.Event{
		ev(1, "2017-01-11", 1, 10, cases.Notified), ev(1, "2017-01-11", 2, 10, cases.Notified),
		fixed(ev(1, "2017-04-03", 1, 10, cases.Fixed), "7.1.2"),
		func() cases.Event {
			e := ev(1, "2017-04-05", 2, 10, cases.FixDeployed)
			e.PatchLevel = "2017-04-01"
			return e
		}(),
		ev(2, "2017-01-11", 3, 11, cases.Notified), fixed(ev(2, "2017-03-27", 3, 11, cases.Fixed), "10.3.1"),
		ev(3, "2017-01-11", 4, 12, cases.Notified), ev(3, "2017-02-01", 4, 12, cases.Acknowledged),
		ev(4, "2017-01-11", 1, 10, cases.Notified), ev(4, "2017-01-11", 3, 11, cases.Notified),
		fixed(ev(4, "2017-04-03", 1, 10, cases.Fixed), "7.1.2"),
		func() cases.Event {
			e := ev(4, "2017-02-20", 3, 11, cases.NotAffected)
			e.Justification = cases.ComponentNotPresent
			return e
		}(),
		func() cases.Event {
			e := ev(4, "2017-04-05", 2, 10, cases.FixDeployed)
			e.PatchLevel = "2017-04-01"
			return e
		}(),
	}
	for i := range events {
		events[i].Seq = int64(i + 1)
	}
	// The Samsung target of case 4 is implicit (downstream); give it its own notification first.
	events = append(events[:12], append([]cases.Event{{Seq: 20, Case: 4, At: day("2017-01-12"), Actor: "ana", Kind: cases.EventStatus, Target: cases.Target{Vendor: 2, Product: 10}, Status: cases.Notified}}, events[12:]...)...)
	return Input{
		At:        day("2017-12-01"),
		BaseURL:   "https://leaks.example.org",
		Publisher: Publisher{Name: "Example Newsroom", Namespace: "https://example.org", Contact: "security@example.org"},
		Signer:    testKey(),
		Documents: []Document{
			{ID: 1, Path: "vault7.zip/Android/media-exploit.log", Text: ssh, Stats: sshStats, Verified: true},
			{ID: 2, Path: "vault7.zip/iOS/webkit-notes.log", Text: lnx, Stats: lnxStats, Verified: true},
		},
		Findings: fs, Cases: cs, Events: events, Products: products, Vendors: vendors,
		Embargo: cases.DefaultPolicy(),
	}
}
