package store_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"errors"
	"testing"
	"time"

	"antidote/internal/store"
)

// TestExamined: marks are kept per document, renewed in place, and refused
// for a document that does not exist.
func TestExamined(t *testing.T) {
	forEachBackend(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		var id int64
		err := s.InTx(ctx, func(tx *store.Tx) error {
			dd := sha256.Sum256([]byte("examined"))
			var err error
			id, err = tx.PutDoc(ctx, store.NewDoc{Dedup: dd[:], Status: store.StatusOK, Complete: true, Meta: store.DocMeta{MediaType: "text/plain"}})
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		at := time.Date(2017, 3, 7, 0, 0, 0, 0, time.UTC)
		if err := s.MarkExamined(ctx, []store.Examined{{Doc: id, At: at, How: "extract", MAC: []byte{1}}}); err != nil {
			t.Fatal(err)
		}
		if err := s.MarkExamined(ctx, []store.Examined{{Doc: id, At: at.Add(time.Hour), How: "none", MAC: []byte{2}}}); err != nil {
			t.Fatal(err)
		}
		got, err := s.ExaminedDocs(ctx)
		if err != nil {
			t.Fatal(err)
		}
		x := got[id]
		if len(got) != 1 || x.How != "none" || !x.At.Equal(at.Add(time.Hour)) || !bytes.Equal(x.MAC, []byte{2}) {
			t.Errorf("examined = %+v, want the renewed mark", got)
		}
		if err := s.MarkExamined(ctx, []store.Examined{{Doc: id + 100, At: at, How: "none", MAC: []byte{3}}}); err == nil || errors.Is(err, context.Canceled) {
			t.Errorf("marking a missing document: %v, want an error", err)
		}
	})
}

// TestMigrateAppliesEveryMissing: a migration numbered below the newest one
// applied (developed side by side, released together) is still applied, and
// until it is, Check says the schema is old.
func TestMigrateAppliesEveryMissing(t *testing.T) {
	forEachBackend(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		for _, q := range []string{`DROP TABLE findings_examined`, `DELETE FROM schema_version WHERE version = 45`} {
			if _, err := s.DB().ExecContext(ctx, q); err != nil {
				t.Fatalf("%s: %v", q, err)
			}
		}
		if err := s.Check(ctx); !errors.Is(err, store.ErrSchemaOld) {
			t.Fatalf("Check without migration 45 = %v, want ErrSchemaOld", err)
		}
		if n, err := s.Migrate(ctx); err != nil || n != 1 {
			t.Fatalf("Migrate = %d, %v; want the one missing migration", n, err)
		}
		if err := s.Check(ctx); err != nil {
			t.Fatal(err)
		}
		if _, err := s.ExaminedDocs(ctx); err != nil {
			t.Fatalf("the migrated table is not there: %v", err)
		}
	})
}
