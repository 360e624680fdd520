package workspace

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"antidote/internal/cases"
	"antidote/internal/findings"
)

// TestDeletedFindingBlocksRelease: a finding deleted whole outside antidote
// (its row and its document links, so that no MAC is left to fail) blocks
// every document, because the audit log says it was made; one removed
// through antidote does not.
func TestDeletedFindingBlocksRelease(t *testing.T) {
	ctx := context.Background()
	for name, dsn := range backends(t) {
		t.Run(name, func(t *testing.T) {
			ws := newWorkspace(t, dsn(t))
			res, err := ws.ExtractFindings(ctx, analyst, mustDictionary(t), nil)
			if err != nil {
				t.Fatal(err)
			}
			if res.New == 0 {
				t.Fatal("findings extract proposed nothing in the demo leak: the test needs a finding")
			}
			at := time.Date(2017, 3, 7, 12, 0, 0, 0, time.UTC)
			unauthentic := func() (int, []string) {
				var details []string
				n := 0
				if _, err := ws.ReleasePlan(ctx, analyst, at, func(d cases.Decision) error {
					for _, r := range d.BlockedBy {
						if r.Kind == cases.ReasonUnauthentic {
							n++
							if n == 1 {
								details = append(details, r.Detail)
							}
						}
					}
					return nil
				}); err != nil {
					t.Fatal(err)
				}
				return n, details
			}
			if n, d := unauthentic(); n != 0 {
				t.Fatalf("%d unauthentic reasons before any tampering: %q", n, d)
			}
			// Added and removed through antidote: nothing is missing.
			f, err := ws.AddFinding(ctx, analyst, findings.Finding{State: findings.Proposed, Title: "scratch", Created: at})
			if err != nil {
				t.Fatal(err)
			}
			if withdrawn, err := ws.RemoveFinding(ctx, analyst, f.ID); err != nil || withdrawn {
				t.Fatalf("remove finding %d: withdrawn %v, %v", f.ID, withdrawn, err)
			}
			if n, d := unauthentic(); n != 0 {
				t.Fatalf("%d unauthentic reasons after a removal through antidote: %q", n, d)
			}
			// One extracted finding deleted in the database.
			gone := res.Proposals[0].ID
			execSQL(t, ws, `DELETE FROM finding_docs WHERE finding_id = ?`, gone)
			execSQL(t, ws, `DELETE FROM findings WHERE id = ?`, gone)
			n, d := unauthentic()
			if n == 0 {
				t.Fatalf("extracted finding %d deleted in the database: nothing blocked as unauthentic", gone)
			}
			if want := fmt.Sprintf("finding %d, recorded in the audit log", gone); len(d) == 0 || !strings.HasPrefix(d[0], want) {
				t.Errorf("reason %q, want one starting %q", d, want)
			}
		})
	}
}
