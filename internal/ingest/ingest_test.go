package ingest

import (
	"archive/zip"
	"bytes"
	"context"
	"crypto/sha256"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"antidote/internal/search"
)

// memStore is an in-memory Store: a batch's writes become visible only when
// it commits, as in the database.
type memStore struct {
	docs     map[string]*memDoc // by dedup key
	nextID   int64
	paths    map[string]memPath // by path key
	postings map[[32]byte][]int64
	commits  int
}

type memDoc struct {
	id  int64
	doc Doc
}

type memPath struct {
	doc, parent int64
	path        []string
}

func newMemStore() *memStore {
	return &memStore{docs: map[string]*memDoc{}, paths: map[string]memPath{}, postings: map[[32]byte][]int64{}}
}

func (s *memStore) BeginBatch(context.Context) (Batch, error) {
	return &memBatch{s: s, docs: map[string]*memDoc{}, paths: map[string]memPath{}, postings: map[[32]byte][]int64{}, next: s.nextID}, nil
}

type memBatch struct {
	s        *memStore
	docs     map[string]*memDoc
	paths    map[string]memPath
	postings map[[32]byte][]int64
	next     int64
	done     bool
}

func (b *memBatch) lookup(dedup []byte) *memDoc {
	if d, ok := b.docs[string(dedup)]; ok {
		return d
	}
	return b.s.docs[string(dedup)]
}

func (b *memBatch) Lookup(_ context.Context, dedup []byte) (int64, bool, bool, error) {
	d := b.lookup(dedup)
	if d == nil {
		return 0, false, false, nil
	}
	return d.id, d.doc.Complete && d.doc.Status == StatusOK, true, nil
}

func (b *memBatch) PutDoc(_ context.Context, d Doc) (int64, error) {
	if old := b.lookup(d.Dedup); old != nil {
		nd := *old
		if d.Blob == nil {
			d.Blob = old.doc.Blob
		}
		if d.BlobFile == "" {
			d.BlobFile = old.doc.BlobFile
		}
		if d.Text == nil {
			d.Text = old.doc.Text
		}
		nd.doc = d
		b.docs[string(d.Dedup)] = &nd
		return nd.id, nil
	}
	b.next++
	b.docs[string(d.Dedup)] = &memDoc{id: b.next, doc: d}
	return b.next, nil
}

func (b *memBatch) AddPath(_ context.Context, doc, parent int64, key []byte, path []string) (bool, error) {
	if _, ok := b.paths[string(key)]; ok {
		return false, nil
	}
	if _, ok := b.s.paths[string(key)]; ok {
		return false, nil
	}
	b.paths[string(key)] = memPath{doc, parent, path}
	return true, nil
}

// AddIndexSegment keeps, per term key of the segment, the documents of the
// segment's document table (the documents a term's list can name).
func (b *memBatch) AddIndexSegment(_ context.Context, seg search.Segment) error {
	docs, err := search.DecodeDocs(seg.Docs)
	if err != nil {
		return err
	}
	for k := range seg.Postings {
		for _, d := range docs {
			b.postings[k] = append(b.postings[k], d.ID)
		}
	}
	return nil
}

func (b *memBatch) Commit() error {
	for k, d := range b.docs {
		b.s.docs[k] = d
	}
	for k, p := range b.paths {
		b.s.paths[k] = p
	}
	for k, ids := range b.postings {
		b.s.postings[k] = append(b.s.postings[k], ids...)
	}
	b.s.nextID = b.next
	b.s.commits++
	b.done = true
	return nil
}

func (b *memBatch) Rollback() error { b.done = true; return nil }

// memBlobs keeps blobs in memory.
type memBlobs map[string][]byte

func (m memBlobs) Put(name string, r io.Reader) error {
	b, err := io.ReadAll(r)
	m[name] = b
	return err
}
func (m memBlobs) Has(name string) bool { _, ok := m[name]; return ok }

// plainMAC stands in for a keyed hash: the tests look at behaviour, not keys.
type plainMAC string

func (k plainMAC) Sum(b []byte) [32]byte { return sha256.Sum256(append([]byte(k), b...)) }

func keys() Keys { return Keys{Dedup: plainMAC("d"), Path: plainMAC("p"), Index: plainMAC("i")} }

func writeZip(t *testing.T, path string, files map[string]string) {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	names := make([]string, 0, len(files))
	for n := range files {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		w, err := zw.Create(n)
		if err != nil {
			t.Fatal(err)
		}
		io.WriteString(w, files[n])
	}
	zw.Close()
	if err := os.WriteFile(path, buf.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
}

func TestRun(t *testing.T) {
	big := strings.Repeat("large original ", 100)
	for _, c := range []struct {
		name  string
		files map[string]string // written under the input directory
		zip   map[string]string // written as in/pack.zip
		opts  Options
		check func(t *testing.T, s *memStore, blobs memBlobs, sum Summary)
	}{
		{name: "same content twice is stored once with both paths",
			files: map[string]string{"a.txt": "the implant", "b/c.txt": "the implant"},
			check: func(t *testing.T, s *memStore, _ memBlobs, sum Summary) {
				if len(s.docs) != 1 || sum.New != 1 || sum.Duplicates != 1 || len(s.paths) != 2 {
					t.Errorf("%d docs, %d paths, summary %+v; want one document at two paths", len(s.docs), len(s.paths), sum)
				}
			}},
		{name: "archive members have the archive as parent",
			zip: map[string]string{"x.txt": "alpha", "y.txt": "beta"},
			check: func(t *testing.T, s *memStore, _ memBlobs, sum Summary) {
				if sum.Documents != 3 || len(s.docs) != 3 {
					t.Fatalf("%d documents seen, %d stored; want the zip and two members", sum.Documents, len(s.docs))
				}
				zipID := int64(0)
				for _, p := range s.paths {
					if strings.HasSuffix(p.path[len(p.path)-1], "pack.zip") {
						zipID = p.doc
					}
				}
				for _, p := range s.paths {
					if len(p.path) == 2 && p.parent != zipID {
						t.Errorf("member %v has parent %d, want the zip %d", p.path, p.parent, zipID)
					}
				}
				for _, d := range s.docs {
					if !d.doc.Complete {
						t.Errorf("document %d incomplete after a clean run", d.id)
					}
				}
			}},
		{name: "an original over InlineMax goes to a blob, a small one inline",
			files: map[string]string{"big.txt": big, "small.txt": "small"},
			opts:  Options{InlineMax: 100},
			check: func(t *testing.T, s *memStore, blobs memBlobs, _ Summary) {
				inline, files := 0, 0
				for _, d := range s.docs {
					if d.doc.Blob != nil {
						inline++
					}
					if d.doc.BlobFile != "" {
						files++
						if string(blobs[d.doc.BlobFile]) != big {
							t.Error("blob content differs from the original")
						}
					}
				}
				if inline != 1 || files != 1 {
					t.Errorf("%d inline, %d blob files; want one each", inline, files)
				}
			}},
		{name: "small batches commit as they go",
			files: map[string]string{"1.txt": "one", "2.txt": "two", "3.txt": "three", "4.txt": "four", "5.txt": "five"},
			opts:  Options{BatchDocs: 2},
			check: func(t *testing.T, s *memStore, _ memBlobs, _ Summary) {
				if s.commits < 3 {
					t.Errorf("%d commits for 5 documents in batches of 2", s.commits)
				}
			}},
		{name: "words are indexed under the index MAC",
			files: map[string]string{"a.txt": "weeping angel"},
			check: func(t *testing.T, s *memStore, _ memBlobs, _ Summary) {
				if ids := s.postings[plainMAC("i").Sum([]byte("angel"))]; len(ids) != 1 {
					t.Errorf("postings of 'angel': %v, want one document", ids)
				}
			}},
	} {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			in := filepath.Join(dir, "in")
			os.MkdirAll(in, 0o700)
			for n, body := range c.files {
				p := filepath.Join(in, n)
				os.MkdirAll(filepath.Dir(p), 0o700)
				if err := os.WriteFile(p, []byte(body), 0o600); err != nil {
					t.Fatal(err)
				}
			}
			if c.zip != nil {
				writeZip(t, filepath.Join(in, "pack.zip"), c.zip)
			}
			s, blobs := newMemStore(), memBlobs{}
			sum, err := New(s, blobs, keys(), c.opts).Run(context.Background(), []string{in})
			if err != nil {
				t.Fatal(err)
			}
			if sum.New+sum.Duplicates+sum.Retried != sum.Documents {
				t.Errorf("summary does not add up: %+v", sum)
			}
			c.check(t, s, blobs, sum)
		})
	}
}

// TestRerun: rerunning stores nothing new; a document left incomplete (a
// run that stopped) is done again and counted as retried.
func TestRerun(t *testing.T) {
	dir := t.TempDir()
	in := filepath.Join(dir, "pack.zip")
	writeZip(t, in, map[string]string{"x.txt": "alpha", "y.txt": "beta"})
	s := newMemStore()
	ing := New(s, memBlobs{}, keys(), Options{})
	if _, err := ing.Run(context.Background(), []string{in}); err != nil {
		t.Fatal(err)
	}
	sum, err := ing.Run(context.Background(), []string{in})
	if err != nil {
		t.Fatal(err)
	}
	if sum.New != 0 || sum.NewPaths != 0 || sum.Duplicates != 1 {
		t.Errorf("rerun summary %+v, want the zip seen as already stored and nothing new", sum)
	}
	// A run stopped after the zip was begun: incomplete in the store.
	for _, d := range s.docs {
		if d.doc.Meta.MediaType == "application/zip" {
			d.doc.Complete = false
		}
	}
	sum, err = ing.Run(context.Background(), []string{in})
	if err != nil {
		t.Fatal(err)
	}
	if sum.Retried != 1 || sum.New != 0 {
		t.Errorf("after an interrupted run: %+v, want the zip retried and its members already stored", sum)
	}
}

// TestCanceled: a canceled context stops the run with its error and
// commits nothing half-done.
func TestCanceled(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "a.txt"), []byte("a"), 0o600)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	s := newMemStore()
	if _, err := New(s, memBlobs{}, keys(), Options{}).Run(ctx, []string{dir}); err == nil {
		t.Fatal("a canceled run returned no error")
	}
	if len(s.docs) != 0 {
		t.Errorf("%d documents committed by a canceled run", len(s.docs))
	}
}
