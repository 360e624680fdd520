package store_test

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"testing"
	"time"

	"antidote/internal/store"
)

type rowKey []byte

func (k rowKey) Sum(b []byte) [32]byte {
	h := hmac.New(sha256.New, k)
	h.Write(b)
	var out [32]byte
	h.Sum(out[:0])
	return out
}

// TestRowMACs: gate rows written through the store authenticate; changed
// or inserted ones come back marked; rows from before row MACs are tagged
// once by TagUntaggedRows.
func TestRowMACs(t *testing.T) {
	forEachBackend(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		s.AuthenticateRows(rowKey("k"))
		docs := addDocs(t, s, 2)
		at := time.Date(2017, 3, 7, 0, 0, 0, 0, time.UTC)
		if _, err := s.Approve(ctx, docs[0], "ana", at); err != nil {
			t.Fatal(err)
		}
		if err := s.PutRedaction(ctx, docs[0], []byte("text"), []byte(`{}`)); err != nil {
			t.Fatal(err)
		}
		if err := s.RecordCheck(ctx, docs[0], 1, false); err != nil {
			t.Fatal(err)
		}
		unauth := func() (approvals, checks int) {
			ap, err := s.Approvals(ctx)
			if err != nil {
				t.Fatal(err)
			}
			for _, as := range ap {
				for _, a := range as {
					if a.Unauthentic {
						approvals++
					}
				}
			}
			_, bad, err := s.RedactionChecks(ctx)
			if err != nil {
				t.Fatal(err)
			}
			return approvals, len(bad)
		}
		if a, c := unauth(); a != 0 || c != 0 {
			t.Fatalf("fresh rows: %d approvals, %d checks unauthentic", a, c)
		}
		exec := func(q string, args ...any) {
			if _, err := s.DB().ExecContext(ctx, s.Rebind(q), args...); err != nil {
				t.Fatalf("%s: %v", q, err)
			}
		}
		exec(`UPDATE redaction_checks SET passed = 1`)
		exec(`INSERT INTO release_approvals (doc_id, actor, at) VALUES (?, 'eve', '2017-03-01T00:00:00Z')`, docs[0])
		if a, c := unauth(); a != 1 || c != 1 {
			t.Fatalf("forged rows: %d approvals, %d checks unauthentic; want 1, 1", a, c)
		}
		if v, _ := s.VerifiedDocs(ctx); v[docs[0]] {
			t.Error("a forged passed check counts as verified")
		}
		// A redaction text swapped under its check: the check vouches for
		// another text.
		exec(`UPDATE redaction_checks SET passed = 0`)
		if _, c := unauth(); c != 0 {
			t.Fatal("restored check still unauthentic")
		}
		if err := s.PutRedaction(ctx, docs[1], []byte("other"), []byte(`{}`)); err != nil {
			t.Fatal(err)
		}
		exec(`UPDATE redactions SET text = (SELECT text FROM redactions WHERE doc_id = ?), version = 1 WHERE doc_id = ?`, docs[1], docs[0])
		if _, c := unauth(); c != 1 {
			t.Error("a check vouching for a replaced text authenticates")
		}
		// Rows from before row MACs: tagged once.
		exec(`DELETE FROM release_approvals WHERE actor = 'eve'`)
		exec(`DELETE FROM redaction_checks`)
		exec(`UPDATE release_approvals SET mac = NULL`)
		if a, _ := unauth(); a != 1 {
			t.Fatal("an untagged approval authenticates")
		}
		if err := s.TagUntaggedRows(ctx); err != nil {
			t.Fatal(err)
		}
		if a, _ := unauth(); a != 0 {
			t.Error("TagUntaggedRows left an approval unauthentic")
		}
	})
}
