package store

import (
	"context"
	"encoding/hex"
	"fmt"
	"strconv"

	"antidote/internal/search"
)

// The full-text index is a list of immutable segments (index_segments),
// each with its sealed document table and term dictionary, and one sealed
// posting list per term MAC and segment (index_postings). The store only
// seals, stores and returns these blobs; their format is search's.

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
	if err := t.addPostings(ctx, id, func(yield func([32]byte, []byte) bool) {
		for k, v := range seg.Postings {
			if !yield(k, v) {
				return
			}
		}
	}); err != nil {
		return 0, err
	}
	return id, nil
}

func (t *Tx) addPostings(ctx context.Context, seg int64, each func(func([32]byte, []byte) bool)) error {
	stmt, err := t.Prepare(ctx, `INSERT INTO index_postings (term, segment_id, postings) VALUES (?, ?, ?)`)
	if err != nil {
		return fmt.Errorf("index: %w", err)
	}
	defer stmt.Close()
	var ierr error
	each(func(k [32]byte, v []byte) bool {
		if _, err := stmt.ExecContext(ctx, k[:], seg, t.s.seal(v, adPostings(k[:], seg))); err != nil {
			ierr = fmt.Errorf("index: write posting list: %w", err)
			return false
		}
		return true
	})
	return ierr
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

// IndexPostings returns the opened posting lists of a term MAC, one per
// segment holding it, by ascending segment.
func (s *Store) IndexPostings(ctx context.Context, term [32]byte) ([]search.SegmentPostings, error) {
	rows, err := s.query(ctx, `SELECT segment_id, postings FROM index_postings WHERE term = ? ORDER BY segment_id`, term[:])
	if err != nil {
		return nil, fmt.Errorf("index: read posting lists: %w", err)
	}
	defer rows.Close()
	var out []search.SegmentPostings
	for rows.Next() {
		var sp search.SegmentPostings
		var sealed []byte
		if err := rows.Scan(&sp.Segment, &sealed); err != nil {
			return nil, err
		}
		if sp.Data, err = s.open(sealed, adPostings(term[:], sp.Segment)); err != nil {
			return nil, err
		}
		out = append(out, sp)
	}
	return out, rows.Err()
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
	PostingLists  int
	PostingsBytes int64 // sealed posting lists
	SegmentBytes  int64 // sealed document tables and dictionaries
}

// IndexStats counts the index's segments and sealed bytes.
func (s *Store) IndexStats(ctx context.Context) (IndexStats, error) {
	var st IndexStats
	err := s.queryRow(ctx, `SELECT count(*), coalesce(sum(length(docs) + length(dict)), 0) FROM index_segments`).Scan(&st.Segments, &st.SegmentBytes)
	if err != nil {
		return st, fmt.Errorf("index stats: %w", err)
	}
	err = s.queryRow(ctx, `SELECT count(*), coalesce(sum(length(postings)), 0) FROM index_postings`).Scan(&st.PostingLists, &st.PostingsBytes)
	if err != nil {
		return st, fmt.Errorf("index stats: %w", err)
	}
	return st, nil
}

// mergePage is how many posting rows a merge reads at a time.
const mergePage = 4096

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
		// Posting rows are read a page at a time, in term order, so that
		// one term's lists from every segment meet (PostgreSQL cannot write
		// on a connection while a result is open).
		var after []byte = []byte{}
		type row struct {
			term []byte
			sp   search.SegmentPostings
		}
		for {
			rows, err := t.Query(ctx, `SELECT term, segment_id, postings FROM index_postings WHERE segment_id <= ? AND term > ? ORDER BY term, segment_id LIMIT ?`,
				last, after, max(mergePage, 2*len(segs)))
			if err != nil {
				return fmt.Errorf("index: merge: %w", err)
			}
			var page []row
			for rows.Next() {
				var r row
				var sealed []byte
				if err := rows.Scan(&r.term, &r.sp.Segment, &sealed); err != nil {
					rows.Close()
					return err
				}
				if r.sp.Data, err = t.s.open(sealed, adPostings(r.term, r.sp.Segment)); err != nil {
					rows.Close()
					return err
				}
				page = append(page, r)
			}
			rows.Close()
			if err := rows.Err(); err != nil {
				return err
			}
			full := len(page) == max(mergePage, 2*len(segs))
			if full {
				// The last term may continue on the next page.
				lastTerm := string(page[len(page)-1].term)
				for len(page) > 0 && string(page[len(page)-1].term) == lastTerm {
					page = page[:len(page)-1]
				}
			}
			if len(page) == 0 {
				break
			}
			var out [][2][]byte
			for i := 0; i < len(page); {
				j := i
				var parts []search.SegmentPostings
				for j < len(page) && string(page[j].term) == string(page[i].term) {
					parts = append(parts, page[j].sp)
					j++
				}
				var k [32]byte
				copy(k[:], page[i].term)
				b, err := m.Postings(k, parts)
				if err != nil {
					return fmt.Errorf("index: merge: %w", err)
				}
				if b != nil {
					out = append(out, [2][]byte{page[i].term, b})
				}
				i = j
			}
			err = t.addPostings(ctx, id, func(yield func([32]byte, []byte) bool) {
				for _, o := range out {
					var k [32]byte
					copy(k[:], o[0])
					if !yield(k, o[1]) {
						return
					}
				}
			})
			if err != nil {
				return err
			}
			after = page[len(page)-1].term
			if !full {
				break
			}
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
