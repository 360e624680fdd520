package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"antidote/internal/cases"
)

// eventDetail is the sealed free text of a case event.
type eventDetail struct {
	FixedVersion string `json:"fixed_version,omitempty"`
	PatchLevel   string `json:"patch_level,omitempty"`
	Evidence     string `json:"evidence,omitempty"`
	Note         string `json:"note,omitempty"`
}

// OpenCase stores a new case for an existing finding with its targets and
// its first events, and returns its id.
func (s *Store) OpenCase(ctx context.Context, c cases.Case, events []cases.Event) (int64, error) {
	var id int64
	err := s.inTx(ctx, func(tx *Tx) error {
		var n int
		if err := tx.QueryRow(ctx, `SELECT count(*) FROM findings WHERE id = ?`, c.Finding).Scan(&n); err != nil {
			return fmt.Errorf("open case: %w", err)
		}
		if n == 0 {
			return notFound("finding", c.Finding)
		}
		var err error
		id, err = tx.InsertID(ctx, `INSERT INTO cases (finding_id, opened_at, opened_by) VALUES (?, ?, ?)`, c.Finding, fmtTime(c.Opened), c.OpenedBy)
		if err != nil {
			return fmt.Errorf("open case: %w", err)
		}
		for _, t := range c.Targets {
			if _, err := tx.Exec(ctx, `INSERT INTO case_targets (case_id, vendor_id, product_id) VALUES (?, ?, ?) ON CONFLICT DO NOTHING`, id, t.Vendor, t.Product); err != nil {
				return fmt.Errorf("open case: add vendor: %w", err)
			}
		}
		for _, e := range events {
			e.Case = id
			if _, err := s.insertEvent(ctx, tx, e); err != nil {
				return err
			}
		}
		return s.retagCase(ctx, tx, id)
	})
	return id, err
}

func (s *Store) insertEvent(ctx context.Context, tx *Tx, e cases.Event) (int64, error) {
	id, err := tx.InsertID(ctx, `INSERT INTO case_events (case_id, at, actor, kind, vendor_id, product_id, status, justification, expected_fix, release_date) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		e.Case, fmtTime(e.At), e.Actor, string(e.Kind), e.Target.Vendor, e.Target.Product, string(e.Status), string(e.Justification), fmtTime(e.ExpectedFix), fmtTime(e.ReleaseDate))
	if err != nil {
		return 0, fmt.Errorf("record case event: %w", err)
	}
	row := eventRow{id: id, caseID: e.Case, at: fmtTime(e.At), actor: e.Actor, kind: string(e.Kind), vendor: e.Target.Vendor, product: e.Target.Product,
		status: string(e.Status), justification: string(e.Justification), expected: fmtTime(e.ExpectedFix), releaseDate: fmtTime(e.ReleaseDate)}
	d := eventDetail{FixedVersion: e.FixedVersion, PatchLevel: e.PatchLevel, Evidence: e.Evidence, Note: e.Note}
	if d != (eventDetail{}) {
		b, err := json.Marshal(d)
		if err != nil {
			return 0, err
		}
		row.detail = s.seal(b, adRow("case_events", "detail", id))
	}
	if _, err := tx.Exec(ctx, `UPDATE case_events SET detail = ?, mac = ? WHERE id = ?`, row.detail, s.eventTag(row), id); err != nil {
		return 0, fmt.Errorf("record case event: %w", err)
	}
	return id, nil
}

// AddCaseEvent appends an event to a case's timeline in one transaction:
// check receives the case and its timeline so far and refuses an event the
// case's rules forbid. If the event's target is new to the case, it joins.
func (s *Store) AddCaseEvent(ctx context.Context, e cases.Event, check func(c cases.Case, timeline []cases.Event) error) (int64, error) {
	id, _, err := s.AddCaseEventWithMail(ctx, e, check, nil)
	return id, err
}

// Case returns a case with its timeline in order.
func (s *Store) Case(ctx context.Context, id int64) (c cases.Case, timeline []cases.Event, err error) {
	err = s.inTx(ctx, func(tx *Tx) error {
		c, timeline, err = s.readCase(ctx, tx, id)
		return err
	})
	return c, timeline, err
}

func (s *Store) readCase(ctx context.Context, tx *Tx, id int64) (cases.Case, []cases.Event, error) {
	c := cases.Case{ID: id}
	var opened string
	var mac []byte
	err := tx.QueryRow(ctx, `SELECT finding_id, opened_at, opened_by, mac FROM cases WHERE id = ?`, id).Scan(&c.Finding, &opened, &c.OpenedBy, &mac)
	if errors.Is(err, sql.ErrNoRows) {
		return c, nil, notFound("case", id)
	}
	if err != nil {
		return c, nil, fmt.Errorf("read case %d: %w", id, err)
	}
	if c.Opened, err = parseTime(opened); err != nil {
		return c, nil, fmt.Errorf("case %d: bad time: %w", id, err)
	}
	if s.rowMAC != nil {
		targets, events, err := caseSets(ctx, tx.Query, id)
		if err != nil {
			return c, nil, fmt.Errorf("read case %d: %w", id, err)
		}
		c.Unauthentic = !s.rowOK(mac, "cases", id, c.Finding, opened, c.OpenedBy, targets, events)
	}
	rows, err := tx.Query(ctx, `SELECT vendor_id, product_id FROM case_targets WHERE case_id = ? ORDER BY vendor_id, product_id`, id)
	if err != nil {
		return c, nil, fmt.Errorf("read case %d: %w", id, err)
	}
	for rows.Next() {
		var t cases.Target
		if err := rows.Scan(&t.Vendor, &t.Product); err != nil {
			rows.Close()
			return c, nil, err
		}
		c.Targets = append(c.Targets, t)
	}
	rows.Close()
	rows, err = tx.Query(ctx, `SELECT `+eventCols+` FROM case_events WHERE case_id = ? ORDER BY at, id`, id)
	if err != nil {
		return c, nil, fmt.Errorf("read case %d timeline: %w", id, err)
	}
	defer rows.Close()
	var evs []cases.Event
	for rows.Next() {
		e, err := s.scanEvent(rows)
		if err != nil {
			return c, nil, err
		}
		evs = append(evs, e)
	}
	return c, evs, rows.Err()
}

const eventCols = eventRowCols

func (s *Store) scanEvent(r scanner) (cases.Event, error) {
	var e cases.Event
	row, err := scanEventRow(r)
	if err != nil {
		return e, err
	}
	e.Seq, e.Case, e.Actor, e.Target.Vendor, e.Target.Product = row.id, row.caseID, row.actor, row.vendor, row.product
	at, expected, release, detail := row.at, row.expected, row.releaseDate, row.detail
	e.Kind, e.Status, e.Justification = cases.EventKind(row.kind), cases.Status(row.status), cases.Justification(row.justification)
	e.Unauthentic = !s.rowOK(row.mac, "case_events", row.id, row.caseID, row.at, row.actor, row.kind, row.vendor, row.product, row.status, row.justification, row.expected, row.releaseDate, digest(row.detail))
	if e.At, err = parseTime(at); err != nil {
		return e, fmt.Errorf("case event %d: bad time: %w", e.Seq, err)
	}
	if e.ExpectedFix, err = parseTime(expected); err != nil {
		return e, fmt.Errorf("case event %d: bad time: %w", e.Seq, err)
	}
	if e.ReleaseDate, err = parseTime(release); err != nil {
		return e, fmt.Errorf("case event %d: bad time: %w", e.Seq, err)
	}
	if detail != nil {
		b, err := s.open(detail, adRow("case_events", "detail", e.Seq))
		if err != nil {
			return e, err
		}
		var d eventDetail
		if err := json.Unmarshal(b, &d); err != nil {
			return e, fmt.Errorf("case event %d: %w", e.Seq, err)
		}
		e.FixedVersion, e.PatchLevel, e.Evidence, e.Note = d.FixedVersion, d.PatchLevel, d.Evidence, d.Note
	}
	return e, nil
}

// Cases returns every case with its targets, in id order.
func (s *Store) Cases(ctx context.Context) ([]cases.Case, error) {
	targets := map[int64][]cases.Target{}
	rows, err := s.query(ctx, `SELECT case_id, vendor_id, product_id FROM case_targets ORDER BY case_id, vendor_id, product_id`)
	if err != nil {
		return nil, fmt.Errorf("list cases: %w", err)
	}
	for rows.Next() {
		var id int64
		var t cases.Target
		if err := rows.Scan(&id, &t.Vendor, &t.Product); err != nil {
			rows.Close()
			return nil, err
		}
		targets[id] = append(targets[id], t)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list cases: %w", err)
	}
	events := map[int64][]int64{}
	rows, err = s.query(ctx, `SELECT case_id, id FROM case_events ORDER BY case_id, id`)
	if err != nil {
		return nil, fmt.Errorf("list cases: %w", err)
	}
	for rows.Next() {
		var c, e int64
		if err := rows.Scan(&c, &e); err != nil {
			rows.Close()
			return nil, err
		}
		events[c] = append(events[c], e)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list cases: %w", err)
	}
	rows, err = s.query(ctx, `SELECT id, finding_id, opened_at, opened_by, mac FROM cases ORDER BY id`)
	if err != nil {
		return nil, fmt.Errorf("list cases: %w", err)
	}
	defer rows.Close()
	var out []cases.Case
	for rows.Next() {
		var c cases.Case
		var opened string
		var mac []byte
		if err := rows.Scan(&c.ID, &c.Finding, &opened, &c.OpenedBy, &mac); err != nil {
			return nil, err
		}
		c.Targets = targets[c.ID]
		c.Unauthentic = !s.rowOK(mac, "cases", c.ID, c.Finding, opened, c.OpenedBy, targetList(c.Targets), idList(events[c.ID]))
		if c.Opened, err = parseTime(opened); err != nil {
			return nil, fmt.Errorf("case %d: bad time: %w", c.ID, err)
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

// CaseEvents returns the events of every case, ordered by case, time and
// sequence.
func (s *Store) CaseEvents(ctx context.Context) ([]cases.Event, error) {
	rows, err := s.query(ctx, `SELECT `+eventCols+` FROM case_events ORDER BY case_id, at, id`)
	if err != nil {
		return nil, fmt.Errorf("list case events: %w", err)
	}
	defer rows.Close()
	var out []cases.Event
	for rows.Next() {
		e, err := s.scanEvent(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, e)
	}
	return out, rows.Err()
}

// Policy returns the embargo policy: the defaults overlaid with what the
// workspace has set.
func (s *Store) Policy(ctx context.Context) (cases.Policy, error) {
	p := cases.DefaultPolicy()
	rows, err := s.query(ctx, `SELECT name, days, mac FROM embargo_policy ORDER BY name`)
	if err != nil {
		return p, fmt.Errorf("read embargo policy: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var name string
		var days int
		var mac []byte
		if err := rows.Scan(&name, &days, &mac); err != nil {
			return p, err
		}
		if !s.rowOK(mac, "embargo_policy", name, days) {
			p.Unauthentic = append(p.Unauthentic, name)
			continue
		}
		if err := p.Set(name, days); err != nil {
			return p, fmt.Errorf("embargo policy entry %s: %w", name, err)
		}
	}
	return p, rows.Err()
}

// SetPolicy records one policy entry (validated by the caller with
// cases.Policy.Set).
func (s *Store) SetPolicy(ctx context.Context, name string, days int) error {
	return s.inTx(ctx, func(tx *Tx) error {
		_, err := tx.Exec(ctx, `INSERT INTO embargo_policy (name, days, mac) VALUES (?, ?, ?) ON CONFLICT (name) DO UPDATE SET days = excluded.days, mac = excluded.mac`, name, days, s.policyTag(name, days))
		if err != nil {
			return fmt.Errorf("set embargo policy: %w", err)
		}
		return nil
	})
}

// Approve records actor's approval to publish doc; approving twice is a
// no-op and added is false.
func (s *Store) Approve(ctx context.Context, doc int64, actor string, at time.Time) (added bool, err error) {
	err = s.inTx(ctx, func(tx *Tx) error {
		var n int
		if err := tx.QueryRow(ctx, `SELECT count(*) FROM docs WHERE id = ?`, doc).Scan(&n); err != nil {
			return fmt.Errorf("approve document %d: %w", doc, err)
		}
		if n == 0 {
			return notFound("document", doc)
		}
		res, err := tx.Exec(ctx, `INSERT INTO release_approvals (doc_id, actor, at, mac) VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING`, doc, actor, fmtTime(at), s.approvalTag(doc, actor, fmtTime(at)))
		if err != nil {
			return fmt.Errorf("approve document %d: %w", doc, err)
		}
		k, _ := res.RowsAffected()
		added = k > 0
		return nil
	})
	return added, err
}

// Approvals returns every document's approvals.
func (s *Store) Approvals(ctx context.Context) (map[int64][]cases.Approval, error) {
	rows, err := s.query(ctx, `SELECT doc_id, actor, at, mac FROM release_approvals ORDER BY doc_id, at`)
	if err != nil {
		return nil, fmt.Errorf("list approvals: %w", err)
	}
	defer rows.Close()
	out := map[int64][]cases.Approval{}
	for rows.Next() {
		var doc int64
		var a cases.Approval
		var at string
		var mac []byte
		if err := rows.Scan(&doc, &a.Actor, &at, &mac); err != nil {
			return nil, err
		}
		a.Unauthentic = !s.rowOK(mac, "release_approvals", doc, a.Actor, at)
		if a.At, err = parseTime(at); err != nil {
			return nil, fmt.Errorf("approval of document %d: bad time: %w", doc, err)
		}
		out[doc] = append(out[doc], a)
	}
	return out, rows.Err()
}
