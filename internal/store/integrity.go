package store

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"database/sql"
	"encoding/binary"
	"fmt"
	"strconv"

	"antidote/internal/cases"
)

// RowMAC is a keyed hash (the workspace's "rows" key) that authenticates
// the rows the release gate trusts: redaction checks, approvals, case
// events, cases, finding states and the embargo policy. The store computes
// and checks tags with it but holds no key itself.
type RowMAC interface {
	Sum(data []byte) [32]byte
}

// AuthenticateRows makes the store tag every gate row it writes and check
// the tag of every gate row it reads. A row whose tag does not verify is
// returned marked Unauthentic, never silently trusted. Call it once,
// right after Open.
func (s *Store) AuthenticateRows(m RowMAC) { s.rowMAC = m }

// rowTag is the MAC of a row: its table and its fields, each
// length-prefixed in their text form. Nil when no key was given.
func (s *Store) rowTag(table string, fields ...any) []byte {
	if s.rowMAC == nil {
		return nil
	}
	b := []byte("antidote row v1\x00" + table + "\x00")
	for _, f := range fields {
		var v []byte
		switch x := f.(type) {
		case []byte:
			v = x
		case string:
			v = []byte(x)
		case int64:
			v = strconv.AppendInt(nil, x, 10)
		case int:
			v = strconv.AppendInt(nil, int64(x), 10)
		case sql.NullInt64:
			if x.Valid {
				v = strconv.AppendInt(nil, x.Int64, 10)
			} else {
				v = []byte("null")
			}
		default:
			panic(fmt.Sprintf("store: row field of type %T", f))
		}
		b = binary.BigEndian.AppendUint32(b, uint32(len(v)))
		b = append(b, v...)
	}
	sum := s.rowMAC.Sum(b)
	return sum[:]
}

// rowOK reports whether tag authenticates the row. Without a key every row
// passes (store tests, tools that never run the gate).
func (s *Store) rowOK(tag []byte, table string, fields ...any) bool {
	if s.rowMAC == nil {
		return true
	}
	return hmac.Equal(tag, s.rowTag(table, fields...))
}

// digest names a sealed value in a tag (which text a check was made of).
func digest(b []byte) []byte {
	sum := sha256.Sum256(b)
	return sum[:]
}

// TagUntaggedRows tags the gate rows written before rows were
// authenticated (schema 50). The workspace calls it once, when it
// migrates across that version; after that an untagged row is a forged
// one.
func (s *Store) TagUntaggedRows(ctx context.Context) error {
	if s.rowMAC == nil {
		return nil
	}
	return s.inTx(ctx, func(tx *Tx) error {
		type upd struct {
			q    string
			args []any
		}
		var ups []upd
		collect := func(q string, scan func(*sql.Rows) (upd, error)) error {
			rows, err := tx.Query(ctx, q)
			if err != nil {
				return err
			}
			defer rows.Close()
			for rows.Next() {
				u, err := scan(rows)
				if err != nil {
					return err
				}
				ups = append(ups, u)
			}
			return rows.Err()
		}
		err := collect(`SELECT c.doc_id, c.version, c.passed, c.checked_at, r.text FROM redaction_checks c JOIN redactions r ON r.doc_id = c.doc_id WHERE c.mac IS NULL`, func(r *sql.Rows) (upd, error) {
			var doc, ver int64
			var passed int
			var at string
			var text []byte
			err := r.Scan(&doc, &ver, &passed, &at, &text)
			return upd{`UPDATE redaction_checks SET mac = ? WHERE doc_id = ?`, []any{s.checkTag(doc, ver, passed, at, text), doc}}, err
		})
		if err == nil {
			err = collect(`SELECT doc_id, actor, at FROM release_approvals WHERE mac IS NULL`, func(r *sql.Rows) (upd, error) {
				var doc int64
				var actor, at string
				err := r.Scan(&doc, &actor, &at)
				return upd{`UPDATE release_approvals SET mac = ? WHERE doc_id = ? AND actor = ?`, []any{s.approvalTag(doc, actor, at), doc, actor}}, err
			})
		}
		if err == nil {
			err = collect(`SELECT `+eventRowCols+` FROM case_events WHERE mac IS NULL`, func(r *sql.Rows) (upd, error) {
				row, err := scanEventRow(r)
				return upd{`UPDATE case_events SET mac = ? WHERE id = ?`, []any{s.eventTag(row), row.id}}, err
			})
		}
		var untaggedCases []int64
		if err == nil {
			err = collect(`SELECT id FROM cases WHERE mac IS NULL`, func(r *sql.Rows) (upd, error) {
				var id int64
				err := r.Scan(&id)
				untaggedCases = append(untaggedCases, id)
				return upd{}, err
			})
		}
		var untaggedFindings []int64
		if err == nil {
			err = collect(`SELECT id FROM findings WHERE mac IS NULL`, func(r *sql.Rows) (upd, error) {
				var id int64
				err := r.Scan(&id)
				untaggedFindings = append(untaggedFindings, id)
				return upd{}, err
			})
		}
		var untaggedProducts []int64
		if err == nil {
			err = collect(`SELECT id FROM products WHERE mac IS NULL`, func(r *sql.Rows) (upd, error) {
				var id int64
				err := r.Scan(&id)
				untaggedProducts = append(untaggedProducts, id)
				return upd{}, err
			})
		}
		if err == nil {
			err = collect(`SELECT name, days FROM embargo_policy WHERE mac IS NULL`, func(r *sql.Rows) (upd, error) {
				var name string
				var days int
				err := r.Scan(&name, &days)
				return upd{`UPDATE embargo_policy SET mac = ? WHERE name = ?`, []any{s.policyTag(name, days), name}}, err
			})
		}
		if err != nil {
			return fmt.Errorf("tag existing records: %w", err)
		}
		for _, u := range ups {
			if u.q == "" {
				continue
			}
			if _, err := tx.Exec(ctx, u.q, u.args...); err != nil {
				return fmt.Errorf("tag existing records: %w", err)
			}
		}
		for _, id := range untaggedCases {
			if err := s.retagCase(ctx, tx, id); err != nil {
				return err
			}
		}
		for _, id := range untaggedFindings {
			if err := s.retagFinding(ctx, tx, id); err != nil {
				return err
			}
		}
		for _, id := range untaggedProducts {
			if err := s.retagProduct(ctx, tx, id); err != nil {
				return err
			}
		}
		return nil
	})
}

func (s *Store) checkTag(doc, version int64, passed int, at string, sealedText []byte) []byte {
	return s.rowTag("redaction_checks", doc, version, passed, at, digest(sealedText))
}

func (s *Store) approvalTag(doc int64, actor, at string) []byte {
	return s.rowTag("release_approvals", doc, actor, at)
}

// caseTag covers a case's row, its targets ("vendor:product", in order)
// and the ids of its events (ascending): deleting a target or an event
// (a grace period, a notification) is detected too.
func (s *Store) caseTag(id, finding int64, at, by, targets, events string) []byte {
	return s.rowTag("cases", id, finding, at, by, targets, events)
}

// caseSets returns a case's targets and event ids in their tagged form.
func caseSets(ctx context.Context, q func(ctx context.Context, query string, args ...any) (*sql.Rows, error), id int64) (targets, events string, err error) {
	rows, err := q(ctx, `SELECT vendor_id, product_id FROM case_targets WHERE case_id = ? ORDER BY vendor_id, product_id`, id)
	if err != nil {
		return "", "", err
	}
	var tb []byte
	for rows.Next() {
		var v, p int64
		if err := rows.Scan(&v, &p); err != nil {
			rows.Close()
			return "", "", err
		}
		if len(tb) > 0 {
			tb = append(tb, ',')
		}
		tb = strconv.AppendInt(tb, v, 10)
		tb = append(tb, ':')
		tb = strconv.AppendInt(tb, p, 10)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return "", "", err
	}
	rows, err = q(ctx, `SELECT id FROM case_events WHERE case_id = ? ORDER BY id`, id)
	if err != nil {
		return "", "", err
	}
	var ids []int64
	for rows.Next() {
		var e int64
		if err := rows.Scan(&e); err != nil {
			rows.Close()
			return "", "", err
		}
		ids = append(ids, e)
	}
	rows.Close()
	return string(tb), idList(ids), rows.Err()
}

// retagCase recomputes a case's MAC inside the transaction that changed
// it, its targets or its events.
func (s *Store) retagCase(ctx context.Context, tx *Tx, id int64) error {
	var finding int64
	var at, by string
	if err := tx.QueryRow(ctx, `SELECT finding_id, opened_at, opened_by FROM cases WHERE id = ?`, id).Scan(&finding, &at, &by); err != nil {
		return fmt.Errorf("tag case %d: %w", id, err)
	}
	targets, events, err := caseSets(ctx, tx.Query, id)
	if err != nil {
		return fmt.Errorf("tag case %d: %w", id, err)
	}
	_, err = tx.Exec(ctx, `UPDATE cases SET mac = ? WHERE id = ?`, s.caseTag(id, finding, at, by, targets, events), id)
	return err
}

// findingTag covers a finding's gate fields and the set of documents
// linked to it (docs: ascending ids, comma-separated).
func (s *Store) findingTag(id int64, state string, exploited int, merged sql.NullInt64, docs string) []byte {
	return s.rowTag("findings", id, state, exploited, merged, docs)
}

// retagFinding recomputes a finding's MAC from its row and its links,
// inside the transaction that changed either.
func (s *Store) retagFinding(ctx context.Context, tx *Tx, id int64) error {
	var state string
	var exploited int
	var merged sql.NullInt64
	if err := tx.QueryRow(ctx, `SELECT state, exploited, merged_into FROM findings WHERE id = ?`, id).Scan(&state, &exploited, &merged); err != nil {
		return fmt.Errorf("tag finding %d: %w", id, err)
	}
	rows, err := tx.Query(ctx, `SELECT doc_id FROM finding_docs WHERE finding_id = ? ORDER BY doc_id`, id)
	if err != nil {
		return fmt.Errorf("tag finding %d: %w", id, err)
	}
	var docs []int64
	for rows.Next() {
		var d int64
		if err := rows.Scan(&d); err != nil {
			rows.Close()
			return err
		}
		docs = append(docs, d)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	_, err = tx.Exec(ctx, `UPDATE findings SET mac = ? WHERE id = ?`, s.findingTag(id, state, exploited, merged, idList(docs)), id)
	return err
}

// productTag covers a product's gate fields and its downstream makers
// (ascending vendor ids, comma-separated).
func (s *Store) productTag(id, vendor int64, name, class, downstream string) []byte {
	return s.rowTag("products", id, vendor, name, class, downstream)
}

// idList is ids, in the order given, comma-separated.
func idList(ids []int64) string {
	b := make([]byte, 0, 8*len(ids))
	for i, id := range ids {
		if i > 0 {
			b = append(b, ',')
		}
		b = strconv.AppendInt(b, id, 10)
	}
	return string(b)
}

func (s *Store) policyTag(name string, days int) []byte {
	return s.rowTag("embargo_policy", name, days)
}

// eventRow is a case_events row as stored.
type eventRow struct {
	id, caseID, vendor, product                                   int64
	at, actor, kind, status, justification, expected, releaseDate string
	detail, mac                                                   []byte
}

const eventRowCols = `id, case_id, at, actor, kind, vendor_id, product_id, status, justification, expected_fix, release_date, detail, mac`

func scanEventRow(r scanner) (eventRow, error) {
	var e eventRow
	err := r.Scan(&e.id, &e.caseID, &e.at, &e.actor, &e.kind, &e.vendor, &e.product, &e.status, &e.justification, &e.expected, &e.releaseDate, &e.detail, &e.mac)
	return e, err
}

func (s *Store) eventTag(e eventRow) []byte {
	return s.rowTag("case_events", e.id, e.caseID, e.at, e.actor, e.kind, e.vendor, e.product, e.status, e.justification, e.expected, e.releaseDate, digest(e.detail))
}

// retagProduct recomputes a product's MAC from its row and its downstream
// makers.
func (s *Store) retagProduct(ctx context.Context, tx *Tx, id int64) error {
	var vendor int64
	var name, class string
	if err := tx.QueryRow(ctx, `SELECT vendor_id, name, class FROM products WHERE id = ?`, id).Scan(&vendor, &name, &class); err != nil {
		return fmt.Errorf("tag product %d: %w", id, err)
	}
	rows, err := tx.Query(ctx, `SELECT vendor_id FROM product_downstream WHERE product_id = ? ORDER BY vendor_id`, id)
	if err != nil {
		return fmt.Errorf("tag product %d: %w", id, err)
	}
	var down []int64
	for rows.Next() {
		var v int64
		if err := rows.Scan(&v); err != nil {
			rows.Close()
			return err
		}
		down = append(down, v)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	_, err = tx.Exec(ctx, `UPDATE products SET mac = ? WHERE id = ?`, s.productTag(id, vendor, name, class, idList(down)), id)
	return err
}

// targetList is a case's targets as caseSets writes them.
func targetList(ts []cases.Target) string {
	var b []byte
	for i, t := range ts {
		if i > 0 {
			b = append(b, ',')
		}
		b = strconv.AppendInt(b, t.Vendor, 10)
		b = append(b, ':')
		b = strconv.AppendInt(b, t.Product, 10)
	}
	return string(b)
}
