package store_test

import (
	"bytes"
	"context"
	"errors"
	"testing"
	"time"

	"antidote/internal/publish"
	"antidote/internal/store"
)

func TestPublishConformance(t *testing.T) {
	forEachBackend(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		if _, err := s.Publisher(ctx); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("Publisher before init: %v", err)
		}
		created := time.Date(2017, 1, 1, 12, 0, 0, 0, time.UTC)
		k, err := publish.NewSigningKey("Example Newsroom", "security@example.org", created)
		if err != nil {
			t.Fatal(err)
		}
		id := publish.Publisher{Name: "Example Newsroom", Namespace: "https://example.org", Contact: "security@example.org"}
		rec := store.PublisherRecord{Identity: id, Fingerprint: k.Fingerprint, PublicKey: k.Public, PrivateKey: k.Private, Created: created}
		if err := s.InitPublisher(ctx, rec); err != nil {
			t.Fatal(err)
		}
		if err := s.InitPublisher(ctx, rec); !errors.Is(err, store.ErrExists) {
			t.Fatalf("second InitPublisher: %v, want ErrExists", err)
		}
		got, err := s.Publisher(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if got.Identity != id || got.Fingerprint != k.Fingerprint || !bytes.Equal(got.PrivateKey, k.Private) || !bytes.Equal(got.PublicKey, k.Public) || !got.Created.Equal(created) {
			t.Fatalf("Publisher = %+v", got.Identity)
		}
		if _, err := publish.ParseSigningKey(got.PrivateKey); err != nil {
			t.Fatalf("stored key does not parse: %v", err)
		}
		id.Contact = "press@example.org"
		if err := s.UpdatePublisherIdentity(ctx, id); err != nil {
			t.Fatal(err)
		}
		if got, _ := s.Publisher(ctx); got.Identity.Contact != "press@example.org" || !bytes.Equal(got.PrivateKey, k.Private) {
			t.Fatalf("identity update lost something: %+v", got.Identity)
		}

		// Publications: none, then two; the last one carries the state.
		if _, err := s.LastPublication(ctx); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("LastPublication before any: %v", err)
		}
		at1 := time.Date(2017, 12, 1, 12, 0, 0, 0, time.UTC)
		st1 := publish.State{Advisories: []publish.AdvisoryState{{Finding: 7, TrackingID: "ANTIDOTE-2017-0007", Version: 1,
			InitialRelease: at1, CurrentRelease: at1, Digest: "ab", History: []publish.Revision{{Number: 1, Date: at1, Summary: "Initial public release."}}}}}
		p1 := store.Publication{At: at1, BaseURL: "https://leaks.example.org", Documents: []int64{1, 2},
			Advisories: []publish.Released{{Finding: 7, TrackingID: "ANTIDOTE-2017-0007", Version: 1, Changed: true}}, State: st1}
		id1, err := s.RecordPublication(ctx, p1)
		if err != nil {
			t.Fatal(err)
		}
		at2 := at1.AddDate(0, 1, 0)
		st2 := st1
		st2.Advisories = []publish.AdvisoryState{st1.Advisories[0]}
		st2.Advisories[0].Version = 2
		id2, err := s.RecordPublication(ctx, store.Publication{At: at2, BaseURL: "https://leaks.example.org", Documents: []int64{1, 2, 3},
			Advisories: []publish.Released{{Finding: 7, TrackingID: "ANTIDOTE-2017-0007", Version: 2, Changed: true}}, State: st2})
		if err != nil {
			t.Fatal(err)
		}
		last, err := s.LastPublication(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if last.ID != id2 || !last.At.Equal(at2) || len(last.Documents) != 3 || last.State.Advisories[0].Version != 2 {
			t.Fatalf("LastPublication = %+v", last)
		}
		first, err := s.Publication(ctx, id1)
		if err != nil || first.State.Advisories[0].History[0].Summary != "Initial public release." || first.Advisories[0].TrackingID != "ANTIDOTE-2017-0007" {
			t.Fatalf("Publication(%d) = %+v, %v", id1, first, err)
		}
		if _, err := s.Publication(ctx, 999); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("Publication(999): %v", err)
		}
		vs, err := s.AdvisoryVersions(ctx, 7)
		if err != nil || len(vs) != 2 || vs[0].Version != 1 || vs[1].Version != 2 || vs[1].Publication != id2 || !vs[1].Changed {
			t.Fatalf("AdvisoryVersions = %+v, %v", vs, err)
		}

		// Nothing of the identity or keys is stored in clear.
		for _, q := range []string{`SELECT identity FROM publisher`, `SELECT public_key FROM publisher`, `SELECT private_key FROM publisher`, `SELECT detail FROM publications`, `SELECT state FROM publications`} {
			rows, err := s.DB().QueryContext(ctx, q)
			if err != nil {
				t.Fatal(err)
			}
			for rows.Next() {
				var b []byte
				if err := rows.Scan(&b); err != nil {
					t.Fatal(err)
				}
				for _, clear := range []string{"example.org", "Newsroom", "PGP", "ANTIDOTE-2017"} {
					if bytes.Contains(b, []byte(clear)) {
						t.Errorf("%s holds %q in clear", q, clear)
					}
				}
			}
			rows.Close()
		}
	})
}
