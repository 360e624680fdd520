package store

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"

	"antidote/internal/search"
)

// The full-text index is a list of immutable segments (index_segments),
// each with its sealed document table and term dictionary, and its posting
// lists packed into sealed blocks keyed by their first term MAC
// (index_postings). The store only seals, stores and finds these blobs;
// their format is search's.

func adSegment(col string, seg int64) string {
	return "index_segments." + col + ":" + strconv.FormatInt(seg, 10)
}

func adPostings(term []byte, seg int64) string {
	return "index_postings:" + hex.EncodeToString(term) + ":" + strconv.FormatInt(seg, 10)
}

// AddIndexSegment seals and stores one index segment inside the
// transaction (an ingest batch writes its documents and their segment in
// one commit) and returns its id.
func (t *Tx) AddIndexSegment(ctx context.Context, seg search.Segment) (int64, error) {
	id, err := t.InsertID(ctx, `INSERT INTO index_segments (docs, dict, created_at) VALUES (?, ?, ?)`, []byte{}, []byte{}, now())
	if err != nil {
		return 0, fmt.Errorf("index: add segment: %w", err)
	}
	if _, err := t.Exec(ctx, `UPDATE index_segments SET docs = ?, dict = ? WHERE id = ?`,
		t.s.seal(seg.Docs, adSegment("docs", id)), t.s.seal(seg.Dict, adSegment("dict", id)), id); err != nil {
		return 0, fmt.Errorf("index: add segment: %w", err)
	}
	if err := t.addBlocks(ctx, id, seg.Blocks()); err != nil {
		return 0, err
	}
	return id, nil
}

func (t *Tx) addBlocks(ctx context.Context, seg int64, blocks []search.Block) error {
	if len(blocks) == 0 {
		return nil
	}
	stmt, err := t.Prepare(ctx, `INSERT INTO index_postings (segment_id, term, postings) VALUES (?, ?, ?)`)
	if err != nil {
		return fmt.Errorf("index: %w", err)
	}
	defer stmt.Close()
	for _, b := range blocks {
		if _, err := stmt.ExecContext(ctx, seg, b.First[:], t.s.seal(b.Data, adPostings(b.First[:], seg))); err != nil {
			return fmt.Errorf("index: write posting block: %w", err)
		}
	}
	return nil
}

// IndexSegments returns the ids of the index segments, ascending.
func (s *Store) IndexSegments(ctx context.Context) ([]int64, error) {
	rows, err := s.query(ctx, `SELECT id FROM index_segments ORDER BY id`)
	if err != nil {
		return nil, fmt.Errorf("index: list segments: %w", err)
	}
	defer rows.Close()
	var ids []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		ids = append(ids, id)
	}
	return ids, rows.Err()
}

func (s *Store) segmentBlob(ctx context.Context, col string, seg int64) ([]byte, error) {
	var sealed []byte
	if err := s.queryRow(ctx, `SELECT `+col+` FROM index_segments WHERE id = ?`, seg).Scan(&sealed); err != nil {
		return nil, fmt.Errorf("index: read segment %d: %w", seg, err)
	}
	return s.open(sealed, adSegment(col, seg))
}

// IndexDocs returns a segment's opened document table.
func (s *Store) IndexDocs(ctx context.Context, seg int64) ([]byte, error) {
	return s.segmentBlob(ctx, "docs", seg)
}

// IndexDict returns a segment's opened term dictionary.
func (s *Store) IndexDict(ctx context.Context, seg int64) ([]byte, error) {
	return s.segmentBlob(ctx, "dict", seg)
}

// IndexPostings returns, for each of segments that has one, the opened
// block that would hold term's posting list: the block with the greatest
// first key not above the term's.
func (s *Store) IndexPostings(ctx context.Context, segments []int64, term [32]byte) ([]search.SegmentPostings, error) {
	stmt, err := s.blockStmt(ctx)
	if err != nil {
		return nil, err
	}
	key := term[:search.BlockKeyLen]
	var out []search.SegmentPostings
	for _, seg := range segments {
		var first, sealed []byte
		err := stmt.QueryRowContext(ctx, seg, key).Scan(&first, &sealed)
		if errors.Is(err, sql.ErrNoRows) {
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("index: read posting block: %w", err)
		}
		b, err := s.open(sealed, adPostings(first, seg))
		if err != nil {
			return nil, err
		}
		out = append(out, search.SegmentPostings{Segment: seg, Data: b})
	}
	return out, nil
}

// blockStmt is the block lookup, prepared once: it runs once per query
// term and segment, and preparing costs more than running it.
func (s *Store) blockStmt(ctx context.Context) (*sql.Stmt, error) {
	s.stmtMu.Lock()
	defer s.stmtMu.Unlock()
	if s.blockLookup == nil {
		st, err := s.db.PrepareContext(ctx, s.rebind(`SELECT term, postings FROM index_postings WHERE segment_id = ? AND term <= ? ORDER BY term DESC LIMIT 1`))
		if err != nil {
			return nil, fmt.Errorf("index: %w", err)
		}
		s.blockLookup = st
	}
	return s.blockLookup, nil
}

// DocsWithFindings returns the documents that are evidence of a finding.
func (s *Store) DocsWithFindings(ctx context.Context) ([]int64, error) {
	rows, err := s.query(ctx, `SELECT DISTINCT doc_id FROM finding_docs`)
	if err != nil {
		return nil, fmt.Errorf("list documents with findings: %w", err)
	}
	defer rows.Close()
	var ids []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		ids = append(ids, id)
	}
	return ids, rows.Err()
}

// IndexStats says how the index is stored.
type IndexStats struct {
	Segments      int
	Blocks        int
	PostingsBytes int64 // sealed blocks of posting lists
	SegmentBytes  int64 // sealed document tables and dictionaries
}

// IndexStats counts the index's segments and sealed bytes.
func (s *Store) IndexStats(ctx context.Context) (IndexStats, error) {
	var st IndexStats
	err := s.queryRow(ctx, `SELECT count(*), coalesce(sum(length(docs) + length(dict)), 0) FROM index_segments`).Scan(&st.Segments, &st.SegmentBytes)
	if err != nil {
		return st, fmt.Errorf("index stats: %w", err)
	}
	err = s.queryRow(ctx, `SELECT count(*), coalesce(sum(length(postings)), 0) FROM index_postings`).Scan(&st.Blocks, &st.PostingsBytes)
	if err != nil {
		return st, fmt.Errorf("index stats: %w", err)
	}
	return st, nil
}

// IndexSizes opens every block and table of the index and says where its
// bytes go (what the search benchmark reports).
func (s *Store) IndexSizes(ctx context.Context) (search.Sizes, error) {
	var z search.Sizes
	rows, err := s.query(ctx, `SELECT id, docs, dict FROM index_segments ORDER BY id`)
	if err != nil {
		return z, fmt.Errorf("index sizes: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var id int64
		var docs, dict []byte
		if err := rows.Scan(&id, &docs, &dict); err != nil {
			return z, err
		}
		if docs, err = s.open(docs, adSegment("docs", id)); err != nil {
			return z, err
		}
		if dict, err = s.open(dict, adSegment("dict", id)); err != nil {
			return z, err
		}
		if err := z.AddTables(docs, dict); err != nil {
			return z, fmt.Errorf("index segment %d: %w", id, err)
		}
	}
	if err := rows.Err(); err != nil {
		return z, err
	}
	blocks, err := s.query(ctx, `SELECT segment_id, term, postings FROM index_postings`)
	if err != nil {
		return z, fmt.Errorf("index sizes: %w", err)
	}
	defer blocks.Close()
	for blocks.Next() {
		var seg int64
		var first, sealed []byte
		if err := blocks.Scan(&seg, &first, &sealed); err != nil {
			return z, err
		}
		b, err := s.open(sealed, adPostings(first, seg))
		if err != nil {
			return z, err
		}
		if err := z.AddBlock(b); err != nil {
			return z, fmt.Errorf("index segment %d: %w", seg, err)
		}
	}
	return z, blocks.Err()
}

// mergePage is how many blocks a merge reads from a segment at a time.
var mergePage = 64

type blockEntry struct {
	key      [search.BlockKeyLen]byte
	postings []byte
}

// blockCursor walks one segment's posting lists in key order.
type blockCursor struct {
	seg     int64
	after   []byte
	entries []blockEntry
	done    bool
}

func (c *blockCursor) fill(ctx context.Context, t *Tx) error {
	if len(c.entries) > 0 || c.done {
		return nil
	}
	rows, err := t.Query(ctx, `SELECT term, postings FROM index_postings WHERE segment_id = ? AND term > ? ORDER BY term LIMIT ?`, c.seg, c.after, mergePage)
	if err != nil {
		return fmt.Errorf("index: merge: %w", err)
	}
	defer rows.Close()
	n := 0
	for rows.Next() {
		var first, sealed []byte
		if err := rows.Scan(&first, &sealed); err != nil {
			return err
		}
		b, err := t.s.open(sealed, adPostings(first, c.seg))
		if err != nil {
			return err
		}
		err = search.BlockEntries(b, func(k [search.BlockKeyLen]byte, p []byte) error {
			c.entries = append(c.entries, blockEntry{k, p})
			return nil
		})
		if err != nil {
			return fmt.Errorf("index: merge segment %d: %w", c.seg, err)
		}
		c.after = first
		n++
	}
	if n < mergePage {
		c.done = true
	}
	return rows.Err()
}

// MergeIndex merges every segment into one, in one transaction: a crash
// leaves either the old segments or the merged one. Documents no longer in
// the workspace are dropped. key is the index MAC the dictionary's terms
// are keyed with. It returns the number of segments merged.
func (s *Store) MergeIndex(ctx context.Context, key func(term string) [32]byte) (int, error) {
	var merged int
	err := s.inTx(ctx, func(t *Tx) error {
		exists := map[int64]bool{}
		rows, err := t.Query(ctx, `SELECT id FROM docs`)
		if err != nil {
			return fmt.Errorf("index: merge: %w", err)
		}
		for rows.Next() {
			var id int64
			if err := rows.Scan(&id); err != nil {
				rows.Close()
				return err
			}
			exists[id] = true
		}
		rows.Close()
		rows, err = t.Query(ctx, `SELECT id, docs, dict FROM index_segments ORDER BY id`)
		if err != nil {
			return fmt.Errorf("index: merge: %w", err)
		}
		var segs []search.SegmentBlobs
		for rows.Next() {
			var sb search.SegmentBlobs
			var docs, dict []byte
			if err := rows.Scan(&sb.ID, &docs, &dict); err != nil {
				rows.Close()
				return err
			}
			if sb.Docs, err = t.s.open(docs, adSegment("docs", sb.ID)); err == nil {
				sb.Dict, err = t.s.open(dict, adSegment("dict", sb.ID))
			}
			if err != nil {
				rows.Close()
				return err
			}
			segs = append(segs, sb)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		if len(segs) <= 1 {
			return nil
		}
		m, err := search.NewMerger(segs, func(id int64) bool { return exists[id] }, key)
		if err != nil {
			return fmt.Errorf("index: merge: %w", err)
		}
		last := segs[len(segs)-1].ID
		id, err := t.InsertID(ctx, `INSERT INTO index_segments (docs, dict, created_at) VALUES (?, ?, ?)`, []byte{}, []byte{}, now())
		if err != nil {
			return fmt.Errorf("index: merge: %w", err)
		}
		// A cursor per segment reads its blocks a page at a time, in key
		// order (PostgreSQL cannot write on a connection while a result is
		// open); the smallest key among the cursors is merged next.
		cursors := make([]*blockCursor, len(segs))
		for i, sb := range segs {
			cursors[i] = &blockCursor{seg: sb.ID, after: []byte{}}
		}
		var w search.BlockWriter
		for {
			var min *[search.BlockKeyLen]byte
			for _, c := range cursors {
				if err := c.fill(ctx, t); err != nil {
					return err
				}
				if len(c.entries) > 0 && (min == nil || bytes.Compare(c.entries[0].key[:], min[:]) < 0) {
					k := c.entries[0].key
					min = &k
				}
			}
			if min == nil {
				break
			}
			var parts []search.SegmentPostings
			for _, c := range cursors {
				if len(c.entries) > 0 && c.entries[0].key == *min {
					parts = append(parts, search.SegmentPostings{Segment: c.seg, Data: c.entries[0].postings})
					c.entries = c.entries[1:]
				}
			}
			b, err := m.Postings(*min, parts)
			if err != nil {
				return fmt.Errorf("index: merge: %w", err)
			}
			if b != nil {
				w.Add(*min, b)
			}
			if err := t.addBlocks(ctx, id, w.Take(false)); err != nil {
				return err
			}
		}
		if err := t.addBlocks(ctx, id, w.Take(true)); err != nil {
			return err
		}
		docs, dict := m.Finish()
		if _, err := t.Exec(ctx, `UPDATE index_segments SET docs = ?, dict = ? WHERE id = ?`,
			t.s.seal(docs, adSegment("docs", id)), t.s.seal(dict, adSegment("dict", id)), id); err != nil {
			return fmt.Errorf("index: merge: %w", err)
		}
		if _, err := t.Exec(ctx, `DELETE FROM index_postings WHERE segment_id <= ?`, last); err != nil {
			return fmt.Errorf("index: merge: %w", err)
		}
		if _, err := t.Exec(ctx, `DELETE FROM index_segments WHERE id <= ?`, last); err != nil {
			return fmt.Errorf("index: merge: %w", err)
		}
		merged = len(segs)
		return nil
	})
	return merged, err
}

// indexMigrations are the migrations that replaced the index's format,
// dropping the index: 0010 (positional segments instead of document ids
// per term) and 0055 (bit-packed posting lists, compressed tables).
var indexMigrations = []int{10, 55}

// IndexOutdated reports whether migrating will drop the index because a
// migration that replaces its format is not yet applied: the index then
// lacks every document until IndexMissing rebuilds it from the sealed
// texts.
func (s *Store) IndexOutdated(ctx context.Context) (bool, error) {
	done, err := s.applied(ctx)
	if err != nil {
		return false, err
	}
	for _, v := range indexMigrations {
		if !done[v] {
			return true, nil
		}
	}
	return false, nil
}

// IndexMissing indexes the documents with text that no segment holds (a
// workspace whose index predates positional segments), a thousand per
// segment, and returns how many it indexed.
func (s *Store) IndexMissing(ctx context.Context, key func(term string) [32]byte, fields func(d Doc, text []byte) search.Fields) (int, error) {
	indexed := map[int64]bool{}
	segs, err := s.IndexSegments(ctx)
	if err != nil {
		return 0, err
	}
	for _, seg := range segs {
		b, err := s.IndexDocs(ctx, seg)
		if err != nil {
			return 0, err
		}
		docs, err := search.DecodeDocs(b)
		if err != nil {
			return 0, fmt.Errorf("index segment %d: %w", seg, err)
		}
		for _, d := range docs {
			indexed[d.ID] = true
		}
	}
	var todo []Doc
	err = s.ListDocs(ctx, func(d Doc) error {
		if !indexed[d.ID] && d.Meta.TextSize > 0 {
			todo = append(todo, d)
		}
		return nil
	})
	if err != nil {
		return 0, err
	}
	n := 0
	for len(todo) > 0 {
		batch := todo[:min(len(todo), 1000)]
		todo = todo[len(batch):]
		b := search.NewBuilder()
		for _, d := range batch {
			text, err := s.DocText(ctx, d.ID)
			if err != nil {
				return n, err
			}
			if len(text) > 0 {
				b.Add(d.ID, text, fields(d, text))
			}
		}
		if b.Len() == 0 {
			continue
		}
		err := s.inTx(ctx, func(t *Tx) error {
			_, err := t.AddIndexSegment(ctx, b.Build(key))
			return err
		})
		if err != nil {
			return n, err
		}
		n += b.Len()
	}
	return n, nil
}
