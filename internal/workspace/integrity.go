package workspace

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"antidote/internal/audit"
	"antidote/internal/cases"
)

// ErrRecordsMissing: the database lacks records (documents, findings,
// cases) that the authenticated audit log says were made and never
// removed; they were deleted outside antidote.
var ErrRecordsMissing = errors.New("records the audit log vouches for are missing from the database")

// checkRecords is missingRecords over the store's current findings and
// cases, as an error wrapping ErrRecordsMissing.
func (ws *Workspace) checkRecords(ctx context.Context) error {
	fs, err := ws.store.FindingInfos(ctx)
	if err != nil {
		return err
	}
	cs, err := ws.store.Cases(ctx)
	if err != nil {
		return err
	}
	missing, err := ws.missingRecords(ctx, fs, cs)
	if err != nil || len(missing) == 0 {
		return err
	}
	return fmt.Errorf("%w: %s", ErrRecordsMissing, strings.Join(missing, "; "))
}

// missingRecords walks the audit log (verifying its whole chain) for the
// findings and cases it says were made and never removed, and the number
// of documents the last ingest counted, and describes what the store no
// longer holds. Row MACs catch a row changed or
// inserted outside antidote, and a finding's MAC covers its document
// links, but a row deleted whole leaves nothing to check: a finding
// deleted with its links would free every document it named. The log is
// the independent witness of what exists.
//
// Findings proposed by 'findings extract' before their ids were recorded
// with the event are not known to the log and not checked.
func (ws *Workspace) missingRecords(ctx context.Context, have []cases.FindingInfo, open []cases.Case) ([]string, error) {
	made := map[int64]bool{} // finding id -> still expected
	opened := map[int64]bool{}
	var census struct {
		Docs  int64 `json:"done_docs"`
		MaxID int64 `json:"done_max_id"`
	}
	_, err := ws.audit.Walk(ctx, func(e audit.Event) error {
		switch e.Action {
		case "finding.add":
			if id, ok := targetID(e.Target, "finding "); ok {
				made[id] = true
			}
		case "finding.remove":
			if id, ok := targetID(e.Target, "finding "); ok {
				delete(made, id)
			}
		case "findings.extract":
			var d struct {
				Created []int64 `json:"created"`
			}
			if json.Unmarshal(e.Detail, &d) == nil {
				for _, id := range d.Created {
					made[id] = true
				}
			}
		case "ingest":
			// Each run's census counts every finished document so far.
			json.Unmarshal(e.Detail, &census)
		case "case.open":
			if id, ok := targetID(e.Target, "case "); ok {
				opened[id] = true
			}
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("audit log check: %w", err)
	}
	for _, f := range have {
		delete(made, f.ID)
	}
	for _, c := range open {
		delete(opened, c.ID)
	}
	var out []string
	if census.MaxID > 0 {
		n, _, err := ws.store.DoneDocs(ctx, census.MaxID)
		if err != nil {
			return nil, err
		}
		if n < census.Docs {
			out = append(out, fmt.Sprintf("%d of the %d documents the audit log recorded as ingested (ids up to %d) are missing from the database: they were deleted outside antidote (restore the database from a backup)", census.Docs-n, census.Docs, census.MaxID))
		}
	}
	for _, id := range sortedKeys(made) {
		out = append(out, fmt.Sprintf("finding %d, recorded in the audit log as made and never removed, is missing from the database: it was deleted outside antidote (restore the database from a backup)", id))
	}
	for _, id := range sortedKeys(opened) {
		out = append(out, fmt.Sprintf("case %d, recorded in the audit log as opened, is missing from the database: it was deleted outside antidote (restore the database from a backup)", id))
	}
	return out, nil
}

// targetID reads the id of an audit target such as "finding 12".
func targetID(target, prefix string) (int64, bool) {
	rest, ok := strings.CutPrefix(target, prefix)
	if !ok {
		return 0, false
	}
	id, err := strconv.ParseInt(rest, 10, 64)
	return id, err == nil && id > 0
}

func sortedKeys(m map[int64]bool) []int64 {
	ids := make([]int64, 0, len(m))
	for id := range m {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	return ids
}
