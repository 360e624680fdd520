package findings

import (
	"errors"
	"fmt"
	"strings"
	"time"
)

// MaxTitleBytes bounds a finding's title.
const MaxTitleBytes = 300

// State is where a finding stands in review.
type State string

// Finding states. Extraction proposes; an analyst accepts, rejects or
// merges a proposal into another finding.
const (
	Proposed State = "proposed"
	Accepted State = "accepted"
	Rejected State = "rejected"
	Merged   State = "merged"
)

// ErrTransition reports a state change the review workflow does not allow.
var ErrTransition = errors.New("state change not allowed")

// transitions lists the allowed review moves. A merged finding is final:
// its links live on in the finding it was merged into.
var transitions = map[State][]State{
	Proposed: {Accepted, Rejected, Merged},
	Accepted: {Rejected, Merged},
	Rejected: {Accepted},
}

// ParseState returns the named state.
func ParseState(s string) (State, error) {
	switch st := State(strings.ToLower(strings.TrimSpace(s))); st {
	case Proposed, Accepted, Rejected, Merged:
		return st, nil
	}
	return "", fmt.Errorf("unknown finding state %q: use proposed, accepted, rejected or merged", s)
}

// CanMove reports whether a finding in state from may move to state to.
func CanMove(from, to State) bool {
	for _, s := range transitions[from] {
		if s == to {
			return true
		}
	}
	return false
}

// Finding is one exploit or vulnerability described in the archive.
type Finding struct {
	ID         int64      `json:"id"`
	State      State      `json:"state"`
	Title      string     `json:"title"`
	Summary    string     `json:"summary,omitempty"`
	Affected   []Affected `json:"affected,omitempty"`
	CWEs       []string   `json:"cwes,omitempty"`
	CVEs       []string   `json:"cves,omitempty"`
	CVSS       []Score    `json:"cvss,omitempty"`
	Exploited  bool       `json:"exploited_in_the_wild"`
	Sources    []Source   `json:"sources,omitempty"`
	MergedInto int64      `json:"merged_into,omitempty"`
	Created    time.Time  `json:"created"`
	Updated    time.Time  `json:"updated"`
}

// Source links a finding to the span of a document that describes it.
// Offsets are byte offsets into the document's extracted text, End exclusive.
type Source struct {
	Doc   int64 `json:"doc"`
	Start int   `json:"start"`
	End   int   `json:"end"`
}

// Validate checks a finding's fields and normalises identifiers in place
// (CVE and CWE spelling, CVSS scores recomputed from the vectors).
func (f *Finding) Validate() error {
	f.Title = strings.TrimSpace(f.Title)
	if f.Title == "" {
		return errors.New("finding needs a title")
	}
	if len(f.Title) > MaxTitleBytes {
		return fmt.Errorf("finding title is longer than %d bytes: put the detail in the summary", MaxTitleBytes)
	}
	if f.State == "" {
		f.State = Proposed
	}
	if _, err := ParseState(string(f.State)); err != nil {
		return err
	}
	for i, c := range f.CVEs {
		n, err := NormalizeCVE(c)
		if err != nil {
			return err
		}
		f.CVEs[i] = n
	}
	f.CVEs = dedupe(f.CVEs)
	for i, c := range f.CWEs {
		n, err := NormalizeCWE(c)
		if err != nil {
			return err
		}
		f.CWEs[i] = n
	}
	f.CWEs = dedupe(f.CWEs)
	for i := range f.Affected {
		if err := f.Affected[i].Validate(); err != nil {
			return fmt.Errorf("affected product %d: %w", i+1, err)
		}
	}
	for i, s := range f.CVSS {
		n, err := ParseCVSS(s.Vector)
		if err != nil {
			return err
		}
		f.CVSS[i] = n
	}
	for i, s := range f.Sources {
		if s.Doc <= 0 || s.Start < 0 || s.End < s.Start {
			return fmt.Errorf("source %d: needs a document id and a span with 0 <= start <= end", i+1)
		}
	}
	if f.State == Merged && f.MergedInto == 0 {
		return errors.New("a merged finding must name the finding it was merged into")
	}
	return nil
}

// NormalizeCVE returns the canonical spelling of a CVE ID (CVE-YYYY-NNNN+).
func NormalizeCVE(s string) (string, error) {
	u := strings.ToUpper(strings.TrimSpace(s))
	if n := cveLen(u, 0); n > 0 && n == len(u) {
		return u, nil
	}
	return "", fmt.Errorf("%q is not a CVE ID: use the form CVE-2017-0144", clip(s))
}

// NormalizeCWE returns the canonical spelling of a CWE ID (CWE-N).
func NormalizeCWE(s string) (string, error) {
	u := strings.ToUpper(strings.TrimSpace(s))
	d := strings.TrimPrefix(u, "CWE-")
	if d == "" || len(d) > 6 || !allDigits(d) || d[0] == '0' {
		return "", fmt.Errorf("%q is not a CWE ID: use the form CWE-787", clip(s))
	}
	return "CWE-" + d, nil
}

// clip keeps user input quoted in an error short; these are identifiers the
// user typed, not document text.
func clip(s string) string {
	if len(s) > 40 {
		return s[:40] + "..."
	}
	return s
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return len(s) > 0
}

func dedupe(xs []string) []string {
	seen := make(map[string]bool, len(xs))
	out := xs[:0]
	for _, x := range xs {
		if !seen[x] {
			seen[x] = true
			out = append(out, x)
		}
	}
	return out
}
