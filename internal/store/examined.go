package store

import (
	"context"
	"fmt"
	"time"
)

// Examined is the record that a document was looked at for findings.
type Examined struct {
	Doc int64
	At  time.Time
	How string // "extract" or "none"
	MAC []byte // under a workspace key, over Doc, At and How
}

// MarkExamined records (or renews) that documents were examined.
func (s *Store) MarkExamined(ctx context.Context, xs []Examined) error {
	return s.inTx(ctx, func(tx *Tx) error {
		for _, x := range xs {
			_, err := tx.Exec(ctx, `INSERT INTO findings_examined (doc_id, examined_at, how, mac) VALUES (?, ?, ?, ?)
				ON CONFLICT (doc_id) DO UPDATE SET examined_at = excluded.examined_at, how = excluded.how, mac = excluded.mac`,
				x.Doc, fmtTime(x.At), x.How, x.MAC)
			if err != nil {
				return fmt.Errorf("mark document %d examined: %w", x.Doc, err)
			}
		}
		return nil
	})
}

// ExaminedDocs returns every examined document's record.
func (s *Store) ExaminedDocs(ctx context.Context) (map[int64]Examined, error) {
	rows, err := s.query(ctx, `SELECT doc_id, examined_at, how, mac FROM findings_examined`)
	if err != nil {
		return nil, fmt.Errorf("list examined documents: %w", err)
	}
	defer rows.Close()
	out := map[int64]Examined{}
	for rows.Next() {
		var x Examined
		var at string
		if err := rows.Scan(&x.Doc, &at, &x.How, &x.MAC); err != nil {
			return nil, err
		}
		if x.At, err = parseTime(at); err != nil {
			return nil, err
		}
		out[x.Doc] = x
	}
	return out, rows.Err()
}
