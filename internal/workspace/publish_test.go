package workspace

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"antidote/internal/detect"
	"antidote/internal/geo"
	"antidote/internal/publish"
	"antidote/internal/redact"
)

var admin = Actor{Name: "admin", Role: RoleAdmin, Authenticated: true}

// demoToRelease takes a workspace with the demo leak through the demo's
// disclosure, redaction, approvals and summer fixes, all through the core.
func demoToRelease(t *testing.T, ws *Workspace) {
	t.Helper()
	ctx := context.Background()
	day := func(s string) time.Time {
		d, err := time.Parse(time.RFC3339, s)
		if err != nil {
			t.Fatal(err)
		}
		return d
	}
	if _, err := ws.ExtractFindings(ctx, analyst, mustDictionary(t), nil); err != nil {
		t.Fatal(err)
	}
	if res, err := ws.DemoCoordinate(ctx, analyst, day("2017-03-07T12:00:00Z")); err != nil || res.Cases == 0 {
		t.Fatalf("DemoCoordinate = %+v, %v", res, err)
	}
	db, err := geo.Open()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := ws.RedactAll(ctx, analyst, redact.Options{Policy: redact.DefaultPolicy(), Geo: db}, nil); err != nil {
		t.Fatal(err)
	}
	sc, err := detect.New(detect.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := ws.VerifyAll(ctx, analyst, VerifyOptions{Scanner: sc, Policy: redact.DefaultPolicy()}, func(VerifiedDoc) error { return nil }, nil); err != nil {
		t.Fatal(err)
	}
	reviewers := []Actor{{Name: "ana", Role: RoleReviewer, Authenticated: true}, {Name: "ben", Role: RoleReviewer, Authenticated: true}}
	if n, err := ws.DemoApprove(ctx, reviewers, day("2017-08-21T09:00:00Z")); err != nil || n == 0 {
		t.Fatalf("DemoApprove = %d, %v", n, err)
	}
	fixes, err := ws.DemoFix(ctx, analyst, day("2017-06-20T00:00:00Z"), day("2017-07-10T00:00:00Z"), "2017.6", "2017-07-01")
	if err != nil || fixes.Fixed == 0 || fixes.Open == 0 {
		t.Fatalf("DemoFix = %+v, %v; want fixes and cases left open", fixes, err)
	}
}

// lastEvent is the audit log's newest event but the listing's own.
func lastEvent(t *testing.T, ws *Workspace, action string) AuditEvent {
	t.Helper()
	var last AuditEvent
	if err := ws.audit.List(context.Background(), func(e AuditEvent) error {
		if e.Action == action {
			last = e
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if last.Action == "" {
		t.Fatalf("no %q event in the audit log", action)
	}
	return last
}

// TestPublish publishes the demo workspace through the core on each
// backend: the publisher is needed first, the roles are checked, the
// release is written and audited with the list of what it released, the
// same moment gives the same bytes, and a directory that is not a release
// is never overwritten.
func TestPublish(t *testing.T) {
	for name, dsn := range backends(t) {
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			ws := newWorkspace(t, dsn(t))
			demoToRelease(t, ws)
			sc, err := detect.New(detect.Options{})
			if err != nil {
				t.Fatal(err)
			}
			out := filepath.Join(t.TempDir(), "release")
			at := time.Date(2017, 10, 1, 0, 0, 0, 0, time.UTC)
			opts := PublishOptions{Out: out, At: at, BaseURL: "https://leaks.example.org", Scanner: sc, Policy: redact.DefaultPolicy()}

			if _, err := ws.Publish(ctx, analyst, opts); !errors.Is(err, ErrNoPublisher) {
				t.Fatalf("Publish without a publisher: %v, want ErrNoPublisher", err)
			}
			if _, err := os.Stat(out); !errors.Is(err, os.ErrNotExist) {
				t.Fatalf("a refused publication left %s: %v", out, err)
			}
			if _, err := ws.PublisherInfo(ctx, analyst); !errors.Is(err, ErrNoPublisher) {
				t.Fatalf("PublisherInfo without a publisher: %v, want ErrNoPublisher", err)
			}
			id := publish.Publisher{Name: "Example Newsroom", Namespace: "https://example.org", Contact: "security@example.org", Prefix: "news"}
			p, err := ws.InitPublisher(ctx, admin, id)
			if err != nil {
				t.Fatal(err)
			}
			if len(p.Fingerprint) != 40 || !bytes.Contains(p.PublicKey, []byte("PGP PUBLIC KEY BLOCK")) || p.Prefix != "NEWS" {
				t.Errorf("InitPublisher = %q, %q, prefix %q", p.Fingerprint, p.PublicKey, p.Prefix)
			}
			if _, err := ws.InitPublisher(ctx, admin, id); !errors.Is(err, ErrExists) {
				t.Errorf("second InitPublisher: %v, want ErrExists", err)
			}
			got, err := ws.PublisherInfo(ctx, Actor{Name: "rita", Role: RoleReviewer, Authenticated: true})
			if err != nil || got.Fingerprint != p.Fingerprint || !bytes.Equal(got.PublicKey, p.PublicKey) || bytes.Contains(got.PublicKey, []byte("PRIVATE")) {
				t.Errorf("PublisherInfo = %+v, %v", got, err)
			}

			res, err := ws.Publish(ctx, analyst, opts)
			if err != nil {
				t.Fatal(err)
			}
			if len(res.Documents) == 0 || len(res.Advisories) == 0 || res.Changed() != len(res.Advisories) || len(res.Held) == 0 {
				t.Fatalf("first publication: %d documents, %d advisories (%d changed), %d held", len(res.Documents), len(res.Advisories), res.Changed(), len(res.Held))
			}
			if res.Dir != out || res.BaseURL != opts.BaseURL || !res.At.Equal(at) {
				t.Errorf("result names %s at %s on %s", res.Dir, res.BaseURL, res.At)
			}
			for _, d := range res.Held {
				if d.Releasable || len(d.BlockedBy) == 0 {
					t.Errorf("held document %d with no reason: %+v", d.Doc, d)
				}
			}
			for _, f := range []string{"index.html", ".well-known/csaf/provider-metadata.json", res.Advisories[0].CSAF, res.Advisories[0].CSAF + ".asc", res.Advisories[0].OSV} {
				if _, err := os.Stat(filepath.Join(out, filepath.FromSlash(f))); err != nil {
					t.Errorf("release lacks %s: %v", f, err)
				}
			}
			ev := lastEvent(t, ws, "publish")
			var detail struct {
				Documents  []int64  `json:"documents"`
				Advisories []string `json:"advisories"`
				BaseURL    string   `json:"base_url"`
			}
			if err := json.Unmarshal(ev.Detail, &detail); err != nil {
				t.Fatal(err)
			}
			if ev.Actor != analyst.Name || ev.Target != "2017-10-01T00:00:00Z" || len(detail.Documents) != len(res.Documents) ||
				len(detail.Advisories) != len(res.Advisories) || !strings.HasPrefix(detail.Advisories[0], "NEWS-2017-") || detail.BaseURL != opts.BaseURL {
				t.Errorf("audit event %s %s by %s: %s", ev.Action, ev.Target, ev.Actor, ev.Detail)
			}
			if lastEvent(t, ws, "publish.init").Target != p.Fingerprint {
				t.Error("publish.init is not audited with the key's fingerprint")
			}

			index, err := os.ReadFile(filepath.Join(out, "index.html"))
			if err != nil {
				t.Fatal(err)
			}
			again, err := ws.Publish(ctx, analyst, opts)
			if err != nil {
				t.Fatal(err)
			}
			if again.Changed() != 0 || len(again.Withdrawn) != 0 || !again.PreviousAt.Equal(at) {
				t.Errorf("republished at the same moment: %d changed, %d withdrawn, previous %s", again.Changed(), len(again.Withdrawn), again.PreviousAt)
			}
			if b, _ := os.ReadFile(filepath.Join(out, "index.html")); !bytes.Equal(b, index) {
				t.Error("the same workspace and moment gave a different index.html")
			}

			other := t.TempDir()
			if err := os.WriteFile(filepath.Join(other, "notes.txt"), []byte("mine"), 0o600); err != nil {
				t.Fatal(err)
			}
			o2 := opts
			o2.Out = other
			var inv *InvalidError
			if _, err := ws.Publish(ctx, analyst, o2); !errors.As(err, &inv) {
				t.Errorf("Publish into a directory that is not a release: %v, want InvalidError", err)
			}
			if b, err := os.ReadFile(filepath.Join(other, "notes.txt")); err != nil || string(b) != "mine" {
				t.Errorf("the other directory was touched: %q, %v", b, err)
			}
		})
	}
}

// TestPublishRoles: only an administrator makes the signing key; reviewers
// and vendors do not publish; refused calls leave no audit event.
func TestPublishRoles(t *testing.T) {
	ctx := context.Background()
	ws := newWorkspace(t, "")
	out := filepath.Join(t.TempDir(), "release")
	for _, c := range []struct {
		who  Actor
		what string
		call func(a Actor) error
	}{
		{analyst, "make the signing key", func(a Actor) error {
			_, err := ws.InitPublisher(ctx, a, publish.Publisher{Name: "N", Namespace: "https://n.example"})
			return err
		}},
		{Actor{Name: "rita", Role: RoleReviewer, Authenticated: true}, "publish", func(a Actor) error {
			_, err := ws.Publish(ctx, a, PublishOptions{Out: out, At: time.Now()})
			return err
		}},
		{Actor{Name: "psirt", Role: RoleVendor, Vendor: 1, Authenticated: true}, "publish", func(a Actor) error {
			_, err := ws.Publish(ctx, a, PublishOptions{Out: out, At: time.Now()})
			return err
		}},
		{Actor{Name: "psirt", Role: RoleVendor, Vendor: 1, Authenticated: true}, "read the publisher", func(a Actor) error {
			_, err := ws.PublisherInfo(ctx, a)
			return err
		}},
	} {
		before := auditCount(t, ws)
		if err := c.call(c.who); !errors.Is(err, ErrForbidden) {
			t.Errorf("%s may %s: got %v, want ErrForbidden", c.who.Role, c.what, err)
		}
		if after := auditCount(t, ws); after != before {
			t.Errorf("refused %q by %s still recorded %d audit events", c.what, c.who.Role, after-before)
		}
	}
	if _, err := os.Stat(out); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("a refused publication wrote %s", out)
	}
}
