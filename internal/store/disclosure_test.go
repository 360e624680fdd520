package store_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"antidote/internal/cases"
	"antidote/internal/findings"
	"antidote/internal/store"
)

var day0 = time.Date(2017, 3, 7, 12, 0, 0, 0, time.UTC)

func addDocs(t *testing.T, s *store.Store, n int) []int64 {
	t.Helper()
	ctx := context.Background()
	var ids []int64
	err := s.InTx(ctx, func(tx *store.Tx) error {
		for i := 0; i < n; i++ {
			dd := sha256.Sum256([]byte(fmt.Sprintf("doc-%d", i)))
			id, err := tx.PutDoc(ctx, store.NewDoc{Dedup: dd[:], Status: store.StatusOK, Complete: true, Meta: store.DocMeta{MediaType: "text/plain"}, Text: []byte("text")})
			if err != nil {
				return err
			}
			ids = append(ids, id)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return ids
}

// Distinctive plaintext the dump test looks for.
const (
	secretTitle   = "Grasshopper-title-7f3a"
	secretSummary = "Marble-summary-91c2"
	secretNote    = "contact-note-5be0"
	secretEvent   = "event-note-a4d1"
	secretVersion = "fixed-version-0c9e"
	spanStart     = 987654
)

func TestDisclosureConformance(t *testing.T) {
	forEachBackend(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		docs := addDocs(t, s, 3)

		// Vendors: unique names in any case, contacts sealed and returned.
		apple, err := s.AddVendor(ctx, cases.Vendor{Name: "Apple", Contacts: []cases.Contact{{Email: "product-security@apple.com", Notes: secretNote}},
			Keys: []cases.Key{{Fingerprint: "ABCD"}}, SecurityTxt: "https://apple.com/.well-known/security.txt", Created: day0})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := s.AddVendor(ctx, cases.Vendor{Name: "APPLE", Created: day0}); !errors.Is(err, store.ErrExists) {
			t.Fatalf("duplicate vendor: %v, want ErrExists", err)
		}
		google, _ := s.AddVendor(ctx, cases.Vendor{Name: "Google", Created: day0})
		samsung, _ := s.AddVendor(ctx, cases.Vendor{Name: "Samsung", Created: day0})
		v, err := s.VendorByName(ctx, " apple ")
		if err != nil || v.ID != apple || v.Contacts[0].Notes != secretNote || v.Keys[0].Fingerprint != "ABCD" {
			t.Fatalf("VendorByName = %+v, %v", v, err)
		}
		if _, err := s.Vendor(ctx, 999); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("missing vendor: %v", err)
		}
		vs, err := s.Vendors(ctx, false)
		if err != nil || len(vs) != 3 || vs[0].Name != "Apple" || vs[0].Contacts != nil {
			t.Fatalf("Vendors(no contacts) = %+v, %v", vs, err)
		}

		// Products with downstream makers.
		ios, err := s.AddProduct(ctx, cases.Product{Vendor: apple, Name: "iOS", Class: cases.PhoneOS}, day0)
		if err != nil {
			t.Fatal(err)
		}
		android, _ := s.AddProduct(ctx, cases.Product{Vendor: google, Name: "Android", Class: cases.PhoneOS, Downstream: []int64{samsung}}, day0)
		if _, err := s.AddProduct(ctx, cases.Product{Vendor: apple, Name: "ios", Class: cases.PhoneOS}, day0); !errors.Is(err, store.ErrExists) {
			t.Fatalf("duplicate product: %v", err)
		}
		ps, err := s.Products(ctx)
		if err != nil || len(ps) != 2 {
			t.Fatalf("Products = %+v %v", ps, err)
		}
		for _, p := range ps {
			if p.ID == android && (len(p.Downstream) != 1 || p.Downstream[0] != samsung) {
				t.Fatalf("downstream lost: %+v", p)
			}
		}

		// Findings: sealed detail, spans merged by extraction key.
		f := findings.Finding{State: findings.Proposed, Title: secretTitle, Summary: secretSummary, CVEs: []string{"CVE-2017-0001"}, Exploited: true,
			Sources: []findings.Source{{Doc: docs[0], Start: spanStart, End: spanStart + 5}, {Doc: docs[1], Start: 1, End: 2}}, Created: day0}
		fid, created, err := s.AddFinding(ctx, f, []byte("key-1"))
		if err != nil || !created {
			t.Fatalf("AddFinding: %v %v", created, err)
		}
		f.Sources = []findings.Source{{Doc: docs[1], Start: 1, End: 2}, {Doc: docs[1], Start: 5, End: 9}, {Doc: docs[2], Start: 0, End: 1}}
		again, created, err := s.AddFinding(ctx, f, []byte("key-1"))
		if err != nil || created || again != fid {
			t.Fatalf("re-extraction must merge: id %d created %v %v", again, created, err)
		}
		got, err := s.Finding(ctx, fid)
		if err != nil {
			t.Fatal(err)
		}
		if got.Title != secretTitle || got.Summary != secretSummary || !got.Exploited || len(got.Sources) != 4 || got.State != findings.Proposed {
			t.Fatalf("Finding = %+v", got)
		}
		other, _, _ := s.AddFinding(ctx, findings.Finding{State: findings.Proposed, Title: "dup", Created: day0}, nil)
		links, err := s.DocFindings(ctx)
		if err != nil || len(links[docs[1]]) != 1 || len(links[docs[2]]) != 1 {
			t.Fatalf("DocFindings = %v %v", links, err)
		}

		// Review moves go through the caller's check.
		refuse := errors.New("refused")
		if err := s.MoveFinding(ctx, fid, findings.Accepted, 0, day0, func(cur findings.Finding) error {
			if cur.State != findings.Proposed {
				t.Errorf("check saw %s", cur.State)
			}
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		if err := s.MoveFinding(ctx, other, findings.Rejected, 0, day0, func(findings.Finding) error { return refuse }); !errors.Is(err, refuse) {
			t.Fatalf("check ignored: %v", err)
		}
		if err := s.MoveFinding(ctx, other, findings.Merged, fid, day0, func(findings.Finding) error { return nil }); err != nil {
			t.Fatal(err)
		}
		if err := s.MoveFinding(ctx, other, findings.Merged, 4242, day0, func(findings.Finding) error { return nil }); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("merge into a missing finding: %v", err)
		}
		infos, err := s.FindingInfos(ctx)
		if err != nil || len(infos) != 2 {
			t.Fatalf("FindingInfos = %v %v", infos, err)
		}
		fs, err := s.Findings(ctx)
		if err != nil || len(fs) != 2 || fs[1].State != findings.Merged || fs[1].MergedInto != fid {
			t.Fatalf("Findings = %+v %v", fs, err)
		}

		// Cases: targets, timeline, events checked in the transaction.
		cid, err := s.OpenCase(ctx, cases.Case{Finding: fid, Opened: day0, OpenedBy: "ana", Targets: []cases.Target{{Vendor: apple, Product: ios}}},
			[]cases.Event{{At: day0, Actor: "ana", Kind: cases.EventNote, Note: "opened"}})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := s.OpenCase(ctx, cases.Case{Finding: 4242, Opened: day0, OpenedBy: "ana"}, nil); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("case for a missing finding: %v", err)
		}
		add := func(e cases.Event) error {
			e.Case = cid
			_, err := s.AddCaseEvent(ctx, e, func(c cases.Case, tl []cases.Event) error {
				st, err := cases.Replay(c, tl, time.Time{})
				if err != nil {
					return err
				}
				return st.Apply(e)
			})
			return err
		}
		tgt := cases.Target{Vendor: apple, Product: ios}
		steps := []cases.Event{
			{At: day0.Add(time.Hour), Actor: "ana", Kind: cases.EventStatus, Target: tgt, Status: cases.Notified, Note: secretEvent},
			{At: day0.Add(48 * time.Hour), Actor: "ben", Kind: cases.EventStatus, Target: tgt, Status: cases.FixInProgress, ExpectedFix: day0.Add(95 * 24 * time.Hour)},
			{At: day0.Add(72 * time.Hour), Actor: "ben", Kind: cases.EventStatus, Target: tgt, Status: cases.Fixed, FixedVersion: secretVersion, ReleaseDate: day0.Add(80 * time.Hour)},
			{At: day0.Add(73 * time.Hour), Actor: "ben", Kind: cases.EventStatus, Target: cases.Target{Vendor: samsung, Product: android}, Status: cases.Notified},
			{At: day0.Add(74 * time.Hour), Actor: "ben", Kind: cases.EventPublic, Evidence: "https://example.org/post"},
		}
		for _, e := range steps {
			if err := add(e); err != nil {
				t.Fatal(err)
			}
		}
		// A move the table forbids is refused and not stored.
		if err := add(cases.Event{At: day0.Add(75 * time.Hour), Actor: "ben", Kind: cases.EventStatus, Target: tgt, Status: cases.Notified}); !errors.Is(err, cases.ErrBadEvent) {
			t.Fatalf("forbidden move: %v", err)
		}
		c, tl, err := s.Case(ctx, cid)
		if err != nil {
			t.Fatal(err)
		}
		if len(c.Targets) != 2 || len(tl) != 6 {
			t.Fatalf("case %+v with %d events", c, len(tl))
		}
		if tl[1].Note != secretEvent || tl[2].ExpectedFix.IsZero() || tl[3].FixedVersion != secretVersion || !tl[3].ReleaseDate.Equal(day0.Add(80*time.Hour)) || tl[5].Evidence == "" {
			t.Fatalf("timeline lost fields: %+v", tl)
		}
		st, err := cases.Replay(c, tl, time.Time{})
		if err != nil || st.PublicAt.IsZero() {
			t.Fatalf("replay: %+v %v", st, err)
		}
		all, err := s.CaseEvents(ctx)
		if err != nil || len(all) != 6 {
			t.Fatalf("CaseEvents = %d %v", len(all), err)
		}
		cs, err := s.Cases(ctx)
		if err != nil || len(cs) != 1 || len(cs[0].Targets) != 2 {
			t.Fatalf("Cases = %+v %v", cs, err)
		}

		// Policy: defaults overlaid with settings.
		if err := s.SetPolicy(ctx, "phone-os", 60); err != nil {
			t.Fatal(err)
		}
		if err := s.SetPolicy(ctx, "phone-os", 45); err != nil {
			t.Fatal(err)
		}
		p, err := s.Policy(ctx)
		if err != nil || p.Days(cases.PhoneOS) != 45 || p.Days(cases.Vehicle) != 365 {
			t.Fatalf("Policy = %+v %v", p, err)
		}

		// Approvals: one per person per document.
		for _, a := range []string{"ana", "ana", "ben"} {
			if _, err := s.Approve(ctx, docs[0], a, day0); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := s.Approve(ctx, 4242, "ana", day0); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("approve a missing document: %v", err)
		}
		ap, err := s.Approvals(ctx)
		if err != nil || len(ap[docs[0]]) != 2 {
			t.Fatalf("Approvals = %v %v", ap, err)
		}
		ids, err := s.DocIDs(ctx)
		if err != nil || len(ids) != 3 {
			t.Fatalf("DocIDs = %v %v", ids, err)
		}

		// Nothing sensitive is stored in plaintext.
		dump := rawDump(t, s)
		for _, secret := range []string{secretTitle, secretSummary, secretNote, secretEvent, secretVersion, "CVE-2017-0001", fmt.Sprint(spanStart), "product-security@apple.com"} {
			if bytes.Contains(dump, []byte(secret)) {
				t.Errorf("the %s database holds %q in plaintext", s.Dialect(), secret)
			}
		}
		// The dump is not empty: the check can fail.
		if !bytes.Contains(dump, []byte("Samsung")) {
			t.Errorf("dump does not contain the (plain) vendor names: the plaintext check is not looking at the data")
		}
	})
}

// rawDump returns the database's bytes as an attacker with a copy sees
// them: pg_dump of the test schema, or SQLite's file after a checkpoint.
func rawDump(t *testing.T, s *store.Store) []byte {
	t.Helper()
	ctx := context.Background()
	if s.Dialect() == store.Postgres {
		var schema string
		if err := s.DB().QueryRowContext(ctx, `SELECT current_schema()`).Scan(&schema); err != nil {
			t.Fatal(err)
		}
		dsn := postgresDSN(t)
		if i := strings.Index(dsn, "?"); i >= 0 {
			dsn = dsn[:i]
		}
		out, err := exec.Command("pg_dump", "--dbname="+dsn, "--schema="+schema, "--data-only").Output()
		if err != nil {
			if os.Getenv("CI") != "" {
				t.Fatalf("pg_dump: %v", err)
			}
			t.Skipf("pg_dump not usable: %v", err)
		}
		return out
	}
	if _, err := s.DB().ExecContext(ctx, `PRAGMA wal_checkpoint(TRUNCATE)`); err != nil {
		t.Fatal(err)
	}
	var seq int
	var name, file string
	if err := s.DB().QueryRowContext(ctx, `PRAGMA database_list`).Scan(&seq, &name, &file); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
