package publish

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"slices"
	"strings"

	"antidote/internal/cases"
	"antidote/internal/findings"
)

// Build makes the whole publication: the release site, the CSAF provider
// tree, OSV and CVE records, hashes and signatures. in.Documents are the
// documents the release plan allows (Build refuses one not verified); the
// findings to publish as advisories Build decides itself from the
// disclosure record. It returns an error and no files if any input is not
// fit to publish or if the residual check finds an identifier of a
// redacted type in any file (a *ResidualError).
func Build(ctx context.Context, in Input) (Output, error) {
	if err := checkInput(&in); err != nil {
		return Output{}, err
	}
	advs, state, err := plan(&in)
	if err != nil {
		return Output{}, err
	}
	files := map[string][]byte{}
	if err := writeProvider(ctx, &in, advs, files); err != nil {
		return Output{}, err
	}
	if err := writeSite(&in, advs, files); err != nil {
		return Output{}, err
	}
	if err := residualCheck(ctx, &in, files); err != nil {
		return Output{}, err
	}
	out := Output{Files: files, State: state}
	for _, d := range in.Documents {
		out.Documents = append(out.Documents, d.ID)
	}
	slices.Sort(out.Documents)
	for _, a := range advs {
		r := Released{Finding: a.F.ID, TrackingID: a.State.TrackingID, Version: a.State.Version, Changed: a.Changed,
			CSAF: csafPath(a), OSV: osvPath(a)}
		for _, c := range a.F.CVEs {
			r.CVE = append(r.CVE, cvePath(c))
		}
		out.Advisories = append(out.Advisories, r)
	}
	return out, nil
}

func checkInput(in *Input) error {
	if in.At.IsZero() {
		return errors.New("publication needs a time")
	}
	in.At = in.At.UTC().Truncate(1e6) // CSAF dates carry milliseconds
	u, err := url.Parse(in.BaseURL)
	if err != nil || u.Scheme != "https" || u.Host == "" || u.RawQuery != "" || u.Fragment != "" {
		return errors.New("the release's base URL must be an https:// URL without query (CSAF providers are served over HTTPS)")
	}
	in.BaseURL = strings.TrimRight(in.BaseURL, "/")
	p := &in.Publisher
	p.Name = strings.TrimSpace(p.Name)
	if p.Name == "" {
		return errors.New("the publisher needs a name ('publish init')")
	}
	if ns, err := url.Parse(p.Namespace); err != nil || (ns.Scheme != "https" && ns.Scheme != "http") || ns.Host == "" {
		return errors.New("the publisher's namespace must be an http(s) URL")
	}
	if p.Prefix == "" {
		p.Prefix = "ANTIDOTE"
	}
	for _, r := range p.Prefix {
		if !(r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-') {
			return errors.New("the advisory prefix may hold only upper-case letters, digits and '-'")
		}
	}
	if in.Embargo.Classes == nil && in.Embargo.Default == 0 && in.Embargo.Exploited == 0 {
		// A zero policy would end every embargo at once.
		in.Embargo = cases.DefaultPolicy()
	}
	if in.Signer == nil {
		return errors.New("publication needs the publisher's signing key ('publish init')")
	}
	seen := map[int64]bool{}
	for _, d := range in.Documents {
		if !d.Verified {
			return fmt.Errorf("document %d has not passed verify: run 'antidote verify --all' after its last redaction", d.ID)
		}
		if seen[d.ID] {
			return fmt.Errorf("document %d is listed twice", d.ID)
		}
		seen[d.ID] = true
	}
	return nil
}

// plan decides the advisories of this publication and their versions.
func plan(in *Input) ([]*advisory, State, error) {
	byID := map[int64]findings.Finding{}
	for _, f := range in.Findings {
		byID[f.ID] = f
	}
	prev := map[int64]AdvisoryState{}
	for _, s := range in.Previous.Advisories {
		prev[s.Finding] = s
		if in.At.Before(s.CurrentRelease) {
			return nil, State{}, fmt.Errorf("publication time %s is before advisory %s's last release (%s): publish at a later time",
				in.At.Format(timeRFC3339), s.TrackingID, s.CurrentRelease.UTC().Format(timeRFC3339))
		}
	}
	ok := eligible(in)
	for id, s := range prev {
		if ok[id] {
			continue
		}
		f, found := byID[id]
		// A merged finding lives on in the one it was merged into; its
		// advisory stays, saying so. Rejected can be undone: that is the
		// way out, not a silent drop.
		if !found || (f.State != findings.Accepted && f.State != findings.Merged) {
			st := "missing"
			if found {
				st = string(f.State)
			}
			return nil, State{}, fmt.Errorf("advisory %s (finding %d) was published before and its finding is now %s: a published advisory is never dropped; accept the finding again", s.TrackingID, id, st)
		}
		// Once public, an advisory stays public, whatever the gate says now.
		ok[id] = true
	}
	released := map[int64]bool{}
	for _, d := range in.Documents {
		released[d.ID] = true
	}
	dis := newDisclosure(in)
	var advs []*advisory
	var ids []int64
	for id := range ok {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	var state State
	for _, id := range ids {
		f := byID[id]
		lines, publicAt, err := dis.lines(f, in.At)
		if err != nil {
			return nil, State{}, err
		}
		a := &advisory{F: f, Lines: lines, PublicAt: publicAt}
		for _, s := range f.Sources {
			if released[s.Doc] && !slices.Contains(a.Docs, s.Doc) {
				a.Docs = append(a.Docs, s.Doc)
			}
		}
		slices.Sort(a.Docs)
		st, had := prev[id]
		if !had {
			st = AdvisoryState{Finding: id, TrackingID: fmt.Sprintf("%s-%d-%04d", in.Publisher.Prefix, in.At.Year(), id), InitialRelease: in.At}
		}
		a.State = st
		a.Year = fmt.Sprint(st.InitialRelease.Year())
		a.File = fileName(st.TrackingID)
		doc := buildCSAF(in, a, in.BaseURL+"/"+csafPath(a), in.BaseURL+"/"+advisoryPage(a))
		body, err := json.Marshal(doc)
		if err != nil {
			return nil, State{}, err
		}
		sum := sha256.Sum256(body)
		digest := hex.EncodeToString(sum[:])
		if !had || digest != st.Digest {
			st.Version++
			summary := "Initial public release."
			if had {
				summary = "Revised: " + revisionSummary(st, lines)
			}
			st.History = append(slices.Clone(st.History), Revision{Number: st.Version, Date: in.At, Summary: summary})
			st.CurrentRelease = in.At
			st.Digest = digest
			a.Changed = true
		}
		a.State = st
		state.Advisories = append(state.Advisories, st)
		advs = append(advs, a)
	}
	return advs, state, nil
}

// revisionSummary says in a line what a revision brings: the products
// fixed so far.
func revisionSummary(st AdvisoryState, lines []line) string {
	var fixed []string
	for _, l := range lines {
		if l.Status == lineFixed {
			fixed = append(fixed, l.name())
		}
	}
	if len(fixed) == 0 {
		return "product status or details changed."
	}
	return "product status updated; fixes available for " + strings.Join(fixed, ", ") + "."
}

const timeRFC3339 = "2006-01-02T15:04:05Z07:00"

func csafPath(a *advisory) string { return ".well-known/csaf/white/" + a.Year + "/" + a.File }
func osvPath(a *advisory) string  { return "osv/" + osvID(a.State.TrackingID) + ".json" }
func cvePath(cve string) string   { return "cve/" + cve + ".json" }
func advisoryPage(a *advisory) string {
	return "advisories/" + strings.TrimSuffix(a.File, ".json") + ".html"
}

// marshal writes v as indented JSON with a final newline and without
// HTML escaping (advisory text keeps its < and &).
func marshal(v any) ([]byte, error) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}
