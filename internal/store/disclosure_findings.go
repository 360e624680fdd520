package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strconv"
	"time"

	"antidote/internal/cases"
	"antidote/internal/findings"
)

// findingDetail is the sealed part of a finding: everything that says what
// the vulnerability is.
type findingDetail struct {
	Title    string              `json:"title"`
	Summary  string              `json:"summary,omitempty"`
	Affected []findings.Affected `json:"affected,omitempty"`
	CWEs     []string            `json:"cwes,omitempty"`
	CVEs     []string            `json:"cves,omitempty"`
	CVSS     []findings.Score    `json:"cvss,omitempty"`
}

func adSpans(finding, doc int64) string {
	return "finding_docs.spans:" + strconv.FormatInt(finding, 10) + ":" + strconv.FormatInt(doc, 10)
}

// AddFinding stores a validated finding with the document spans it cites.
// extractKey, a keyed MAC of an extraction proposal's key, makes
// extraction idempotent: a finding with the same key gains the new spans
// instead of being duplicated, and created is false.
func (s *Store) AddFinding(ctx context.Context, f findings.Finding, extractKey []byte) (id int64, created bool, err error) {
	err = s.inTx(ctx, func(tx *Tx) error {
		if extractKey != nil {
			err := tx.QueryRow(ctx, `SELECT id FROM findings WHERE extract_key = ?`, extractKey).Scan(&id)
			if err == nil {
				if err := s.addSpans(ctx, tx, id, f.Sources); err != nil {
					return err
				}
				return s.retagFinding(ctx, tx, id)
			}
			if !errors.Is(err, sql.ErrNoRows) {
				return fmt.Errorf("add finding: %w", err)
			}
		}
		var key any
		if extractKey != nil {
			key = extractKey
		}
		var merged any
		if f.MergedInto != 0 {
			merged = f.MergedInto
		}
		var err error
		id, err = tx.InsertID(ctx, `INSERT INTO findings (state, exploited, merged_into, extract_key, detail, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)`,
			string(f.State), boolInt(f.Exploited), merged, key, []byte{}, fmtTime(f.Created), fmtTime(f.Created))
		if err != nil {
			return fmt.Errorf("add finding: %w", err)
		}
		created = true
		if err := s.writeDetail(ctx, tx, id, f); err != nil {
			return err
		}
		if err := s.addSpans(ctx, tx, id, f.Sources); err != nil {
			return err
		}
		return s.retagFinding(ctx, tx, id)
	})
	return id, created, err
}

func (s *Store) writeDetail(ctx context.Context, tx *Tx, id int64, f findings.Finding) error {
	b, err := json.Marshal(findingDetail{Title: f.Title, Summary: f.Summary, Affected: f.Affected, CWEs: f.CWEs, CVEs: f.CVEs, CVSS: f.CVSS})
	if err != nil {
		return err
	}
	_, err = tx.Exec(ctx, `UPDATE findings SET detail = ? WHERE id = ?`, s.seal(b, adRow("findings", "detail", id)), id)
	if err != nil {
		return fmt.Errorf("write finding %d: %w", id, err)
	}
	return nil
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

// addSpans merges sources into the finding's sealed span lists, one row
// per document.
func (s *Store) addSpans(ctx context.Context, tx *Tx, id int64, sources []findings.Source) error {
	byDoc := map[int64][][2]int{}
	var docs []int64
	for _, src := range sources {
		if _, ok := byDoc[src.Doc]; !ok {
			docs = append(docs, src.Doc)
		}
		byDoc[src.Doc] = append(byDoc[src.Doc], [2]int{src.Start, src.End})
	}
	for _, doc := range docs {
		spans := byDoc[doc]
		var sealed []byte
		err := tx.QueryRow(ctx, `SELECT spans FROM finding_docs WHERE finding_id = ? AND doc_id = ?`, id, doc).Scan(&sealed)
		exists := err == nil
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			return fmt.Errorf("read finding spans: %w", err)
		}
		if exists {
			b, err := s.open(sealed, adSpans(id, doc))
			if err != nil {
				return err
			}
			var old [][2]int
			if err := json.Unmarshal(b, &old); err != nil {
				return fmt.Errorf("finding %d spans: %w", id, err)
			}
			spans = append(old, spans...)
		}
		sort.Slice(spans, func(i, j int) bool {
			if spans[i][0] != spans[j][0] {
				return spans[i][0] < spans[j][0]
			}
			return spans[i][1] < spans[j][1]
		})
		out := spans[:0]
		for i, sp := range spans {
			if i == 0 || sp != out[len(out)-1] {
				out = append(out, sp)
			}
		}
		b, err := json.Marshal(out)
		if err != nil {
			return err
		}
		ct := s.seal(b, adSpans(id, doc))
		if exists {
			_, err = tx.Exec(ctx, `UPDATE finding_docs SET spans = ? WHERE finding_id = ? AND doc_id = ?`, ct, id, doc)
		} else {
			_, err = tx.Exec(ctx, `INSERT INTO finding_docs (finding_id, doc_id, spans) VALUES (?, ?, ?)`, id, doc, ct)
		}
		if err != nil {
			return fmt.Errorf("record finding %d source: %w", id, err)
		}
	}
	return nil
}

const findingCols = `id, state, exploited, merged_into, detail, created_at, updated_at`

func (s *Store) scanFinding(r scanner) (findings.Finding, error) {
	var f findings.Finding
	var state, created, updated string
	var exploited int
	var merged sql.NullInt64
	var detail []byte
	if err := r.Scan(&f.ID, &state, &exploited, &merged, &detail, &created, &updated); err != nil {
		return f, err
	}
	f.State, f.Exploited, f.MergedInto = findings.State(state), exploited != 0, merged.Int64
	var err error
	if f.Created, err = parseTime(created); err != nil {
		return f, fmt.Errorf("finding %d: bad time: %w", f.ID, err)
	}
	if f.Updated, err = parseTime(updated); err != nil {
		return f, fmt.Errorf("finding %d: bad time: %w", f.ID, err)
	}
	b, err := s.open(detail, adRow("findings", "detail", f.ID))
	if err != nil {
		return f, err
	}
	var d findingDetail
	if err := json.Unmarshal(b, &d); err != nil {
		return f, fmt.Errorf("finding %d detail: %w", f.ID, err)
	}
	f.Title, f.Summary, f.Affected, f.CWEs, f.CVEs, f.CVSS = d.Title, d.Summary, d.Affected, d.CWEs, d.CVEs, d.CVSS
	return f, nil
}

// Finding returns one finding with the spans of every document it cites.
func (s *Store) Finding(ctx context.Context, id int64) (findings.Finding, error) {
	f, err := s.scanFinding(s.queryRow(ctx, `SELECT `+findingCols+` FROM findings WHERE id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return f, notFound("finding", id)
	}
	if err != nil {
		return f, err
	}
	rows, err := s.query(ctx, `SELECT doc_id, spans FROM finding_docs WHERE finding_id = ? ORDER BY doc_id`, id)
	if err != nil {
		return f, fmt.Errorf("read finding %d sources: %w", id, err)
	}
	defer rows.Close()
	for rows.Next() {
		var doc int64
		var sealed []byte
		if err := rows.Scan(&doc, &sealed); err != nil {
			return f, err
		}
		b, err := s.open(sealed, adSpans(id, doc))
		if err != nil {
			return f, err
		}
		var spans [][2]int
		if err := json.Unmarshal(b, &spans); err != nil {
			return f, fmt.Errorf("finding %d spans: %w", id, err)
		}
		for _, sp := range spans {
			f.Sources = append(f.Sources, findings.Source{Doc: doc, Start: sp[0], End: sp[1]})
		}
	}
	return f, rows.Err()
}

// Findings returns every finding in id order, without their spans.
func (s *Store) Findings(ctx context.Context) ([]findings.Finding, error) {
	rows, err := s.query(ctx, `SELECT `+findingCols+` FROM findings ORDER BY id`)
	if err != nil {
		return nil, fmt.Errorf("list findings: %w", err)
	}
	defer rows.Close()
	var out []findings.Finding
	for rows.Next() {
		f, err := s.scanFinding(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, f)
	}
	return out, rows.Err()
}

// MoveFinding changes a finding's review state in one transaction. check
// receives the current finding and refuses a move the workflow forbids;
// mergedInto names the surviving finding when to is merged.
func (s *Store) MoveFinding(ctx context.Context, id int64, to findings.State, mergedInto int64, at time.Time, check func(cur findings.Finding) error) error {
	return s.inTx(ctx, func(tx *Tx) error {
		cur, err := s.scanFinding(tx.QueryRow(ctx, `SELECT `+findingCols+` FROM findings WHERE id = ?`, id))
		if errors.Is(err, sql.ErrNoRows) {
			return notFound("finding", id)
		}
		if err != nil {
			return err
		}
		if err := check(cur); err != nil {
			return err
		}
		var merged any
		if to == findings.Merged {
			var n int
			if err := tx.QueryRow(ctx, `SELECT count(*) FROM findings WHERE id = ?`, mergedInto).Scan(&n); err != nil {
				return err
			}
			if n == 0 || mergedInto == id {
				return notFound("finding to merge into", mergedInto)
			}
			merged = mergedInto
		}
		_, err = tx.Exec(ctx, `UPDATE findings SET state = ?, merged_into = ?, updated_at = ? WHERE id = ?`, string(to), merged, fmtTime(at), id)
		if err != nil {
			return fmt.Errorf("update finding %d: %w", id, err)
		}
		return s.retagFinding(ctx, tx, id)
	})
}

// FindingInfos returns what the release gate needs of every finding,
// without opening any sealed detail.
func (s *Store) FindingInfos(ctx context.Context) ([]cases.FindingInfo, error) {
	links := map[int64][]int64{}
	lrows, err := s.query(ctx, `SELECT finding_id, doc_id FROM finding_docs ORDER BY finding_id, doc_id`)
	if err != nil {
		return nil, fmt.Errorf("list finding sources: %w", err)
	}
	for lrows.Next() {
		var f, d int64
		if err := lrows.Scan(&f, &d); err != nil {
			lrows.Close()
			return nil, err
		}
		links[f] = append(links[f], d)
	}
	lrows.Close()
	if err := lrows.Err(); err != nil {
		return nil, err
	}
	rows, err := s.query(ctx, `SELECT id, state, exploited, merged_into, mac FROM findings`)
	if err != nil {
		return nil, fmt.Errorf("list findings: %w", err)
	}
	defer rows.Close()
	var out []cases.FindingInfo
	for rows.Next() {
		var f cases.FindingInfo
		var state string
		var exploited int
		var merged sql.NullInt64
		var mac []byte
		if err := rows.Scan(&f.ID, &state, &exploited, &merged, &mac); err != nil {
			return nil, err
		}
		f.Unauthentic = !s.rowOK(mac, "findings", f.ID, state, exploited, merged, idList(links[f.ID]))
		f.State, f.Exploited, f.MergedInto = findings.State(state), exploited != 0, merged.Int64
		out = append(out, f)
	}
	return out, rows.Err()
}

// DocFindings maps each document to the findings that cite it, without
// opening the sealed spans.
func (s *Store) DocFindings(ctx context.Context) (map[int64][]int64, error) {
	rows, err := s.query(ctx, `SELECT doc_id, finding_id FROM finding_docs`)
	if err != nil {
		return nil, fmt.Errorf("list finding sources: %w", err)
	}
	defer rows.Close()
	out := map[int64][]int64{}
	for rows.Next() {
		var d, f int64
		if err := rows.Scan(&d, &f); err != nil {
			return nil, err
		}
		out[d] = append(out[d], f)
	}
	return out, rows.Err()
}

// DocIDs returns the id of every document in order.
func (s *Store) DocIDs(ctx context.Context) ([]int64, error) {
	rows, err := s.query(ctx, `SELECT id FROM docs ORDER BY id`)
	if err != nil {
		return nil, fmt.Errorf("list documents: %w", err)
	}
	defer rows.Close()
	var out []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		out = append(out, id)
	}
	return out, rows.Err()
}
