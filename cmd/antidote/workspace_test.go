package main

import (
	"database/sql"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"antidote/internal/audit"
	"antidote/internal/vault"
)

func TestRecoverWithShares(t *testing.T) {
	env := testEnv(t)
	out, _, err := runCLI(t, env, "init", "--shares", "5", "--threshold", "3")
	if err != nil {
		t.Fatal(err)
	}
	var shares []string
	for _, line := range strings.Split(out, "\n") {
		if strings.HasPrefix(line, "antidote-share") {
			shares = append(shares, line)
		}
	}
	if len(shares) != 5 {
		t.Fatalf("init printed %d shares, want 5:\n%s", len(shares), out)
	}
	dir := t.TempDir()
	two := filepath.Join(dir, "two")
	os.WriteFile(two, []byte(shares[0]+"\n"+shares[3]+"\n"), 0o600)
	three := filepath.Join(dir, "three")
	os.WriteFile(three, []byte(shares[4]+"\n"+shares[1]+"\n"+shares[2]+"\n"), 0o600)
	env["ANTIDOTE_NEW_PASSPHRASE"] = "recovered passphrase"
	delete(env, "ANTIDOTE_PASSPHRASE")
	if _, _, err := runCLI(t, env, "recover", "--shares-file", two); err == nil || exitCode(err) != exitAuth {
		t.Fatalf("recover with 2 of 3 needed shares = %v, want an auth error", err)
	}
	if _, _, err := runCLI(t, env, "recover", "--shares-file", three); err != nil {
		t.Fatalf("recover with 3 shares: %v", err)
	}
	env["ANTIDOTE_PASSPHRASE"] = "test passphrase"
	if _, _, err := runCLI(t, env, "docs", "list"); !errors.Is(err, vault.ErrBadPassphrase) {
		t.Fatalf("old passphrase after recovery = %v, want ErrBadPassphrase", err)
	}
	env["ANTIDOTE_PASSPHRASE"] = "recovered passphrase"
	if _, _, err := runCLI(t, env, "docs", "list"); err != nil {
		t.Fatalf("new passphrase after recovery: %v", err)
	}
}

// TestAuditVerifyCatchesEdits edits the database behind antidote's back:
// a rewritten event and a log cut short are both reported.
func TestAuditVerifyCatchesEdits(t *testing.T) {
	for _, edit := range []string{
		`UPDATE audit SET actor = 'mallory' WHERE seq = 1`,
		`DELETE FROM audit WHERE seq = (SELECT max(seq) FROM audit)`,
	} {
		env := testEnv(t)
		runCLI(t, env, "init")
		runCLI(t, env, "docs", "list")
		if _, _, err := runCLI(t, env, "audit", "verify"); err != nil {
			t.Fatalf("intact log: %v", err)
		}
		db, err := sql.Open("sqlite", filepath.Join(env["ANTIDOTE_WORKSPACE"], "antidote.db"))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := db.Exec(edit); err != nil {
			t.Fatal(err)
		}
		db.Close()
		_, _, err = runCLI(t, env, "audit", "verify")
		if !errors.Is(err, audit.ErrTampered) {
			t.Errorf("after %q: audit verify = %v, want ErrTampered", edit, err)
		}
	}
}
