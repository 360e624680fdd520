package workspace

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"antidote/internal/cases"
	"antidote/internal/findings"
	"antidote/internal/ingest"
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
			if _, err := ws.AuditVerify(ctx, admin); !errors.Is(err, ErrRecordsMissing) || !strings.Contains(err.Error(), fmt.Sprintf("finding %d,", gone)) {
				t.Errorf("audit verify after finding %d was deleted: %v, want ErrRecordsMissing naming it", gone, err)
			}
		})
	}
}

// TestDeletedDocumentDetected: a document ingested whole and then deleted
// in the database (with every row that refers to it) fails 'audit verify'
// and blocks the release; later ingests (new documents, a rerun that
// finds nothing new) raise no false alarm.
func TestDeletedDocumentDetected(t *testing.T) {
	ctx := context.Background()
	for name, dsn := range backends(t) {
		t.Run(name, func(t *testing.T) {
			ws := newWorkspace(t, dsn(t))
			extra := filepath.Join(t.TempDir(), "note.txt")
			if err := os.WriteFile(extra, []byte("one more document"), 0o600); err != nil {
				t.Fatal(err)
			}
			for range 2 {
				if _, err := ws.Ingest(ctx, analyst, []string{extra}, ingest.Options{}); err != nil {
					t.Fatal(err)
				}
				if _, err := ws.AuditVerify(ctx, admin); err != nil {
					t.Fatalf("audit verify of an untouched workspace: %v", err)
				}
			}
			_, last, err := ws.store.DoneDocs(ctx, 0)
			if err != nil || last == 0 {
				t.Fatalf("no finished document (%v)", err)
			}
			for _, q := range []string{`DELETE FROM findings_examined WHERE doc_id = ?`, `DELETE FROM redactions WHERE doc_id = ?`,
				`DELETE FROM release_approvals WHERE doc_id = ?`, `DELETE FROM finding_docs WHERE doc_id = ?`,
				`DELETE FROM doc_paths WHERE doc_id = ?`, `DELETE FROM docs WHERE id = ?`} {
				execSQL(t, ws, q, last)
			}
			_, err = ws.AuditVerify(ctx, admin)
			if !errors.Is(err, ErrRecordsMissing) || !strings.Contains(err.Error(), "1 of the") {
				t.Fatalf("audit verify after document %d was deleted: %v, want ErrRecordsMissing counting one document", last, err)
			}
			at := time.Date(2017, 3, 7, 12, 0, 0, 0, time.UTC)
			if _, err := ws.ReleasePlan(ctx, analyst, at, func(d cases.Decision) error {
				if d.Releasable || !slices.ContainsFunc(d.BlockedBy, func(r cases.Reason) bool { return r.Kind == cases.ReasonUnauthentic }) {
					return fmt.Errorf("document %d: %+v, want blocked as unauthentic", d.Doc, d)
				}
				return nil
			}); err != nil {
				t.Error(err)
			}
		})
	}
}
