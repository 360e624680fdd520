package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestArchivePasswordFromFile: an archive password given in a file (not on
// the command line, where 'ps' shows it) opens the archive; the help says
// which way is safe.
func TestArchivePasswordFromFile(t *testing.T) {
	env := testEnv(t)
	src, err := os.ReadFile(filepath.Join("testdata", "leaks", "zipcrypto.zip"))
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	zipPath := filepath.Join(dir, "enc.zip")
	os.WriteFile(zipPath, src, 0o600)
	pw := filepath.Join(dir, "passwords")
	os.WriteFile(pw, []byte("not it\r\n\nopen sesame\n"), 0o600)
	runCLI(t, env, "init")
	sum, err := ingestJSON(t, env, "--password-file", pw, zipPath)
	if err != nil {
		t.Fatalf("ingest --password-file: %v", err)
	}
	docs := listDocs(t, env)
	if sum.New != len(docs) || len(docs) < 3 {
		t.Errorf("stored %d new documents of %d", sum.New, len(docs))
	}
	for _, d := range docs {
		if d.Status != "ok" {
			t.Errorf("document %d is %s: %s", d.ID, d.Status, d.Reason)
		}
	}
	if _, _, err := runCLI(t, env, "ingest", "--password-file", filepath.Join(dir, "none"), zipPath); err == nil || !strings.Contains(err.Error(), "password file") {
		t.Errorf("a missing password file: %v", err)
	}
	out, errOut, _ := runCLI(t, env, "ingest", "-h")
	if help := out + errOut; !strings.Contains(help, "UNSAFE: visible to every user in 'ps'") || !strings.Contains(help, "--ask-password") {
		t.Errorf("ingest help does not say which password option is safe:\n%s", out+errOut)
	}
}
