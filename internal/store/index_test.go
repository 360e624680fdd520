package store_test

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"

	"antidote/internal/search"
	"antidote/internal/store"
)

func indexKey(t string) [32]byte {
	m := hmac.New(sha256.New, []byte("index key for tests"))
	m.Write([]byte(t))
	var k [32]byte
	copy(k[:], m.Sum(nil))
	return k
}

// putDocs stores texts as documents and indexes them in one segment per
// batch, as an ingest batch does; it returns the ids in order.
func putDocs(t *testing.T, s *store.Store, batches ...[]string) []int64 {
	t.Helper()
	ctx := context.Background()
	var ids []int64
	for bi, texts := range batches {
		err := s.InTx(ctx, func(tx *store.Tx) error {
			b := search.NewBuilder()
			for i, text := range texts {
				dd := sha256.Sum256(fmt.Appendf(nil, "doc %d %d", bi, i))
				id, err := tx.PutDoc(ctx, store.NewDoc{Dedup: dd[:], Status: store.StatusOK, Complete: true,
					Meta: store.DocMeta{MediaType: "text/plain", TextSize: int64(len(text))}, Text: []byte(text)})
				if err != nil {
					return err
				}
				pk := sha256.Sum256(fmt.Appendf(nil, "path %d %d", bi, i))
				if _, err := tx.AddPath(ctx, id, 0, pk[:], []string{"leak", fmt.Sprintf("%d-%d.txt", bi, i)}); err != nil {
					return err
				}
				b.Add(id, []byte(text), search.Fields{MediaType: "text/plain", Status: store.StatusOK})
				ids = append(ids, id)
			}
			_, err := tx.AddIndexSegment(ctx, b.Build(indexKey))
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	return ids
}

func find(t *testing.T, e *search.Engine, q string) []int64 {
	t.Helper()
	query, err := search.Parse(q)
	if err != nil {
		t.Fatal(err)
	}
	res, err := e.Search(context.Background(), query, search.Options{Limit: 1000})
	if err != nil {
		t.Fatal(err)
	}
	var ids []int64
	for _, h := range res.Hits {
		ids = append(ids, h.Doc)
	}
	slices.Sort(ids)
	return ids
}

func TestIndexConformance(t *testing.T) {
	defer store.SetMergePage(1)() // every block a page: cursors cross pages
	forEachBackend(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		// Long texts of distinct words make several blocks per segment.
		var long []string
		for i := range 3 {
			var b strings.Builder
			for j := range 3000 {
				fmt.Fprintf(&b, "w%dx%d ", i, j)
			}
			long = append(long, b.String())
		}
		ids := putDocs(t, s,
			[]string{"the weeping angel implant", "café crème at 10.0.0.1", long[0]},
			[]string{"schlüsselbund and the angel", "東京都庁", long[1]},
			[]string{"alice@example.com wrote about the implant", long[2]})
		e := search.NewEngine(s, indexKey)
		check := func(stage string) {
			for q, want := range map[string][]int64{
				"angel":           {ids[0], ids[3]},
				`"weeping angel"`: {ids[0]},
				"cafe":            {ids[1]},
				"schlüssel*":      {ids[3]},
				"京都":              {ids[4]},
				"alice@exa*":      {ids[6]},
				"implant -angel":  {ids[6]},
				"10.0.0.1":        {ids[1]},
				"w1x2999":         {ids[5]},
				"w2x17":           {ids[7]},
				`"w0x5 w0x6"`:     {ids[2]},
			} {
				if got := find(t, e, q); !slices.Equal(got, want) {
					t.Errorf("%s: search %q = %v, want %v", stage, q, got, want)
				}
			}
		}
		check("three segments")
		st, err := s.IndexStats(ctx)
		if err != nil || st.Segments != 3 || st.Blocks < 6 {
			t.Fatalf("IndexStats = %+v, %v", st, err)
		}
		n, err := s.MergeIndex(ctx, indexKey)
		if err != nil || n != 3 {
			t.Fatalf("MergeIndex = %d, %v", n, err)
		}
		check("merged")
		st2, err := s.IndexStats(ctx)
		if err != nil || st2.Segments != 1 || st2.Blocks >= st.Blocks {
			t.Fatalf("after merge: %+v (before %+v), %v", st2, st, err)
		}
		// Merging one segment is a no-op.
		if n, err := s.MergeIndex(ctx, indexKey); err != nil || n != 0 {
			t.Fatalf("second MergeIndex = %d, %v", n, err)
		}
		// Documents the index lacks (an older workspace) are indexed.
		added, err := s.IndexMissing(ctx, indexKey, func(d store.Doc, text []byte) search.Fields {
			return search.Fields{MediaType: d.Meta.MediaType}
		})
		if err != nil || added != 0 {
			t.Fatalf("IndexMissing on a complete index = %d, %v", added, err)
		}
	})
}

// A merge cut off in the middle (here by cancelling its context once it
// has written the merged posting lists) leaves the old segments, intact:
// it runs in one transaction.
func TestMergeIsAtomic(t *testing.T) {
	forEachBackend(t, func(t *testing.T, s *store.Store) {
		ids := putDocs(t, s, []string{"alpha beta"}, []string{"beta gamma"})
		ctx, cancel := context.WithCancel(context.Background())
		_, err := s.MergeIndex(ctx, func(term string) [32]byte {
			cancel() // the dictionary is built last, after every posting list
			return indexKey(term)
		})
		if err == nil {
			t.Fatal("a cancelled merge succeeded")
		}
		st, err := s.IndexStats(context.Background())
		if err != nil || st.Segments != 2 {
			t.Fatalf("after a failed merge: %+v, %v", st, err)
		}
		if got := find(t, search.NewEngine(s, indexKey), "beta"); !slices.Equal(got, ids) {
			t.Fatalf("search after a failed merge = %v, want %v", got, ids)
		}
	})
}

func TestIndexMissing(t *testing.T) {
	forEachBackend(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		ids := putDocs(t, s, []string{"indexed text"})
		// A document stored without an index segment, as an older
		// workspace's documents are after migration.
		var lone int64
		err := s.InTx(ctx, func(tx *store.Tx) error {
			dd := sha256.Sum256([]byte("lone"))
			var err error
			lone, err = tx.PutDoc(ctx, store.NewDoc{Dedup: dd[:], Status: store.StatusOK, Complete: true,
				Meta: store.DocMeta{MediaType: "text/plain", TextSize: 11}, Text: []byte("orphan text")})
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		e := search.NewEngine(s, indexKey)
		if got := find(t, e, "text"); !slices.Equal(got, ids) {
			t.Fatalf("before: %v", got)
		}
		added, err := s.IndexMissing(ctx, indexKey, func(d store.Doc, text []byte) search.Fields {
			return search.Fields{MediaType: d.Meta.MediaType}
		})
		if err != nil || added != 1 {
			t.Fatalf("IndexMissing = %d, %v", added, err)
		}
		if got := find(t, e, "text"); !slices.Equal(got, []int64{ids[0], lone}) {
			t.Fatalf("after: %v", got)
		}
	})
}

// TestIndexCanary: no indexed term, in any form (folded, as typed, as an
// identifier, any prefix of four bytes or more), is in the SQLite files in
// plaintext, before or after a merge. Sealed pages are random bytes, in
// which a given four or five bytes turn up now and then by chance (about
// once in a thousand runs per form); such a short form fails only if a
// second run, with new keys and nonces, has it too, as stored plaintext
// would.
func TestIndexCanary(t *testing.T) {
	first := indexCanaryHits(t)
	short := false
	for form, where := range first {
		if len(form) >= 6 {
			t.Fatalf("%s: %q is in plaintext", where, form)
		}
		short = true
	}
	if !short {
		return
	}
	second := indexCanaryHits(t)
	for form, where := range first {
		if again, ok := second[form]; ok {
			t.Fatalf("%s and again %s: %q is in plaintext", where, again, form)
		}
	}
}

// indexCanaryHits indexes the canary texts in a new store and returns the
// forms of their terms found in its files, with where.
func indexCanaryHits(t *testing.T) map[string]string {
	dir := t.TempDir()
	ctx := context.Background()
	s, err := store.Open(ctx, filepath.Join(dir, "antidote.db"), newSealer(t))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if _, err := s.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	texts := []string{
		"Zqxcanary Weeping Angel implant, straße café modiﬁcation",
		"mail zqxagent@zqxleak.example from 10.213.77.9 about CVE-2031-99871 in zqxpayload.dll",
		"機密文書の漏洩について zqxcjk",
	}
	putDocs(t, s, texts[:2], texts[2:])
	var forms []string
	for _, text := range texts {
		search.Analyze([]byte(text), func(tk search.Token) {
			for _, f := range []string{tk.Term, text[tk.Start:tk.End]} {
				if len(f) >= 4 {
					forms = append(forms, f)
				}
			}
		})
	}
	// The schema's own text (table and column names, comments of the
	// CREATE statements) is in the file whatever is indexed.
	var schema string
	if err := s.DB().QueryRowContext(ctx, `SELECT lower(group_concat(sql, ' ')) FROM sqlite_master`).Scan(&schema); err != nil {
		t.Fatal(err)
	}
	hits := map[string]string{}
	scan := func(stage string) {
		files, _ := filepath.Glob(filepath.Join(dir, "antidote.db*"))
		if len(files) == 0 {
			t.Fatal("no database files")
		}
		for _, f := range files {
			b, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			low := bytes.ToLower(b)
			for _, form := range forms {
				// Every prefix of four bytes or more on a character boundary.
				for n := 4; n <= len(form); n++ {
					if n < len(form) && !utf8.RuneStart(form[n]) {
						continue
					}
					p := strings.ToLower(form[:n])
					if bytes.Contains(low, []byte(p)) && !common(form[:n]) && !strings.Contains(schema, p) {
						hits[p] = fmt.Sprintf("%s: from %q in %s", stage, form, filepath.Base(f))
					}
				}
			}
		}
	}
	scan("three segments")
	if _, err := s.MergeIndex(ctx, indexKey); err != nil {
		t.Fatal(err)
	}
	scan("merged")
	return hits
}

// common are short words SQLite's own schema text contains (the migration
// comments and column names are in the file).
func common(s string) bool {
	switch strings.ToLower(s) {
	case "from":
		return true
	}
	return false
}

// IndexSizes accounts for every byte of the posting blocks and sees the
// tables compressed.
func TestIndexSizes(t *testing.T) {
	forEachBackend(t, func(t *testing.T, s *store.Store) {
		texts := make([]string, 50)
		for i := range texts {
			texts[i] = fmt.Sprintf("leak/mail/%d.eml from alice@example.com about the implant the router the camera %d", i, i*7919)
		}
		putDocs(t, s, texts[:20], texts[20:])
		z, err := s.IndexSizes(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		if z.Keys+z.Lengths+z.Docs+z.Positions != z.BlockBytes || z.Blocks != 2 {
			t.Errorf("parts %d+%d+%d+%d of %d bytes in %d blocks; want them to add up, in 2 blocks", z.Keys, z.Lengths, z.Docs, z.Positions, z.BlockBytes, z.Blocks)
		}
		// "the" is in every document; each number in one.
		if z.Terms < 100 || z.OneDocTerms < 50 || z.OneDocDict == 0 {
			t.Errorf("%d terms, %d in one document (%d dictionary bytes)", z.Terms, z.OneDocTerms, z.OneDocDict)
		}
		if z.Dict >= z.DictRaw || z.DocTable == 0 {
			t.Errorf("dictionary %d bytes stored for %d; want it compressed", z.Dict, z.DictRaw)
		}
	})
}
