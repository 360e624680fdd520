package store

import (
	"context"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"time"
)

// Document statuses.
const (
	StatusOK      = "ok"
	StatusSkipped = "skipped"
	StatusError   = "error"
)

// Doc is one distinct content of the leak with every path that held it.
type Doc struct {
	ID       int64
	Dedup    []byte // keyed MAC of the content hash; not secret, not reversible
	Status   string
	Complete bool
	Meta     DocMeta
	BlobFile string // name of the sealed file under blobs/, "" when kept inline
	HasBlob  bool
	Paths    []DocPath
}

// DocMeta is sealed as a whole: even sizes and media types say something
// about a leak's content.
type DocMeta struct {
	SHA256    string `json:"sha256"`
	MediaType string `json:"media_type"`
	Charset   string `json:"charset,omitempty"`
	Size      int64  `json:"size"`
	TextSize  int64  `json:"text_size"`
	Truncated bool   `json:"truncated,omitempty"`
	Reason    string `json:"reason,omitempty"`
	OCR       string `json:"ocr,omitempty"`       // OCR languages, when some text was recognised by OCR
	OCRPages  []int  `json:"ocr_pages,omitempty"` // PDF pages recognised by OCR
}

// DocPath is one place the content was found.
type DocPath struct {
	ID       int64
	Path     []string
	ParentID int64 // 0 for a root input
}

// NewDoc is what ingest writes for a document.
type NewDoc struct {
	Dedup    []byte
	Status   string
	Complete bool
	Meta     DocMeta
	Blob     []byte // plaintext original to seal inline, or nil
	BlobFile string // or the name of a sealed file written by the caller
	Text     []byte // plaintext extracted text to seal, or nil
}

func adDoc(col string, dedup []byte) string { return "docs." + col + ":" + hex.EncodeToString(dedup) }

func now() string { return time.Now().UTC().Format(time.RFC3339Nano) }

// LookupDoc finds a document by its dedup MAC: its id, whether its
// ingest completed, and its status (ok, skipped or error).
func (t *Tx) LookupDoc(ctx context.Context, dedup []byte) (id int64, complete bool, status string, err error) {
	var c int
	err = t.QueryRow(ctx, `SELECT id, complete, status FROM docs WHERE dedup = ?`, dedup).Scan(&id, &c, &status)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, false, "", ErrNotFound
	}
	if err != nil {
		return 0, false, "", fmt.Errorf("look up document: %w", err)
	}
	return id, c != 0, status, nil
}

// PutDoc inserts or updates the document with d.Dedup and returns its id.
func (t *Tx) PutDoc(ctx context.Context, d NewDoc) (int64, error) {
	meta, err := json.Marshal(d.Meta)
	if err != nil {
		return 0, err
	}
	sm := t.s.seal(meta, adDoc("meta", d.Dedup))
	var blob, text []byte
	if d.Blob != nil {
		blob = t.s.seal(d.Blob, adDoc("blob", d.Dedup))
	}
	if d.Text != nil {
		text = t.s.seal(d.Text, adDoc("text", d.Dedup))
	}
	var blobFile any
	if d.BlobFile != "" {
		blobFile = d.BlobFile
	}
	complete := 0
	if d.Complete {
		complete = 1
	}
	id, _, _, err := t.LookupDoc(ctx, d.Dedup)
	switch {
	case errors.Is(err, ErrNotFound):
		id, err = t.InsertID(ctx, `INSERT INTO docs (dedup, status, complete, meta, blob, blob_file, text, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
			d.Dedup, d.Status, complete, sm, blob, blobFile, text, now())
		if err != nil {
			return 0, fmt.Errorf("insert document: %w", err)
		}
		return id, nil
	case err != nil:
		return 0, err
	}
	_, err = t.Exec(ctx, `UPDATE docs SET status = ?, complete = ?, meta = ?, blob = coalesce(?, blob), blob_file = coalesce(?, blob_file), text = coalesce(?, text) WHERE id = ?`,
		d.Status, complete, sm, blob, blobFile, text, id)
	if err != nil {
		return 0, fmt.Errorf("update document %d: %w", id, err)
	}
	return id, nil
}

// AddPath records that doc was found at path (below parent, 0 for none).
// pathKey is a keyed MAC of the path; recording the same path twice is a no-op.
func (t *Tx) AddPath(ctx context.Context, docID, parentID int64, pathKey []byte, path []string) (added bool, err error) {
	enc, err := json.Marshal(path)
	if err != nil {
		return false, err
	}
	var parent any
	if parentID != 0 {
		parent = parentID
	}
	res, err := t.Exec(ctx, `INSERT INTO doc_paths (doc_id, parent_id, path_key, path, created_at) VALUES (?, ?, ?, ?, ?) ON CONFLICT (path_key) DO NOTHING`,
		docID, parent, pathKey, t.s.seal(enc, "doc_paths.path:"+hex.EncodeToString(pathKey)), now())
	if err != nil {
		return false, fmt.Errorf("record document path: %w", err)
	}
	if n, _ := res.RowsAffected(); n > 0 {
		return true, nil
	}
	var old int64
	var oldStatus string
	err = t.QueryRow(ctx, `SELECT p.doc_id, d.status FROM doc_paths p JOIN docs d ON d.id = p.doc_id WHERE p.path_key = ?`, pathKey).Scan(&old, &oldStatus)
	if err != nil {
		return false, fmt.Errorf("record document path: %w", err)
	}
	if old == docID || oldStatus == StatusOK {
		return false, nil
	}
	// The path held a document that was not ingested (a member no password
	// opened, one over a limit) and now yields this one: the path moves,
	// and the failed record goes if nothing else refers to it.
	if _, err := t.Exec(ctx, `UPDATE doc_paths SET doc_id = ?, parent_id = ? WHERE path_key = ?`, docID, parent, pathKey); err != nil {
		return false, fmt.Errorf("record document path: %w", err)
	}
	if _, err := t.Exec(ctx, `DELETE FROM docs WHERE id = ? AND status <> 'ok'
		AND NOT EXISTS (SELECT 1 FROM doc_paths WHERE doc_id = ? OR parent_id = ?)
		AND NOT EXISTS (SELECT 1 FROM finding_docs WHERE doc_id = ?)
		AND NOT EXISTS (SELECT 1 FROM release_approvals WHERE doc_id = ?)
		AND NOT EXISTS (SELECT 1 FROM redactions WHERE doc_id = ?)`, old, old, old, old, old, old); err != nil {
		return false, fmt.Errorf("drop the failed record of a document path: %w", err)
	}
	return true, nil
}

// ListDocs calls fn for every document in id order, with its paths.
func (s *Store) ListDocs(ctx context.Context, fn func(Doc) error) error {
	paths, err := s.allPaths(ctx)
	if err != nil {
		return err
	}
	rows, err := s.query(ctx, `SELECT id, dedup, status, complete, meta, blob IS NOT NULL, blob_file FROM docs ORDER BY id`)
	if err != nil {
		return fmt.Errorf("list documents: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		d, err := s.scanDoc(rows)
		if err != nil {
			return err
		}
		d.Paths = paths[d.ID]
		if err := fn(d); err != nil {
			return err
		}
	}
	return rows.Err()
}

func (s *Store) allPaths(ctx context.Context) (map[int64][]DocPath, error) {
	rows, err := s.query(ctx, `SELECT id, doc_id, parent_id, path_key, path FROM doc_paths ORDER BY id`)
	if err != nil {
		return nil, fmt.Errorf("list document paths: %w", err)
	}
	defer rows.Close()
	out := map[int64][]DocPath{}
	for rows.Next() {
		p, docID, err := s.scanPath(rows)
		if err != nil {
			return nil, err
		}
		out[docID] = append(out[docID], p)
	}
	return out, rows.Err()
}

type scanner interface{ Scan(...any) error }

func (s *Store) scanPath(r scanner) (DocPath, int64, error) {
	var p DocPath
	var docID int64
	var parent sql.NullInt64
	var key, sealed []byte
	if err := r.Scan(&p.ID, &docID, &parent, &key, &sealed); err != nil {
		return p, 0, err
	}
	p.ParentID = parent.Int64
	b, err := s.open(sealed, "doc_paths.path:"+hex.EncodeToString(key))
	if err != nil {
		return p, 0, err
	}
	if err := json.Unmarshal(b, &p.Path); err != nil {
		return p, 0, fmt.Errorf("decode document path: %w", err)
	}
	return p, docID, nil
}

func (s *Store) scanDoc(r scanner) (Doc, error) {
	var d Doc
	var complete int
	var hasBlob bool
	var meta []byte
	var blobFile sql.NullString
	if err := r.Scan(&d.ID, &d.Dedup, &d.Status, &complete, &meta, &hasBlob, &blobFile); err != nil {
		return d, fmt.Errorf("read document: %w", err)
	}
	d.Complete = complete != 0
	d.BlobFile = blobFile.String
	d.HasBlob = hasBlob || blobFile.Valid
	b, err := s.open(meta, adDoc("meta", d.Dedup))
	if err != nil {
		return d, err
	}
	if err := json.Unmarshal(b, &d.Meta); err != nil {
		return d, fmt.Errorf("decode document %d metadata: %w", d.ID, err)
	}
	return d, nil
}

// GetDoc returns one document with its paths.
func (s *Store) GetDoc(ctx context.Context, id int64) (Doc, error) {
	d, err := s.scanDoc(s.queryRow(ctx, `SELECT id, dedup, status, complete, meta, blob IS NOT NULL, blob_file FROM docs WHERE id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) || (err != nil && errors.Is(errors.Unwrap(err), sql.ErrNoRows)) {
		return d, fmt.Errorf("document %d: %w", id, ErrNotFound)
	}
	if err != nil {
		return d, err
	}
	rows, err := s.query(ctx, `SELECT id, doc_id, parent_id, path_key, path FROM doc_paths WHERE doc_id = ? ORDER BY id`, id)
	if err != nil {
		return d, err
	}
	defer rows.Close()
	for rows.Next() {
		p, _, err := s.scanPath(rows)
		if err != nil {
			return d, err
		}
		d.Paths = append(d.Paths, p)
	}
	return d, rows.Err()
}

// DocText returns the extracted text of a document (nil if none).
func (s *Store) DocText(ctx context.Context, id int64) ([]byte, error) {
	var dedup, text []byte
	err := s.queryRow(ctx, `SELECT dedup, text FROM docs WHERE id = ?`, id).Scan(&dedup, &text)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("document %d: %w", id, ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("read document %d: %w", id, err)
	}
	return s.open(text, adDoc("text", dedup))
}

// DocBlob returns the inline original of a document, or the name of its
// sealed blob file when it is kept outside the database.
func (s *Store) DocBlob(ctx context.Context, id int64) (inline []byte, file string, err error) {
	var dedup, blob []byte
	var bf sql.NullString
	err = s.queryRow(ctx, `SELECT dedup, blob, blob_file FROM docs WHERE id = ?`, id).Scan(&dedup, &blob, &bf)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, "", fmt.Errorf("document %d: %w", id, ErrNotFound)
	}
	if err != nil {
		return nil, "", fmt.Errorf("read document %d: %w", id, err)
	}
	if bf.Valid {
		return nil, bf.String, nil
	}
	inline, err = s.open(blob, adDoc("blob", dedup))
	return inline, "", err
}

// DocCount returns the number of documents.
func (s *Store) DocCount(ctx context.Context) (int64, error) {
	var n int64
	err := s.queryRow(ctx, `SELECT count(*) FROM docs`).Scan(&n)
	return n, err
}

// DoneDocs counts the documents ingested completely and without error
// (complete, status ok) with an id of at most upTo (every one when upTo is
// 0), and returns the greatest such id. Antidote never redoes, changes or
// deletes such a document, so the count up to an id only grows: the audit
// log records it after each ingest, and fewer later means rows were
// deleted outside antidote.
func (s *Store) DoneDocs(ctx context.Context, upTo int64) (n, maxID int64, err error) {
	if upTo <= 0 {
		upTo = math.MaxInt64
	}
	err = s.queryRow(ctx, `SELECT COUNT(*), COALESCE(MAX(id), 0) FROM docs WHERE status = 'ok' AND complete = 1 AND id <= ?`, upTo).Scan(&n, &maxID)
	if err != nil {
		return 0, 0, fmt.Errorf("count documents: %w", err)
	}
	return n, maxID, nil
}
