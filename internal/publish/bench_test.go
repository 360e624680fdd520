package publish

import (
	"context"
	"fmt"
	"testing"

	"antidote/internal/cases"
	"antidote/internal/findings"
)

// benchInput scales the demo up: nDocs redacted documents (the two real
// redacted logs, alternated, ~10 KB each) and nAdv findings, each with a
// case whose vendor shipped a fix, every fifth with a downstream maker.
func benchInput(b testing.TB, nDocs, nAdv int) Input {
	in := demoInput(b)
	texts := []Document{in.Documents[0], in.Documents[1]}
	in.Documents = nil
	for i := range nDocs {
		d := texts[i%2]
		d.ID = int64(i + 1)
		d.Path = fmt.Sprintf("vault7.zip/space-%d/page-%d.html", i%40, i)
		in.Documents = append(in.Documents, d)
	}
	in.Findings, in.Cases, in.Events = nil, nil, nil
	in.Vendors = []cases.Vendor{{ID: 1, Name: "Google"}, {ID: 2, Name: "Samsung"}}
	in.Products = nil
	score, _ := findings.ParseCVSS("CVSS:3.1/AV:N/AC:L/PR:N/UI:R/S:U/C:H/I:H/A:H")
	seq := int64(0)
	for i := range nAdv {
		id := int64(i + 1)
		p := cases.Product{ID: id, Vendor: 1, Name: fmt.Sprintf("Component %d", i), Class: cases.PhoneOS}
		if i%5 == 0 {
			p.Downstream = []int64{2}
		}
		in.Products = append(in.Products, p)
		in.Findings = append(in.Findings, findings.Finding{ID: id, State: findings.Accepted,
			Title:    fmt.Sprintf("Remote code execution in component %d", i),
			Summary:  "A crafted input lets a remote attacker run code.",
			Affected: []findings.Affected{{Vendor: "Google", Product: p.Name, Versions: findings.Range{Introduced: "1.0", Fixed: "1.2"}}},
			CWEs:     []string{"CWE-787"}, CVEs: []string{fmt.Sprintf("CVE-2017-%d", 10000+i)}, CVSS: []findings.Score{score},
			Sources: []findings.Source{{Doc: int64(i*10 + 1), End: 1}}})
		in.Cases = append(in.Cases, cases.Case{ID: id, Finding: id, Opened: day("2017-01-10"), OpenedBy: "ana", Targets: []cases.Target{{Vendor: 1, Product: id}}})
		add := func(e cases.Event) {
			seq++
			e.Seq, e.Case, e.Actor, e.Kind = seq, id, "ana", cases.EventStatus
			in.Events = append(in.Events, e)
		}
		add(cases.Event{At: day("2017-01-11"), Target: cases.Target{Vendor: 1, Product: id}, Status: cases.Notified})
		add(cases.Event{At: day("2017-03-01"), Target: cases.Target{Vendor: 1, Product: id}, Status: cases.Fixed, FixedVersion: "1.2"})
		if i%5 == 0 {
			add(cases.Event{At: day("2017-01-12"), Target: cases.Target{Vendor: 2, Product: id}, Status: cases.Notified})
			add(cases.Event{At: day("2017-04-01"), Target: cases.Target{Vendor: 2, Product: id}, Status: cases.FixDeployed, PatchLevel: "2017-04-01"})
		}
	}
	return in
}

func TestBenchInputPublishesEverything(t *testing.T) {
	out := build(t, benchInput(t, 200, 20))
	if len(out.Advisories) != 20 || len(out.Documents) != 200 {
		t.Fatalf("%d advisories, %d documents", len(out.Advisories), len(out.Documents))
	}
}

// BenchmarkBuild publishes 10,000 documents and 1,000 advisories: site,
// CSAF tree, OSV and CVE records, hashes, signatures and the residual scan
// of every file.
func BenchmarkBuild(b *testing.B) {
	in := benchInput(b, 10000, 1000)
	var bytes int64
	// The time of one publication is the benchmark's own ns/op.
	for b.Loop() {
		out, err := Build(context.Background(), in)
		if err != nil {
			b.Fatal(err)
		}
		bytes = 0
		for _, f := range out.Files {
			bytes += int64(len(f))
		}
		b.ReportMetric(float64(len(out.Files)), "files")
		b.ReportMetric(float64(bytes)/1e6, "MB")
	}
}

// BenchmarkBuildAndWrite adds writing the tree to disk, as publish does.
func BenchmarkBuildAndWrite(b *testing.B) {
	in := benchInput(b, 10000, 1000)
	for b.Loop() {
		out, err := Build(context.Background(), in)
		if err != nil {
			b.Fatal(err)
		}
		writeTree(b, b.TempDir(), out.Files)
	}
}
