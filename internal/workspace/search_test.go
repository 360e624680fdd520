package workspace

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"antidote/internal/ingest"
	"antidote/internal/search"
	"antidote/internal/secret"
	"antidote/internal/store"
)

// TestSearchThroughTheCore pages through ranked hits, filters them, refuses
// bad requests without recording them, keeps one engine that sees later
// ingests, and OptimizeIndex merges the segments without changing an
// answer.
func TestSearchThroughTheCore(t *testing.T) {
	for name, dsn := range backends(t) {
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			ws := newWorkspace(t, dsn(t))
			before := auditCount(t, ws)
			all, err := ws.Search(ctx, analyst, SearchRequest{Query: "implant", Limit: MaxSearchLimit})
			if err != nil {
				t.Fatal(err)
			}
			if all.Total < 4 || len(all.Hits) != all.Total {
				t.Fatalf("implant: total %d, %d hits; want several, all on one page", all.Total, len(all.Hits))
			}
			if auditCount(t, ws) != before+1 {
				t.Error("a search left no audit event")
			}
			for i, h := range all.Hits {
				if i > 0 && h.Score > all.Hits[i-1].Score {
					t.Fatalf("hit %d scores %v above hit %d's %v", i, h.Score, i-1, all.Hits[i-1].Score)
				}
				if len(h.Snippets) == 0 || len(h.Paths) == 0 {
					t.Fatalf("hit %d has no snippet or no path: %+v", i, h)
				}
				s := h.Snippets[0]
				if len(s.Highlights) == 0 || search.Fold([]byte(s.Text[s.Highlights[0][0]:s.Highlights[0][1]])) != "implant" {
					t.Fatalf("hit %d's snippet highlights %v in %q", i, s.Highlights, s.Text)
				}
			}
			// Pages of 2 cover the same hits in the same order.
			var paged []int64
			for off := 0; off < all.Total; off += 2 {
				p, err := ws.Search(ctx, analyst, SearchRequest{Query: "implant", Limit: 2, Offset: off})
				if err != nil {
					t.Fatal(err)
				}
				if p.Total != all.Total || p.Offset != off {
					t.Fatalf("page at %d: total %d offset %d", off, p.Total, p.Offset)
				}
				for _, h := range p.Hits {
					paged = append(paged, h.Doc)
				}
			}
			var want []int64
			for _, h := range all.Hits {
				want = append(want, h.Doc)
			}
			if !slices.Equal(paged, want) {
				t.Fatalf("pages %v, one page %v", paged, want)
			}
			// Facets count every hit; a media type filter keeps its count.
			mt := all.Facets["media_type"]
			if len(mt) == 0 {
				t.Fatalf("no media type facet: %+v", all.Facets)
			}
			f, err := ws.Search(ctx, analyst, SearchRequest{Query: "implant", Filter: SearchFilter{MediaTypes: []string{mt[0].Value}}})
			if err != nil || f.Total != mt[0].Count {
				t.Fatalf("filter on %s: total %d, %v; facet said %d", mt[0].Value, f.Total, err, mt[0].Count)
			}
			// Bad requests are refused before anything is recorded.
			n := auditCount(t, ws)
			if _, err := ws.Search(ctx, analyst, SearchRequest{Query: `"unclosed`}); !errors.Is(err, ErrBadQuery) {
				t.Errorf("unbalanced quote: %v, want ErrBadQuery", err)
			}
			var inv *InvalidError
			for _, r := range []SearchRequest{{Query: "implant", Offset: -1}, {Query: "implant", Limit: MaxSearchLimit + 1}} {
				if _, err := ws.Search(ctx, analyst, r); !errors.As(err, &inv) {
					t.Errorf("%+v: %v, want an InvalidError", r, err)
				}
			}
			if auditCount(t, ws) != n {
				t.Error("a refused search was recorded")
			}
			// The one engine sees a later ingest's segment.
			engine := ws.searchEngine()
			dir := t.TempDir()
			os.WriteFile(filepath.Join(dir, "late.txt"), []byte("zqxlate implant memo"), 0o600)
			if _, err := ws.Ingest(ctx, analyst, []string{dir}, ingest.Options{}); err != nil {
				t.Fatal(err)
			}
			late, err := ws.Search(ctx, analyst, SearchRequest{Query: "zqxlate"})
			if err != nil || late.Total != 1 || !strings.HasSuffix(late.Hits[0].Paths[0], "late.txt") {
				t.Fatalf("after a second ingest: %+v, %v", late, err)
			}
			if ws.searchEngine() != engine {
				t.Error("the workspace made a second engine")
			}
			// Optimize merges the segments; the answers stay.
			rep, err := ws.OptimizeIndex(ctx, analyst, nil)
			if err != nil {
				t.Fatal(err)
			}
			if rep.Merged < 2 || rep.Segments != 1 || rep.Indexed != 0 || rep.Bytes == 0 {
				t.Errorf("optimize: %+v; want two or more segments merged into one, nothing missing", rep)
			}
			again, err := ws.Search(ctx, analyst, SearchRequest{Query: "implant", Limit: MaxSearchLimit})
			if err != nil || again.Total != all.Total+1 {
				t.Fatalf("after optimize: total %d, %v; want %d", again.Total, err, all.Total+1)
			}
		})
	}
}

// TestUpgradeRebuildsIndex: a workspace whose index has an older format
// (before positional segments, migration 0010, or before bit-packed lists
// and compressed tables, 0055) finds nothing after the schema upgrade
// drops its index, until FinishUpgrade rebuilds it from the sealed texts;
// then it finds what it found before.
func TestUpgradeRebuildsIndex(t *testing.T) {
	upgrades := []struct {
		name   string
		before []string // what an older antidote left
		old    bool     // also store a segment in the older format
	}{
		{"before 0010", []string{
			`DROP TABLE index_postings`,
			`DROP TABLE index_segments`,
			`CREATE TABLE postings (id BIGINT)`,
			`DELETE FROM schema_version WHERE version = 10`,
		}, false},
		{"before 0055", []string{
			`DELETE FROM schema_version WHERE version = 55`,
		}, true},
	}
	for name, dsn := range backends(t) {
		for _, up := range upgrades {
			t.Run(name+"/"+up.name, func(t *testing.T) {
				testUpgrade(t, dsn(t), up.before, up.old)
			})
		}
	}
}

func testUpgrade(t *testing.T, dsn string, before []string, old bool) {
	ctx := context.Background()
	ws := newWorkspace(t, dsn)
	want, err := ws.Search(ctx, analyst, SearchRequest{Query: "implant OR router", Limit: MaxSearchLimit})
	if err != nil || want.Total == 0 {
		t.Fatalf("before: %d, %v", want.Total, err)
	}
	if old {
		// An empty segment as 0055's predecessor wrote it: a document
		// table of version 1, uncompressed; a dictionary with no version
		// byte. This antidote cannot read it.
		err := ws.store.InTx(ctx, func(tx *store.Tx) error {
			_, err := tx.AddIndexSegment(ctx, search.Segment{Docs: []byte{1, 0, 0}, Dict: []byte{0}})
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := search.NewEngine(ws.store, search.TermKey(ws.keys.MAC("index").Sum)).Search(ctx, search.Query{}, search.Options{}); err == nil {
			t.Fatal("read a segment of the older format")
		}
	}
	for _, q := range before {
		if _, err := ws.store.DB().ExecContext(ctx, q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	ws.Close()
	l, err := Find(ws.Dir())
	if err != nil {
		t.Fatal(err)
	}
	keys, err := l.UnlockPassphrase(secret.NewString("test passphrase"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := l.Open(ctx, keys, OpenOptions{}); err == nil {
		t.Fatal("opened a schema that lacks a migration without migrating")
	}
	ws, err = l.Open(ctx, keys, OpenOptions{Migrate: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ws.Close() })
	if !ws.IndexDropped() {
		t.Fatal("the upgrade dropped the index and did not say so")
	}
	if got, err := ws.Search(ctx, analyst, SearchRequest{Query: "implant OR router"}); err != nil || got.Total != 0 {
		t.Fatalf("before the rebuild: %d, %v; want nothing indexed", got.Total, err)
	}
	rep, err := ws.FinishUpgrade(ctx, analyst, nil)
	if err != nil || rep == nil || rep.Indexed == 0 || rep.Segments != 1 {
		t.Fatalf("FinishUpgrade = %+v, %v", rep, err)
	}
	got, err := ws.Search(ctx, analyst, SearchRequest{Query: "implant OR router", Limit: MaxSearchLimit})
	if err != nil || got.Total != want.Total {
		t.Fatalf("after the rebuild: %d, %v; want %d", got.Total, err, want.Total)
	}
	if rep, err := ws.FinishUpgrade(ctx, analyst, nil); rep != nil || err != nil {
		t.Errorf("a second FinishUpgrade = %+v, %v; want nothing to do", rep, err)
	}
}
