package store_test

import (
	"bytes"
	"context"
	"errors"
	"testing"

	"antidote/internal/store"
)

func TestRedactionConformance(t *testing.T) {
	forEachBackend(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		docs := addDocs(t, s, 3)

		// A document not redacted yet.
		if _, err := s.RedactedText(ctx, docs[0]); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("RedactedText before redaction: %v, want ErrNotFound", err)
		}
		// Store, read back, replace.
		if err := s.PutRedaction(ctx, docs[0], []byte("first IPv4-US-AAAAAAAAAAAA"), []byte(`{"found":1}`)); err != nil {
			t.Fatal(err)
		}
		if err := s.PutRedaction(ctx, docs[1], []byte{}, []byte(`{"found":0}`)); err != nil {
			t.Fatal(err)
		}
		if err := s.PutRedaction(ctx, docs[0], []byte("redacted-text-3e8d NAME-BBBBBBBBBBBB"), []byte(`{"found":2}`)); err != nil {
			t.Fatal(err)
		}
		got, err := s.RedactedText(ctx, docs[0])
		if err != nil || string(got) != "redacted-text-3e8d NAME-BBBBBBBBBBBB" {
			t.Fatalf("RedactedText = %q, %v", got, err)
		}
		if got, err := s.RedactedText(ctx, docs[1]); err != nil || len(got) != 0 {
			t.Fatalf("empty redacted text = %q, %v", got, err)
		}
		var ids []int64
		var stats []string
		err = s.ListRedactionStats(ctx, func(id int64, b []byte) error {
			ids = append(ids, id)
			stats = append(stats, string(b))
			return nil
		})
		if err != nil || len(ids) != 2 || ids[0] != docs[0] || stats[0] != `{"found":2}` || stats[1] != `{"found":0}` {
			t.Fatalf("ListRedactionStats = %v %q %v", ids, stats, err)
		}

		// Tokens: the first value recorded for a key stays; lookups by key.
		k1, k2 := bytes.Repeat([]byte{1}, 32), bytes.Repeat([]byte{2}, 32)
		if err := s.PutTokens(ctx, []store.TokenValue{{Key: k1, Value: []byte("token-value-77c1")}, {Key: k2, Value: []byte("second")}}); err != nil {
			t.Fatal(err)
		}
		if err := s.PutTokens(ctx, []store.TokenValue{{Key: k1, Value: []byte("other")}}); err != nil {
			t.Fatal(err)
		}
		if err := s.PutTokens(ctx, nil); err != nil {
			t.Fatal(err)
		}
		if v, err := s.LookupToken(ctx, k1); err != nil || string(v) != "token-value-77c1" {
			t.Fatalf("LookupToken = %q, %v", v, err)
		}
		if _, err := s.LookupToken(ctx, bytes.Repeat([]byte{3}, 32)); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("LookupToken of an unknown key: %v", err)
		}
		if n, err := s.TokenCount(ctx); err != nil || n != 2 {
			t.Fatalf("TokenCount = %d, %v", n, err)
		}

		// Nothing of it is in the database in the clear.
		dump := rawDump(t, s)
		for _, plain := range []string{"redacted-text-3e8d", "token-value-77c1", `"found":2`} {
			if bytes.Contains(dump, []byte(plain)) {
				t.Errorf("database holds %q in the clear", plain)
			}
		}
	})
}

func TestRedactionChecks(t *testing.T) {
	forEachBackend(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		docs := addDocs(t, s, 3)
		verified := func(want ...int64) {
			t.Helper()
			got, err := s.VerifiedDocs(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != len(want) {
				t.Fatalf("VerifiedDocs = %v, want %v", got, want)
			}
			for _, id := range want {
				if !got[id] {
					t.Fatalf("VerifiedDocs = %v, want %v", got, want)
				}
			}
		}
		verified()

		// Nothing to check before a redaction.
		if err := s.RecordCheck(ctx, docs[0], 1, true); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("RecordCheck before redaction: %v, want ErrNotFound", err)
		}
		for _, id := range docs[:2] {
			if err := s.PutRedaction(ctx, id, []byte("text"), []byte(`{}`)); err != nil {
				t.Fatal(err)
			}
		}
		r, err := s.Redaction(ctx, docs[0])
		if err != nil || r.Version != 1 || string(r.Text) != "text" {
			t.Fatalf("Redaction = %+v, %v", r, err)
		}
		// Only a passed check counts.
		if err := s.RecordCheck(ctx, docs[0], 1, true); err != nil {
			t.Fatal(err)
		}
		if err := s.RecordCheck(ctx, docs[1], 1, false); err != nil {
			t.Fatal(err)
		}
		verified(docs[0])

		// Redacting again voids the check, and a check of the old version
		// (read before the new redaction) is refused.
		if err := s.PutRedaction(ctx, docs[0], []byte("text, again"), []byte(`{}`)); err != nil {
			t.Fatal(err)
		}
		verified()
		if err := s.RecordCheck(ctx, docs[0], 1, true); !errors.Is(err, store.ErrChanged) {
			t.Fatalf("RecordCheck of a replaced version: %v, want ErrChanged", err)
		}
		verified()
		r, err = s.Redaction(ctx, docs[0])
		if err != nil || r.Version != 2 || string(r.Text) != "text, again" {
			t.Fatalf("Redaction after redacting again = %+v, %v", r, err)
		}
		if err := s.RecordCheck(ctx, docs[0], r.Version, true); err != nil {
			t.Fatal(err)
		}
		// A later check replaces an earlier one, either way.
		if err := s.RecordCheck(ctx, docs[1], 1, true); err != nil {
			t.Fatal(err)
		}
		verified(docs[0], docs[1])
		if err := s.RecordCheck(ctx, docs[0], r.Version, false); err != nil {
			t.Fatal(err)
		}
		verified(docs[1])
	})
}

// A workspace redacted before redaction checks existed migrates; its
// redactions keep their text and count as not verified.
func TestRedactionChecksMigration(t *testing.T) {
	forEachBackend(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		docs := addDocs(t, s, 1)
		if err := s.PutRedaction(ctx, docs[0], []byte("old text"), []byte(`{}`)); err != nil {
			t.Fatal(err)
		}
		if err := s.RecordCheck(ctx, docs[0], 1, true); err != nil {
			t.Fatal(err)
		}
		// Back to schema 3, as an older antidote left it (without the
		// tables of later migrations, which Migrate then adds again).
		for _, q := range []string{
			`DROP TABLE login_failures`,
			`DROP TABLE sessions`,
			`DROP TABLE auth_tokens`,
			`DROP TABLE users`,
			`DROP TABLE case_comments`,
			`DROP TABLE case_files`,
			`DROP TABLE case_shared`,
			`DROP TABLE redaction_checks`,
			`ALTER TABLE redactions DROP COLUMN version`,
			`DELETE FROM schema_version WHERE version >= 4`,
		} {
			if _, err := s.DB().ExecContext(ctx, q); err != nil {
				t.Fatalf("%s: %v", q, err)
			}
		}
		if err := s.Check(ctx); !errors.Is(err, store.ErrSchemaOld) {
			t.Fatalf("Check on schema 3 = %v, want ErrSchemaOld", err)
		}
		if n, err := s.Migrate(ctx); err != nil || n < 1 {
			t.Fatalf("Migrate = %d, %v; want the migrations from 4 on", n, err)
		}
		if err := s.Check(ctx); err != nil {
			t.Fatal(err)
		}
		r, err := s.Redaction(ctx, docs[0])
		if err != nil || r.Version != 1 || string(r.Text) != "old text" {
			t.Fatalf("Redaction after migrating = %+v, %v", r, err)
		}
		if v, err := s.VerifiedDocs(ctx); err != nil || len(v) != 0 {
			t.Fatalf("VerifiedDocs after migrating = %v, %v", v, err)
		}
	})
}
