package publish

import (
	"time"

	"antidote/internal/cases"
	"antidote/internal/detect"
	"antidote/internal/findings"
	"antidote/internal/redact"
)

// Publisher is who signs and answers for a release.
type Publisher struct {
	Name      string `json:"name"`              // "Example Newsroom"
	Namespace string `json:"namespace"`         // https URL identifying the publisher
	Contact   string `json:"contact,omitempty"` // e-mail address for questions
	// Category is the CSAF publisher category: coordinator (the default),
	// discoverer, other, translator, user or vendor.
	Category string `json:"category,omitempty"`
	// Prefix starts every advisory's tracking ID ("ANTIDOTE" by default).
	Prefix string `json:"prefix,omitempty"`
}

// Document is one document the release gate allows and verify passed.
type Document struct {
	ID       int64
	Path     string       // provenance: where it was found inside the leak
	Text     []byte       // the redacted text
	Stats    redact.Stats // what its redaction replaced
	Verified bool         // its stored redaction passed verify
}

// Input is everything a publication is built from. Findings, cases,
// events, products and vendors are the whole disclosure record; Build
// decides which findings are published.
type Input struct {
	At        time.Time // the publication's time: every date in it derives from this
	BaseURL   string    // where the release will be served, https://host[/path]
	Publisher Publisher
	Signer    *Signer

	Documents []Document
	Findings  []findings.Finding
	Cases     []cases.Case
	Events    []cases.Event
	Products  []cases.Product
	Vendors   []cases.Vendor
	Embargo   cases.Policy

	// Previous is the state the last publication returned (zero for the
	// first): advisories keep their IDs, versions and revision history.
	Previous State

	// Scanner and Redaction are the residual check's detector and policy,
	// the same verify uses. A nil Scanner finds every kind but names.
	Scanner   *detect.Scanner
	Redaction redact.Policy
}

// State is what a publication leaves for the next one: every advisory ever
// published with its version history. The caller stores it.
type State struct {
	Advisories []AdvisoryState `json:"advisories"`
}

// AdvisoryState is one published advisory's history.
type AdvisoryState struct {
	Finding        int64      `json:"finding"`
	TrackingID     string     `json:"tracking_id"`
	Version        int        `json:"version"`
	InitialRelease time.Time  `json:"initial_release"`
	CurrentRelease time.Time  `json:"current_release"`
	Digest         string     `json:"digest"` // SHA-256 of its content without tracking data
	History        []Revision `json:"history"`
}

// Revision is one entry of an advisory's revision history.
type Revision struct {
	Number  int       `json:"number"`
	Date    time.Time `json:"date"`
	Summary string    `json:"summary"`
}

// Output is a built publication.
type Output struct {
	// Files maps slash-separated paths relative to the release root to
	// their contents.
	Files map[string][]byte
	// State replaces Input.Previous for the next publication.
	State State
	// Documents and Advisories list what this publication releases, for
	// the audit record.
	Documents  []int64
	Advisories []Released
}

// Released names one advisory of a publication.
type Released struct {
	Finding    int64    `json:"finding"`
	TrackingID string   `json:"tracking_id"`
	Version    int      `json:"version"`
	Changed    bool     `json:"changed"` // new or revised by this publication
	CSAF       string   `json:"csaf"`    // path of the CSAF document
	OSV        string   `json:"osv"`
	CVE        []string `json:"cve,omitempty"` // paths of CVE records
}
