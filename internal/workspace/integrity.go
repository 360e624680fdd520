package workspace

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
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

// witness gathers, from the audit log's events in order, what the log
// says exists: the findings made and never removed, the cases opened, and
// the census of finished documents the last ingest recorded. Row MACs
// catch a row changed or inserted outside antidote, and a finding's MAC
// covers its document links, but a row deleted whole leaves nothing to
// check: a finding deleted with its links would free every document it
// named. The log is the independent witness of what exists.
//
// Findings proposed by 'findings extract' before their ids were recorded
// with the event are not known to the log and not checked.
type witness struct {
	made   map[int64]bool // finding ids still expected
	opened map[int64]bool // case ids
	census struct {
		Docs  int64 `json:"done_docs"`
		MaxID int64 `json:"done_max_id"`
	}
}

func newWitness() *witness {
	return &witness{made: map[int64]bool{}, opened: map[int64]bool{}}
}

// see takes in one event (for audit.Log.Walk and VerifyHead).
func (w *witness) see(e audit.Event) error {
	switch e.Action {
	case "finding.add":
		if id, ok := targetID(e.Target, "finding "); ok {
			w.made[id] = true
		}
	case "finding.remove":
		if id, ok := targetID(e.Target, "finding "); ok {
			delete(w.made, id)
		}
	case "findings.extract":
		var d struct {
			Created []int64 `json:"created"`
		}
		if json.Unmarshal(e.Detail, &d) == nil {
			for _, id := range d.Created {
				w.made[id] = true
			}
		}
	case "ingest":
		// Each run's census counts every finished document so far; an
		// event from before censuses leaves the last one as it is.
		json.Unmarshal(e.Detail, &w.census)
	case "case.open":
		if id, ok := targetID(e.Target, "case "); ok {
			w.opened[id] = true
		}
	}
	return nil
}

// missingRecords walks the audit log (verifying its whole chain) and
// describes what it vouches for that the store no longer holds, given the
// store's findings and cases.
func (ws *Workspace) missingRecords(ctx context.Context, have []cases.FindingInfo, open []cases.Case) ([]string, error) {
	w := newWitness()
	if _, err := ws.audit.Walk(ctx, w.see); err != nil {
		return nil, fmt.Errorf("audit log check: %w", err)
	}
	return ws.missing(ctx, w, have, open)
}

// checkRecords holds the store's current findings, cases and documents to
// what w saw, as an error wrapping ErrRecordsMissing.
func (ws *Workspace) checkRecords(ctx context.Context, w *witness) error {
	fs, err := ws.store.FindingInfos(ctx)
	if err != nil {
		return err
	}
	cs, err := ws.store.Cases(ctx)
	if err != nil {
		return err
	}
	missing, err := ws.missing(ctx, w, fs, cs)
	if err != nil || len(missing) == 0 {
		return err
	}
	return fmt.Errorf("%w: %s", ErrRecordsMissing, strings.Join(missing, "; "))
}

// missing describes each record w vouches for that the store lacks.
func (ws *Workspace) missing(ctx context.Context, w *witness, have []cases.FindingInfo, open []cases.Case) ([]string, error) {
	made, opened := maps.Clone(w.made), maps.Clone(w.opened)
	for _, f := range have {
		delete(made, f.ID)
	}
	for _, c := range open {
		delete(opened, c.ID)
	}
	var out []string
	if w.census.MaxID > 0 {
		n, _, err := ws.store.DoneDocs(ctx, w.census.MaxID)
		if err != nil {
			return nil, err
		}
		if n < w.census.Docs {
			out = append(out, fmt.Sprintf("%d of the %d documents the audit log recorded as ingested (ids up to %d) are missing from the database: they were deleted outside antidote (restore the database from a backup)", w.census.Docs-n, w.census.Docs, w.census.MaxID))
		}
	}
	for _, id := range slices.Sorted(maps.Keys(made)) {
		out = append(out, fmt.Sprintf("finding %d, recorded in the audit log as made and never removed, is missing from the database: it was deleted outside antidote (restore the database from a backup)", id))
	}
	for _, id := range slices.Sorted(maps.Keys(opened)) {
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
