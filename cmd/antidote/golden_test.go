package main

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"regexp"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/golden from this run")

// golden compares got with testdata/golden/NAME, or rewrites it under
// -update, so that a change of a machine-readable output is deliberate.
func golden(t *testing.T, dir, name string, got []byte) {
	t.Helper()
	path := filepath.Join(dir, name)
	if *update {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run 'go test ./cmd/antidote -run TestGolden -update' to create it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s changed; if that is intended, rerun with -update and review the diff\n--- got\n%s\n--- want\n%s", name, got, want)
	}
}

// TestGolden pins the JSON that scripts and other tools read: docs list,
// scan, report and the release plan, on a fixed leak.
func TestGolden(t *testing.T) {
	goldenDir, err := filepath.Abs(filepath.Join("testdata", "golden"))
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	t.Chdir(dir)
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(os.MkdirAll("leak/mail", 0o700))
	must(os.WriteFile("leak/notes.txt", []byte("Listening post 8.8.8.8 and 2001:4860:4860::8888; mail ops@example.com.\nDevice 00:1a:2b:3c:4d:5e on 10.0.0.7.\n"), 0o600))
	must(os.WriteFile("leak/mail/ios.txt", []byte("The implant gives remote code execution on iOS 10.3 devices.\n"), 0o600))
	env := testEnv(t)
	env["ANTIDOTE_WORKSPACE"] = filepath.Join(dir, "ws")
	run := func(args ...string) []byte {
		t.Helper()
		out, stderr, err := runCLI(t, env, args...)
		if err != nil && exitCode(err) != exitPartial {
			t.Fatalf("antidote %v: %v\n%s", args, err, stderr)
		}
		return []byte(out)
	}
	run("init")
	run("ingest", "--quiet", "leak")
	golden(t, goldenDir, "docs-list.jsonl", run("docs", "list", "--json"))
	golden(t, goldenDir, "scan.jsonl", run("scan", "--json", "leak/notes.txt"))
	run("findings", "extract")
	run("redact", "--all")
	// Tokens are keyed by the workspace's random key: masked here, their
	// shape kept.
	tokens := regexp.MustCompile(`([A-Za-z0-9]+-(?:[A-Z]{2}-)?)[A-Z2-7]{12}`)
	golden(t, goldenDir, "report.json", tokens.ReplaceAll(run("report", "--json"), []byte("${1}TOKEN")))
	golden(t, goldenDir, "release-plan.jsonl", run("release", "plan", "--json", "--at", "2017-06-01T00:00:00Z"))
}
