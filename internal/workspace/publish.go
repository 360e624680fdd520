package workspace

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"antidote/internal/auth"
	"antidote/internal/cases"
	"antidote/internal/detect"
	"antidote/internal/extract"
	"antidote/internal/findings"
	"antidote/internal/publish"
	"antidote/internal/redact"
	"antidote/internal/store"
)

// Publication: the publisher's identity and OpenPGP signing key (made once
// per workspace and kept sealed), and Publish, which builds the release of
// everything the gate allows (internal/publish), writes it and records it.

// ErrNoPublisher means the workspace has no publisher identity and signing
// key yet (InitPublisher makes them).
var ErrNoPublisher = errors.New("the workspace has no publisher yet")

// errPublisherExists matches ErrExists.
type errPublisherExists struct{}

func (errPublisherExists) Error() string {
	return "the workspace already has a publisher and signing key"
}
func (errPublisherExists) Is(target error) bool { return target == ErrExists }

// Publisher is the workspace's publisher: the identity advisories name and
// the public half of the signing key.
type Publisher struct {
	publish.Publisher
	Fingerprint string    // the signing key's, upper-case hex
	PublicKey   []byte    // armored OpenPGP public key
	Created     time.Time // when the key was made
}

// InitPublisher records the publisher's identity and generates its OpenPGP
// signing key (Ed25519), sealed in the store. A workspace has one: a
// second call fails with ErrExists.
func (ws *Workspace) InitPublisher(ctx context.Context, a Actor, id publish.Publisher) (Publisher, error) {
	if err := allow(a, auth.Settings); err != nil {
		return Publisher{}, err
	}
	if strings.TrimSpace(id.Name) == "" || strings.TrimSpace(id.Namespace) == "" {
		return Publisher{}, invalid(errors.New("a publisher needs a name and a namespace URL"))
	}
	id.Prefix = strings.ToUpper(id.Prefix)
	now := ws.now().UTC()
	k, err := publish.NewSigningKey(id.Name, id.Contact, now)
	if err != nil {
		return Publisher{}, invalid(err)
	}
	err = ws.store.InitPublisher(ctx, store.PublisherRecord{Identity: id, Fingerprint: k.Fingerprint, PublicKey: k.Public, PrivateKey: k.Private, Created: now})
	if errors.Is(err, store.ErrExists) {
		return Publisher{}, errPublisherExists{}
	}
	if err != nil {
		return Publisher{}, err
	}
	p := Publisher{Publisher: id, Fingerprint: k.Fingerprint, PublicKey: k.Public, Created: now}
	return p, ws.record(ctx, a, "publish.init", k.Fingerprint, auditDetail(map[string]any{"fingerprint": k.Fingerprint, "name": id.Name, "namespace": id.Namespace}))
}

// PublisherInfo returns the publisher's identity and public key, or
// ErrNoPublisher.
func (ws *Workspace) PublisherInfo(ctx context.Context, a Actor) (Publisher, error) {
	if err := allow(a, auth.ReleaseRead); err != nil {
		return Publisher{}, err
	}
	rec, err := ws.publisher(ctx)
	if err != nil {
		return Publisher{}, err
	}
	p := Publisher{Publisher: rec.Identity, Fingerprint: rec.Fingerprint, PublicKey: rec.PublicKey, Created: rec.Created}
	return p, ws.record(ctx, a, "publish.key", rec.Fingerprint, nil)
}

func (ws *Workspace) publisher(ctx context.Context) (store.PublisherRecord, error) {
	rec, err := ws.store.Publisher(ctx)
	if errors.Is(err, store.ErrNotFound) {
		return rec, ErrNoPublisher
	}
	return rec, err
}

// PublishOptions are one publication's settings.
type PublishOptions struct {
	Out     string    // the directory to write (created; an earlier release there is replaced)
	At      time.Time // the publication's moment: the gate is asked then, every date derives from it
	BaseURL string    // where the release is served; "" for the publisher's namespace
	// Scanner, Policy and Names are the residual check's detector and
	// policy (the same verify uses) and the listed names, which provenance
	// paths are redacted with too.
	Scanner *detect.Scanner
	Policy  redact.Policy
	Names   []string
}

// PublishResult is what a publication released, and what it left out.
type PublishResult struct {
	Dir        string             // the directory written
	At         time.Time          // the publication's moment
	BaseURL    string             // where it is served
	Documents  []int64            // released documents
	Advisories []publish.Released // every advisory, Changed when new or revised now
	// Held are the documents the gate does not release at At, each with
	// every reason.
	Held []cases.Decision
	// Withdrawn lists the documents of the previous publication (made at
	// PreviousAt) that this one no longer holds: the earlier release may
	// still be mirrored.
	Withdrawn  []int64
	PreviousAt time.Time
}

// Changed counts the advisories new or revised by this publication.
func (r PublishResult) Changed() int {
	n := 0
	for _, a := range r.Advisories {
		if a.Changed {
			n++
		}
	}
	return n
}

// Publish builds the release of every document the gate allows at o.At
// and every advisory whose case is resolved or whose embargo has run out,
// checks every file for identifiers of redacted types (a
// *publish.ResidualError aborts it with nothing written), writes it into
// o.Out, records the publication (the next one revises, never rewrites)
// and audits the list of what was released. The result is returned with
// an error too, for what it says about held documents.
func (ws *Workspace) Publish(ctx context.Context, a Actor, o PublishOptions) (PublishResult, error) {
	res := PublishResult{Dir: o.Out, At: o.At.UTC()}
	if err := allow(a, auth.Publish); err != nil {
		return res, err
	}
	if strings.TrimSpace(o.Out) == "" {
		return res, invalid(errors.New("a publication needs a directory to be written to"))
	}
	if err := checkReleaseDir(o.Out); err != nil {
		return res, err
	}
	pub, err := ws.publisher(ctx)
	if err != nil {
		return res, err
	}
	signer, err := publish.ParseSigningKey(pub.PrivateKey)
	if err != nil {
		return res, fmt.Errorf("the publisher's signing key: %w", err)
	}
	in, err := ws.publicationInput(ctx, &res, o)
	if err != nil {
		return res, err
	}
	in.BaseURL = o.BaseURL
	if in.BaseURL == "" {
		in.BaseURL = pub.Identity.Namespace
	}
	res.BaseURL = in.BaseURL
	in.Publisher, in.Signer, in.Scanner, in.Redaction = pub.Identity, signer, o.Scanner, o.Policy
	out, err := publish.Build(ctx, in)
	if err != nil {
		return res, err
	}
	res.Documents, res.Advisories = out.Documents, out.Advisories
	if err := writeRelease(o.Out, out.Files); err != nil {
		return res, err
	}
	if _, err := ws.store.RecordPublication(ctx, store.Publication{At: res.At, BaseURL: in.BaseURL, Documents: out.Documents, Advisories: out.Advisories, State: out.State}); err != nil {
		return res, fmt.Errorf("the release was written to %s but not recorded: %w", o.Out, err)
	}
	advs := make([]string, 0, len(out.Advisories))
	for _, ad := range out.Advisories {
		advs = append(advs, fmt.Sprintf("%s v%d", ad.TrackingID, ad.Version))
	}
	return res, ws.record(ctx, a, "publish", res.At.Format(time.RFC3339), auditDetail(map[string]any{
		"base_url": in.BaseURL, "out": o.Out, "documents": out.Documents, "advisories": advs, "held": len(res.Held), "withdrawn": res.Withdrawn}))
}

// publicationInput reads what a publication is built from: the documents
// the release gate allows at res.At (with their redactions), the whole
// disclosure record and the previous publication's state. Provenance paths
// are redacted like the texts (file names hold addresses and names too),
// their tokens recorded for Reveal. It fills res.Held and res.Withdrawn.
func (ws *Workspace) publicationInput(ctx context.Context, res *PublishResult, o PublishOptions) (publish.Input, error) {
	var in publish.Input
	st := ws.store
	key, err := ws.redactionKey()
	if err != nil {
		return in, err
	}
	tokens := ws.newTokenLog()
	rd, err := redact.New(redact.Options{Key: key, Policy: o.Policy, Names: o.Names, OnToken: func(m redact.Mapping) error { return tokens.add(ctx, m) }})
	if err != nil {
		return in, invalid(err)
	}
	gin, docs, err := ws.gateInput(ctx, res.At)
	if err != nil {
		return in, err
	}
	g := cases.NewGate(gin)
	stats := map[int64]redact.Stats{}
	err = st.ListRedactionStats(ctx, func(id int64, b []byte) error {
		var s redact.Stats
		if err := json.Unmarshal(b, &s); err != nil {
			return fmt.Errorf("statistics of document %d are damaged: %w", id, err)
		}
		stats[id] = s
		return nil
	})
	if err != nil {
		return in, err
	}
	for _, d := range docs {
		if err := ctx.Err(); err != nil {
			return in, err
		}
		if dec := g.Decide(d); !dec.Releasable {
			res.Held = append(res.Held, dec)
			continue
		}
		r, err := st.Redaction(ctx, d.ID)
		if err != nil {
			return in, fmt.Errorf("document %d: %w", d.ID, err)
		}
		doc, err := st.GetDoc(ctx, d.ID)
		if err != nil {
			return in, fmt.Errorf("document %d: %w", d.ID, err)
		}
		var p []byte
		if len(doc.Paths) > 0 {
			if p, _, err = rd.Apply(nil, []byte(extract.DisplayPath(doc.Paths[0].Path))); err != nil {
				return in, fmt.Errorf("redact the provenance of document %d: %w", d.ID, err)
			}
		}
		in.Documents = append(in.Documents, publish.Document{ID: d.ID, Path: string(p), Text: r.Text, Stats: stats[d.ID], Verified: d.Verified})
	}
	if err := tokens.flush(ctx); err != nil {
		return in, err
	}
	if in.Findings, err = st.Findings(ctx); err != nil {
		return in, err
	}
	// The list leaves out the spans; the advisory pages need only which
	// documents describe each finding.
	srcs := map[int64][]findings.Source{}
	for _, d := range docs {
		for _, f := range d.Findings {
			srcs[f] = append(srcs[f], findings.Source{Doc: d.ID})
		}
	}
	for i := range in.Findings {
		in.Findings[i].Sources = srcs[in.Findings[i].ID]
	}
	in.At, in.Cases, in.Events, in.Products, in.Vendors, in.Embargo = res.At, gin.Cases, gin.Events, gin.Products, gin.Vendors, gin.Policy
	last, err := st.LastPublication(ctx)
	switch {
	case err == nil:
		in.Previous = last.State
		now := map[int64]bool{}
		for _, d := range in.Documents {
			now[d.ID] = true
		}
		for _, id := range last.Documents {
			if !now[id] {
				res.Withdrawn = append(res.Withdrawn, id)
			}
		}
		res.PreviousAt = last.At
	case !errors.Is(err, store.ErrNotFound):
		return in, err
	}
	return in, nil
}
