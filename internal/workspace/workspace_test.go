package workspace

import (
	"context"
	"errors"
	"net/url"
	"os"
	"path/filepath"
	"testing"
	"time"

	"antidote/internal/cases"
	"antidote/internal/detect"
	"antidote/internal/findings"
	"antidote/internal/geo"
	"antidote/internal/ingest"
	"antidote/internal/redact"
	"antidote/internal/secret"
	"antidote/internal/store"
	"antidote/internal/synth"
)

// nopSealer seals nothing: the admin connection that makes the test schema
// stores no data.
type nopSealer struct{}

func (nopSealer) Seal(p, _ []byte) []byte          { return p }
func (nopSealer) Open(c, _ []byte) ([]byte, error) { return c, nil }

// backends yields the database URL of each backend: "" for the embedded
// SQLite file, and a fresh schema on the PostgreSQL test server (required
// in CI, skipped elsewhere when unreachable).
func backends(t *testing.T) map[string]func(t *testing.T) string {
	return map[string]func(t *testing.T) string{
		"sqlite": func(t *testing.T) string { return "" },
		"postgres": func(t *testing.T) string {
			dsn := os.Getenv("ANTIDOTE_TEST_POSTGRES")
			if dsn == "" {
				dsn = "postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable"
			}
			admin, cleanup, err := store.OpenPostgresTestSchema(context.Background(), dsn, nopSealer{})
			if err != nil {
				if os.Getenv("CI") != "" {
					t.Fatalf("PostgreSQL is required in CI: %v", err)
				}
				t.Skipf("PostgreSQL not reachable: %v", err)
			}
			t.Cleanup(cleanup)
			var schema string
			if err := admin.DB().QueryRowContext(context.Background(), `SELECT current_schema()`).Scan(&schema); err != nil {
				t.Fatal(err)
			}
			u, _ := url.Parse(dsn)
			q := u.Query()
			q.Set("search_path", schema)
			u.RawQuery = q.Encode()
			return u.String()
		},
	}
}

var analyst = Actor{Name: "ana", Role: RoleAnalyst, Authenticated: true}

// newWorkspace creates a workspace on the backend with the demo leak
// ingested.
func newWorkspace(t *testing.T, db string) *Workspace {
	t.Helper()
	ctx := context.Background()
	dir := filepath.Join(t.TempDir(), "ws")
	ws, shares, err := Create(ctx, Actor{Name: "admin", Role: RoleAdmin, Authenticated: true}, dir, secret.NewString("test passphrase"), CreateOptions{Database: db, KDF: InsecureKDF(), Shares: 3, Threshold: 2})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ws.Close() })
	if len(shares) != 3 {
		t.Fatalf("%d recovery shares, want 3", len(shares))
	}
	leak := filepath.Join(t.TempDir(), "leak.zip")
	f, err := os.Create(leak)
	if err != nil {
		t.Fatal(err)
	}
	if err := synth.Demo(1).WriteZip(f); err != nil {
		t.Fatal(err)
	}
	f.Close()
	sum, err := ws.Ingest(ctx, analyst, []string{leak}, ingest.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if sum.New < 10 {
		t.Fatalf("ingest stored %d documents, want the demo leak's", sum.New)
	}
	return ws
}

// auditCount counts the audit log's events.
func auditCount(t *testing.T, ws *Workspace) int {
	t.Helper()
	n := 0
	if err := ws.audit.List(context.Background(), func(AuditEvent) error { n++; return nil }); err != nil {
		t.Fatal(err)
	}
	return n
}

// TestUseCases runs an analyst's day through the core on each backend: every
// use case returns Go values and leaves one audit event.
func TestUseCases(t *testing.T) {
	for name, dsn := range backends(t) {
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			ws := newWorkspace(t, dsn(t))
			at := time.Date(2017, 3, 7, 12, 0, 0, 0, time.UTC)
			var docs []DocInfo
			steps := []struct {
				name string
				run  func() error
			}{
				{"list documents", func() error {
					return ws.ListDocs(ctx, analyst, func(d DocInfo) error { docs = append(docs, d); return nil })
				}},
				{"search", func() error {
					res, err := ws.Search(ctx, analyst, SearchRequest{Query: "implant", Limit: 5})
					if err == nil && res.Total == 0 {
						t.Error("search for a word of the demo leak found nothing")
					}
					return err
				}},
				{"read a document's text", func() error {
					_, text, err := ws.DocText(ctx, analyst, docs[0].ID)
					if err == nil && len(text) == 0 && docs[0].TextSize > 0 {
						t.Error("no text for a document with text")
					}
					return err
				}},
				{"redact every document", func() error {
					db, err := geo.Open()
					if err != nil {
						return err
					}
					res, err := ws.RedactAll(ctx, analyst, redact.Options{Policy: redact.DefaultPolicy(), Geo: db}, nil)
					if err == nil && res.Report.Total.Redacted == 0 {
						t.Error("redaction replaced nothing in a leak full of addresses")
					}
					return err
				}},
				{"verify every redaction", func() error {
					sc, err := detect.New(detect.Options{})
					if err != nil {
						return err
					}
					sum, err := ws.VerifyAll(ctx, analyst, VerifyOptions{Scanner: sc, Policy: redact.DefaultPolicy()}, func(VerifiedDoc) error { return nil }, nil)
					if err == nil && sum.Passed == 0 {
						t.Errorf("no redaction passed verification: %+v", sum)
					}
					return err
				}},
				{"report", func() error {
					rep, err := ws.Report(ctx, analyst)
					if err == nil && len(rep.Documents) == 0 {
						t.Error("empty report after redaction")
					}
					return err
				}},
				{"add a vendor", func() error {
					_, err := ws.AddVendor(ctx, analyst, cases.Vendor{Name: "Apple", Contacts: []cases.Contact{{Email: "product-security@apple.com"}}, Created: at})
					return err
				}},
				{"add a product", func() error {
					_, _, err := ws.AddProduct(ctx, analyst, "apple", cases.Product{Name: "iOS"}, nil)
					return err
				}},
				{"add a finding", func() error {
					_, err := ws.AddFinding(ctx, analyst, findings.Finding{State: findings.Accepted, Title: "iOS implant", Affected: []findings.Affected{{Vendor: "Apple", Product: "iOS"}}, Created: at})
					return err
				}},
				{"open a case", func() error {
					c, _, err := ws.OpenCase(ctx, analyst, 1, []string{"Apple"}, at)
					if err == nil && len(c.Targets) != 1 {
						t.Errorf("case targets %v, want Apple:iOS (the vendor's product the finding lists)", c.Targets)
					}
					return err
				}},
				{"notify", func() error {
					_, _, err := ws.Notify(ctx, analyst, 1, nil, at, "")
					return err
				}},
				{"set a status", func() error {
					_, _, err := ws.SetStatus(ctx, analyst, "Apple", cases.Event{Case: 1, At: at.Add(24 * time.Hour), Status: cases.Acknowledged})
					return err
				}},
				{"list cases", func() error {
					cs, err := ws.Cases(ctx, analyst, at.Add(48*time.Hour))
					if err == nil && (len(cs) != 1 || cs[0].Targets[0].Status != cases.Acknowledged) {
						t.Errorf("cases %+v, want one acknowledged", cs)
					}
					return err
				}},
				{"release plan", func() error {
					n := 0
					sum, err := ws.ReleasePlan(ctx, analyst, at, func(cases.Decision) error { n++; return nil })
					if err == nil && (n != len(docs) || sum.Documents != n) {
						t.Errorf("plan of %d documents (summary %d), want %d", n, sum.Documents, len(docs))
					}
					return err
				}},
				{"approve", func() error {
					_, err := ws.Approve(ctx, Actor{Name: "rita", Role: RoleReviewer, Authenticated: true}, docs[0].ID, at)
					return err
				}},
			}
			for _, st := range steps {
				before := auditCount(t, ws)
				if err := st.run(); err != nil {
					t.Fatalf("%s: %v", st.name, err)
				}
				if got := auditCount(t, ws) - before; got < 1 {
					t.Errorf("%s left %d audit events, want at least one", st.name, got)
				}
			}
			if n, err := ws.AuditVerify(ctx, Actor{Name: "admin", Role: RoleAdmin, Authenticated: true}); err != nil || n < int64(len(steps)) {
				t.Errorf("audit verify: %d events, %v", n, err)
			}
		})
	}
}

// TestRolesAreChecked holds the permission table: what each role may not
// do fails with ErrForbidden and leaves no trace of having been done.
func TestRolesAreChecked(t *testing.T) {
	ctx := context.Background()
	ws := newWorkspace(t, "")
	reviewer := Actor{Name: "rita", Role: RoleReviewer, Authenticated: true}
	vendor := Actor{Name: "psirt", Role: RoleVendor, Vendor: 1, Authenticated: true}
	nobody := Actor{Role: RoleAdmin, Authenticated: true}
	for _, c := range []struct {
		who  Actor
		what string
		call func(a Actor) error
	}{
		{analyst, "approve a release", func(a Actor) error { _, err := ws.Approve(ctx, a, 1, time.Now()); return err }},
		{analyst, "read the audit log", func(a Actor) error { return ws.AuditList(ctx, a, func(AuditEvent) error { return nil }) }},
		{reviewer, "ingest", func(a Actor) error { _, err := ws.Ingest(ctx, a, nil, ingest.Options{}); return err }},
		{reviewer, "optimize the index", func(a Actor) error { _, err := ws.OptimizeIndex(ctx, a, nil); return err }},
		{reviewer, "add a vendor", func(a Actor) error { _, err := ws.AddVendor(ctx, a, cases.Vendor{Name: "X"}); return err }},
		{vendor, "list documents", func(a Actor) error { return ws.ListDocs(ctx, a, func(DocInfo) error { return nil }) }},
		{vendor, "search", func(a Actor) error {
			_, err := ws.Search(ctx, a, SearchRequest{Query: "implant", Limit: 1})
			return err
		}},
		{vendor, "reveal a token", func(a Actor) error { _, _, err := ws.Reveal(ctx, a, "EMAIL-CJT7NJAT4FFD"); return err }},
		{vendor, "read the report", func(a Actor) error { _, err := ws.Report(ctx, a); return err }},
		{analyst, "add a user", func(a Actor) error {
			_, err := ws.AddUser(ctx, a, "mallory", RoleAdmin, "", secret.NewString("pw"))
			return err
		}},
		{reviewer, "revoke a token", func(a Actor) error { return ws.RevokeToken(ctx, a, 1) }},
		{vendor, "read redacted text", func(a Actor) error { _, err := ws.RedactedText(ctx, a, 1); return err }},
		{vendor, "share a case", func(a Actor) error { return ws.ShareCase(ctx, a, 1, true) }},
		{reviewer, "comment", func(a Actor) error { _, err := ws.AddComment(ctx, a, 1, Comment{Text: "x"}); return err }},
		{nobody, "list documents without a name", func(a Actor) error { return ws.ListDocs(ctx, a, func(DocInfo) error { return nil }) }},
	} {
		before := auditCount(t, ws)
		if err := c.call(c.who); !errors.Is(err, ErrForbidden) {
			t.Errorf("%s may %s: got %v, want ErrForbidden", c.who.Role, c.what, err)
		}
		if after := auditCount(t, ws); after != before {
			t.Errorf("refused %q by %s still recorded %d audit events", c.what, c.who.Role, after-before)
		}
	}
}

// TestReopen opens a created workspace again from disk with the passphrase
// and with recovery shares, and refuses a wrong passphrase.
func TestReopen(t *testing.T) {
	ctx := context.Background()
	dir := filepath.Join(t.TempDir(), "ws")
	ws, shares, err := Create(ctx, analyst, dir, secret.NewString("right passphrase"), CreateOptions{KDF: InsecureKDF(), Shares: 3, Threshold: 2})
	if err != nil {
		t.Fatal(err)
	}
	ws.Close()
	l, err := Find(dir)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := l.UnlockPassphrase(secret.NewString("wrong passphrase")); !IsAuthError(err) {
		t.Errorf("wrong passphrase: %v, want an auth error", err)
	}
	keys, err := l.Recover(shares[1:])
	if err != nil {
		t.Fatal(err)
	}
	if err := l.SetPassphrase(ctx, analyst, keys, secret.NewString("new passphrase"), InsecureKDF(), "recover"); err != nil {
		t.Fatal(err)
	}
	l, _ = Find(dir)
	keys, err = l.UnlockPassphrase(secret.NewString("new passphrase"))
	if err != nil {
		t.Fatal(err)
	}
	again, err := l.UnlockExport(keys.Export())
	if err != nil {
		t.Fatal(err)
	}
	ws, err = l.Open(ctx, again, OpenOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer ws.Close()
	if n, err := ws.AuditVerify(ctx, Actor{Name: "admin", Role: RoleAdmin, Authenticated: true}); err != nil || n < 2 {
		t.Errorf("audit after recovery: %d events, %v", n, err)
	}
	if _, err := Find(t.TempDir()); !errors.Is(err, ErrNoWorkspace) {
		t.Errorf("Find on an empty directory: %v, want ErrNoWorkspace", err)
	}
}

// TestGateNeedsExaminedDocuments: a document nobody looked at for findings
// is held back; findings extraction or an analyst's "none" clears it; a
// mark written into the database without the workspace key does not.
func TestGateNeedsExaminedDocuments(t *testing.T) {
	for name, dsn := range backends(t) {
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			ws := newWorkspace(t, dsn(t))
			at := time.Now()
			unexamined := func() map[int64]bool {
				out := map[int64]bool{}
				_, err := ws.ReleasePlan(ctx, analyst, at, func(d cases.Decision) error {
					for _, r := range d.BlockedBy {
						if r.Kind == cases.ReasonUnexamined {
							out[d.Doc] = true
						}
					}
					return nil
				})
				if err != nil {
					t.Fatal(err)
				}
				return out
			}
			before := unexamined()
			if len(before) < 10 {
				t.Fatalf("%d unexamined documents right after ingest, want all of them", len(before))
			}
			if err := ws.MarkNoFindings(ctx, analyst, []int64{1}); err != nil {
				t.Fatal(err)
			}
			if unexamined()[1] {
				t.Error("document 1 still unexamined after 'findings none'")
			}
			// A forged mark for document 2.
			if _, err := ws.store.DB().ExecContext(ctx, `INSERT INTO findings_examined (doc_id, examined_at, how, mac) VALUES (2, '2017-01-01T00:00:00Z', 'none', $1)`, []byte("forged")); err != nil {
				t.Fatal(err)
			}
			if !unexamined()[2] {
				t.Error("a mark written without the workspace key opened the gate")
			}
			if _, err := ws.ExtractFindings(ctx, analyst, mustDictionary(t), nil); err != nil {
				t.Fatal(err)
			}
			if left := unexamined(); len(left) != 0 {
				t.Errorf("after findings extraction %d documents are still unexamined", len(left))
			}
		})
	}
}

func mustDictionary(t *testing.T) *findings.Dictionary {
	t.Helper()
	d, err := findings.NewDictionary(findings.BuiltinDictionary())
	if err != nil {
		t.Fatal(err)
	}
	return d
}
