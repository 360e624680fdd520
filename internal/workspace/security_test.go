package workspace

// The security suite: each test reproduces an attack of issue 16 (a person
// with write access to the workspace directory or the database, but not
// the passphrase; crashes; other users) and fails if it goes unnoticed.

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"antidote/internal/audit"
	"antidote/internal/cases"
	"antidote/internal/detect"
	"antidote/internal/findings"
	"antidote/internal/geo"
	"antidote/internal/ingest"
	"antidote/internal/redact"
	"antidote/internal/secret"
)

const testPass = "test passphrase"

// createBare makes a workspace without documents on the backend and
// returns its directory; the workspace is closed.
func createBare(t testing.TB, db string) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "ws")
	ws, _, err := Create(context.Background(), admin, dir, secret.NewString(testPass), CreateOptions{Database: db, KDF: InsecureKDF()})
	if err != nil {
		t.Fatal(err)
	}
	ws.Close()
	return dir
}

// reopen opens the workspace at dir as a new command would.
func reopen(t *testing.T, dir string) (*Workspace, error) {
	t.Helper()
	l, err := Find(dir)
	if err != nil {
		t.Fatal(err)
	}
	keys, err := l.UnlockPassphrase(secret.NewString(testPass))
	if err != nil {
		t.Fatal(err)
	}
	ws, err := l.Open(context.Background(), keys, OpenOptions{})
	if err == nil {
		t.Cleanup(func() { ws.Close() })
	}
	return ws, err
}

func mustReopen(t *testing.T, dir string) *Workspace {
	t.Helper()
	ws, err := reopen(t, dir)
	if err != nil {
		t.Fatal(err)
	}
	return ws
}

// commands runs n ordinary commands (each opens the workspace and lists
// the documents).
func commands(t *testing.T, dir string, n int) {
	t.Helper()
	for i := 0; i < n; i++ {
		ws := mustReopen(t, dir)
		if err := ws.ListDocs(context.Background(), analyst, func(DocInfo) error { return nil }); err != nil {
			t.Fatal(err)
		}
		ws.Close()
	}
}

func execSQL(t *testing.T, ws *Workspace, q string, args ...any) {
	t.Helper()
	if _, err := ws.store.DB().ExecContext(context.Background(), ws.store.Rebind(q), args...); err != nil {
		t.Fatalf("%s: %v", q, err)
	}
}

// TestAuditTailCutDetected: every way of cutting the log's tail or
// removing its anchor fails the next command, not only 'audit verify', on
// both databases.
func TestAuditTailCutDetected(t *testing.T) {
	head := func(dir string) string { return filepath.Join(dir, headFile) }
	for name, dsn := range backends(t) {
		t.Run(name, func(t *testing.T) {
			cases := []struct {
				name   string
				tamper func(t *testing.T, dir string)
			}{
				{"delete the last rows", func(t *testing.T, dir string) {
					ws := mustReopen(t, dir)
					execSQL(t, ws, `DELETE FROM audit WHERE seq > 3`)
					ws.Close()
				}},
				{"delete the last rows then six commands", func(t *testing.T, dir string) {
					ws := mustReopen(t, dir)
					execSQL(t, ws, `DELETE FROM audit WHERE seq > 3`)
					// Ordinary commands on the cut log, as a user who does
					// not look: they must not launder the cut.
					for i := 0; i < 6; i++ {
						ws.record(context.Background(), analyst, "docs.list", "", nil)
					}
					ws.Close()
				}},
				{"delete the head", func(t *testing.T, dir string) { os.Remove(head(dir)) }},
				{"zero the head", func(t *testing.T, dir string) { os.WriteFile(head(dir), make([]byte, 64), 0o600) }},
				{"rewrite the head lower", func(t *testing.T, dir string) {
					os.WriteFile(head(dir), []byte(`{"version":1,"seq":2,"mac":"00","at":"2026-01-01T00:00:00Z","tag":"00"}`), 0o600)
				}},
				{"delete every row and the head", func(t *testing.T, dir string) {
					ws := mustReopen(t, dir)
					execSQL(t, ws, `DELETE FROM audit`)
					ws.Close()
					os.Remove(head(dir))
				}},
				{"delete the rows and rewind the head to an older copy", func(t *testing.T, dir string) {
					old, _ := os.ReadFile(head(dir))
					commands(t, dir, 3)
					ws := mustReopen(t, dir)
					execSQL(t, ws, `DELETE FROM audit WHERE seq > 3`)
					ws.Close()
					os.WriteFile(head(dir), old, 0o600)
				}},
				{"alter an event", func(t *testing.T, dir string) {
					ws := mustReopen(t, dir)
					execSQL(t, ws, `UPDATE audit SET target = 'nothing' WHERE seq = (SELECT max(seq) FROM audit)`)
					ws.Close()
				}},
			}
			for _, c := range cases {
				t.Run(c.name, func(t *testing.T) {
					dir := createBare(t, dsn(t))
					commands(t, dir, 5)
					c.tamper(t, dir)
					_, err := reopen(t, dir)
					if !errors.Is(err, ErrAuditTampered) {
						t.Fatalf("the next command after %q: %v, want ErrAuditTampered", c.name, err)
					}
					// 'audit verify' (which opens without the head check)
					// refuses too.
					l, _ := Find(dir)
					keys, _ := l.UnlockPassphrase(secret.NewString(testPass))
					ws, err := l.Open(context.Background(), keys, OpenOptions{AuditRecovery: true})
					if err != nil {
						t.Fatal(err)
					}
					defer ws.Close()
					if n, err := ws.AuditVerify(context.Background(), admin); !errors.Is(err, ErrAuditTampered) {
						t.Errorf("audit verify after %q: %d events, %v; want ErrAuditTampered", c.name, n, err)
					}
				})
			}
		})
	}
}

// TestAuditRollbackNeedsCheckpoint: whoever controls both the database
// and the workspace directory can roll both back together to an older
// consistent copy; a checkpoint kept elsewhere proves it.
func TestAuditRollbackNeedsCheckpoint(t *testing.T) {
	ctx := context.Background()
	for name, dsn := range backends(t) {
		t.Run(name, func(t *testing.T) {
			dir := createBare(t, dsn(t))
			commands(t, dir, 3)
			oldHead, _ := os.ReadFile(filepath.Join(dir, headFile))
			ws := mustReopen(t, dir)
			var oldLast int64
			ws.store.DB().QueryRowContext(ctx, `SELECT max(seq) FROM audit`).Scan(&oldLast)
			ws.Close()
			commands(t, dir, 2)
			ws = mustReopen(t, dir)
			cp, err := ws.AuditCheckpoint(ctx, admin)
			if err != nil {
				t.Fatal(err)
			}
			// A good checkpoint verifies.
			if p, err := ws.AuditVerifyCheckpoint(ctx, admin, cp); err != nil || p.Checkpoint != cp.Seq || p.Reanchored {
				t.Fatalf("intact log against its checkpoint: %+v, %v", p, err)
			}
			parsed, err := ParseCheckpoint([]byte("kept in a ticket:\n" + cp.String() + "\n"))
			if err != nil || parsed.Seq != cp.Seq {
				t.Fatalf("ParseCheckpoint(%q) = %+v, %v", cp.String(), parsed, err)
			}
			// Roll back: the rows after the old head, and the head file.
			execSQL(t, ws, `DELETE FROM audit WHERE seq > ?`, oldLast)
			ws.Close()
			os.WriteFile(filepath.Join(dir, headFile), oldHead, 0o600)
			ws = mustReopen(t, dir) // consistent: not detectable from inside
			if _, err := ws.AuditVerifyCheckpoint(ctx, admin, parsed); !errors.Is(err, ErrAuditTampered) {
				t.Errorf("rolled-back log against a later checkpoint: %v, want ErrAuditTampered", err)
			}
			// A forged checkpoint does not authenticate.
			forged := parsed
			forged.Seq = 2
			if _, err := ws.AuditVerifyCheckpoint(ctx, admin, forged); err == nil {
				t.Error("a checkpoint with a changed sequence number was accepted")
			}
		})
	}
}

// TestAuditHeadReanchoredFromCheckpoint: a lost head file is an error
// until a checkpoint proves the log, which then sets the head again.
func TestAuditHeadReanchoredFromCheckpoint(t *testing.T) {
	ctx := context.Background()
	dir := createBare(t, "")
	ws := mustReopen(t, dir)
	cp, err := ws.AuditCheckpoint(ctx, admin)
	if err != nil {
		t.Fatal(err)
	}
	ws.Close()
	os.Remove(filepath.Join(dir, headFile))
	if _, err := reopen(t, dir); !errors.Is(err, ErrAuditTampered) {
		t.Fatalf("open without a head: %v", err)
	}
	l, _ := Find(dir)
	keys, _ := l.UnlockPassphrase(secret.NewString(testPass))
	ws, err = l.Open(ctx, keys, OpenOptions{AuditRecovery: true})
	if err != nil {
		t.Fatal(err)
	}
	p, err := ws.AuditVerifyCheckpoint(ctx, admin, cp)
	ws.Close()
	if err != nil || !p.Reanchored {
		t.Fatalf("verify --checkpoint without a head: %+v, %v; want re-anchored", p, err)
	}
	commands(t, dir, 1)
}

// TestAuditSharedServerCut: on PostgreSQL two analysts' workspace
// directories share the log; the server's owner deletes the other
// analyst's newest events, and this analyst's next command notices,
// because every open moves each directory's head to the log's end.
func TestAuditSharedServerCut(t *testing.T) {
	dsn := backends(t)["postgres"](t)
	dirA := createBare(t, dsn)
	dirB := filepath.Join(t.TempDir(), "ws-b")
	os.MkdirAll(dirB, 0o700)
	for _, f := range []string{ConfigFile, keyFileName, headFile} {
		b, err := os.ReadFile(filepath.Join(dirA, f))
		if err != nil {
			t.Fatal(err)
		}
		os.WriteFile(filepath.Join(dirB, f), b, 0o600)
	}
	commands(t, dirA, 3) // analyst A works
	commands(t, dirB, 1) // analyst B's command sees A's events
	ws := mustReopen(t, dirA)
	var last int64
	ws.store.DB().QueryRowContext(context.Background(), `SELECT max(seq) FROM audit`).Scan(&last)
	execSQL(t, ws, `DELETE FROM audit WHERE seq > ?`, last-2)
	ws.Close()
	for _, d := range []string{dirA, dirB} {
		if _, err := reopen(t, d); !errors.Is(err, ErrAuditTampered) {
			t.Errorf("%s after the server cut the log: %v, want ErrAuditTampered", filepath.Base(d), err)
		}
	}
}

// TestParallelCommands: 30 commands at once on one workspace all succeed
// (they once raced on one temporary head file) and leave a log whose head
// is its last event.
func TestParallelCommands(t *testing.T) {
	dir := createBare(t, "")
	l, err := Find(dir)
	if err != nil {
		t.Fatal(err)
	}
	keys, err := l.UnlockPassphrase(secret.NewString(testPass))
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	errs := make(chan error, 30)
	for i := 0; i < 30; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			ws, err := l.Open(context.Background(), keys, OpenOptions{})
			if err != nil {
				errs <- err
				return
			}
			defer ws.Close()
			if err := ws.ListDocs(context.Background(), analyst, func(DocInfo) error { return nil }); err != nil {
				errs <- fmt.Errorf("docs list: %w", err)
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	ws := mustReopen(t, dir)
	n, err := ws.AuditVerify(context.Background(), admin)
	if err != nil || n < 31 {
		t.Fatalf("after 30 parallel commands: %d events, %v", n, err)
	}
	h, err := ws.readHead()
	if err != nil || h.Seq != n+1 {
		t.Errorf("head at %d (%v), want the last event %d", h.Seq, err, n+1)
	}
	if tmp, _ := filepath.Glob(filepath.Join(dir, "*.tmp*")); len(tmp) > 0 {
		t.Errorf("temporaries left: %v", tmp)
	}
}

// TestLongRunsRecordTheirStart: ingest and redact --all record their start
// before the work, so a run killed halfway is in the log.
func TestLongRunsRecordTheirStart(t *testing.T) {
	ctx := context.Background()
	ws := newWorkspace(t, "")
	if _, err := ws.RedactAll(ctx, analyst, redactOptions(t), nil); err != nil {
		t.Fatal(err)
	}
	var actions []string
	ws.audit.List(ctx, func(e AuditEvent) error { actions = append(actions, e.Action); return nil })
	want := []string{"ingest.start", "ingest", "redact.all.start", "redact.all"}
	j := 0
	for _, a := range actions {
		if j < len(want) && a == want[j] {
			j++
		}
	}
	if j != len(want) {
		t.Errorf("audit actions %v, want %v in order", actions, want)
	}
}

func redactOptions(t *testing.T) redact.Options {
	t.Helper()
	db, err := geo.Open()
	if err != nil {
		t.Fatal(err)
	}
	return redact.Options{Policy: redact.DefaultPolicy(), Geo: db}
}

// releasable counts the documents the plan releases at at, and whether
// every document blocked by kind says so.
func releasable(t *testing.T, ws *Workspace, at time.Time) (n int, byKind map[string]int) {
	t.Helper()
	byKind = map[string]int{}
	_, err := ws.ReleasePlan(context.Background(), analyst, at, func(d cases.Decision) error {
		if d.Releasable {
			n++
		}
		seen := map[string]bool{}
		for _, r := range d.BlockedBy {
			if !seen[r.Kind] {
				byKind[r.Kind]++
				seen[r.Kind] = true
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return n, byKind
}

// TestGateRowsAuthenticated: the attack that made 24 of 30 demo documents
// releasable (set every check to passed, insert approvals) makes none
// releasable, each blocked for that reason; and forged case events,
// finding states and policy entries block instead of releasing.
func TestGateRowsAuthenticated(t *testing.T) {
	ctx := context.Background()
	for name, dsn := range backends(t) {
		t.Run(name, func(t *testing.T) {
			ws := newWorkspace(t, dsn(t))
			if _, err := ws.RedactAll(ctx, analyst, redactOptions(t), nil); err != nil {
				t.Fatal(err)
			}
			sc, err := detect.New(detect.Options{})
			if err != nil {
				t.Fatal(err)
			}
			sum, err := ws.VerifyAll(ctx, analyst, VerifyOptions{Scanner: sc, Policy: redact.DefaultPolicy()}, func(VerifiedDoc) error { return nil }, nil)
			if err != nil {
				t.Fatal(err)
			}
			// Some documents failed their check (recorded as antidote does).
			var ids []int64
			ws.ListDocs(ctx, analyst, func(d DocInfo) error { ids = append(ids, d.ID); return nil })
			// An analyst examined them all for findings and found none.
			if err := ws.MarkNoFindings(ctx, analyst, ids); err != nil {
				t.Fatal(err)
			}
			failed := 0
			for _, id := range ids[:8] {
				if r, err := ws.store.Redaction(ctx, id); err == nil {
					if err := ws.store.RecordCheck(ctx, id, r.Version, false); err != nil {
						t.Fatal(err)
					}
					failed++
				}
			}
			sum.Passed -= failed
			if failed == 0 || sum.Passed < 5 {
				t.Fatalf("%d failed, %d passed: the test needs both", failed, sum.Passed)
			}
			t0 := time.Date(2017, 3, 7, 12, 0, 0, 0, time.UTC)
			if n, _ := releasable(t, ws, t0); n != 0 {
				t.Fatalf("%d documents releasable before any approval", n)
			}
			// The attack: every check passed, two approvals for every document.
			execSQL(t, ws, `UPDATE redaction_checks SET passed = 1`)
			for _, id := range ids {
				for _, who := range []string{"mallory", "eve"} {
					execSQL(t, ws, `INSERT INTO release_approvals (doc_id, actor, at) VALUES (?, ?, ?)`, id, who, "2017-03-01T00:00:00Z")
				}
			}
			n, byKind := releasable(t, ws, t0)
			if n != 0 {
				t.Errorf("%d documents releasable after forged checks and approvals, want 0", n)
			}
			if byKind[cases.ReasonUnauthentic] != len(ids) {
				t.Errorf("%d of %d documents blocked as %s: %v", byKind[cases.ReasonUnauthentic], len(ids), cases.ReasonUnauthentic, byKind)
			}
			// Legitimate approvals release the documents that really passed
			// once the forged rows are gone.
			execSQL(t, ws, `DELETE FROM release_approvals`)
			execSQL(t, ws, `DELETE FROM redaction_checks`)
			if _, err := ws.VerifyAll(ctx, analyst, VerifyOptions{Scanner: sc, Policy: redact.DefaultPolicy()}, func(VerifiedDoc) error { return nil }, nil); err != nil {
				t.Fatal(err)
			}
			sum.Passed += failed
			for _, id := range ids {
				for _, who := range []string{"rita", "ravi"} {
					if _, err := ws.Approve(ctx, Actor{Name: who, Role: RoleReviewer, Authenticated: true}, id, t0); err != nil {
						t.Fatal(err)
					}
				}
			}
			n, _ = releasable(t, ws, t0)
			if n != sum.Passed {
				t.Fatalf("%d documents releasable after real approvals, want the %d that passed", n, sum.Passed)
			}
			// A finding about the first passing document, a case, a notice:
			// the document waits for the embargo.
			var doc int64
			verified, _, _ := ws.store.RedactionChecks(ctx)
			for _, id := range ids {
				if verified[id] {
					doc = id
					break
				}
			}
			if _, err := ws.AddVendor(ctx, analyst, cases.Vendor{Name: "Apple", Created: t0}); err != nil {
				t.Fatal(err)
			}
			if _, _, err := ws.AddProduct(ctx, analyst, "apple", cases.Product{Name: "iOS"}, nil); err != nil {
				t.Fatal(err)
			}
			f, err := ws.AddFinding(ctx, analyst, findings.Finding{State: findings.Accepted, Title: "iOS implant",
				Affected: []findings.Affected{{Vendor: "Apple", Product: "iOS"}}, Sources: []findings.Source{{Doc: doc, Start: 0, End: 1}}, Created: t0})
			if err != nil {
				t.Fatal(err)
			}
			c, _, err := ws.OpenCase(ctx, analyst, f.ID, []string{"Apple:iOS"}, t0)
			if err != nil {
				t.Fatal(err)
			}
			if _, _, err := ws.Notify(ctx, analyst, c.ID, nil, t0, ""); err != nil {
				t.Fatal(err)
			}
			at := t0.Add(24 * time.Hour)
			if n, _ := releasable(t, ws, at); n != sum.Passed-1 {
				t.Fatalf("%d releasable with one document under embargo, want %d", n, sum.Passed-1)
			}
			forgeries := []struct {
				name, do, undo string
				args           []any
			}{
				{"a status event saying fixed", `INSERT INTO case_events (case_id, at, actor, kind, vendor_id, product_id, status) VALUES (?, '2017-03-07T13:00:00Z', 'mallory', 'status', 1, 1, 'fix-deployed')`,
					`DELETE FROM case_events WHERE actor = 'mallory'`, []any{c.ID}},
				{"the case record changed", `UPDATE cases SET opened_by = 'mallory' WHERE id = ?`, `UPDATE cases SET opened_by = 'ana'`, []any{c.ID}},
				// These could free any document: nothing is released.
				{"the finding rejected", `UPDATE findings SET state = 'rejected' WHERE id = ?`, `UPDATE findings SET state = 'accepted'`, []any{f.ID}},
				{"the document unlinked from the finding", `UPDATE finding_docs SET doc_id = ? WHERE doc_id = ?`, `UPDATE finding_docs SET doc_id = ?`, []any{ids[len(ids)-1], doc}},
				{"the product's class changed", `UPDATE products SET class = 'browser'`, `UPDATE products SET class = 'phone-os'`, nil},
				{"a one-day embargo policy", `INSERT INTO embargo_policy (name, days) VALUES ('default', 1)`, `DELETE FROM embargo_policy`, nil},
				// Deleting a notification (or a grace period) from the case:
				// last, it is not undone.
				{"an event deleted", `DELETE FROM case_events WHERE case_id = ?`, ``, []any{c.ID}},
			}
			for _, fg := range forgeries {
				undoArgs := []any(nil)
				if strings.HasPrefix(fg.name, "the document unlinked") {
					undoArgs = []any{doc}
				}
				execSQL(t, ws, fg.do, fg.args...)
				n, byKind := releasable(t, ws, at.Add(200*24*time.Hour))
				if fg.name != "a status event saying fixed" && fg.name != "the case record changed" && fg.name != "an event deleted" {
					if n != 0 || byKind[cases.ReasonUnauthentic] != len(ids) {
						t.Errorf("%s: %d releasable, %v; want none, all blocked as unauthentic", fg.name, n, byKind)
					}
				} else if n > sum.Passed-1 || byKind[cases.ReasonUnauthentic] != 1 {
					t.Errorf("%s: %d releasable (want at most %d), %v; want the document blocked as unauthentic", fg.name, n, sum.Passed-1, byKind)
				}
				if fg.undo == "" {
					continue
				}
				execSQL(t, ws, fg.undo, undoArgs...)
				if n, _ := releasable(t, ws, at); n != sum.Passed-1 {
					t.Fatalf("after undoing %q: %d releasable, want %d", fg.name, n, sum.Passed-1)
				}
			}
			// The finding deleted whole, with its links, its case and
			// everything of the case: no row is left to fail its MAC, but
			// the audit log says the finding was made and never removed.
			for _, q := range []string{`DELETE FROM mail_deliveries`, `DELETE FROM mail_attachments`, `DELETE FROM mail_replies`,
				`DELETE FROM mail_reminders`, `DELETE FROM mail_outbox`, `DELETE FROM case_shared`, `DELETE FROM case_files`,
				`DELETE FROM case_comments`, `DELETE FROM case_events`, `DELETE FROM case_targets`, `DELETE FROM cases`,
				`DELETE FROM finding_docs`, `DELETE FROM findings`} {
				execSQL(t, ws, q)
			}
			n, byKind = releasable(t, ws, at.Add(200*24*time.Hour))
			if n != 0 || byKind[cases.ReasonUnauthentic] != len(ids) {
				t.Errorf("finding %d and case %d deleted: %d releasable, %v; want none, all blocked as unauthentic", f.ID, c.ID, n, byKind)
			}
			var reasons []string
			if _, err := ws.ReleasePlan(ctx, analyst, at, func(d cases.Decision) error {
				if d.Doc == doc {
					for _, r := range d.BlockedBy {
						reasons = append(reasons, r.Detail)
					}
				}
				return nil
			}); err != nil {
				t.Fatal(err)
			}
			for _, want := range []string{fmt.Sprintf("finding %d, recorded", f.ID), fmt.Sprintf("case %d, recorded", c.ID)} {
				if !slices.ContainsFunc(reasons, func(r string) bool { return strings.HasPrefix(r, want) }) {
					t.Errorf("no reason starting %q among %q", want, reasons)
				}
			}
		})
	}
}

// TestFilesArePrivate: the workspace's files are 0600 and its directories
// 0700 whatever the umask (antidote.db was 0644).
func TestFilesArePrivate(t *testing.T) {
	old := syscall.Umask(0o022)
	defer syscall.Umask(old)
	ws := newWorkspace(t, "")
	// A large original goes to the blob directory.
	err := filepath.Walk(ws.Dir(), func(p string, fi os.FileInfo, err error) error {
		if err != nil {
			return err
		}
		want := os.FileMode(0o600)
		if fi.IsDir() {
			want = 0o700
		}
		if strings.HasSuffix(p, ".lock") {
			want = 0o600
		}
		if fi.Mode().Perm() != want {
			t.Errorf("%s: mode %v, want %v", p, fi.Mode().Perm(), want)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// TestMissingDatabaseIsAnError: a workspace whose database is gone says
// so, and is not silently recreated empty.
func TestMissingDatabaseIsAnError(t *testing.T) {
	dir := createBare(t, "")
	if err := os.Remove(filepath.Join(dir, dbFile)); err != nil {
		t.Fatal(err)
	}
	os.Remove(filepath.Join(dir, dbFile+"-wal"))
	os.Remove(filepath.Join(dir, dbFile+"-shm"))
	_, err := reopen(t, dir)
	if !errors.Is(err, ErrNoDatabase) || !strings.Contains(err.Error(), "missing") {
		t.Fatalf("open without a database: %v, want ErrNoDatabase", err)
	}
	if _, err := os.Stat(filepath.Join(dir, dbFile)); !errors.Is(err, os.ErrNotExist) {
		t.Error("the missing database was recreated")
	}
}

// TestKilledBlobWriteCleaned: a blob writer killed mid-write leaves its
// temporary; the next ingest removes it, but never a temporary that a live
// writer still holds.
func TestKilledBlobWriteCleaned(t *testing.T) {
	ws := newWorkspace(t, "")
	d := filepath.Join(ws.blobs.dir, "ab")
	os.MkdirAll(d, 0o700)
	dead := filepath.Join(d, tempPrefix+"dead")
	if err := os.WriteFile(dead, make([]byte, 1<<20), 0o600); err != nil {
		t.Fatal(err)
	}
	live, err := os.CreateTemp(d, tempPrefix+"*")
	if err != nil {
		t.Fatal(err)
	}
	defer live.Close()
	if err := syscall.Flock(int(live.Fd()), syscall.LOCK_EX); err != nil {
		t.Fatal(err)
	}
	if _, err := ws.Ingest(context.Background(), analyst, nil, ingest.Options{}); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(dead); !errors.Is(err, os.ErrNotExist) {
		t.Error("a dead writer's temporary survived the next ingest")
	}
	if _, err := os.Stat(live.Name()); err != nil {
		t.Errorf("a live writer's temporary was removed: %v", err)
	}
}

// TestRedactAllGoesOnPastDamage: one damaged sealed text is reported and
// the others are redacted; redactions commit with their token mappings.
func TestRedactAllGoesOnPastDamage(t *testing.T) {
	ctx := context.Background()
	for name, dsn := range backends(t) {
		t.Run(name, func(t *testing.T) {
			ws := newWorkspace(t, dsn(t))
			var ids []int64
			ws.ListDocs(ctx, analyst, func(d DocInfo) error {
				if d.TextSize > 0 {
					ids = append(ids, d.ID)
				}
				return nil
			})
			bad := ids[2]
			// Damage: the sealed text of one document is replaced by
			// another's (it no longer opens under its own place).
			execSQL(t, ws, `UPDATE docs SET text = (SELECT text FROM docs WHERE id = ?) WHERE id = ?`, ids[0], bad)
			res, err := ws.RedactAll(ctx, analyst, redactOptions(t), nil)
			if err != nil {
				t.Fatalf("one damaged document aborted redact --all: %v", err)
			}
			if len(res.Damaged) != 1 || res.Damaged[0] != bad {
				t.Errorf("damaged %v, want [%d]", res.Damaged, bad)
			}
			if len(res.Report.Documents) != len(ids)-1 {
				t.Errorf("%d documents redacted, want %d", len(res.Report.Documents), len(ids)-1)
			}
			for _, d := range res.Report.Documents {
				if strings.ContainsAny(d.Document, "/. ") {
					t.Errorf("report names a document %q: want its id only", d.Document)
				}
			}
			// Every token in every redaction can be revealed.
			checkTokensRevealable(t, ws, ids)
		})
	}
}

// checkTokensRevealable reveals every token found in the documents'
// redacted texts.
func checkTokensRevealable(t *testing.T, ws *Workspace, ids []int64) {
	t.Helper()
	ctx := context.Background()
	n := 0
	for _, id := range ids {
		r, err := ws.store.Redaction(ctx, id)
		if err != nil {
			continue
		}
		for _, w := range strings.FieldsFunc(string(r.Text), func(c rune) bool {
			return !(c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-')
		}) {
			if _, ok := redact.ParseToken(w); !ok {
				continue
			}
			n++
			if _, err := ws.store.LookupToken(ctx, ws.tokenKey(w)); err != nil {
				t.Errorf("document %d: token %s cannot be revealed: %v", id, w, err)
			}
		}
	}
	if n == 0 {
		t.Error("no token found in the redactions")
	}
}

// TestRevealKeepsAddressesOutOfTheAuditTarget: revealing a raw
// (prefix-preserved) address leaves no address in the audit log's
// plaintext columns, on either database.
func TestRevealKeepsAddressesOutOfTheAuditTarget(t *testing.T) {
	ctx := context.Background()
	for name, dsn := range backends(t) {
		t.Run(name, func(t *testing.T) {
			ws := mustReopen(t, createBare(t, dsn(t)))
			for _, v := range []string{"203.0.113.77", "2001:db8::77"} {
				if _, _, err := ws.Reveal(ctx, admin, v); !errors.Is(err, ErrNotFound) {
					t.Fatalf("reveal %s: %v", v, err)
				}
			}
			rows, err := ws.store.DB().QueryContext(ctx, `SELECT actor, action, target FROM audit`)
			if err != nil {
				t.Fatal(err)
			}
			defer rows.Close()
			for rows.Next() {
				var actor, action, target string
				rows.Scan(&actor, &action, &target)
				if strings.Contains(target, "203.0.113") || strings.Contains(target, "db8") {
					t.Errorf("audit %s target %q holds the address", action, target)
				}
			}
			var detail []byte
			ws.audit.List(ctx, func(e AuditEvent) error {
				if e.Action == "reveal" {
					detail = e.Detail
				}
				return nil
			})
			if !strings.Contains(string(detail), "2001:db8::77") {
				t.Errorf("the sealed detail should keep what was asked: %q", detail)
			}
		})
	}
}

// TestRedactAllKilledKeepsTokens: redact --all dies halfway (a panic
// stands in for kill -9: nothing after it runs, no deferred flush); every
// redaction it left has its token mappings, and verify --all refuses a
// redaction whose mappings are missing (as an older antidote left them).
func TestRedactAllKilledKeepsTokens(t *testing.T) {
	ctx := context.Background()
	for name, dsn := range backends(t) {
		t.Run(name, func(t *testing.T) {
			ws := newWorkspace(t, dsn(t))
			var ids []int64
			ws.ListDocs(ctx, analyst, func(d DocInfo) error { ids = append(ids, d.ID); return nil })
			func() {
				defer func() {
					if r := recover(); r != "killed" {
						t.Fatalf("recovered %v", r)
					}
				}()
				n := 0
				ws.RedactAll(ctx, analyst, redactOptions(t), func(int) {
					if n++; n == 15 {
						panic("killed")
					}
				})
			}()
			var redacted []int64
			for _, id := range ids {
				if _, err := ws.store.Redaction(ctx, id); err == nil {
					redacted = append(redacted, id)
				}
			}
			if len(redacted) == 0 || len(redacted) >= len(ids) {
				t.Fatalf("%d of %d documents redacted before the kill", len(redacted), len(ids))
			}
			checkTokensRevealable(t, ws, redacted)
			sc, err := detect.New(detect.Options{})
			if err != nil {
				t.Fatal(err)
			}
			vo := VerifyOptions{Scanner: sc, Policy: redact.DefaultPolicy()}
			sum, err := ws.VerifyAll(ctx, analyst, vo, func(VerifiedDoc) error { return nil }, nil)
			if err != nil || sum.Incomplete != 0 || sum.Passed != len(redacted) {
				t.Fatalf("verify after the kill: %+v, %v; want the %d redacted documents passed", sum, err, len(redacted))
			}
			// The state an older antidote left: redactions without tokens.
			execSQL(t, ws, `DELETE FROM redaction_tokens`)
			var incomplete []int64
			sum, err = ws.VerifyAll(ctx, analyst, vo, func(v VerifiedDoc) error {
				if v.MissingTokens > 0 {
					incomplete = append(incomplete, v.Doc)
				}
				return nil
			}, nil)
			if err != nil || sum.Incomplete == 0 || sum.Passed+sum.Incomplete != len(redacted) {
				t.Errorf("verify of redactions without their tokens: %+v, %v; want them refused", sum, err)
			}
			verified, _, _ := ws.store.RedactionChecks(ctx)
			for _, id := range incomplete {
				if verified[id] {
					t.Errorf("document %d counts as verified without its token mappings", id)
				}
			}
		})
	}
}

// TestLegacyHead: a head in the old, unauthenticated format is accepted
// once, by the migration to schema 50 (the first run of this antidote on
// the workspace), and upgraded; after that it is refused everywhere (a
// rewritten head in the old format could hide a cut).
func TestLegacyHead(t *testing.T) {
	ctx := context.Background()
	dir := createBare(t, "")
	commands(t, dir, 2)
	ws := mustReopen(t, dir)
	h, err := ws.readHead()
	if err != nil {
		t.Fatal(err)
	}
	// Back to what an antidote before schema 50 left.
	for _, q := range []string{`DELETE FROM schema_version WHERE version >= 50`,
		`ALTER TABLE redaction_checks DROP COLUMN mac`, `ALTER TABLE release_approvals DROP COLUMN mac`, `ALTER TABLE case_events DROP COLUMN mac`,
		`ALTER TABLE cases DROP COLUMN mac`, `ALTER TABLE findings DROP COLUMN mac`, `ALTER TABLE embargo_policy DROP COLUMN mac`, `ALTER TABLE products DROP COLUMN mac`} {
		execSQL(t, ws, q)
	}
	ws.Close()
	legacy, _ := json.Marshal(struct {
		Seq int64
		MAC []byte
	}{h.Seq, h.MAC})
	os.WriteFile(filepath.Join(dir, headFile), legacy, 0o600)
	l, _ := Find(dir)
	keys, _ := l.UnlockPassphrase(secret.NewString(testPass))
	ws, err = l.Open(ctx, keys, OpenOptions{Migrate: true})
	if err != nil {
		t.Fatalf("migrate with an old-format head: %v", err)
	}
	ws.Close()
	commands(t, dir, 1)
	// After the upgrade, a head rewritten in the old format is refused,
	// by commands and by audit verify.
	os.WriteFile(filepath.Join(dir, headFile), legacy, 0o600)
	if _, err := reopen(t, dir); !errors.Is(err, errLegacyHead) || !errors.Is(err, ErrAuditTampered) {
		t.Fatalf("open with an old-format head after the upgrade: %v, want errLegacyHead", err)
	}
	ws, err = l.Open(ctx, keys, OpenOptions{AuditRecovery: true})
	if err != nil {
		t.Fatal(err)
	}
	defer ws.Close()
	if _, err := ws.AuditVerify(ctx, admin); err == nil {
		t.Error("audit verify accepted an old-format head after the upgrade")
	}
}

// countingAudit counts the events the audit log reads.
type countingAudit struct {
	audit.Store
	n *int
}

func (c countingAudit) ListAuditFrom(ctx context.Context, from int64, fn func(audit.Event) error) error {
	return c.Store.ListAuditFrom(ctx, from, func(e audit.Event) error { *c.n++; return fn(e) })
}

// TestHeadCheckReadsOnlyNewEvents: the check every command runs reads the
// events since the head, not the whole log (work counted, not timed).
func TestHeadCheckReadsOnlyNewEvents(t *testing.T) {
	ctx := context.Background()
	dir := createBare(t, "")
	ws := mustReopen(t, dir)
	for i := 0; i < 500; i++ {
		if err := ws.record(ctx, analyst, "docs.list", "", nil); err != nil {
			t.Fatal(err)
		}
	}
	n := 0
	ws.audit = audit.New(countingAudit{ws.store, &n}, ws.keys.MAC("audit"))
	if err := ws.checkHead(ctx, false, false); err != nil {
		t.Fatal(err)
	}
	if n > 1 {
		t.Errorf("the head check read %d events of a 501-event log, want 1", n)
	}
	n = 0
	if err := ws.record(ctx, analyst, "docs.list", "", nil); err != nil {
		t.Fatal(err)
	}
	if n > 2 {
		t.Errorf("recording one event read %d events, want at most 2", n)
	}
}

// BenchmarkOpen measures opening a workspace (head check included) with a
// long audit log.
func BenchmarkOpen(b *testing.B) {
	ctx := context.Background()
	dir := filepath.Join(b.TempDir(), "ws")
	ws, _, err := Create(ctx, admin, dir, secret.NewString(testPass), CreateOptions{KDF: InsecureKDF()})
	if err != nil {
		b.Fatal(err)
	}
	for i := 0; i < 2000; i++ {
		ws.record(ctx, analyst, "docs.list", "", nil)
	}
	ws.Close()
	l, _ := Find(dir)
	keys, _ := l.UnlockPassphrase(secret.NewString(testPass))
	for _, c := range []struct {
		name string
		o    OpenOptions
	}{{"head-check", OpenOptions{}}, {"no-head-check", OpenOptions{AuditRecovery: true}}} {
		b.Run(c.name, func(b *testing.B) {
			for i := 0; i < b.N; i++ {
				ws, err := l.Open(ctx, keys, c.o)
				if err != nil {
					b.Fatal(err)
				}
				ws.Close()
			}
		})
	}
}

// FuzzParseCheckpoint: any input gives a checkpoint or an error, never a
// panic, and what parses prints back to a line that parses the same.
func FuzzParseCheckpoint(f *testing.F) {
	f.Add([]byte("antidote-audit-checkpoint-v1 seq=3 hash=00ff time=2026-12-06T02:00:00Z tag=0000\n"))
	f.Add([]byte("note\nantidote-audit-checkpoint-v1 seq=-1 hash=zz time=x tag=\n"))
	f.Add([]byte("antidote-audit-checkpoint-v1 seq=9223372036854775807 hash= time=2026-12-06T02:00:00+02:00 tag=ab"))
	f.Add([]byte(""))
	f.Fuzz(func(t *testing.T, b []byte) {
		c, err := ParseCheckpoint(b)
		if err != nil {
			return
		}
		again, err := ParseCheckpoint([]byte(c.String()))
		if err != nil || again.Seq != c.Seq || !bytes.Equal(again.Hash, c.Hash) || !bytes.Equal(again.Tag, c.Tag) || !again.At.Equal(c.At.Truncate(time.Second)) {
			t.Fatalf("%q parsed to %+v, printed %q, parsed again to %+v, %v", b, c, c.String(), again, err)
		}
	})
}

// FuzzHeadFile: a head file of any content is refused or authenticates,
// never a panic; only the workspace key makes one that authenticates.
func FuzzHeadFile(f *testing.F) {
	dir := createBare(f, "")
	f.Add([]byte(`{"version":1,"seq":2,"mac":"00","at":"2026-01-01T00:00:00Z","tag":"00"}`))
	f.Add([]byte(`{"Seq":2,"MAC":"AAAA"}`))
	f.Add([]byte(`null`))
	f.Add(make([]byte, 64))
	l, err := Find(dir)
	if err != nil {
		f.Skip(err)
	}
	keys, _ := l.UnlockPassphrase(secret.NewString(testPass))
	ws, err := l.Open(context.Background(), keys, OpenOptions{AuditRecovery: true})
	if err != nil {
		f.Fatal(err)
	}
	defer ws.Close()
	f.Fuzz(func(t *testing.T, b []byte) {
		ws.headPath = filepath.Join(t.TempDir(), headFile)
		os.WriteFile(ws.headPath, b, 0o600)
		if h, err := ws.readHead(); err == nil {
			t.Fatalf("%q authenticates as %+v without the key", b, h)
		}
	})
}
