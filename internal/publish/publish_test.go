package publish

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"maps"
	"slices"
	"strings"
	"testing"

	"antidote/internal/cases"
)

func build(t testing.TB, in Input) Output {
	t.Helper()
	out, err := Build(context.Background(), in)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func TestBuildReleasesEligibleFindings(t *testing.T) {
	out := build(t, demoInput(t))
	var got []int64
	for _, a := range out.Advisories {
		got = append(got, a.Finding)
	}
	// Finding 4 is proposed: it stays out. The router flaw (3) was never
	// fixed but its 120-day embargo ran out.
	if want := []int64{1, 2, 3, 5}; !slices.Equal(got, want) {
		t.Fatalf("advisories for findings %v, want %v", got, want)
	}
	for _, p := range []string{
		".well-known/csaf/provider-metadata.json", ".well-known/csaf/provider-metadata.json.asc",
		".well-known/security.txt", ".well-known/csaf/white/index.txt", ".well-known/csaf/white/changes.csv",
		".well-known/csaf/white/2017/antidote-2017-0001.json", ".well-known/csaf/white/2017/antidote-2017-0001.json.sha256",
		".well-known/csaf/white/2017/antidote-2017-0001.json.sha512", ".well-known/csaf/white/2017/antidote-2017-0001.json.asc",
		".well-known/csaf/white/csaf-feed-tlp-white.json", ".well-known/csaf/service.json",
		".well-known/csaf/white/index.html", ".well-known/csaf/white/2017/index.html",
		"osv/x_ANTIDOTE-2017-0001.json", "cve/CVE-2017-0561.json", "cve/CVE-2017-2505.json",
		"index.html", "documents/1.html", "documents/2.html", "advisories/antidote-2017-0001.html",
		"stats/types.svg", "stats/countries.svg", "feed.atom", "search-index.js", "search.js", "style.css",
	} {
		if _, ok := out.Files[p]; !ok {
			t.Errorf("missing %s", p)
		}
	}
	if !bytes.Contains(out.Files[".well-known/security.txt"], []byte("CSAF: https://leaks.example.org/.well-known/csaf/provider-metadata.json\n")) {
		t.Errorf("security.txt has no CSAF line:\n%s", out.Files[".well-known/security.txt"])
	}
	page := string(out.Files["advisories/antidote-2017-0001.html"])
	for _, want := range []string{"Update to version 7.1.2 or later", "Install security patch level 2017-04-01 or later from Samsung", "Exploited in the wild", "CVE record CVE-2017-0561"} {
		if !strings.Contains(page, want) {
			t.Errorf("advisory page lacks %q", want)
		}
	}
	for p, b := range out.Files {
		if strings.HasSuffix(p, ".html") && (bytes.Contains(b, []byte("<script>")) || bytes.Contains(b, []byte(" style=")) || bytes.Contains(b, []byte("http://")) && !strings.HasPrefix(p, ".well-known")) {
			t.Errorf("%s has inline script or style or an external resource", p)
		}
	}
}

func TestBuildIsDeterministic(t *testing.T) {
	in := demoInput(t)
	a := build(t, in)
	b := build(t, demoInput(t))
	if !maps.EqualFunc(a.Files, b.Files, bytes.Equal) {
		for p := range a.Files {
			if !bytes.Equal(a.Files[p], b.Files[p]) {
				t.Errorf("%s differs between two builds of the same input", p)
			}
		}
	}
	// Signatures verify against the published key.
	if err := verifySig(t, a, ".well-known/csaf/white/2017/antidote-2017-0002.json"); err != nil {
		t.Fatal(err)
	}
}

func TestRepublishAddsRevisionsAndKeepsAdvisories(t *testing.T) {
	in := demoInput(t)
	first := build(t, in)

	// Same workspace, later: nothing changed, so the advisories are the same bytes.
	in2 := demoInput(t)
	in2.At = day("2017-12-15")
	in2.Previous = first.State
	second := build(t, in2)
	p := ".well-known/csaf/white/2017/antidote-2017-0003.json"
	if !bytes.Equal(first.Files[p], second.Files[p]) {
		t.Errorf("an unchanged advisory changed on republication")
	}

	// The router vendor ships a fix: advisory 3 gets revision 2.
	in3 := demoInput(t)
	in3.At = day("2018-01-20")
	in3.Previous = second.State
	e := in3.Events[0]
	e.Seq, e.Case, e.At, e.Target = 99, 3, day("2018-01-15"), in3.Cases[2].Targets[0]
	e.Status, e.FixedVersion = "fixed", "2.4.2"
	in3.Events = append(in3.Events, e)
	third := build(t, in3)
	var doc struct {
		Document struct {
			Tracking struct {
				Version            string `json:"version"`
				InitialReleaseDate string `json:"initial_release_date"`
				CurrentReleaseDate string `json:"current_release_date"`
				RevisionHistory    []struct {
					Number string `json:"number"`
				} `json:"revision_history"`
			} `json:"tracking"`
		} `json:"document"`
	}
	if err := json.Unmarshal(third.Files[p], &doc); err != nil {
		t.Fatal(err)
	}
	tr := doc.Document.Tracking
	if tr.Version != "2" || len(tr.RevisionHistory) != 2 || tr.InitialReleaseDate != "2017-12-01T12:00:00.000Z" || tr.CurrentReleaseDate != "2018-01-20T12:00:00.000Z" {
		t.Errorf("tracking after a fix: %+v", tr)
	}
	var osv struct{ Modified, Published string }
	if err := json.Unmarshal(third.Files["osv/x_ANTIDOTE-2017-0003.json"], &osv); err != nil {
		t.Fatal(err)
	}
	if osv.Modified != "2018-01-20T12:00:00Z" || osv.Published != "2017-12-01T12:00:00Z" {
		t.Errorf("OSV dates after a fix: %+v", osv)
	}
	if !strings.Contains(string(third.Files[".well-known/csaf/white/changes.csv"]), `"2017/antidote-2017-0003.json","2018-01-20T12:00:00Z"`) {
		t.Errorf("changes.csv does not list the revision:\n%s", third.Files[".well-known/csaf/white/changes.csv"])
	}

	// A published finding later rejected: the publisher refuses to drop it.
	in4 := demoInput(t)
	in4.At = day("2018-02-01")
	in4.Previous = third.State
	in4.Findings[1].State = "rejected"
	if _, err := Build(context.Background(), in4); err == nil || !strings.Contains(err.Error(), "never dropped") {
		t.Errorf("dropping a published advisory: err = %v", err)
	}
	// A published finding merged into another keeps its advisory, revised.
	in6 := demoInput(t)
	in6.At = day("2018-02-01")
	in6.Previous = third.State
	in6.Findings[1].State, in6.Findings[1].MergedInto = "merged", 1
	merged := build(t, in6)
	if b := merged.Files[".well-known/csaf/white/2017/antidote-2017-0002.json"]; !bytes.Contains(b, []byte("merged into finding 1")) || !bytes.Contains(b, []byte(`"version": "2"`)) {
		t.Errorf("merged finding's advisory:\n%s", b)
	}
	// Publishing before the last publication is refused too.
	in5 := demoInput(t)
	in5.Previous = third.State
	if _, err := Build(context.Background(), in5); err == nil {
		t.Errorf("publishing at an earlier time than the last publication succeeded")
	}
}

func TestResidualCheckAbortsEverything(t *testing.T) {
	cases := []struct {
		name  string
		mod   func(in *Input)
		where string
	}{
		{"unredacted log in a document", func(in *Input) {
			in.Documents[0].Text = []byte("Dec 10 06:55:46 LabSZ sshd[24200]: Invalid user webmaster from 173.234.31.186\n")
		}, "documents/1.html"},
		{"e-mail address in a finding summary", func(in *Input) {
			in.Findings[0].Summary = "Reported by j.doe@mail.example.net to the vendor."
		}, ".well-known/csaf/white/2017/antidote-2017-0001.json"},
		{"the publisher's contact address inside a document", func(in *Input) {
			in.Documents[0].Text = []byte("forward to security@example.org\n")
		}, "documents/1.html"},
		{"public address in a document path", func(in *Input) {
			in.Documents[1].Path = "dump/81.2.69.160/notes.txt"
		}, "search-index.js"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			in := demoInput(t)
			tc.mod(&in)
			out, err := Build(context.Background(), in)
			var re *ResidualError
			if !errors.As(err, &re) {
				t.Fatalf("err = %v, want a residual error", err)
			}
			if out.Files != nil {
				t.Errorf("files returned despite the residual error")
			}
			if !strings.Contains(err.Error(), tc.where) {
				t.Errorf("error does not name %s:\n%v", tc.where, err)
			}
			for _, secret := range []string{"173.234.31.186", "j.doe@mail.example.net", "81.2.69.160"} {
				if strings.Contains(err.Error(), secret) {
					t.Errorf("error repeats the identifier %s", secret)
				}
			}
		})
	}
}

func TestBuildRefusesUnverifiedDocument(t *testing.T) {
	in := demoInput(t)
	in.Documents[1].Verified = false
	_, err := Build(context.Background(), in)
	if err == nil || !strings.Contains(err.Error(), "document 2 has not passed verify") {
		t.Fatalf("err = %v", err)
	}
}

func TestZeroEmbargoPolicyMeansTheDefault(t *testing.T) {
	in := demoInput(t)
	in.Embargo = cases.Policy{}
	in.At = day("2017-02-15") // 35 days after notification: every embargo runs
	out := build(t, in)
	// Only the finding exploited in the wild (7 days) is out of embargo.
	if len(out.Advisories) != 1 || out.Advisories[0].Finding != 1 {
		t.Errorf("a zero embargo policy released %+v during the embargo", out.Advisories)
	}
}
