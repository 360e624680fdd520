package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"time"

	"antidote/internal/audit"
)

// AppendAudit appends the event next builds from the last one, atomically.
func (s *Store) AppendAudit(ctx context.Context, next func(last audit.Event) (audit.Event, error)) error {
	return s.inTx(ctx, func(tx *Tx) error {
		if s.dialect == Postgres {
			if _, err := tx.Exec(ctx, `LOCK TABLE audit IN EXCLUSIVE MODE`); err != nil {
				return err
			}
		}
		var last audit.Event
		err := tx.QueryRow(ctx, `SELECT seq, mac FROM audit ORDER BY seq DESC LIMIT 1`).Scan(&last.Seq, &last.MAC)
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			return fmt.Errorf("read audit log: %w", err)
		}
		e, err := next(last)
		if err != nil {
			return err
		}
		var detail []byte
		if e.Detail != nil {
			detail = s.seal(e.Detail, "audit.detail:"+strconv.FormatInt(e.Seq, 10))
		}
		_, err = tx.Exec(ctx, `INSERT INTO audit (seq, at, actor, action, target, detail, prev, mac) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
			e.Seq, e.At.UTC().Format(time.RFC3339Nano), e.Actor, e.Action, e.Target, detail, e.Prev, e.MAC)
		if err != nil {
			return fmt.Errorf("append to audit log: %w", err)
		}
		return nil
	})
}

// ListAudit calls fn for every event in sequence order.
func (s *Store) ListAudit(ctx context.Context, fn func(audit.Event) error) error {
	return s.ListAuditFrom(ctx, 0, fn)
}

// ListAuditFrom calls fn for every event from sequence number from on, in
// order.
func (s *Store) ListAuditFrom(ctx context.Context, from int64, fn func(audit.Event) error) error {
	rows, err := s.query(ctx, `SELECT seq, at, actor, action, target, detail, prev, mac FROM audit WHERE seq >= ? ORDER BY seq`, from)
	if err != nil {
		return fmt.Errorf("read audit log: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var e audit.Event
		var at string
		var detail []byte
		if err := rows.Scan(&e.Seq, &at, &e.Actor, &e.Action, &e.Target, &detail, &e.Prev, &e.MAC); err != nil {
			return fmt.Errorf("read audit log: %w", err)
		}
		if e.At, err = time.Parse(time.RFC3339Nano, at); err != nil {
			return fmt.Errorf("audit event %d: bad time: %w", e.Seq, err)
		}
		if detail != nil {
			if e.Detail, err = s.open(detail, "audit.detail:"+strconv.FormatInt(e.Seq, 10)); err != nil {
				return fmt.Errorf("audit event %d: %w", e.Seq, err)
			}
		}
		if err := fn(e); err != nil {
			return err
		}
	}
	return rows.Err()
}
