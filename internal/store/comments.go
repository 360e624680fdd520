package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
)

// CaseComment is one message of a case's threads. Vendor is the vendor's
// thread (0: the coordinators' internal thread).
type CaseComment struct {
	ID     int64
	Case   int64
	Vendor int64
	At     string // RFC 3339, UTC
	Author string
	Text   string
}

// AddCaseComment stores a comment, its text sealed, and returns its id.
func (s *Store) AddCaseComment(ctx context.Context, c CaseComment) (int64, error) {
	var id int64
	err := s.inTx(ctx, func(tx *Tx) error {
		var n int
		if err := tx.QueryRow(ctx, `SELECT count(*) FROM cases WHERE id = ?`, c.Case).Scan(&n); err != nil {
			return fmt.Errorf("add comment: %w", err)
		}
		if n == 0 {
			return notFound("case", c.Case)
		}
		var err error
		// The body is sealed under the row id, so insert a placeholder first.
		id, err = tx.InsertID(ctx, `INSERT INTO case_comments (case_id, vendor_id, at, author, body) VALUES (?, ?, ?, ?, ?)`,
			c.Case, c.Vendor, c.At, c.Author, []byte{})
		if err != nil {
			return fmt.Errorf("add comment: %w", err)
		}
		_, err = tx.Exec(ctx, `UPDATE case_comments SET body = ? WHERE id = ?`, s.seal([]byte(c.Text), adRow("case_comments", "body", id)), id)
		return err
	})
	return id, err
}

// CaseComments returns a case's comments, oldest first.
func (s *Store) CaseComments(ctx context.Context, caseID int64) ([]CaseComment, error) {
	rows, err := s.query(ctx, `SELECT id, case_id, vendor_id, at, author, body FROM case_comments WHERE case_id = ? ORDER BY id`, caseID)
	if err != nil {
		return nil, fmt.Errorf("read comments: %w", err)
	}
	defer rows.Close()
	var out []CaseComment
	for rows.Next() {
		var c CaseComment
		var sealed []byte
		if err := rows.Scan(&c.ID, &c.Case, &c.Vendor, &c.At, &c.Author, &sealed); err != nil {
			return nil, fmt.Errorf("read comments: %w", err)
		}
		b, err := s.open(sealed, adRow("case_comments", "body", c.ID))
		if err != nil {
			return nil, err
		}
		c.Text = string(b)
		out = append(out, c)
	}
	return out, rows.Err()
}

// CasesVersion is a fingerprint of everything a case list shows: it
// changes when a case, a timeline event, a target, a vendor, a product, or
// a finding is added or updated, so that a server can keep case views
// between requests and rebuild them only when it changes.
func (s *Store) CasesVersion(ctx context.Context) (string, error) {
	var a, b, c, d, e, f, g, h int64
	var upd string
	err := s.queryRow(ctx, `SELECT
		(SELECT count(*) FROM cases), (SELECT coalesce(max(id), 0) FROM case_events), (SELECT count(*) FROM case_events),
		(SELECT count(*) FROM case_targets), (SELECT count(*) FROM vendors), (SELECT count(*) FROM products),
		(SELECT count(*) FROM product_downstream), (SELECT count(*) FROM findings),
		(SELECT coalesce(max(updated_at), '') || '.' || (SELECT count(*) FROM case_shared) FROM findings)`).Scan(&a, &b, &c, &d, &e, &f, &g, &h, &upd)
	if err != nil {
		return "", fmt.Errorf("read case version: %w", err)
	}
	return fmt.Sprintf("%d.%d.%d.%d.%d.%d.%d.%d.%s", a, b, c, d, e, f, g, h, upd), nil
}

// CaseFile is a file attached to a case, in a vendor's thread (0: the
// coordinators'). Body is empty in listings.
type CaseFile struct {
	ID        int64
	Case      int64
	Vendor    int64
	At        string // RFC 3339, UTC
	Author    string
	MediaType string
	Size      int64
	Name      string
	Body      []byte
}

// AddCaseFile stores a file, its name and content sealed, and returns its id.
func (s *Store) AddCaseFile(ctx context.Context, f CaseFile) (int64, error) {
	var id int64
	err := s.inTx(ctx, func(tx *Tx) error {
		var n int
		if err := tx.QueryRow(ctx, `SELECT count(*) FROM cases WHERE id = ?`, f.Case).Scan(&n); err != nil {
			return fmt.Errorf("add file: %w", err)
		}
		if n == 0 {
			return notFound("case", f.Case)
		}
		var err error
		id, err = tx.InsertID(ctx, `INSERT INTO case_files (case_id, vendor_id, at, author, media_type, size, name, body) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
			f.Case, f.Vendor, f.At, f.Author, f.MediaType, int64(len(f.Body)), []byte{}, []byte{})
		if err != nil {
			return fmt.Errorf("add file: %w", err)
		}
		_, err = tx.Exec(ctx, `UPDATE case_files SET name = ?, body = ? WHERE id = ?`,
			s.seal([]byte(f.Name), adRow("case_files", "name", id)), s.seal(f.Body, adRow("case_files", "body", id)), id)
		return err
	})
	return id, err
}

// CaseFiles lists a case's files without their content, oldest first.
func (s *Store) CaseFiles(ctx context.Context, caseID int64) ([]CaseFile, error) {
	rows, err := s.query(ctx, `SELECT id, case_id, vendor_id, at, author, media_type, size, name FROM case_files WHERE case_id = ? ORDER BY id`, caseID)
	if err != nil {
		return nil, fmt.Errorf("read files: %w", err)
	}
	defer rows.Close()
	var out []CaseFile
	for rows.Next() {
		var f CaseFile
		var name []byte
		if err := rows.Scan(&f.ID, &f.Case, &f.Vendor, &f.At, &f.Author, &f.MediaType, &f.Size, &name); err != nil {
			return nil, fmt.Errorf("read files: %w", err)
		}
		b, err := s.open(name, adRow("case_files", "name", f.ID))
		if err != nil {
			return nil, err
		}
		f.Name = string(b)
		out = append(out, f)
	}
	return out, rows.Err()
}

// CaseFileContent returns one file of a case with its content.
func (s *Store) CaseFileContent(ctx context.Context, caseID, id int64) (CaseFile, error) {
	var f CaseFile
	var name, body []byte
	err := s.queryRow(ctx, `SELECT id, case_id, vendor_id, at, author, media_type, size, name, body FROM case_files WHERE id = ? AND case_id = ?`, id, caseID).
		Scan(&f.ID, &f.Case, &f.Vendor, &f.At, &f.Author, &f.MediaType, &f.Size, &name, &body)
	if errors.Is(err, sql.ErrNoRows) {
		return f, notFound("file", id)
	}
	if err != nil {
		return f, fmt.Errorf("read file %d: %w", id, err)
	}
	n, err := s.open(name, adRow("case_files", "name", id))
	if err != nil {
		return f, err
	}
	if f.Body, err = s.open(body, adRow("case_files", "body", id)); err != nil {
		return f, err
	}
	f.Name = string(n)
	return f, nil
}

// SetCaseShared marks a case shared among its vendors (or not).
func (s *Store) SetCaseShared(ctx context.Context, caseID int64, shared bool, at, by string) error {
	return s.inTx(ctx, func(tx *Tx) error {
		var n int
		if err := tx.QueryRow(ctx, `SELECT count(*) FROM cases WHERE id = ?`, caseID).Scan(&n); err != nil {
			return fmt.Errorf("share case: %w", err)
		}
		if n == 0 {
			return notFound("case", caseID)
		}
		var err error
		if shared {
			_, err = tx.Exec(ctx, `INSERT INTO case_shared (case_id, shared_at, shared_by) VALUES (?, ?, ?) ON CONFLICT DO NOTHING`, caseID, at, by)
		} else {
			_, err = tx.Exec(ctx, `DELETE FROM case_shared WHERE case_id = ?`, caseID)
		}
		if err != nil {
			return fmt.Errorf("share case %d: %w", caseID, err)
		}
		return nil
	})
}

// SharedCases returns the ids of the cases marked shared.
func (s *Store) SharedCases(ctx context.Context) (map[int64]bool, error) {
	rows, err := s.query(ctx, `SELECT case_id FROM case_shared`)
	if err != nil {
		return nil, fmt.Errorf("read shared cases: %w", err)
	}
	defer rows.Close()
	out := map[int64]bool{}
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		out[id] = true
	}
	return out, rows.Err()
}
