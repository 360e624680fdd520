package store_test

import (
	"context"
	"crypto/sha256"
	"errors"
	"reflect"
	"testing"
	"time"

	"antidote/internal/audit"
	"antidote/internal/store"
)

func TestDocsConformance(t *testing.T) {
	forEachBackend(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		dd := sha256.Sum256([]byte("dedup-a"))
		var id int64
		err := s.InTx(ctx, func(tx *store.Tx) error {
			if _, _, _, err := tx.LookupDoc(ctx, dd[:]); !errors.Is(err, store.ErrNotFound) {
				t.Fatalf("lookup before insert: %v, want ErrNotFound", err)
			}
			var err error
			id, err = tx.PutDoc(ctx, store.NewDoc{Dedup: dd[:], Status: store.StatusOK,
				Meta: store.DocMeta{SHA256: "ab", MediaType: "text/plain", Size: 5}, Blob: []byte("hello")})
			if err != nil {
				return err
			}
			pk := sha256.Sum256([]byte("path-1"))
			added, err := tx.AddPath(ctx, id, 0, pk[:], []string{"leak.zip", "a.txt"})
			if err != nil || !added {
				t.Fatalf("add path: %v %v", added, err)
			}
			added, err = tx.AddPath(ctx, id, 0, pk[:], []string{"leak.zip", "a.txt"})
			if err != nil || added {
				t.Fatalf("re-adding the same path must be a no-op: %v %v", added, err)
			}
			// Completing the document later keeps the inline blob.
			_, err = tx.PutDoc(ctx, store.NewDoc{Dedup: dd[:], Status: store.StatusOK, Complete: true,
				Meta: store.DocMeta{SHA256: "ab", MediaType: "text/plain", Size: 5, TextSize: 5}, Text: []byte("hello")})
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		d, err := s.GetDoc(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		if !d.Complete || d.Meta.TextSize != 5 || len(d.Paths) != 1 || !reflect.DeepEqual(d.Paths[0].Path, []string{"leak.zip", "a.txt"}) {
			t.Fatalf("GetDoc = %+v", d)
		}
		text, err := s.DocText(ctx, id)
		if err != nil || string(text) != "hello" {
			t.Fatalf("DocText = %q, %v", text, err)
		}
		blob, file, err := s.DocBlob(ctx, id)
		if err != nil || string(blob) != "hello" || file != "" {
			t.Fatalf("DocBlob = %q %q %v", blob, file, err)
		}
		if _, err := s.GetDoc(ctx, id+100); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("GetDoc(missing) = %v, want ErrNotFound", err)
		}
		n := 0
		if err := s.ListDocs(ctx, func(store.Doc) error { n++; return nil }); err != nil || n != 1 {
			t.Fatalf("ListDocs: %d docs, %v", n, err)
		}
	})
}

type shaMAC struct{}

func (shaMAC) Sum(b []byte) [32]byte { return sha256.Sum256(append([]byte("k"), b...)) }

func TestAuditConformance(t *testing.T) {
	forEachBackend(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		log := audit.New(s, shaMAC{})
		log.Now = func() time.Time { return time.Date(2017, 3, 7, 0, 0, 0, 0, time.UTC) }
		for _, a := range []string{"init", "ingest", "docs.text"} {
			if _, err := log.Record(ctx, "alice", a, "doc 1", []byte("query: secret")); err != nil {
				t.Fatal(err)
			}
		}
		n, err := log.Verify(ctx)
		if err != nil || n != 3 {
			t.Fatalf("Verify = %d, %v", n, err)
		}
		// Rewriting an event's action must be detected.
		if _, err := s.DB().ExecContext(ctx, `UPDATE audit SET action = 'nothing' WHERE seq = 2`); err != nil {
			t.Fatal(err)
		}
		if _, err := log.Verify(ctx); !errors.Is(err, audit.ErrTampered) {
			t.Fatalf("Verify after tampering = %v, want ErrTampered", err)
		}
	})
}

func TestSchemaChecks(t *testing.T) {
	forEachBackend(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		if err := s.Check(ctx); err != nil {
			t.Fatalf("Check on a migrated database: %v", err)
		}
		if _, err := s.DB().ExecContext(ctx, `INSERT INTO schema_version (version) VALUES (9999)`); err != nil {
			t.Fatal(err)
		}
		if err := s.Check(ctx); !errors.Is(err, store.ErrSchemaNew) {
			t.Fatalf("Check on a newer schema = %v, want ErrSchemaNew", err)
		}
	})
}

// TestAddPathMovesFromFailedDocs: a path first recorded for a document that
// was not ingested (no password) moves to the document a later run opens
// there, and the failed record goes; a path of an ingested document stays.
func TestAddPathMovesFromFailedDocs(t *testing.T) {
	forEachBackend(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		put := func(tx *store.Tx, name, status string) int64 {
			dd := sha256.Sum256([]byte(name))
			id, err := tx.PutDoc(ctx, store.NewDoc{Dedup: dd[:], Status: status, Complete: true, Meta: store.DocMeta{MediaType: "text/plain"}})
			if err != nil {
				t.Fatal(err)
			}
			return id
		}
		var failed, opened, okDoc, other int64
		err := s.InTx(ctx, func(tx *store.Tx) error {
			pk := sha256.Sum256([]byte("enc.zip!/secret.txt"))
			failed = put(tx, "no-content", store.StatusSkipped)
			if added, err := tx.AddPath(ctx, failed, 0, pk[:], []string{"enc.zip", "secret.txt"}); err != nil || !added {
				t.Fatalf("first path: %v %v", added, err)
			}
			opened = put(tx, "secret", store.StatusOK)
			if added, err := tx.AddPath(ctx, opened, 0, pk[:], []string{"enc.zip", "secret.txt"}); err != nil || !added {
				t.Fatalf("the path must move to the opened document: %v %v", added, err)
			}
			pk2 := sha256.Sum256([]byte("a.txt"))
			okDoc = put(tx, "a", store.StatusOK)
			if _, err := tx.AddPath(ctx, okDoc, 0, pk2[:], []string{"a.txt"}); err != nil {
				return err
			}
			other = put(tx, "b", store.StatusOK)
			if added, err := tx.AddPath(ctx, other, 0, pk2[:], []string{"a.txt"}); err != nil || added {
				t.Fatalf("a path of an ingested document must stay: %v %v", added, err)
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := s.GetDoc(ctx, failed); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("the failed record should be gone: %v", err)
		}
		if d, err := s.GetDoc(ctx, opened); err != nil || len(d.Paths) != 1 {
			t.Errorf("opened document: %+v, %v", d, err)
		}
		if d, err := s.GetDoc(ctx, okDoc); err != nil || len(d.Paths) != 1 {
			t.Errorf("ingested document lost its path: %+v, %v", d, err)
		}
	})
}
