package main

import (
	"bytes"
	"context"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"antidote/internal/store"
)

// nopSealer seals nothing: the admin connection that makes the test schema
// stores no data.
type nopSealer struct{}

func (nopSealer) Seal(p, _ []byte) []byte          { return p }
func (nopSealer) Open(c, _ []byte) ([]byte, error) { return c, nil }

// postgresWorkspaceDSN returns the URL of a fresh, empty schema on the test
// server, dropped when the test ends. Without a reachable server the test
// skips, except in CI, where it fails.
func postgresWorkspaceDSN(t *testing.T) string {
	t.Helper()
	dsn := os.Getenv("ANTIDOTE_TEST_POSTGRES")
	if dsn == "" {
		dsn = "postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable"
	}
	admin, cleanup, err := store.OpenPostgresTestSchema(context.Background(), dsn, nopSealer{})
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("PostgreSQL is required in CI: %v", err)
		}
		t.Skipf("PostgreSQL not reachable (set ANTIDOTE_TEST_POSTGRES): %v", err)
	}
	t.Cleanup(cleanup)
	var schema string
	if err := admin.DB().QueryRowContext(context.Background(), `SELECT current_schema()`).Scan(&schema); err != nil {
		t.Fatal(err)
	}
	u, err := url.Parse(dsn)
	if err != nil {
		t.Fatal(err)
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String()
}

// TestPostgresWorkspaceEndToEnd runs an analyst's day on a team workspace
// kept in PostgreSQL: ingest, search, findings, redaction, verification and
// the release plan, and then checks with pg_dump that the server holds no
// plaintext of the leak.
func TestPostgresWorkspaceEndToEnd(t *testing.T) {
	dsn := postgresWorkspaceDSN(t)
	env := testEnv(t)
	leak := filepath.Join(t.TempDir(), "leak")
	writeCanaryLeak(t, leak)
	mustRun := func(args ...string) string {
		t.Helper()
		out, stderr, err := runCLI(t, env, args...)
		if err != nil && exitCode(err) != exitPartial {
			t.Fatalf("antidote %s: %v\n%s%s", strings.Join(args, " "), err, out, stderr)
		}
		return out + stderr
	}
	if out := mustRun("init", "--database", dsn); !strings.Contains(out, "postgres") {
		t.Fatalf("init did not report a PostgreSQL workspace: %s", out)
	}
	// An unlock session of a PostgreSQL workspace opens PostgreSQL: no
	// stray SQLite file, and the unlock is in the server's audit log.
	t.Setenv("XDG_RUNTIME_DIR", t.TempDir())
	mustRun("unlock", "--for", "1m")
	t.Cleanup(func() { runCLI(t, env, "lock") })
	if _, err := os.Stat(filepath.Join(env["ANTIDOTE_WORKSPACE"], "antidote.db")); !os.IsNotExist(err) {
		t.Errorf("unlock of a PostgreSQL workspace made a SQLite file (stat: %v)", err)
	}
	if out := mustRun("audit", "list", "--json"); !strings.Contains(out, `"action":"unlock"`) {
		t.Errorf("the unlock is not in the PostgreSQL audit log:\n%s", out)
	}
	mustRun("ingest", "--quiet", leak)
	for _, c := range []string{"zqxcanaryhtml", "zqxcanarymail"} {
		if out := mustRun("search", "--json", c); !strings.Contains(out, `"doc"`) {
			t.Errorf("search %s on PostgreSQL found nothing: %s", c, out)
		}
	}
	mustRun("redact", "--all")
	if out := mustRun("verify", "--all"); !strings.Contains(out, "recorded as verified") {
		t.Errorf("verify --all on PostgreSQL: %s", out)
	}
	if out := mustRun("release", "plan", "--json"); !strings.Contains(out, `"releasable":false`) {
		t.Errorf("release plan on PostgreSQL: %s", out)
	}
	if out := mustRun("audit", "verify"); !strings.Contains(out, "intact") {
		t.Errorf("audit verify on PostgreSQL: %s", out)
	}

	u, _ := url.Parse(dsn)
	schema := u.Query().Get("search_path")
	q := u.Query()
	q.Del("search_path")
	u.RawQuery = q.Encode()
	dump, err := exec.Command("pg_dump", "--dbname="+u.String(), "--schema="+schema).Output()
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("pg_dump: %v", err)
		}
		t.Skipf("pg_dump not usable: %v", err)
	}
	for _, table := range []string{"docs", "doc_paths", "index_postings", "index_segments", "redactions", "redaction_tokens", "audit"} {
		if !bytes.Contains(dump, []byte("COPY "+schema+"."+table+" ")) {
			t.Fatalf("pg_dump of %s holds no %s rows: is it the workspace's schema?", schema, table)
		}
	}
	low := bytes.ToLower(dump)
	for _, c := range append(canaries, "zqxnotindexed", "escape.txt", "notes.txt") {
		if bytes.Contains(low, []byte(c)) {
			t.Errorf("canary %q in plaintext in pg_dump of the workspace", c)
		}
	}
}
